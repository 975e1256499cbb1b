"""The web page at / (SPEC §11) in a real browser: Debian's chromium, driven by Playwright,
against the real server and Swift. One browser for the module; each test its own folder."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Dialog, FilePayload, Page, expect, sync_playwright

from image_repo.localswift import SwiftEndpoint
from tests.debian import ensure_debian_package
from tests.images import encoded, picture
from tests.integration.conftest import RunningServer, ServerProcess

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "tests" / "browser_assets" / "axe.min.js"
SCREENSHOT = REPO / "docs" / "page.png"
# Without the background-networking flags chromium keeps dialling Google, which this closed
# network refuses; nothing here needs a GPU, a sandbox (root) or a first-run dialog.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = ensure_debian_package("chromium", "chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


def jpeg(width: int = 40, height: int = 30) -> bytes:
    return encoded(picture(width, height), "JPEG", quality=85)


def payload(name: str, data: bytes) -> FilePayload:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def put(client: httpx.Client, name: str, data: bytes, token: str = "") -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.put(f"/images/{name}", content=data, headers=headers)
    assert response.status_code == 201, response.text


def tile(page: Page, name: str) -> str:
    return f'#grid button.image[data-name="{name}"]'


def labels(page: Page) -> list[str]:
    return page.locator("#grid .label").all_inner_texts()


def test_browse_into_a_folder(page: Page, client: httpx.Client, unique: str) -> None:
    for name in ("a", "b", "sub/c"):
        put(client, f"{unique}/{name}", jpeg())
    page.goto(f"{client.base_url}/#{unique}/")
    expect(page.locator("#grid li")).to_have_count(3)
    assert labels(page) == ["a", "b", "sub/"]
    thumbnail = page.locator(f"{tile(page, f'{unique}/a')} img")
    expect(thumbnail).to_have_attribute("alt", f"{unique}/a")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    page.get_by_role("link", name="sub/").click()
    expect(page.locator("#grid li")).to_have_count(1)
    assert labels(page) == ["c"]
    expect(page.locator("#crumbs li")).to_have_text(["All images", unique, "sub"])
    page.get_by_role("link", name=unique, exact=True).click()
    expect(page.locator("#grid li")).to_have_count(3)


def test_search_filters_the_folder_and_shows_re2_errors(
    page: Page, client: httpx.Client, unique: str
) -> None:
    for name in ("cat", "dog", "deep/catfish"):
        put(client, f"{unique}/{name}", jpeg())
    page.goto(f"{client.base_url}/#{unique}/")
    expect(page.locator("#grid li")).to_have_count(3)
    page.get_by_label("Search this folder").fill("cat")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#grid .label")).to_have_text(["cat", "deep/catfish"])
    page.get_by_label("Search this folder").fill("(?=x)")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#list-error")).to_contain_text("400 ")
    detail = client.get("/images", params={"regex": "(?=x)"}).json()["detail"]
    expect(page.locator("#list-error")).to_contain_text(detail)


def test_an_image_opens_with_its_metadata_and_a_temporary_url_swift_serves(
    page: Page, client: httpx.Client, unique: str
) -> None:
    name = f"{unique}/photo"
    put(client, name, jpeg(64, 48))
    page.goto(f"{client.base_url}/#{unique}/")
    page.locator(tile(page, name)).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#meta")).to_contain_text("64 \N{MULTIPLICATION SIGN} 48 pixels")
    expect(page.locator("#meta")).to_contain_text("jpeg")
    expect(page.locator("#viewer-image")).to_have_attribute("alt", name)
    page.wait_for_function("() => document.getElementById('viewer-image').naturalWidth === 64")
    expect(page.locator("#downloads a")).not_to_have_count(0)
    page.get_by_role("button", name="Copy temporary URL").click()
    expect(page.locator("#temp-url")).to_have_value(re.compile(r"^http.*temp_url_sig="))
    url = page.locator("#temp-url").input_value()
    from_swift = httpx.get(url, timeout=10)
    assert from_swift.status_code == 200
    assert from_swift.content == client.get(f"/images/{name}").content


def test_upload_three_files_with_progress_and_a_bad_one_with_its_error(
    page: Page, client: httpx.Client, unique: str
) -> None:
    page.goto(f"{client.base_url}/#{unique}/")
    expect(page.locator("#status")).to_have_text("Nothing in this folder")
    files = [payload(f"shot{i}.jpg", jpeg(30 + i, 20)) for i in range(3)]
    files.append(payload("notes.jpg", b"not an image"))
    page.locator("#files").set_input_files(files)
    rows = page.locator("#uploads li")
    expect(rows).to_have_count(4)
    expect(page.locator("#uploads li.done")).to_have_count(3)
    for row in page.locator("#uploads li.done").all():
        expect(row.locator("progress")).to_have_attribute("value", "100")
    failed = page.locator("#uploads li.failed .message")
    expect(failed).to_contain_text("415 ")
    expect(page.locator("#grid .label")).to_have_text(["shot0", "shot1", "shot2"])
    assert client.get(f"/images/{unique}/shot1", params={"meta": "true"}).json()["width"] == 31


def test_delete_asks_first(page: Page, client: httpx.Client, unique: str) -> None:
    name = f"{unique}/doomed"
    put(client, name, jpeg())
    put(client, f"{unique}/kept", jpeg())
    page.goto(f"{client.base_url}/#{unique}/")
    page.locator(tile(page, name)).click()
    asked: list[str] = []

    def refuse(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    page.get_by_role("button", name="Delete this image").click()
    expect(page.locator("#delete")).to_be_visible()
    assert asked and name in asked[0]
    assert client.get(f"/images/{name}").status_code == 200
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete this image").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.locator("#grid .label")).to_have_text(["kept"])
    assert client.get(f"/images/{name}").status_code == 404


def test_no_serious_accessibility_violations(
    browser: Browser, client: httpx.Client, unique: str
) -> None:
    """axe-core (tests/browser_assets, MPL-2.0) is injected inline: the page's own policy
    forbids inline scripts, so this context bypasses it."""
    for name in ("one", "two", "more/three"):
        put(client, f"{unique}/{name}", jpeg())
    context = browser.new_context(bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{client.base_url}/#{unique}/")
    expect(page.locator("#grid li")).to_have_count(3)
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run()")
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in serious]
    page.locator(tile(page, f"{unique}/one")).click()
    expect(page.locator("#meta")).to_contain_text("pixels")
    results = page.evaluate("() => axe.run()")
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in serious]
    context.close()


def test_keyboard_reaches_and_opens_an_image(page: Page, client: httpx.Client, unique: str) -> None:
    put(client, f"{unique}/keyed", jpeg())
    page.goto(f"{client.base_url}/#{unique}/")
    expect(page.locator("#grid li")).to_have_count(1)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.dataset.name") == f"{unique}/keyed":
            break
    else:
        pytest.fail("Tab never reached the image")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()


def test_phone_width_screenshot(browser: Browser, client: httpx.Client, unique: str) -> None:
    """The README's picture: written to docs/page.png when IMAGE_REPO_SCREENSHOT is set."""
    colours = ["tomato", "gold", "seagreen", "steelblue", "orchid", "slategray"]
    for index, colour in enumerate(colours):
        image = Image.new("RGB", (320, 240), colour)
        put(client, f"{unique}/holiday/photo-{index + 1}", encoded(image, "JPEG", quality=80))
    put(client, f"{unique}/holiday/beach/sunset", jpeg())
    context = browser.new_context(viewport={"width": 900, "height": 640})
    page = context.new_page()
    page.goto(f"{client.base_url}/#{unique}/holiday/")
    expect(page.locator("#grid img")).to_have_count(6)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#grid img')].every(i => i.naturalWidth > 0)"
    )
    png = page.screenshot(full_page=False)
    assert Image.open(io.BytesIO(png)).size == (900, 640)
    if os.environ.get("IMAGE_REPO_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(exist_ok=True)
        Image.open(io.BytesIO(png)).convert("P", palette=Image.Palette.ADAPTIVE).save(
            SCREENSHOT, optimize=True
        )
    page.set_viewport_size({"width": 360, "height": 740})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, "the page scrolls sideways at phone width"
    context.close()


@pytest.fixture(scope="module")
def guarded(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[RunningServer]:
    """A server with write tokens and signed URLs on, over the session's containers."""
    process = ServerProcess(
        tmp_path_factory.mktemp("guarded"),
        swift_endpoint,
        containers,
        server={"write_tokens": ["page-token"], "url_signing_keys": ["k" * 32]},
    )
    with process:
        yield RunningServer(process.base_url, process.config_path, *containers)


def test_a_token_holder_uses_a_server_with_tokens_and_signed_urls(
    page: Page, guarded: RunningServer, unique: str
) -> None:
    with httpx.Client(base_url=guarded.base_url, timeout=30) as client:
        put(client, f"{unique}/secret", jpeg(), token="page-token")
    page.goto(f"{guarded.base_url}/#{unique}/")
    expect(page.locator("#access-note")).to_contain_text("signed URLs only")
    expect(page.locator("#files")).to_be_disabled()
    expect(page.locator("#write-note")).to_contain_text("write token")
    page.get_by_label("Write token").fill("page-token")
    page.get_by_role("button", name="Use token").click()
    expect(page.locator("#grid .label")).to_have_text(["secret"])
    expect(page.locator("#files")).to_be_enabled()
    page.wait_for_function(
        "() => { const i = document.querySelector('#grid img');"
        " return i && i.src.startsWith('blob:') && i.naturalWidth > 0; }"
    )
    page.reload()  # kept for the tab
    expect(page.locator("#grid .label")).to_have_text(["secret"])
    page.locator("#files").set_input_files([payload("added.jpg", jpeg())])
    expect(page.locator("#grid .label")).to_have_text(["added", "secret"])
