"""The benchmark's summary table reads the figures its parts print (bench/__main__.py)."""

from __future__ import annotations

from bench.__main__ import Row, first_view_rows, imaging_rows, ratio_row

# The lines bench/imaging.py prints, column for column.
IMAGING_OUTPUT = "\n".join(
    [
        "image_repo with images.processor: pillow; libvips 8.18.7",
        "workload                             ours ms     p90    +MiB vips ms     p90    +MiB"
        "   ratio  target",
        "24 MP JPEG -> 50x50 thumbnail           30.9    31.4     0.0    33.2    34.0    11.2"
        "    0.93  <=1.1 ok",
        "24 MP JPEG -> fit 800                   47.8    48.7    16.6    47.6    51.0    52.4"
        "    1.00  <=1.1 ok",
        "4000x3000 RGBA PNG -> fit 800 JPEG     250.6   254.3   109.8   149.2   154.6   121.1"
        "    1.68  <=1.2 MISSED",
    ]
)


def test_imaging_ratios_and_memory_are_read_against_their_targets() -> None:
    rows = imaging_rows(IMAGING_OUTPUT, "pillow")
    assert [(r.measured, r.met) for r in rows] == [
        ("0.93x", True),
        ("0.0 MiB", True),
        ("1.00x", True),
        ("16.6 MiB", False),
        ("1.68x", False),
    ]


def test_a_missing_figure_is_reported_as_not_measured() -> None:
    def cold(output: str) -> Row:
        return ratio_row("cold", output, r"ratio: ([\d.]+)x thumbor", 1.5)

    assert cold("ratio: 2.24x thumbor (target >= 1.5x)") == Row("cold", "2.24x", ">= 1.5x", True)
    assert cold("thumbor did not start") == Row("cold", "not measured", "", False)


def test_first_view_ratios_are_read_against_their_target() -> None:
    output = "\n".join(
        [
            "original    box  image_repo ms  Swift GET + libvips ms ratio",
            "uploaded     50          132.9                   128.6 cold ratio 1.03x <=1.2",
            "name.jpg    800          190.1                   150.0 cold ratio 1.27x <=1.2",
        ]
    )
    rows = first_view_rows(output)
    assert [(r.figure, r.measured, r.met) for r in rows] == [
        ("truly cold, uploaded at 50 px vs Swift GET + libvips", "1.03x", True),
        ("truly cold, name.jpg at 800 px vs Swift GET + libvips", "1.27x", False),
    ]
