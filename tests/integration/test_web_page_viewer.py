"""The image view as a photo team uses it (SPEC 11, issue 26), in the same real browser as
test_web_page.py: the photo first and as large as the window allows, its details beside it on a
wide screen and below it on a phone; previous and next through the gallery's page by buttons,
arrow keys and a swipe, stopping at the ends; metadata in words and units (f/2.8, 1/250 s);
the original as uploaded for a write-token holder only; a temporary URL living as long as
chosen, within the server's longest; clean under axe at desktop and phone width."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image, TiffImagePlugin
from playwright.sync_api import Browser, FloatRect, Page, ViewportSize, expect

from image_repo.localswift import SwiftEndpoint
from tests.images import EXIF_IFD, ORIENTATION, encoded
from tests.integration.conftest import RunningServer, ServerProcess
from tests.integration.test_web_page import AXE, put, tile
from tests.integration.test_web_page import browser as browser  # one browser for this module
from tests.integration.test_web_page import guarded as guarded  # tokens and signed URLs
from tests.integration.test_web_page_looks import (
    SCENES,
    crops_loaded,
    open_page,
    save_screenshot,
    scene,
)
from tests.integration.test_web_page_versions import serious_violations

REPO = Path(__file__).resolve().parents[2]
DESKTOP_SCREENSHOT = REPO / "docs" / "page-viewer-desktop.png"
PHONE_SCREENSHOT = REPO / "docs" / "page-viewer-phone.png"
TOKEN = "viewer-token"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
DAY = 86400


@pytest.fixture(scope="module")
def keeper(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[RunningServer]:
    """A server whose writes need a token and whose temporary URLs may live a day."""
    process = ServerProcess(
        tmp_path_factory.mktemp("keeper"),
        swift_endpoint,
        containers,
        server={"write_tokens": [TOKEN]},
        swift={"url_ttl": DAY},
    )
    process.run_command("set-url-key")
    with process:
        yield RunningServer(process.base_url, process.config_path, *containers)


@pytest.fixture
def writer(keeper: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=keeper.base_url, timeout=30) as http:
        yield http


def camera_exif(orientation: int = 1) -> Image.Exif:
    """What a camera records of a shot: 35 mm, f/2.8, 1/250 s, ISO 200, and when."""
    exif = Image.Exif()
    exif[0x010F] = "Fujifilm"  # Make
    exif[0x0110] = "X-T4"  # Model
    exif[ORIENTATION] = orientation
    shot = exif.get_ifd(EXIF_IFD)
    shot[0x9003] = "2024:07:14 18:22:05"  # DateTimeOriginal
    shot[0x829A] = TiffImagePlugin.IFDRational(1, 250)  # ExposureTime
    shot[0x829D] = TiffImagePlugin.IFDRational(28, 10)  # FNumber
    shot[0x8827] = 200  # ISOSpeedRatings
    shot[0x920A] = TiffImagePlugin.IFDRational(35, 1)  # FocalLength
    shot[0xA434] = "XF23mmF2 R WR"  # LensModel
    return exif


def photo(index: int, size: tuple[int, int] = (1800, 1200), orientation: int = 1) -> bytes:
    """One of the made-up landscapes as a camera's JPEG."""
    sky, horizon, land, sun, _ = SCENES[index % len(SCENES)]
    image = scene(sky, horizon, land, sun, size, seed=index)
    return encoded(image, "JPEG", quality=88, exif=camera_exif(orientation).tobytes())


def small(colour: str, size: tuple[int, int]) -> bytes:
    return encoded(Image.new("RGB", size, colour), "JPEG", quality=85)


def open_view(page: Page, base_url: str, name: str) -> None:
    """The gallery of `name`'s folder, then `name` opened from its tile, its picture loaded."""
    page.goto(f"{base_url}/#{name.rsplit('/', 1)[0]}/")
    page.locator(tile(page, name)).click()
    shown(page, name)


def shown(page: Page, name: str) -> None:
    """Waits until the view shows `name`: its title, metadata and loaded picture."""
    expect(page.locator("#viewer-title")).to_have_text(name)
    expect(page.locator("#meta")).to_contain_text("pixels")
    page.wait_for_function(
        "() => { const i = document.getElementById('viewer-image');"
        " return i.complete && i.naturalWidth > 0 && i.classList.contains('loaded'); }"
    )


def details(page: Page) -> dict[str, str]:
    """The metadata list as label -> text."""
    pairs = page.locator("#meta").evaluate(
        "dl => [...dl.querySelectorAll('dt')].map(dt => [dt.textContent,"
        " dt.nextElementSibling.textContent])"
    )
    return {str(label): str(text) for label, text in pairs}


def box_of(page: Page, selector: str) -> FloatRect:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box


@VIEWPORTS
def test_the_photo_comes_first_and_large_with_its_details_beside_or_below(
    browser: Browser, client: httpx.Client, unique: str, viewport: ViewportSize
) -> None:
    """docs/page-viewer-desktop.png and docs/page-viewer-phone.png when IMAGE_REPO_SCREENSHOT
    is set."""
    names = [f"{unique}/trip/shot-{index + 1:02d}" for index in range(3)]
    for index, name in enumerate(names):
        put(client, name, photo(index))
    page = open_page(browser, viewport, bypass_csp=True)  # axe is injected inline
    open_view(page, str(client.base_url), names[1])
    expect(page.locator("#viewer-position")).to_contain_text("2 of 3")
    picture = box_of(page, "#viewer-image")
    meta = box_of(page, "#meta")
    width, height = viewport["width"], viewport["height"]
    assert details(page)["Dimensions"] == "1800 \N{MULTIPLICATION SIGN} 1200 pixels"
    if viewport == DESKTOP:
        assert picture["width"] >= 0.55 * width, picture
        assert meta["x"] >= picture["x"] + picture["width"], (meta, picture)
        assert meta["y"] < height / 2, meta  # the details start at the top, beside the photo
        # The view itself stays put; the details' column scrolls by itself.
        view = page.locator("#viewer").evaluate("d => d.scrollHeight - d.clientHeight")
        assert view <= 0, "the view scrolls as a whole"
        side = page.locator(".viewer-side")
        assert side.evaluate("s => getComputedStyle(s).overflowY") == "auto"
        side.evaluate("s => s.scrollTo(0, s.scrollHeight)")
        expect(page.get_by_role("button", name="Delete this image")).to_be_in_viewport()
        assert box_of(page, "#viewer-image") == picture, "the photo moved with the details"
        side.evaluate("s => s.scrollTo(0, 0)")
    else:
        assert picture["width"] >= 0.9 * width, picture
        assert picture["y"] < height / 4, picture  # on top, under the title
        assert meta["y"] >= picture["y"] + picture["height"], (meta, picture)
    for step in ("Previous image", "Next image"):
        button = page.get_by_role("button", name=step)
        expect(button).to_be_visible()
        edges = box_of(page, f"#viewer-{step.split()[0].lower()}")
        if viewport == DESKTOP:  # beside the photo, not over it
            assert (
                edges["x"] + edges["width"] <= picture["x"]
                or edges["x"] >= picture["x"] + picture["width"]
            ), (step, edges, picture)
    sideways = page.locator("#viewer").evaluate("d => d.scrollWidth - d.clientWidth")
    assert sideways <= 0, "the view scrolls sideways"
    page.add_script_tag(path=str(AXE))
    assert not serious_violations(page)
    if os.environ.get("IMAGE_REPO_SCREENSHOT"):
        crops_loaded(page)
        path = DESKTOP_SCREENSHOT if viewport == DESKTOP else PHONE_SCREENSHOT
        save_screenshot(page, path, is_smooth=True)
    page.context.close()


SWIPE = """([selector, from, to, drop]) => {
    const target = document.querySelector(selector);
    const box = target.getBoundingClientRect();
    const y = box.top + box.height / 2;
    const send = (type, x, dy) => target.dispatchEvent(new PointerEvent(type, {
        bubbles: true, cancelable: true, pointerId: 7, pointerType: 'touch', isPrimary: true,
        clientX: box.left + box.width * x, clientY: y + dy}));
    send('pointerdown', from, 0);
    send('pointermove', (from + to) / 2, drop / 2);
    send('pointerup', to, drop);
}"""


def swipe(page: Page, start: float, end: float, drop: float = 0) -> None:
    """A finger across the photo from `start` to `end` (fractions of its width), falling
    `drop` pixels on the way."""
    page.evaluate(SWIPE, ["#viewer-image", start, end, drop])


@VIEWPORTS
def test_previous_and_next_walk_the_page_by_buttons_keys_and_swipes(
    browser: Browser, client: httpx.Client, unique: str, viewport: ViewportSize
) -> None:
    sizes = {"a": (300, 200), "b": (200, 300), "c": (240, 240)}
    colours = {"a": "tomato", "b": "seagreen", "c": "steelblue"}
    for key, size in sizes.items():
        put(client, f"{unique}/{key}", small(colours[key], size))
    put(client, f"{unique}/deeper/d", small("gold", (50, 50)))  # a folder: not walked to
    page = open_page(browser, viewport)
    open_view(page, str(client.base_url), f"{unique}/a")
    previous = page.get_by_role("button", name="Previous image")
    following = page.get_by_role("button", name="Next image")

    def at(key: str, position: int) -> None:
        shown(page, f"{unique}/{key}")
        width, height = sizes[key]
        assert details(page)["Dimensions"] == f"{width} \N{MULTIPLICATION SIGN} {height} pixels"
        expect(page.locator("#viewer-position")).to_contain_text(f"{position} of 3")
        assert page.locator("#viewer-image").evaluate("i => i.naturalWidth") == width

    at("a", 1)
    expect(previous).to_be_disabled()
    expect(following).to_be_enabled()
    following.click()
    at("b", 2)
    expect(previous).to_be_enabled()
    following.click()
    at("c", 3)
    expect(following).to_be_disabled()
    expect(previous).to_be_focused()  # the disabled button handed the keyboard over

    page.keyboard.press("ArrowLeft")
    at("b", 2)
    page.keyboard.press("ArrowRight")
    at("c", 3)
    page.keyboard.press("ArrowRight")  # the last: it stays, and says so
    expect(page.locator("#viewer-status")).to_have_text("This is the last image of the page.")
    at("c", 3)

    swipe(page, 0.2, 0.9)  # the finger drags the previous image in from the left
    at("b", 2)
    swipe(page, 0.9, 0.2)
    at("c", 3)
    swipe(page, 0.8, 0.1)  # at the end
    at("c", 3)
    swipe(page, 0.3, 0.9)
    at("b", 2)
    swipe(page, 0.8, 0.5, drop=200)  # mostly down: a scroll, not a step
    swipe(page, 0.5, 0.45)  # too short
    at("b", 2)

    # Arrows typed into a field, or moving the focal point's marker, stay there.
    page.locator("#url-ttl").focus()
    page.keyboard.press("ArrowRight")
    page.locator("#focus-marker").focus()
    page.keyboard.press("ArrowRight")
    page.locator("#adjust > summary").click()
    page.get_by_label("Width (px)").fill("20")
    page.keyboard.press("ArrowLeft")
    at("b", 2)
    page.locator("#close-viewer").focus()
    page.keyboard.press("ArrowLeft")
    at("a", 1)
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#viewer-status")).to_have_text("This is the first image of the page.")
    at("a", 1)

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.context.close()


def test_a_lone_image_has_no_previous_or_next(
    browser: Browser, client: httpx.Client, unique: str
) -> None:
    put(client, f"{unique}/alone", small("orchid", (120, 80)))
    page = open_page(browser, DESKTOP)
    open_view(page, str(client.base_url), f"{unique}/alone")
    expect(page.locator("#viewer-previous")).to_be_hidden()
    expect(page.locator("#viewer-next")).to_be_hidden()
    expect(page.locator("#viewer-position")).to_be_empty()
    page.keyboard.press("ArrowRight")
    swipe(page, 0.9, 0.1)
    expect(page.locator("#viewer-title")).to_have_text(f"{unique}/alone")
    expect(page.locator("#viewer-status")).to_be_empty()
    page.context.close()


def human_size(size: int) -> str:
    """exif_labels.js's fileSize, for the sizes of these tests."""
    if size >= 1_000_000:
        return f"{size / 1e6:.1f} MB".replace(".0 ", " ")
    value = size / 1000
    return f"{value:.1f} kB".replace(".0 ", " ") if value < 100 else f"{value:.0f} kB"


def test_metadata_reads_in_words_and_units(
    browser: Browser, client: httpx.Client, unique: str
) -> None:
    """EXIF's orientation 6 on a picture the server serves upright: not shown."""
    name = f"{unique}/harbour"
    data = photo(8, (900, 600), orientation=6)
    put(client, name, data)
    exif = client.get(f"/images/{name}", params={"meta": "true"}).json()["exif"]
    assert exif["date_taken"] == "2024-07-14T18:22:05", exif
    page = open_page(browser, DESKTOP, locale="en-GB")
    open_view(page, str(client.base_url), name)
    shown_details = details(page)
    assert {
        label: shown_details.get(label)
        for label in ("Camera", "Lens", "Aperture", "Exposure", "ISO", "Focal length", "Taken")
    } == {
        "Camera": "Fujifilm X-T4",
        "Lens": "XF23mmF2 R WR",
        "Aperture": "f/2.8",
        "Exposure": "1/250 s",
        "ISO": "ISO 200",
        "Focal length": "35 mm",
        "Taken": "14 July 2024 at 18:22",
    }
    assert shown_details["Size"] == human_size(len(data))
    assert "orientation" not in page.locator("#meta").inner_text().lower()
    taken = page.locator("#meta time").first
    expect(taken).to_have_attribute("datetime", "2024-07-14T18:22:05")
    page.context.close()


# In the page: the view's own formatting functions, on values cameras and servers give.
WORDS = """async () => {
    const base = document.querySelector('script[type=module]').src;
    const words = await import(new URL('exif_labels.js', base));
    const share = await import(new URL('share.js', base));
    return {
        exposure: [2, 1, 0.5, 0.4, 1 / 3, 0.004, 0.000156, 0.000125, 1 / 60].map(words.exposure),
        aperture: [2.8, 8, 1.4, 0.95, 11].map(words.aperture),
        focal: [35, 24.5, 200].map(words.focalLength),
        iso: [200, 6400].map(words.iso),
        size: [812, 1000, 45_300, 245_000, 2_400_000, 13_300_000, 1_500_000_000]
            .map(words.fileSize),
        camera: [['Canon', 'Canon EOS R5'], ['Fujifilm', 'X-T4'],
                 ['NIKON CORPORATION', 'NIKON Z 6_2'], [null, 'Pixel 8'], ['Apple', null]]
            .map(([make, model]) => words.camera(make, model)),
        lifetimes: [3, 300, 3600, 7200, 86400, 604800, 2592000].map(share.lifetimes),
        durations: [3, 60, 5400, 7200, 604800].map(share.duration),
    };
}"""


def test_the_words_for_the_numbers(browser: Browser, client: httpx.Client) -> None:
    page = open_page(browser, DESKTOP)
    page.goto(str(client.base_url))
    words = page.evaluate(WORDS)
    assert words == {
        "exposure": [
            *("2 s", "1 s", "1/2 s", "0.4 s", "1/3 s"),
            *("1/250 s", "1/6400 s", "1/8000 s", "1/60 s"),
        ],
        "aperture": ["f/2.8", "f/8", "f/1.4", "f/0.95", "f/11"],
        "focal": ["35 mm", "24.5 mm", "200 mm"],
        "iso": ["ISO 200", "ISO 6400"],
        "size": ["812 bytes", "1 kB", "45.3 kB", "245 kB", "2.4 MB", "13.3 MB", "1.5 GB"],
        "camera": ["Canon EOS R5", "Fujifilm X-T4", "NIKON Z 6_2", "Pixel 8", "Apple"],
        "lifetimes": [
            [3],
            [300],
            [300, 3600],
            [300, 3600, 7200],
            [300, 3600, DAY],
            [300, 3600, DAY, 7 * DAY],
            [300, 3600, DAY, 7 * DAY],
        ],
        "durations": ["3 seconds", "1 minute", "90 minutes", "2 hours", "7 days"],
    }
    page.context.close()


def test_a_token_holder_downloads_the_original_as_uploaded(
    browser: Browser, guarded: RunningServer, unique: str
) -> None:
    """On a server with signed URLs: everything the page shows comes as blobs, the original too,
    with the token."""
    name = f"{unique}/original"
    data = photo(3, (640, 427))
    with httpx.Client(base_url=guarded.base_url, timeout=30) as http:
        put(http, name, data, token="page-token")
    page = open_page(browser, DESKTOP)
    page.add_init_script("sessionStorage.setItem('image_repo.write_token', 'page-token')")
    open_view(page, guarded.base_url, name)
    expect(page.locator("#original-note")).to_be_hidden()
    original = page.get_by_role("button", name="Original (as uploaded)")
    with (
        page.expect_request(lambda r: "original=true" in r.url) as asked,
        page.expect_download() as saving,
    ):
        original.click()
    assert asked.value.headers["authorization"] == "Bearer page-token"
    saved = saving.value
    assert saved.suggested_filename == "original.jpg", saved.suggested_filename
    with open(saved.path(), "rb") as got:
        assert hashlib.sha256(got.read()).hexdigest() == hashlib.sha256(data).hexdigest()
    expect(page.locator("#download-status")).to_have_text(
        f"Saved original.jpg ({human_size(len(data))})."
    )
    expect(page.locator("#viewer-error")).to_be_empty()
    page.context.close()


def test_without_a_token_the_original_is_not_offered(
    browser: Browser, writer: httpx.Client, unique: str
) -> None:
    name = f"{unique}/guarded"
    put(writer, name, photo(4, (320, 213)), token=TOKEN)
    page = open_page(browser, DESKTOP)
    open_view(page, str(writer.base_url), name)
    expect(page.locator("#downloads a")).not_to_have_count(0)
    expect(page.get_by_role("button", name="Original (as uploaded)")).to_have_count(0)
    expect(page.locator("#original-note")).to_contain_text("write token")
    refused = writer.get(f"/images/{name}", params={"original": "true"})
    assert refused.status_code in (401, 403), refused.text
    page.context.close()


def lifetimes(page: Page) -> list[tuple[str, str]]:
    options = page.locator("#url-ttl option").evaluate_all(
        "options => options.map(o => [o.value, o.textContent])"
    )
    return [(str(value), str(text)) for value, text in options]


def issue(page: Page, seconds: int) -> dict[str, Any]:
    """Chooses a lifetime of `seconds`, copies the URL; what the server answered."""
    page.get_by_label("Link valid for").select_option(str(seconds))
    with page.expect_response(lambda r: "url=true" in r.url) as answered:
        page.get_by_role("button", name="Copy temporary URL").click()
    response = answered.value
    assert parse_qs(urlsplit(response.url).query)["ttl"] == [str(seconds)]
    body: dict[str, Any] = response.json()
    expect(page.locator("#temp-url")).to_have_value(body["url"])
    return body


def test_a_temporary_url_lives_as_long_as_chosen_within_the_servers_longest(
    browser: Browser, writer: httpx.Client, unique: str
) -> None:
    name = f"{unique}/shared"
    put(writer, name, photo(5, (320, 213)), token=TOKEN)
    page = open_page(browser, DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    open_view(page, str(writer.base_url), name)
    # A server whose URLs live a day at most: seven days is not offered.
    assert lifetimes(page) == [("300", "5 minutes"), ("3600", "1 hour"), ("86400", "1 day")]
    expect(page.get_by_label("Link valid for")).to_have_value("3600")
    for seconds, words in ((300, "5 minutes"), (DAY, "1 day")):
        body = issue(page, seconds)
        assert abs(body["expires"] - (time.time() + seconds)) <= 5, body
        expires = parse_qs(urlsplit(body["url"]).query)["temp_url_expires"]
        assert expires == [str(body["expires"])]
        expect(page.locator("#share-note")).to_contain_text(f"Copied: valid for {words}")
        assert page.evaluate("() => navigator.clipboard.readText()") == body["url"]
    from_swift = httpx.get(body["url"], timeout=10)
    assert from_swift.status_code == 200
    assert from_swift.content == writer.get(f"/images/{name}").content
    assert writer.get(f"/images/{name}", params={"url": "true", "ttl": DAY + 1}).status_code == 400
    page.context.close()


def test_a_server_whose_urls_live_seconds_offers_only_its_longest(
    browser: Browser, client: httpx.Client, unique: str
) -> None:
    """The session's server: its temporary URLs live 3 s."""
    name = f"{unique}/brief"
    put(client, name, small("gold", (60, 40)))
    page = open_page(browser, DESKTOP)
    open_view(page, str(client.base_url), name)
    assert lifetimes(page) == [("3", "3 seconds")]
    body = issue(page, 3)
    assert abs(body["expires"] - (time.time() + 3)) <= 5, body
    page.context.close()
