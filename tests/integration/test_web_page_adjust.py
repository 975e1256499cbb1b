"""The image view's "adjust" panel (SPEC 11 and 14), in the same real browser as
test_web_page.py: it builds an image URL from the box, the format and the editing modifiers
(defaults left out), starting from the image's versioned URL; shows what that URL answers; copies
the link; and is usable by keyboard and clean under axe, at desktop and at phone width."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Response, ViewportSize, expect

from image_repo.localswift import SwiftEndpoint
from tests.images import encoded, picture
from tests.integration.conftest import RunningServer, ServerProcess
from tests.integration.test_web_page import AXE, TIMEOUT_MS, put, tile
from tests.integration.test_web_page import browser as browser  # one browser for this module
from tests.integration.test_web_page import guarded as guarded  # tokens and signed URLs
from tests.integration.test_web_page_versions import etag_of, pin, serious_violations

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "page-adjust.png"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


def photo(width: int = 320, height: int = 200) -> bytes:
    return encoded(picture(width, height), "JPEG", quality=90)


def open_page(
    browser: Browser, base_url: str, viewport: ViewportSize, **options: Any
) -> tuple[Page, list[Response]]:
    """A page of its own context, and every answer it gets under /images/."""
    context = browser.new_context(viewport=viewport, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    answers: list[Response] = []
    page.on("response", lambda r: answers.append(r) if "/images/" in r.url else None)
    return page, answers


def open_panel(page: Page, base_url: str, name: str) -> None:
    folder = name.rsplit("/", 1)[0]
    page.goto(f"{base_url}/#{folder}/")
    page.locator(tile(page, name)).click()
    expect(page.locator("#meta")).to_contain_text("pixels")
    page.locator("#adjust > summary").click()
    expect(page.locator("#adjust-form")).to_be_visible()


def shown(page: Page, url: str) -> tuple[int, int]:
    """Waits until the preview shows what `url` (path and query) answers: its natural size."""
    page.wait_for_function(
        "url => { const i = document.getElementById('adjust-preview');"
        " return i.dataset.url === url && i.complete && i.naturalWidth > 0"
        " && !document.getElementById('adjust').hasAttribute('aria-busy'); }",
        arg=url,
    )
    expect(page.locator("#adjust-error")).to_be_empty()
    size = page.locator("#adjust-preview").evaluate("i => [i.naturalWidth, i.naturalHeight]")
    return int(size[0]), int(size[1])


def built(page: Page, base_url: str, url: str) -> None:
    """The URL field says `url`, at once (the preview follows, debounced)."""
    expect(page.locator("#adjust-url")).to_have_value(base_url + url)


def pixel(page: Page, x: int, y: int) -> tuple[int, int, int]:
    rgb = page.locator("#adjust-preview").evaluate(
        """(img, [x, y]) => {
            const canvas = document.createElement('canvas');
            canvas.width = img.naturalWidth;
            canvas.height = img.naturalHeight;
            const context = canvas.getContext('2d');
            context.drawImage(img, 0, 0);
            return [...context.getImageData(x, y, 1, 1).data.slice(0, 3)];
        }""",
        [x, y],
    )
    return int(rgb[0]), int(rgb[1]), int(rgb[2])


def previews(answers: list[Response]) -> list[Response]:
    """The pictures among `answers` (not the view's metadata or versions)."""
    return [a for a in answers if "meta=" not in a.url and "versions=" not in a.url]


@VIEWPORTS
def test_the_panel_builds_the_url_and_shows_the_result(
    browser: Browser, client: httpx.Client, unique: str, viewport: ViewportSize
) -> None:
    name = f"{unique}/photo"
    put(client, name, photo(320, 200))
    base = f"/images/{name}?v={pin(etag_of(client, name))}"
    page, answers = open_page(
        browser,
        str(client.base_url),
        viewport,
        permissions=["clipboard-read", "clipboard-write"],
    )
    open_panel(page, str(client.base_url), name)
    # Nothing changed yet: the image's own versioned URL, nothing at a default added.
    built(page, str(client.base_url), base)
    assert shown(page, base) == (320, 200)

    page.get_by_label("Width (px)").fill("160")
    url = f"{base}&xsize=160"
    built(page, str(client.base_url), url)
    assert shown(page, url) == (160, 100)

    page.get_by_label("Format", exact=True).select_option("webp")
    url += "&kind=webp"
    built(page, str(client.base_url), url)
    assert shown(page, url) == (160, 100)
    expect(page.locator("#adjust-facts")).to_contain_text("image/webp")

    page.get_by_label("Rotate (clockwise)").select_option("90")
    url += "&rotate=90"
    built(page, str(client.base_url), url)
    # A quarter turn before the box (SPEC 14's order): 200 x 320 into a width of 160.
    assert shown(page, url) == (160, 256)

    page.get_by_label("Grayscale", exact=True).check()
    url += "&grayscale=true"
    built(page, str(client.base_url), url)
    shown(page, url)
    # The top-left quarter of the original is red; a quarter turn clockwise puts it top-right.
    red, green, blue = pixel(page, 150, 10)
    assert max(red, green, blue) - min(red, green, blue) <= 3, (red, green, blue)
    assert 30 < red < 220  # red's luma, not white or black

    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#adjust-note")).to_have_text("Copied.")
    assert page.evaluate("() => navigator.clipboard.readText()") == f"{client.base_url}{url}"
    expect(page.locator("#adjust-url")).to_have_value(f"{client.base_url}{url}")

    pictures = previews(answers)
    assert pictures and all(a.status == 200 for a in pictures), [
        (a.status, a.url) for a in pictures
    ]
    assert any(a.url.endswith(url) for a in pictures)
    scroll = page.locator("#viewer").evaluate("d => d.scrollWidth - d.clientWidth")
    assert scroll <= 0, "the view scrolls sideways"
    page.context.close()


def test_every_control_maps_to_its_parameter_and_reset_clears_them(
    browser: Browser, client: httpx.Client, unique: str
) -> None:
    name = f"{unique}/every"
    put(client, name, photo(300, 300))
    base = f"/images/{name}?v={pin(etag_of(client, name))}"
    page, answers = open_page(browser, str(client.base_url), DESKTOP)
    open_panel(page, str(client.base_url), name)
    shown(page, base)
    gravity = page.get_by_label("Crop keeps")
    expect(gravity).to_be_disabled()  # only with cover
    page.get_by_label("Width (px)").fill("120")
    page.get_by_label("Height (px)").fill("100")
    page.get_by_label("Fit").select_option("cover")
    expect(gravity).to_be_enabled()
    gravity.select_option("north")
    page.get_by_label("Format", exact=True).select_option("webp")
    page.get_by_label("Quality").fill("70")
    page.get_by_label("Trim borders").fill("10")
    page.get_by_label("Flip").select_option("hv")
    page.get_by_label("Brightness").fill("20")
    page.get_by_label("Contrast").focus()
    page.keyboard.press("ArrowRight")  # sliders move by keyboard
    page.keyboard.press("ArrowRight")
    expect(page.locator("#adj-contrast-value")).to_have_text("2")
    page.get_by_label("Saturation").fill("-30")
    amount = page.get_by_label("Sigma (px)")
    expect(amount).to_be_disabled()
    page.get_by_label("Filter").select_option("sharpen")
    amount.fill("1.5")
    page.get_by_label("Corner radius (px)").fill("12")
    page.get_by_label("Pad top (px)").fill("4")
    page.get_by_label("Pad right (px)").fill("8")
    page.get_by_label("Pad bottom (px)").fill("4")
    page.get_by_label("Pad left (px)").fill("8")
    colour = page.get_by_label("Colour", exact=True)
    expect(colour).to_be_disabled()
    page.get_by_label("Background colour").check()
    colour.fill("#ff8800")
    page.get_by_label("At most").fill("50000")
    url = (
        f"{base}&xsize=120&ysize=100&fit=cover&gravity=north&kind=webp&quality=70&trim=10"
        "&flip=hv&brightness=20&contrast=2&saturation=-30&sharpen=1.5&radius=12&pad=4,8,4,8"
        "&background=ff8800&max_bytes=50000"
    )
    built(page, str(client.base_url), url)
    assert shown(page, url) == (136, 108)  # the box, then the padding around it
    last = [a for a in previews(answers) if a.url.endswith(url)]
    assert last and last[-1].status == 200, [(a.status, a.url) for a in previews(answers)]

    # One of blur or sharpen: switching the filter swaps the parameter.
    page.get_by_label("Filter").select_option("blur")
    amount.fill("5")
    expect(page.locator("#adjust-url")).to_have_value(
        f"{client.base_url}{url}".replace("sharpen=1.5", "blur=5")
    )
    # Back at their defaults, parameters leave the URL.
    page.get_by_label("Pad right (px)").fill("4")
    page.get_by_label("Pad left (px)").fill("4")
    expect(page.locator("#adjust-url")).to_have_value(
        f"{client.base_url}{url}".replace("sharpen=1.5", "blur=5").replace("pad=4,8,4,8", "pad=4")
    )
    page.get_by_label("Fit").select_option("contain")
    expect(page.locator("#adjust-url")).not_to_have_value(re.compile("gravity|fit="))
    page.get_by_role("button", name="Reset adjustments").click()
    built(page, str(client.base_url), base)
    assert shown(page, base) == (300, 300)

    # A request the server refuses says why, in the server's words.
    page.get_by_label("Fit").select_option("cover")
    page.get_by_label("Width (px)").fill("50")
    expect(page.locator("#adjust-error")).to_contain_text("400 ")
    page.context.close()


def test_the_panel_works_by_keyboard(browser: Browser, client: httpx.Client, unique: str) -> None:
    name = f"{unique}/keys"
    put(client, name, photo(200, 100))
    base = f"/images/{name}?v={pin(etag_of(client, name))}"
    page, _ = open_page(browser, str(client.base_url), DESKTOP)
    page.goto(f"{client.base_url}/#{unique}/")
    page.locator(tile(page, name)).click()
    expect(page.locator("#meta")).to_contain_text("pixels")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('#adjust > summary')"):
            break
    else:
        pytest.fail("Tab never reached the adjust panel")
    page.keyboard.press("Enter")
    expect(page.locator("#adjust-form")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Width (px)")).to_be_focused()
    page.keyboard.type("50")
    url = f"{base}&xsize=50"
    built(page, str(client.base_url), url)
    assert shown(page, url) == (50, 25)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.context.close()


@VIEWPORTS
def test_the_open_panel_is_accessible_and_pictured(
    browser: Browser, client: httpx.Client, unique: str, viewport: ViewportSize
) -> None:
    """axe-core with the panel open; docs/page-adjust.png (desktop) when IMAGE_REPO_SCREENSHOT
    is set."""
    name = f"{unique}/garden/roses"
    image = Image.new("RGB", (640, 420), "seagreen")
    image.paste(Image.new("RGB", (300, 200), "tomato"), (40, 40))
    image.paste(Image.new("RGB", (240, 160), "gold"), (360, 220))
    put(client, name, encoded(image, "JPEG", quality=90))
    base = f"/images/{quote(name)}?v={pin(etag_of(client, name))}"
    page, _ = open_page(browser, str(client.base_url), viewport, bypass_csp=True)
    open_panel(page, str(client.base_url), name)
    page.get_by_label("Width (px)").fill("400")
    page.get_by_label("Format", exact=True).select_option("webp")
    page.get_by_label("Corner radius (px)").fill("24")
    page.get_by_label("Saturation").fill("40")
    url = f"{base}&xsize=400&kind=webp&saturation=40&radius=24"
    built(page, str(client.base_url), url)
    shown(page, url)
    page.add_script_tag(path=str(AXE))
    assert not serious_violations(page)
    if viewport == DESKTOP and os.environ.get("IMAGE_REPO_SCREENSHOT"):
        page.locator("#adjust > summary").evaluate("s => s.scrollIntoView({block: 'start'})")
        png = page.screenshot(full_page=False)
        SCREENSHOT.parent.mkdir(exist_ok=True)
        Image.open(io.BytesIO(png)).convert("P", palette=Image.Palette.ADAPTIVE).save(
            SCREENSHOT, optimize=True
        )
    page.context.close()


def test_with_signed_urls_the_preview_uses_the_token_and_the_link_says_it_is_unsigned(
    browser: Browser, guarded: RunningServer, unique: str
) -> None:
    name = f"{unique}/signed"
    with httpx.Client(base_url=guarded.base_url, timeout=30) as http:
        put(http, name, photo(200, 100), token="page-token")
        meta = http.get(
            f"/images/{name}",
            params={"meta": "true"},
            headers={"Authorization": "Bearer page-token"},
        )
    base = f"/images/{name}?v={pin(meta.json()['etag'])}"
    page, answers = open_page(browser, guarded.base_url, DESKTOP)
    page.add_init_script("sessionStorage.setItem('image_repo.write_token', 'page-token')")
    open_panel(page, guarded.base_url, name)
    page.get_by_label("Height (px)").fill("40")
    url = f"{base}&ysize=40"
    assert shown(page, url) == (80, 40)
    expect(page.locator("#adjust-preview")).to_have_attribute("src", re.compile("^blob:"))
    assert [a.status for a in previews(answers) if a.url.endswith(url)] == [200]
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#adjust-note")).to_contain_text("not signed")
    expect(page.locator("#adjust-url")).to_have_value(guarded.base_url + url)
    page.context.close()


def test_without_watermarks_the_panel_says_none_are_configured(
    browser: Browser, client: httpx.Client, unique: str
) -> None:
    name = f"{unique}/plain"
    put(client, name, photo(40, 30))
    page, _ = open_page(browser, str(client.base_url), DESKTOP)
    open_panel(page, str(client.base_url), name)
    expect(page.locator("#adj-no-watermarks")).to_be_visible()
    expect(page.locator("#adj-watermark")).to_be_hidden()
    page.context.close()


@pytest.fixture(scope="module")
def marking(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[RunningServer]:
    """A server with two watermarks configured (images.watermarks), over the session's
    containers."""
    process = ServerProcess(
        tmp_path_factory.mktemp("marking"),
        swift_endpoint,
        containers,
        images={"watermarks": {"logo": "adjust-marks/logo", "stamp": "adjust-marks/stamp"}},
    )
    with process:
        yield RunningServer(process.base_url, process.config_path, *containers)


def test_the_watermark_select_lists_the_configured_names(
    browser: Browser, marking: RunningServer, unique: str
) -> None:
    name = f"{unique}/marked"
    with httpx.Client(base_url=marking.base_url, timeout=30) as http:
        put(http, "adjust-marks/logo", photo(60, 20))
        put(http, name, photo(200, 100))
        base = f"/images/{name}?v={pin(etag_of(http, name))}"
    page, _ = open_page(browser, marking.base_url, DESKTOP)
    open_panel(page, marking.base_url, name)
    expect(page.locator("#adj-no-watermarks")).to_be_hidden()
    select = page.get_by_label("Watermark", exact=True)
    expect(select.locator("option")).to_have_text(["None", "logo", "stamp"])
    position = page.get_by_label("Position")
    expect(position).to_be_disabled()
    select.select_option("logo")
    expect(position).to_be_enabled()
    marked = f"{base}&watermark=logo"  # position, opacity and scale at their defaults
    built(page, marking.base_url, marked)
    assert shown(page, marked) == (200, 100)
    position.select_option("north")
    page.get_by_label("Opacity").fill("0.8")
    page.get_by_label("Width share").fill("0.5")
    built(
        page,
        marking.base_url,
        f"{base}&watermark=logo&watermark_position=north&watermark_opacity=0.8&watermark_scale=0.5",
    )
    select.select_option("")
    built(page, marking.base_url, base)
    page.context.close()
