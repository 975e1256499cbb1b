"""The whole benchmark in one command: `./scripts/bench` (or `.venv/bin/python -m bench`).

Each part runs in its own process, one after the other (they would compete for the cores), and
its output is shown as it comes; the run ends with one table of every figure issue 7 sets a
target for. Parts install what they need on first use: wrk and nginx from Debian, thumbor 7.8 in
`.venv-thumbor`; libvips comes with the `vips` extra of `.venv`.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import attrs

REPO = Path(__file__).resolve().parents[1]
IMAGING_ROW = re.compile(
    r"^(\d.+?)\s{2,}([\d.]+)\s+([\d.]+)\s+(-?[\d.]+)\s.*\s([\d.]+)\s+<=([\d.]+)"
)


@attrs.frozen
class Part:
    title: str
    arguments: tuple[str, ...]


@attrs.frozen
class Row:
    figure: str
    measured: str
    target: str
    met: bool | None  # None: reported for context, no target of its own


def parts(seconds: float, runs: int) -> list[Part]:
    http = ("--seconds", f"{seconds:g}")
    return [
        Part("imaging, images.processor: auto (default)", ("imaging.py", "--runs", str(runs))),
        Part(
            "imaging, images.processor: pillow",
            ("imaging.py", "--runs", str(runs), "--processor", "pillow"),
        ),
        Part(
            "imaging, images.processor: vips",
            ("imaging.py", "--runs", str(runs), "--processor", "vips"),
        ),
        Part("editing: each modifier's added cost beside libvips (SPEC 14)", ("editing.py",)),
        Part("cold derivations over HTTP, default settings", ("http_cold.py", *http)),
        Part(
            "cold derivations, cache.swift_cache: false",
            ("http_cold.py", *http, "--no-swift-cache"),
        ),
        Part(
            "cold derivations, no prepared originals",
            ("http_cold.py", *http, "--no-swift-cache", "--no-prepared-cache"),
        ),
        Part("memory-cache hits beside nginx", ("http_hits.py", "--seconds", f"{seconds / 2:g}")),
        Part("hit latency, pool saturated", ("http_saturated.py", "--seconds", f"{seconds:g}")),
        Part("cache locality, three nodes behind nginx", ("cluster_locality.py",)),
        Part("first views: truly cold, and upload then view", ("first_view.py",)),
        Part("the field's workload beside thumbor 7.8 (SPEC 12)", ("servers.py", *http)),
        Part("stale answers and hit ratio through Varnish (SPEC 13)", ("edge.py",)),
        Part("what placeholders and faces add to an upload (SPEC 15)", ("looks.py",)),
    ]


def run(part: Part) -> str:
    print(f"\n## {part.title}\n", flush=True)
    command = [sys.executable, str(REPO / "bench" / part.arguments[0]), *part.arguments[1:]]
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        if "WARNING: Location" in line:  # pip's noise about local mirrors
            continue
        print(line, end="", flush=True)
        lines.append(line.rstrip("\n"))
    if process.wait() != 0:
        raise SystemExit(f"{part.title} failed (exit {process.returncode})")
    return "\n".join(lines)


def imaging_rows(output: str, processor: str) -> list[Row]:
    rows = []
    for line in output.splitlines():
        match = IMAGING_ROW.match(line)
        if match is None:
            continue
        workload, added_mib, ratio, target = match[1], float(match[4]), float(match[5]), match[6]
        rows.append(
            Row(
                f"{workload} vs libvips ({processor})",
                f"{ratio:.2f}x",
                f"<= {target}x",
                ratio <= float(target),
            )
        )
        if workload.startswith("24 MP"):
            rows.append(
                Row(
                    f"{workload}: memory added ({processor})",
                    f"{added_mib:.1f} MiB",
                    "<= 15 MiB",
                    added_mib <= 15,
                )
            )
    return rows


def ratio_row(figure: str, output: str, pattern: str, target: float | None, unit: str = "x") -> Row:
    """The first number `pattern` captures in `output`; at least `target` to be met."""
    found = re.search(pattern, output)
    if found is None:
        return Row(figure, "not measured", "", False)
    value = float(found[1])
    if target is None:
        return Row(figure, f"{value:.2f}{unit}", "(context)", None)
    return Row(figure, f"{value:.2f}{unit}", f">= {target}{unit}", value >= target)


def first_view_rows(output: str) -> list[Row]:
    """bench/first_view.py's rows: truly cold vs Swift GET + libvips, at most 1.2x each."""
    rows = []
    for line in output.splitlines():
        found = re.match(r"^(\S+)\s+(\d+)\s.*cold ratio ([\d.]+)x <=([\d.]+)", line)
        if found is not None:
            ratio, target = float(found[3]), float(found[4])
            figure = f"truly cold, {found[1]} at {found[2]} px vs Swift GET + libvips"
            rows.append(Row(figure, f"{ratio:.2f}x", f"<= {target}x", ratio <= target))
    return rows


def field_rows(output: str) -> list[Row]:
    """bench/servers.py's table: per format, thumbor's CPU per request over image_repo's against
    imgproxy's published margin; met only with no failure and bytes at most 1.1x thumbor's."""
    rows = []
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 11 or cells[0] not in ("jpg", "png", "webp", "avif"):
            continue
        failed, output_bytes = cells[8].split()[0], cells[9]
        figure = f"{cells[0]} CPU/req vs thumbor (failed {failed}, bytes {output_bytes})"
        rows.append(Row(figure, cells[3], f">= {cells[4]}", cells[10] == "yes"))
    return rows or [Row("field workload vs thumbor", "not measured", "", False)]


def edge_rows(output: str) -> list[Row]:
    """bench/edge.py's last line: stale answers through Varnish with purging (target 0) and
    without (context), and Varnish's hit ratio on a repeated workload (context)."""
    found = re.search(
        r"stale with purging: (\d+) of (\d+); without: (\d+) of (\d+); hit ratio: ([\d.]+)%",
        output,
    )
    if found is None:
        return [Row("stale answers through Varnish, purging", "not measured", "", False)]
    stale, answers, plain_stale, plain_answers = (int(found[i]) for i in range(1, 5))
    return [
        Row("stale answers through Varnish, purging", f"{stale}/{answers}", "0", stale == 0),
        Row(
            "stale through Varnish, no purging", f"{plain_stale}/{plain_answers}", "(context)", None
        ),
        Row("Varnish hit ratio, repeated workload", f"{found[5]}%", "(context)", None),
    ]


def editing_rows(output: str) -> list[Row]:
    """bench/editing.py's table: per modifier, image_repo's added CPU ms over libvips' (at most
    1.2x), or, where libvips adds so little that 1.2x is under the bench's resolution (0.5 ms),
    image_repo's added ms against libvips' + 0.5 ms (ratios of numbers that small are noise)."""
    rows = []
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 7 or cells[5] not in ("yes", "NO", "-"):
            continue
        name = cells[0]
        if cells[1].startswith("not measured"):
            rows.append(Row(f"edit {name}", "not yet", cells[4], False))
            continue
        mine, theirs = float(cells[1].split()[0]), float(cells[2].split()[0])
        figure = f"edit {name}: +{mine:.1f} ms, libvips +{theirs:.1f} ms"
        if cells[4].endswith("ms"):  # compared absolutely
            slack = float(re.findall(r"[\d.]+", cells[4])[0])
            target = f"<= +{max(theirs, 0.0) + slack:.1f} ms"
            rows.append(Row(figure, f"+{mine:.1f} ms", target, cells[5] == "yes"))
        else:
            rows.append(Row(figure, cells[3], cells[4], cells[5] == "yes"))
    return rows or [Row("edits vs libvips", "not measured", "", False)]


def looks_rows(output: str) -> list[Row]:
    """bench/looks.py's summary: the upload check's added CPU for the placeholders (at most
    10 ms, issue 25) and, for context, for face detection."""
    found = re.search(r"summary: placeholders add (-?[\d.]+) ms, faces add (-?[\d.]+) ms", output)
    if found is None:
        return [Row("placeholders added to an upload", "not measured", "", False)]
    placeholders, faces = float(found[1]), float(found[2])
    return [
        Row("placeholders added to a 24 MP upload", f"{placeholders:.1f} ms", "<= 10 ms",
            placeholders <= 10),
        Row("faces added to a 24 MP upload", f"{faces:.1f} ms", "(context)", None),
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20, help="length of each HTTP run")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per imaging workload")
    args = parser.parse_args()
    started = time.monotonic()
    outputs = [run(part) for part in parts(args.seconds, args.runs)]
    (auto, pillow, vips, editing, cold, cold_no_swift, cold_no_prepared, hits, saturated,
     locality, first, field, edge, looks) = outputs  # fmt: skip
    cold_pattern = r"ratio: ([\d.]+)x thumbor"
    rows = [
        *imaging_rows(auto, "auto"),
        *imaging_rows(pillow, "pillow"),
        *imaging_rows(vips, "vips"),
        *editing_rows(editing),
        ratio_row("cold derivations vs thumbor, defaults", cold, cold_pattern, 1.5),
        ratio_row("cold derivations vs thumbor, no swift_cache", cold_no_swift, cold_pattern, 1.5),
        ratio_row(
            "cold, no swift_cache, no prepared originals", cold_no_prepared, cold_pattern, None
        ),
        ratio_row("memory hits vs nginx static", hits, r"ratio: ([\d.]+)%", 50, "%"),
        ratio_row("local answers, routing by name", locality, r"([\d.]+)% by name", None, "%"),
        ratio_row("local answers, round-robin", locality, r"([\d.]+)% round-robin", None, "%"),
    ]
    rows += first_view_rows(first)
    rows += field_rows(field)
    rows += edge_rows(edge)
    rows += looks_rows(looks)
    p99 = re.search(r"p99 ([\d.]+) ms", saturated)
    if p99 is not None:
        rows.append(Row("hit p99, pool saturated", f"{p99[1]} ms", "< 20 ms", float(p99[1]) < 20))
    print(f"\n## Summary ({(time.monotonic() - started) / 60:.1f} min)\n")
    print(f"| {'figure':56} | {'measured':>10} | {'target':>10} | met |")
    print(f"| {'-' * 56} | {'-' * 10:>10} | {'-' * 10:>10} | --- |")
    for row in rows:
        verdict = "" if row.met is None else ("yes" if row.met else "NO")
        print(f"| {row.figure:56} | {row.measured:>10} | {row.target:>10} | {verdict:3} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
