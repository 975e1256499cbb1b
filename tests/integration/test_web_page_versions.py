"""The web page with versioned URLs and Swift object versions (SPEC 11 and 13), in the same
real browser as test_web_page.py: every thumbnail and view is fetched at its `v=` URL, and on a
server with `swift.versions` on the view lists an image's versions and restores one."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Request, expect

from image_repo.localswift import SwiftEndpoint
from tests.images import encoded
from tests.integration.conftest import RunningServer, ServerProcess
from tests.integration.test_web_page import (
    AXE,
    TIMEOUT_MS,
    jpeg,
    payload,
    put,
    tile,
)
from tests.integration.test_web_page import browser as browser  # one browser for this module
from tests.integration.test_web_page import guarded as guarded  # tokens and signed URLs
from tests.integration.test_web_page import page as page

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "page-versions.png"
TOKEN = "versions-token"


def pin(etag: str) -> str:
    """The `v=` of an original whose ETag is `etag` (SPEC 13)."""
    return etag.strip('"')[:12]


def etag_of(client: httpx.Client, name: str) -> str:
    response = client.get(f"/images/{name}", params={"meta": "true"})
    assert response.status_code == 200, response.text
    return str(response.json()["etag"])


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def thumbnail_src(page: Page, name: str) -> str:
    """The loaded thumbnail's URL, once the browser has decoded it."""
    thumbnail = page.locator(f"{tile(page, name)} img")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0 && img.currentSrc",
        arg=thumbnail.element_handle(),
    )
    return str(thumbnail.evaluate("img => img.currentSrc"))


def solid(colour: str, width: int, height: int = 30) -> bytes:
    return encoded(Image.new("RGB", (width, height), colour), "JPEG", quality=85)


def serious_violations(page: Page) -> list[tuple[str, str, list[str]]]:
    results = page.evaluate("() => axe.run()")
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_thumbnails_and_the_view_use_versioned_urls(
    page: Page, client: httpx.Client, unique: str
) -> None:
    name = f"{unique}/pinned"
    put(client, name, jpeg(64, 48))
    v = pin(etag_of(client, name))
    page.goto(f"{client.base_url}/#{unique}/")
    src = thumbnail_src(page, name)
    assert query_of(src)["v"] == [v]
    assert query_of(src)["thumbnail"] == ["true"]
    pinned = client.get(urlsplit(src).path, params=query_of(src))
    assert pinned.status_code == 200
    assert "immutable" in pinned.headers["cache-control"]
    page.locator(tile(page, name)).click()
    page.wait_for_function("() => document.getElementById('viewer-image').naturalWidth === 64")
    view = page.locator("#viewer-image").evaluate("img => img.currentSrc")
    assert query_of(view)["v"] == [v]
    for link in page.locator("#downloads a").all():
        assert query_of(str(link.get_attribute("href")))["v"] == [v]


def test_an_awkward_name_keeps_its_path_and_its_version(
    page: Page, client: httpx.Client, unique: str
) -> None:
    name = f"{unique}/caf\u00e9 a+b #1?x"
    put(client, quote(name), jpeg(64, 48))
    v = pin(etag_of(client, quote(name)))
    page.goto(f"{client.base_url}/#{unique}/")
    src = thumbnail_src(page, name)
    assert unquote(urlsplit(src).path) == f"/images/{name}"
    assert query_of(src)["v"] == [v]
    page.locator(tile(page, name)).click()
    page.wait_for_function("() => document.getElementById('viewer-image').naturalWidth === 64")


def test_a_replaced_image_shows_its_new_version(
    page: Page, client: httpx.Client, unique: str
) -> None:
    """Replaced through the API, the page shows the new bytes once reloaded; replaced through
    the page's own upload, at once: the listing gives the new `v=`, so the browser's cache,
    which keeps the old one for a year, is never asked for it."""
    name = f"{unique}/swapped"
    put(client, name, solid("tomato", 40))
    old = pin(etag_of(client, name))
    page.goto(f"{client.base_url}/#{unique}/")
    assert query_of(thumbnail_src(page, name))["v"] == [old]

    put(client, name, solid("seagreen", 50))
    new = pin(etag_of(client, name))
    assert new != old
    page.reload()
    assert query_of(thumbnail_src(page, name))["v"] == [new]
    page.locator(tile(page, name)).click()
    page.wait_for_function("() => document.getElementById('viewer-image').naturalWidth === 50")
    page.get_by_role("button", name="Close").click()

    page.locator("#files").set_input_files([payload("swapped.jpg", solid("steelblue", 60))])
    expect(page.locator("#uploads li.done")).to_have_count(1)
    newest = pin(etag_of(client, name))
    expect(page.locator(f"{tile(page, name)} img")).to_have_attribute(
        "src", re.compile(f"[?&]v={newest}")
    )
    page.locator(tile(page, name)).click()
    page.wait_for_function("() => document.getElementById('viewer-image').naturalWidth === 60")


def test_without_versions_the_view_has_no_versions_section(
    page: Page, client: httpx.Client, unique: str
) -> None:
    name = f"{unique}/plain"
    put(client, name, jpeg())
    assert client.get(f"/images/{name}", params={"versions": "true"}).status_code == 400
    page.goto(f"{client.base_url}/#{unique}/")
    with page.expect_response(lambda r: "versions=true" in r.url) as asked:
        page.locator(tile(page, name)).click()
    assert asked.value.status == 400
    expect(page.locator("#meta")).to_contain_text("pixels")
    expect(page.locator("#versions-section")).to_be_hidden()
    expect(page.locator("#viewer-error")).to_be_empty()


def test_signed_urls_fetch_versioned_blobs(page: Page, guarded: RunningServer, unique: str) -> None:
    name = f"{unique}/signed"
    with httpx.Client(base_url=guarded.base_url, timeout=30) as client:
        put(client, name, jpeg(64, 48), token="page-token")
        meta = client.get(
            f"/images/{name}",
            params={"meta": "true"},
            headers={"Authorization": "Bearer page-token"},
        )
    v = pin(meta.json()["etag"])
    fetched: list[str] = []

    def seen(request: Request) -> None:
        if "/images/" in request.url:
            fetched.append(request.url)

    page.on("request", seen)
    page.goto(f"{guarded.base_url}/#{unique}/")
    page.get_by_label("Write token").fill("page-token")
    page.get_by_role("button", name="Use token").click()
    page.wait_for_function(
        "() => { const i = document.querySelector('#grid img');"
        " return i && i.src.startsWith('blob:') && i.naturalWidth > 0; }"
    )
    page.locator(tile(page, name)).click()
    page.wait_for_function(
        "() => { const i = document.getElementById('viewer-image');"
        " return i.src.startsWith('blob:') && i.naturalWidth === 64; }"
    )
    pictures = [url for url in fetched if "xsize" in query_of(url)]
    assert len(pictures) >= 2, fetched
    assert all(query_of(url).get("v") == [v] for url in pictures), pictures


@pytest.fixture(scope="module")
def versioned(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[RunningServer]:
    """A server keeping Swift object versions, with a write token, over containers of its own
    (versioning is set on the originals container when the server creates it)."""
    data, cache = containers
    process = ServerProcess(
        tmp_path_factory.mktemp("versioned"),
        swift_endpoint,
        (f"{data}_versioned", f"{cache}_versioned"),
        server={"write_tokens": [TOKEN]},
        swift={"versions": True, "keep_versions": 5},
    )
    with process:
        yield RunningServer(
            process.base_url, process.config_path, f"{data}_versioned", f"{cache}_versioned"
        )


@pytest.fixture
def versioned_client(versioned: RunningServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=versioned.base_url, timeout=30, headers=headers) as client:
        yield client


def kept(client: httpx.Client, name: str) -> list[dict[str, object]]:
    response = client.get(f"/images/{name}", params={"versions": "true"})
    assert response.status_code == 200, response.text
    return list(response.json()["versions"])


def test_the_view_lists_versions_and_restores_one_with_the_token(
    page: Page, versioned_client: httpx.Client, unique: str
) -> None:
    client = versioned_client
    name = f"{unique}/photo"
    put(client, name, solid("tomato", 40))
    first = etag_of(client, name)
    put(client, name, solid("seagreen", 50))
    second = etag_of(client, name)
    versions = kept(client, name)
    assert [v["etag"] for v in versions] == [second, first]

    page.goto(f"{client.base_url}/#{unique}/")
    page.locator(tile(page, name)).click()
    rows = page.locator("#versions li")
    expect(page.locator("#versions-section")).to_be_visible()
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-etag", second)
    expect(rows.nth(0)).to_contain_text("Current")
    expect(rows.nth(0).get_by_role("button", name=re.compile("^Restore"))).to_have_count(0)
    expect(rows.nth(1)).to_have_attribute("data-etag", first)
    expect(rows.nth(1)).to_contain_text(f"{versions[1]['bytes']:,} bytes")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#versions img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    for preview in rows.locator("img").all():
        assert "version" in query_of(str(preview.get_attribute("src")))
    # No token held: Restore waits for one, as uploads and deletes do.
    restore = rows.nth(1).get_by_role("button", name=re.compile("^Restore"))
    expect(restore).to_be_disabled()
    expect(page.locator("#versions-note")).to_contain_text("write token")
    page.get_by_role("button", name="Close").click()
    page.get_by_label("Write token").fill(TOKEN)
    page.get_by_role("button", name="Use token").click()
    page.locator(tile(page, name)).click()
    expect(restore).to_be_enabled()
    expect(page.locator("#versions-note")).to_be_empty()

    restore.click()
    expect(page.locator("#versions-status")).to_contain_text("Restored")
    assert etag_of(client, name) == first
    page.wait_for_function("() => document.getElementById('viewer-image').naturalWidth === 40")
    expect(rows.nth(0)).to_have_attribute("data-etag", first)
    expect(rows.nth(0)).to_contain_text("Current")
    expect(page.locator(f"{tile(page, name)} img")).to_have_attribute(
        "src", re.compile(f"[?&]v={pin(first)}")
    )
    expect(page.locator("#viewer-error")).to_be_empty()
    expect(page.locator("#versions-error")).to_be_empty()


def test_versions_view_is_accessible_and_pictured(
    browser: Browser, versioned_client: httpx.Client, unique: str
) -> None:
    """axe-core on the view with its versions; docs/page-versions.png when
    IMAGE_REPO_SCREENSHOT is set."""
    client = versioned_client
    name = f"{unique}/garden/roses"
    for colour, width in (("tomato", 320), ("gold", 300), ("orchid", 320)):
        put(client, name, solid(colour, width, 240))
    context = browser.new_context(bypass_csp=True, viewport={"width": 900, "height": 1250})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.add_init_script(f"sessionStorage.setItem('image_repo.write_token', '{TOKEN}')")
    page.goto(f"{client.base_url}/#{unique}/garden/")
    page.locator(tile(page, name)).click()
    expect(page.locator("#versions li")).to_have_count(3)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#versions img, #viewer-image')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    page.add_script_tag(path=str(AXE))
    assert not serious_violations(page)
    page.locator("#versions li").nth(1).get_by_role("button", name=re.compile("^Restore")).click()
    expect(page.locator("#versions-status")).to_contain_text("Restored")
    expect(page.locator("#versions li")).to_have_count(4)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#versions img, #viewer-image')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert not serious_violations(page)
    if os.environ.get("IMAGE_REPO_SCREENSHOT"):
        page.locator("#versions-section").scroll_into_view_if_needed()
        png = page.screenshot(full_page=False)
        SCREENSHOT.parent.mkdir(exist_ok=True)
        Image.open(io.BytesIO(png)).convert("P", palette=Image.Palette.ADAPTIVE).save(
            SCREENSHOT, optimize=True
        )
    context.close()
