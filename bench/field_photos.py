"""The field benchmark's dataset (SPEC 12): real photographs from Debian packages, made the way
imgproxy's `image-servers-benchmark` makes DIV2K's.

That benchmark downloads DIV2K's validation photos (PNG, 2040 px on the longer side) and re-saves
each with `vips copy` as JPEG, WebP and AVIF. DIV2K cannot be fetched here, so the photographs come
from Debian's wallpaper packages instead (only the photos, chosen by looking at them; the
illustrations are left out), each resized with Pillow's LANCZOS so that its longer side is
2040 px (a few smaller ones are enlarged to get there), stored as PNG, then re-saved with pyvips
exactly as `vips copy` does: `jpegsave` and `webpsave` at their default Q 75, `heifsave` with
AV1 at Q 65, effort 0 (the Makefile's `[Q=65,effort=0]`). Nothing is stripped or added: the PNG
carries no metadata, so neither do the others.

The packages are pinned to the versions of Debian 12 ("bookworm") so the photos are the same on
every machine; `apt-get download` fetches them and `dpkg-deb -x` unpacks them (nothing is
installed). The result is cached in FOLDER with a `list.txt` as the Makefile writes it (per
photo: .png, .jpg, .webp, .avif) and only made again when something listed is missing.

Run alone: .venv/bin/python bench/field_photos.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

FOLDER = Path("/var/tmp/image_repo-bench-inputs/field")
DEBS = Path("/var/tmp/image_repo-bench-inputs/debs")
LONG_SIDE = 2040  # DIV2K's HR photos
FORMATS = ("png", "jpg", "webp", "avif")

PACKAGES = {
    "lomiri-wallpapers-16.04": "20.04.0-2",
    "lomiri-wallpapers-20.04": "20.04.0-2",
    "mate-backgrounds": "1.26.0-1",
    "plasma-workspace-wallpapers": "4:5.27.5-2",
}
LOMIRI_16 = (
    "Bridge_by_Sander_Klootwijk",
    "Dragonfly_by_Bolly",
    "Picture_0B_by_freespace",
    "Picture_1A_by_freespace",
    "Wine_by_Jakkub_Mede",
    "aitzgorri_by_Aitzol_Berasategi",
    "free_by_Peter_Nerlich",
    "friends_by_Aitzol_Berasategi",
    "life_by_Aitzol_Berasategi",
    "picosdeeuropa_by_Aitzol_Berasategi",
    "seeding_by_Clements_Engelhardt",
    "sunset_by_Aitzol_Berasategi",
)
LOMIRI_20 = ("Kleiber_by_Lukas_Baubkus",)
MATE_NATURE = (
    "Aqua",
    "Blinds",
    "Dune",
    "Garden",
    "GreenMeadow",
    "LadyBird",
    "RainDrops",
    "Storm",
    "TwoWings",
    "Wood",
    "YellowFlower",
)
PLASMA = (
    "BytheWater",
    "ColdRipple",
    "ColorfulCups",
    "DarkestHour",
    "EveningGlow",
    "FallenLeaf",
    "Grey",
    "Kite",
    "OneStandsOut",
    "Path",
    "summer_1am",
)
PLASMA_SIZE = re.compile(r"^(\d+)x(\d+)\.(jpg|jpeg|png)$")


def sources(root: Path) -> dict[str, Path]:
    """Each photo's stem and its file in the unpacked packages under `root`, sorted by stem."""
    backgrounds = root / "usr" / "share" / "backgrounds"
    found = {name: backgrounds / f"{name}.jpg" for name in LOMIRI_16 + LOMIRI_20}
    found |= {name: backgrounds / "mate" / "nature" / f"{name}.jpg" for name in MATE_NATURE}
    for name in PLASMA:
        found[name] = largest_plasma_image(root / "usr" / "share" / "wallpapers" / name)
    return dict(sorted(found.items()))


def largest_plasma_image(wallpaper: Path) -> Path:
    """Plasma ships each wallpaper at several sizes named `WxH.jpg`: the most pixels wins."""
    sized = []
    for path in (wallpaper / "contents" / "images").iterdir():
        match = PLASMA_SIZE.match(path.name)
        if match is not None:
            sized.append((int(match[1]) * int(match[2]), path.name, path))
    if not sized:
        raise RuntimeError(f"no WxH image in {wallpaper}")
    return max(sized)[2]


def fetch_packages(root: Path) -> None:
    """Download the pinned packages into DEBS (those not there yet) and unpack them under `root`."""
    DEBS.mkdir(parents=True, exist_ok=True)
    missing = [f"{name}={version}" for name, version in PACKAGES.items() if not deb(name, version)]
    if missing:
        command = ["apt-get", "download", "-q", *missing]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(command, cwd=DEBS, env=env, capture_output=True).returncode != 0:
            # A fresh machine may have no package lists yet.
            subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
            subprocess.run(command, cwd=DEBS, env=env, check=True, capture_output=True)
    for name, version in PACKAGES.items():
        found = deb(name, version)
        if found is None:
            raise RuntimeError(f"{name} {version} was not downloaded into {DEBS}")
        subprocess.run(["dpkg-deb", "-x", str(found), str(root)], check=True)


def deb(name: str, version: str) -> Path | None:
    """The downloaded package file (apt writes an epoch's colon as %3a), or None."""
    path = DEBS / f"{name}_{version.replace(':', '%3a')}_all.deb"
    return path if path.exists() else None


def to_long_side(image: Image.Image, long_side: int = LONG_SIDE) -> Image.Image:
    """`image` resized (LANCZOS) so its longer side is `long_side`, its aspect ratio kept."""
    width, height = image.size
    scale = long_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def vips_copies(png: Path) -> None:
    """The JPEG, WebP and AVIF beside `png`, as the Makefile's `vips copy` calls make them."""
    import pyvips

    image = pyvips.Image.new_from_file(str(png), access="sequential")
    image.jpegsave(str(png.with_suffix(".jpg")))  # Q 75, libvips' default
    image = pyvips.Image.new_from_file(str(png), access="sequential")
    image.webpsave(str(png.with_suffix(".webp")))  # Q 75, libvips' default
    image = pyvips.Image.new_from_file(str(png), access="sequential")
    image.heifsave(str(png.with_suffix(".avif")), compression="av1", Q=65, effort=0)


def is_complete(folder: Path) -> bool:
    """Whether `folder` holds a list.txt and every file it lists."""
    listing = folder / "list.txt"
    if not listing.exists():
        return False
    names = listing.read_text().split()
    return bool(names) and all((folder / name).exists() for name in names)


def make_field_photos(folder: Path = FOLDER) -> list[str]:
    """The dataset's file names (list.txt's lines), making the dataset first when missing."""
    if not is_complete(folder):
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="field-debs-") as unpacked:
            root = Path(unpacked)
            fetch_packages(root)
            lines = []
            for stem, source in sources(root).items():
                with Image.open(source) as opened:
                    photo = ImageOps.exif_transpose(opened).convert("RGB")
                png = folder / f"{stem}.png"
                to_long_side(photo).save(png, "PNG")
                vips_copies(png)
                lines += [f"{stem}.{extension}" for extension in FORMATS]
        (folder / "list.txt").write_text("".join(f"{line}\n" for line in lines))
    return (folder / "list.txt").read_text().split()


def main() -> int:
    names = make_field_photos()
    photos = sum(1 for name in names if name.endswith(".png"))
    total = sum((FOLDER / name).stat().st_size for name in names)
    print(f"{photos} photos, {len(names)} files, {total / 2**20:.1f} MiB in {FOLDER}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
