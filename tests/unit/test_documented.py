"""Every option, query parameter and error is documented, in the docs site and in /openapi.json,
the generated pages are current, and nothing points outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

from image_repo.adapters.http.errors import ERROR_TABLE
from image_repo.adapters.http.openapi import OPENAPI
from image_repo.docs_site import ROOT, generated_pages, stale_pages
from image_repo.docs_site.markdown import escaped
from image_repo.docs_site.offline import foreign_urls, is_local
from image_repo.domain.edit_parsing import EDIT_PARAMETERS
from image_repo.domain.request import IMAGE_PARAMETERS, LIST_PARAMETERS, MODIFIERS
from image_repo.settings import AppConfig, render_template

DOCS = ROOT / "docs"
README = ROOT / "README.md"
GENERATED = set(generated_pages())
PAGES = sorted(DOCS.rglob("*.md"))
WRITTEN = [page for page in PAGES if page not in GENERATED]  # by hand


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def all_options() -> list[tuple[str, str]]:
    defaults = AppConfig()
    return [
        (section.name, option.name)
        for section in attrs.fields(AppConfig)
        for option in attrs.fields(type(getattr(defaults, section.name)))
    ]


def test_no_generated_page_is_stale() -> None:
    """The configuration reference, the API reference and the benchmark results are written by
    `python -m image_repo.docs_site` from their sources; run it after changing one."""
    stale = [str(path.relative_to(ROOT)) for path in stale_pages()]
    assert not stale, f"stale: {stale}; run .venv/bin/python -m image_repo.docs_site"


@pytest.mark.parametrize(("section", "option"), all_options())
def test_the_configuration_reference_has_every_option_as_yt_prints_it(
    section: str, option: str
) -> None:
    lines = render_template().splitlines()
    line = next(line for line in lines if line.startswith(f"  {option}: "))
    comment = lines[lines.index(line) - 1].removeprefix("  # ")
    reference = text(DOCS / "reference" / "configuration.md")
    entry = reference.split(f"### {section}.{option} ")[1].split("\n### ")[0]
    assert line in entry.splitlines()
    assert escaped(comment) in entry


def test_every_option_the_written_pages_name_exists() -> None:
    """A renamed or removed option cannot linger in a guide (but in the error it gets)."""
    sections = "|".join(section for section, _ in dict(all_options()).items())
    known = {f"{section}.{option}" for section, option in all_options()}
    files = {"py", "md", "conf", "vcl", "yaml", "json", "png", "html", "js", "css", "txt"}
    unknown = {
        f"{page.name}: {match[0]}"
        for page in [*WRITTEN, README]
        for match in re.finditer(rf"\b(?:{sections})\.([a-z_]+)\b(?!: unknown option)", text(page))
        if match[0] not in known and match[1] not in files
    }
    assert not unknown


@pytest.mark.parametrize("parameter", sorted({*IMAGE_PARAMETERS, *LIST_PARAMETERS}))
def test_the_written_pages_show_every_query_parameter_in_use(parameter: str) -> None:
    """Each with an example request: `name=` in a request the HTTP API or Editing page shows."""
    guides = text(DOCS / "http-api.md") + text(DOCS / "editing.md")
    assert re.search(rf"[?&]{parameter}=", guides), parameter


@pytest.mark.parametrize("parameter", sorted({*MODIFIERS, *EDIT_PARAMETERS, *IMAGE_PARAMETERS}))
def test_the_api_reference_has_an_entry_per_modifier(parameter: str) -> None:
    assert f"#### `{parameter}` {{#{parameter}}}" in text(DOCS / "reference" / "api.md")


@pytest.mark.parametrize("code", sorted({code for _, code in ERROR_TABLE.values()}))
def test_the_http_api_page_says_when_each_error_comes(code: str) -> None:
    assert f"| `{code}` |" in text(DOCS / "http-api.md")


# Links: Markdown's `[text](target)` outside code, and any http(s) URL, code included.
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_URL = re.compile(r"https?://[^\s)`'\"<>\]]+")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def links(content: str) -> list[str]:
    return _LINK.findall(_CODE.sub("", content))


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_points_outside_the_repository(page: Path) -> None:
    """URLs only to this machine (the examples' 127.0.0.1 and localhost); relative links only
    to files of the repository; no word of a contract kept elsewhere."""
    content = text(page)
    assert [url for url in _URL.findall(content) if not is_local(url)] == []
    for target in links(content):
        if target.startswith(("http://", "https://", "#")):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), target
    assert not re.search(r"SPEC\.md|shared folder|\bshared/", content)


def test_the_readme_fits_on_two_screens_and_links_the_docs() -> None:
    content = text(README)
    assert len(content.splitlines()) < 120
    linked = {(ROOT / target.split("#")[0]).resolve() for target in links(content)}
    assert {DOCS / "getting-started.md", DOCS / "http-api.md", DOCS / "architecture.md"} <= linked


def test_the_offline_check_finds_loads_and_links_to_other_hosts(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        '<link href="https://fonts.example.org/css"><script src="//cdn.example.org/x.js">'
        '<a href="http://127.0.0.1:5000/images">ok</a><svg xmlns="http://www.w3.org/2000/svg">',
        encoding="utf-8",
    )
    (tmp_path / "style.css").write_text("@import 'https://fonts.example.org/a.css';")
    assert sorted(url for _, url in foreign_urls(tmp_path)) == [
        "//cdn.example.org/x.js",
        "https://fonts.example.org/a.css",
        "https://fonts.example.org/css",
    ]


def parameter_names(path: str, method: str) -> set[str]:
    return {p["name"] for p in OPENAPI["paths"][path][method]["parameters"] if p["in"] == "query"}


@pytest.mark.parametrize("method", ["get", "head"])
def test_openapi_names_every_image_parameter_and_the_403(method: str) -> None:
    assert parameter_names("/images/{name}", method) == set(IMAGE_PARAMETERS)
    assert "403" in OPENAPI["paths"]["/images/{name}"][method]["responses"]


def test_openapi_names_every_listing_parameter_and_the_403() -> None:
    assert parameter_names("/images", "get") == set(LIST_PARAMETERS)
    assert "403" in OPENAPI["paths"]["/images"]["get"]["responses"]


def test_the_template_names_every_modifier() -> None:
    """`-Yt` is where an operator writes presets: every modifier a preset may set is named."""
    presets_doc = next(line for line in render_template().splitlines() if "preset=NAME" in line)
    assert all(
        modifier in presets_doc.split("Modifiers: ")[1].split(", ") for modifier in MODIFIERS
    )
