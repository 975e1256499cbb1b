"""`image_repo upload`'s plan: names as the server makes them, non-images by their bytes, and
collisions settled before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from image_repo.upload_plan import OnCollision, looks_like_image, plan_uploads

PNG = b"\x89PNG\r\n\x1a\n" + bytes(20)
GIF = b"GIF89a" + bytes(20)


def files(root: Path, contents: dict[str, bytes]) -> Path:
    for relative, data in contents.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    return root


@pytest.mark.parametrize(
    ("head", "is_image"),
    [
        (b"\xff\xd8\xff\xe0" + bytes(12), True),
        (PNG, True),
        (GIF, True),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", True),
        (b"II*\x00" + bytes(12), True),
        (b"\x00\x00\x00\x1cftypheic" + bytes(4), True),
        (b"\x00\x00\x00\x1cftypisom" + bytes(4), False),  # an MP4 video
        (b"%PDF-1.7\n" + bytes(8), False),
        (b"holiday notes\n", False),
        (b"", False),
    ],
)
def test_images_are_told_by_their_first_bytes(head: bytes, is_image: bool) -> None:
    assert looks_like_image(head) is is_image


def test_names_drop_the_format_extension_under_the_prefix(tmp_path: Path) -> None:
    root = files(tmp_path, {"a/cat.PNG": PNG, "a/notes.txt": b"text", "dog.tar.gif": GIF})
    plan = plan_uploads(root, "/bulk/", OnCollision.FAIL)
    assert [u.name for u in plan.uploads] == ["bulk/a/cat", "bulk/dog.tar"]
    assert plan.not_images == (root / "a/notes.txt",)


def test_a_collision_fails_alone_by_default(tmp_path: Path) -> None:
    root = files(tmp_path, {"h.gif": GIF, "h.png": PNG, "other.png": PNG})
    plan = plan_uploads(root, "", OnCollision.FAIL)
    assert [u.name for u in plan.uploads] == ["other"]
    assert [(c.name, c.kept) for c in plan.collisions] == [("h", None)]
    assert plan.left_out == 2


def test_first_keeps_the_first_in_sorted_order(tmp_path: Path) -> None:
    root = files(tmp_path, {"h.png": PNG, "h.gif": GIF, "h.bmp": b"BM" + bytes(20)})
    plan = plan_uploads(root, "", OnCollision.FIRST)
    assert [(u.path.name, u.name) for u in plan.uploads] == [("h.bmp", "h")]
    assert plan.left_out == 2


def test_keep_extension_names_each_and_refuses_what_still_collides(tmp_path: Path) -> None:
    root = files(tmp_path, {"h.png": PNG, "h.GIF": GIF, "h_png.gif": GIF, "solo.png": PNG})
    plan = plan_uploads(root, "", OnCollision.KEEP_EXTENSION)
    assert sorted(u.name for u in plan.uploads) == ["h_GIF", "solo"]
    assert [(c.name, len(c.paths)) for c in plan.collisions] == [("h_png", 2)]
