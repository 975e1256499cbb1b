"""Profiles to sRGB: sRGB itself left alone, others converted with transforms built once."""

from __future__ import annotations

import io

from PIL import Image, ImageCms

from image_repo.adapters.imaging import colour
from image_repo.adapters.imaging.colour import in_srgb
from tests.icc import adobe_rgb_profile
from tests.images import picture


def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _with_profile(icc: bytes, mode: str = "RGB") -> Image.Image:
    image = picture(64, 48).convert(mode)
    image.paste((40, 160, 90), (0, 0, 8, 8))
    image.info["icc_profile"] = icc
    return image


def test_an_srgb_profile_leaves_the_pixels_as_they_are() -> None:
    assert ImageCms.getProfileDescription(
        ImageCms.ImageCmsProfile(io.BytesIO(_srgb_profile()))
    ).startswith("sRGB")
    image = _with_profile(_srgb_profile())
    assert in_srgb(image) is image


def test_another_profile_is_converted_and_its_transform_built_once() -> None:
    colour._kept_transform.cache_clear()
    image = _with_profile(adobe_rgb_profile())
    converted = in_srgb(image)
    assert converted.mode == "RGB"
    # a mid green of Adobe RGB's wider gamut is a more saturated green in sRGB
    red, green, _blue = converted.getpixel((0, 0))  # type: ignore[misc]
    assert red < 40 and green > 160
    assert in_srgb(_with_profile(adobe_rgb_profile())).tobytes() == converted.tobytes()
    assert colour._kept_transform.cache_info().hits == 1


def test_alpha_is_kept_and_cmyk_becomes_rgb() -> None:
    rgba = in_srgb(_with_profile(adobe_rgb_profile(), "RGBA"))
    assert rgba.mode == "RGBA"
    cmyk = Image.new("CMYK", (8, 8), (0, 0, 0, 0))
    cmyk.info["icc_profile"] = b"not a profile"
    assert in_srgb(cmyk) is cmyk  # unreadable: treated as sRGB, the mode step converts it


def test_a_huge_profile_is_converted_without_being_kept() -> None:
    colour._kept_transform.cache_clear()
    padded = adobe_rgb_profile() + b"\0" * (colour._KEPT_PROFILE_BYTES + 1)
    converted = in_srgb(_with_profile(padded))
    assert converted.mode == "RGB"
    assert colour._kept_transform.cache_info().currsize == 0
