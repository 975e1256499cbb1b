"""What `image_repo upload` sends, decided before anything is sent: each file's image name, the
files that are no image, and the names several files would share (collisions)."""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

from image_repo.domain.errors import InvalidNameError
from image_repo.domain.names import ImageName, split_format_extension

# The ISO base media file brands of AVIF and HEIF (HEIC) images, after `ftyp` at offset 4.
_HEIF_BRANDS = frozenset({b"avif", b"avis", b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1"})
HEAD_BYTES = 16


def looks_like_image(head: bytes) -> bool:
    """Whether a file's first bytes are the magic of a format the server accepts (JPEG, PNG,
    GIF, WebP, TIFF, BMP, AVIF, HEIF). The server decides; this only spares it what is plainly
    no image (a README, a .DS_Store, a PDF named .jpg)."""
    return (
        head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a"))
        or head.startswith((b"II*\x00", b"MM\x00*", b"BM"))
        or (head.startswith(b"RIFF") and head[8:12] == b"WEBP")
        or (head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS)
    )


class OnCollision(enum.Enum):
    """What to do with files whose names map to one image name (`a.gif`, `a.png` -> `a`)."""

    FAIL = "fail"  # upload none of them, report the group
    FIRST = "first"  # upload the first in sorted order of their paths, report the others
    KEEP_EXTENSION = "keep-extension"  # `a.gif` -> `a_gif`, `a.png` -> `a_png`

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class PlannedUpload:
    path: Path
    name: str


@attrs.frozen
class Collision:
    """Files that would all be stored as `name`; `kept` is the one uploaded (None: none)."""

    name: str
    paths: tuple[Path, ...]
    kept: Path | None = None

    @property
    def left_out(self) -> tuple[Path, ...]:
        return tuple(p for p in self.paths if p != self.kept)


@attrs.frozen
class UploadPlan:
    uploads: tuple[PlannedUpload, ...]
    not_images: tuple[Path, ...]
    bad_names: tuple[tuple[Path, str], ...]  # (file, why the server would refuse its name)
    collisions: tuple[Collision, ...]

    @property
    def left_out(self) -> int:
        """Files not uploaded because their name collides."""
        return sum(len(c.left_out) for c in self.collisions)


def files_under(folder: Path) -> Iterator[Path]:
    """Regular files, hidden ones (and hidden folders) left out, in a stable order."""
    for directory, subdirectories, files in os.walk(folder):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for file_name in sorted(files):
            if not file_name.startswith("."):
                yield Path(directory, file_name)


def _read_head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(HEAD_BYTES)


def plan_uploads(folder: Path, prefix: str, on_collision: OnCollision) -> UploadPlan:
    """Files are named by their path under `folder` (below `prefix`), as the server names an
    upload: the format extension dropped. Unreadable files count as bad names' kin: failed."""
    prefix = prefix.strip("/")
    named: list[PlannedUpload] = []
    not_images: list[Path] = []
    bad: list[tuple[Path, str]] = []
    for path in files_under(folder):
        relative = path.relative_to(folder).as_posix()
        try:
            if not looks_like_image(_read_head(path)):
                not_images.append(path)
                continue
            name = ImageName.parse(f"{prefix}/{relative}" if prefix else relative)
        except OSError as error:
            bad.append((path, error.strerror or str(error)))
        except InvalidNameError as error:
            bad.append((path, f"not a valid image name: {error}"))
        else:
            named.append(PlannedUpload(path, str(name)))
    uploads, collisions = _settle(named, on_collision)
    return UploadPlan(tuple(uploads), tuple(not_images), tuple(bad), tuple(collisions))


def _groups(planned: Iterable[PlannedUpload]) -> dict[str, list[PlannedUpload]]:
    groups: dict[str, list[PlannedUpload]] = {}
    for upload in planned:
        groups.setdefault(upload.name, []).append(upload)
    return groups


def _with_extension(upload: PlannedUpload) -> PlannedUpload:
    """`a/hopper.webp` -> `a/hopper_webp` (the extension as written); a file without a format
    extension keeps its name."""
    stem, image_format = split_format_extension(upload.path.name)
    if image_format is None:
        return upload
    extension = upload.path.name[len(stem) + 1 :]
    return PlannedUpload(upload.path, f"{upload.name}_{extension}")


def _settle(
    planned: list[PlannedUpload], on_collision: OnCollision
) -> tuple[list[PlannedUpload], list[Collision]]:
    """Uploads in path order, and the collisions. Names made by keep-extension that still
    collide (`a.JPG` beside `a.jpg` is fine; `a_png` beside `a.png` renamed is not) fail."""
    uploads: list[PlannedUpload] = []
    collisions: list[Collision] = []
    groups = _groups(planned)
    if on_collision is OnCollision.KEEP_EXTENSION:
        renamed = [_with_extension(u) if len(groups[u.name]) > 1 else u for u in planned]
        groups = _groups(renamed)
    for name, group in groups.items():
        paths = tuple(u.path for u in group)
        if len(group) == 1:
            uploads.append(group[0])
        elif on_collision is OnCollision.FIRST:
            uploads.append(group[0])
            collisions.append(Collision(name, paths, kept=group[0].path))
        else:
            collisions.append(Collision(name, paths))
    uploads.sort(key=lambda u: u.path)
    return uploads, collisions
