"""Embedded colour profiles to sRGB, paying only for the profiles that need it.

Most photos that carry a profile carry sRGB itself (cameras, and every profile in the field's
benchmark set): converting sRGB to sRGB cost 15-20 ms per 2 MP photo (a third of a derivation)
for pixels that come out as they went in, and building each transform another 5 ms. So an
sRGB profile is recognised by its description and left alone, and the transforms of other
profiles (Display P3, Adobe RGB...) are built once per profile and kept.
"""

from __future__ import annotations

import functools
import hashlib
import io

from PIL import Image, ImageCms

_SRGB = ImageCms.createProfile("sRGB")
# Profiles larger than this (a hostile file can carry megabytes) are converted without keeping
# their transform: the kept ones stay a few MB in all.
_KEPT_PROFILE_BYTES = 64 * 1024
_READ_ERRORS = (ImageCms.PyCMSError, OSError, ValueError)


def is_srgb(icc: bytes | None) -> bool:
    """Whether pixels with this embedded profile (or none) are sRGB already."""
    if not icc:
        return True
    if len(icc) > _KEPT_PROFILE_BYTES:
        return False
    try:
        return _kept_srgb(hashlib.sha256(icc).digest(), icc)
    except _READ_ERRORS:
        return True  # unreadable: treated as sRGB, as browsers do


@functools.lru_cache(maxsize=32)
def _kept_srgb(_digest: bytes, icc: bytes) -> bool:
    return _is_srgb(ImageCms.ImageCmsProfile(io.BytesIO(icc)))


def in_srgb(image: Image.Image) -> Image.Image:
    """`image` in sRGB (L, RGB or RGBA keep their alpha; CMYK becomes RGB). An unreadable
    profile is treated as sRGB, as browsers do."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        if len(icc) <= _KEPT_PROFILE_BYTES:
            digest = hashlib.sha256(icc).digest()
            transform = _kept_transform(digest, icc, image.mode, output_mode)
        else:
            transform = _transform(icc, image.mode, output_mode)
        return image if transform is None else transform.apply(image)
    except _READ_ERRORS:
        return image


@functools.lru_cache(maxsize=32)
def _kept_transform(
    _digest: bytes, icc: bytes, mode: str, output_mode: str
) -> ImageCms.ImageCmsTransform | None:
    """Keyed by the profile's digest (`icc` rides along: equal digests, equal bytes)."""
    return _transform(icc, mode, output_mode)


def _transform(icc: bytes, mode: str, output_mode: str) -> ImageCms.ImageCmsTransform | None:
    """None for an sRGB profile. NOCACHE: lcms2's one-pixel cache makes a transform unsafe
    to share between threads, and these are shared."""
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    if mode in ("RGB", "RGBA") and _is_srgb(source):
        return None
    return ImageCms.buildTransform(source, _SRGB, mode, output_mode, flags=ImageCms.Flags.NOCACHE)


def _is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    """ "sRGB IEC61966-2.1" (most cameras and editors), "sRGB built-in", "sRGB v4 ICC
    preference"...: every variant describes the same space within rounding."""
    return ImageCms.getProfileDescription(profile).strip().lower().startswith("srgb")
