"""Every option and query parameter is documented: `-Yt`, /openapi.json and the README (SPEC §5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from image_repo.adapters.http.openapi import OPENAPI
from image_repo.domain.request import IMAGE_PARAMETERS, LIST_PARAMETERS, MODIFIERS
from image_repo.settings import render_template

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("section", "option"),
    [
        ("server", "url_signing_keys"),
        ("images", "presets"),
        ("images", "only_presets"),
        ("images", "auto_formats"),
        ("images", "keep_animation"),
        ("images", "max_frames"),
        ("images", "eager_presets"),
        ("images", "watermarks"),
        ("images", "watermark_all"),
        ("images", "placeholders"),
        ("images", "serve_originals"),
        ("images", "detect_faces"),
        ("swift", "versions"),
        ("swift", "keep_versions"),
        ("edge", "purge_urls"),
        ("edge", "purge_header"),
        ("edge", "purge_timeout_seconds"),
        ("cache", "originals_memory_bytes"),
        ("workers", "max_memory_bytes"),
        ("workers", "max_wait_seconds"),
    ],
)
def test_the_template_names_the_options_of_signed_urls_and_presets(
    section: str, option: str
) -> None:
    lines = render_template().splitlines()
    start = lines.index(f"{section}:")
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and lines[i][0] != " "), None)
    assert any(line.startswith(f"  {option}: ") for line in lines[start:end])
    assert f"`{section}.{option}" in README


def parameter_names(path: str, method: str) -> set[str]:
    return {p["name"] for p in OPENAPI["paths"][path][method]["parameters"] if p["in"] == "query"}


@pytest.mark.parametrize("method", ["get", "head"])
def test_openapi_names_every_image_parameter_and_the_403(method: str) -> None:
    assert parameter_names("/images/{name}", method) == set(IMAGE_PARAMETERS)
    assert "403" in OPENAPI["paths"]["/images/{name}"][method]["responses"]


def test_openapi_names_every_listing_parameter_and_the_403() -> None:
    assert parameter_names("/images", "get") == set(LIST_PARAMETERS)
    assert "403" in OPENAPI["paths"]["/images"]["get"]["responses"]


@pytest.mark.parametrize("parameter", IMAGE_PARAMETERS)
def test_the_readme_lists_every_image_parameter(parameter: str) -> None:
    assert f"`{parameter}=" in README or f"`{parameter}`" in README


def test_the_template_names_every_modifier() -> None:
    """`-Yt` is where an operator writes presets: every modifier a preset may set is named."""
    presets_doc = next(line for line in render_template().splitlines() if "preset=NAME" in line)
    assert all(
        modifier in presets_doc.split("Modifiers: ")[1].split(", ") for modifier in MODIFIERS
    )
