"""Placeholders and focal points on the web page (SPEC 11 and 15), in the same real browser as
test_web_page.py: until its thumbnail arrives a tile shows its image's dominant colour and
ThumbHash (decoded in the page), and in the image view a write-token holder clicks the picture to
record its focal point and sees the crops `gravity=focus` makes move; at desktop and phone width,
clean under axe."""

from __future__ import annotations

import io
import math
import os
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image, ImageColor, ImageDraw, ImageFilter, ImageStat
from playwright.sync_api import (
    Browser,
    Locator,
    Page,
    Position,
    Request,
    Route,
    ViewportSize,
    expect,
)
from swiftclient.client import Connection

from image_repo.localswift import SwiftEndpoint
from tests.images import encoded
from tests.integration.conftest import RunningServer, ServerProcess
from tests.integration.test_web_page import AXE, TIMEOUT_MS, put, tile
from tests.integration.test_web_page import browser as browser  # one browser for this module
from tests.integration.test_web_page_adjust import shown
from tests.integration.test_web_page_versions import etag_of, pin, serious_violations

REPO = Path(__file__).resolve().parents[2]
PLACEHOLDERS_SCREENSHOT = REPO / "docs" / "page-placeholders.png"
FOCUS_SCREENSHOT = REPO / "docs" / "page-focus.png"
TOKEN = "looks-token"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])

# Skies, lands and suns of twelve made-up landscapes, each a colour family of its own.
SCENES: list[tuple[str, str, str, str, tuple[int, int]]] = [
    ("#f6b26b", "#fde3c0", "#7a4b2a", "#fff2cc", (480, 320)),  # desert at dusk
    ("#1c4587", "#6fa8dc", "#274e13", "#ffffff", (320, 480)),  # pine forest
    ("#0b5394", "#9fc5e8", "#c9b27c", "#fff7d6", (480, 320)),  # beach
    ("#20124d", "#674ea7", "#1b1b2f", "#ffe599", (400, 400)),  # night town
    ("#cc0000", "#f9cb9c", "#38271c", "#ffd966", (480, 300)),  # red sunset
    ("#6aa84f", "#d9ead3", "#38761d", "#ffffff", (300, 450)),  # meadow
    ("#3d85c6", "#cfe2f3", "#eeeeee", "#ffffff", (480, 320)),  # snowfield
    ("#a64d79", "#ead1dc", "#4c1130", "#fce5cd", (360, 480)),  # lavender hills
    ("#45818e", "#d0e0e3", "#134f5c", "#ffffff", (480, 360)),  # lake
    ("#bf9000", "#ffe599", "#7f6000", "#ffffff", (420, 420)),  # wheat
    ("#434343", "#b7b7b7", "#202020", "#efefef", (480, 320)),  # storm
    ("#e69138", "#f6b26b", "#5b0f00", "#fff2cc", (320, 420)),  # canyon
]


def scene(
    sky: str, horizon: str, land: str, sun: str, size: tuple[int, int], seed: int
) -> Image.Image:
    """A landscape that reads as a photo: a graded sky, a soft sun, layered hills, grain."""
    width, height = size
    rng = random.Random(seed)
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.composite(Image.new("RGB", size, horizon), Image.new("RGB", size, sky), gradient)
    glow = Image.new("L", size, 0)
    x, y = rng.randint(width // 5, 4 * width // 5), rng.randint(height // 8, height // 3)
    r = width // 9
    ImageDraw.Draw(glow).ellipse((x - r, y - r, x + r, y + r), fill=230)
    image.paste(Image.new("RGB", size, sun), mask=glow.filter(ImageFilter.GaussianBlur(r / 2)))
    draw = ImageDraw.Draw(image)
    base = ImageColor.getrgb(land)
    for layer in range(3):
        shade = tuple(min(255, c + 40 * (2 - layer)) for c in base[:3])
        level = height * (0.55 + 0.13 * layer)
        phase, wave = rng.uniform(0, math.tau), rng.uniform(1.2, 3.0)
        points = [
            (px, level + height * 0.06 * math.sin(phase + wave * px / width * math.pi))
            for px in range(0, width + 8, 8)
        ]
        draw.polygon([*points, (width, height), (0, height)], fill=shade)
    grain = Image.effect_noise(size, 12).convert("RGB")
    return Image.blend(image, grain, 0.06).filter(ImageFilter.SMOOTH)


def open_page(browser: Browser, viewport: ViewportSize, **options: Any) -> Page:
    context = browser.new_context(viewport=viewport, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


class HeldThumbnails:
    """Holds every thumbnail request of `page` (`thumbnail=true`) until `release`."""

    def __init__(self, page: Page) -> None:
        self.routes: list[Route] = []
        self.is_open = False
        page.route(lambda url: "thumbnail=true" in url, self.hold)

    def hold(self, route: Route) -> None:
        if self.is_open:
            route.continue_()
        else:
            self.routes.append(route)

    def release(self) -> None:
        self.is_open = True
        for route in self.routes:
            route.continue_()
        self.routes.clear()


def rgb(hex_colour: str) -> str:
    """`#rrggbb` as the browser's computed style writes it."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


# In the page: the frame's decoded ThumbHash (its CSS background, a data: URL) as an image:
# its size and mean colour.
DECODED = """async frame => {
    const url = getComputedStyle(frame).backgroundImage.slice(5, -2);
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const sums = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sums[c] += data[i + c];
    const count = data.length / 4;
    return {url: url.slice(0, 22), width: image.naturalWidth, height: image.naturalHeight,
            mean: sums.map(s => s / count)};
}"""


@VIEWPORTS
def test_tiles_show_their_placeholders_until_their_thumbnails_arrive(
    browser: Browser, client: httpx.Client, unique: str, viewport: ViewportSize
) -> None:
    """docs/page-placeholders.png (desktop, thumbnails held) when IMAGE_REPO_SCREENSHOT is set."""
    folder = f"{unique}/trip/"
    means: dict[str, tuple[float, ...]] = {}
    sizes: dict[str, tuple[int, int]] = {}
    for index, (sky, horizon, land, sun, size) in enumerate(SCENES):
        name = f"{folder}photo-{index + 1:02d}"
        image = scene(sky, horizon, land, sun, size, seed=index)
        put(client, name, encoded(image, "JPEG", quality=88))
        means[name] = tuple(ImageStat.Stat(image).mean)
        sizes[name] = size
    listed = client.get(
        "/images", params={"prefix": folder, "delimiter": "/", "details": "true"}
    ).json()
    placeholders = {entry["name"]: entry["placeholder"] for entry in listed}
    assert sorted(placeholders) == sorted(means)
    for name, entry in ((e["name"], e) for e in listed):
        assert (entry["width"], entry["height"]) == sizes[name]
        assert entry["placeholder"]["color"].startswith("#"), entry

    page = open_page(browser, viewport)
    held = HeldThumbnails(page)
    page.goto(f"{client.base_url}/#{folder}")
    expect(page.locator("#grid button.image")).to_have_count(len(SCENES))
    for name, placeholder in placeholders.items():
        frame = page.locator(f"{tile(page, name)} .frame")
        frame.scroll_into_view_if_needed()
        expect(frame).to_have_css("background-color", rgb(placeholder["color"]))
        expect(frame).to_have_class("frame placeholder decoded")
        decoded = frame.evaluate(DECODED)
        assert decoded["url"] == "data:image/png;base64,"
        width, height = sizes[name]
        assert max(decoded["width"], decoded["height"]) == 32, decoded
        if width != height:  # the ThumbHash keeps the orientation, roughly the ratio
            assert (decoded["width"] > decoded["height"]) == (width > height), decoded
        for got, wanted in zip(decoded["mean"], means[name], strict=True):
            assert abs(got - wanted) < 32, (name, decoded["mean"], means[name])
        thumbnail = frame.locator("img")
        expect(thumbnail).to_have_css("opacity", "0")
        assert thumbnail.evaluate("i => i.naturalWidth") == 0
    assert held.routes, "no thumbnail was asked for"

    if viewport == DESKTOP and os.environ.get("IMAGE_REPO_SCREENSHOT"):
        page.locator("#grid-title").evaluate("h => h.scrollIntoView({block: 'start'})")
        save_screenshot(page, PLACEHOLDERS_SCREENSHOT, is_smooth=True)

    held.release()
    for name in placeholders:
        thumbnail = page.locator(f"{tile(page, name)} img")
        thumbnail.scroll_into_view_if_needed()
        page.wait_for_function(
            "i => i.complete && i.naturalWidth > 0 && i.classList.contains('loaded')",
            arg=thumbnail.element_handle(),
        )
        expect(thumbnail).to_have_css("opacity", "1")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= viewport["width"], "the page scrolls sideways"
    page.context.close()


def test_an_image_without_a_placeholder_keeps_the_plain_tile(
    browser: Browser,
    client: httpx.Client,
    swift: Connection,
    server: RunningServer,
    unique: str,
) -> None:
    """An object another tool put in Swift has no placeholder until the server decodes it."""
    name = f"{unique}/by-another-tool"
    photo = scene(*SCENES[0][:4], (120, 80), seed=1)
    swift.put_object(server.data_container, name, encoded(photo, "JPEG"), content_type="image/jpeg")
    (entry,) = client.get("/images", params={"prefix": f"{unique}/", "details": "true"}).json()
    assert entry.get("placeholder") is None, entry
    page = open_page(browser, DESKTOP)
    held = HeldThumbnails(page)
    page.goto(f"{client.base_url}/#{unique}/")
    frame = page.locator(f"{tile(page, name)} .frame")
    expect(frame).to_have_class("frame")
    expect(frame.locator("img")).to_have_css("opacity", "1")
    expect(frame).to_have_css("background-image", "none")
    held.release()
    page.wait_for_function(
        "i => i.complete && i.naturalWidth > 0", arg=frame.locator("img").element_handle()
    )
    page.context.close()


@pytest.fixture(scope="module")
def tokened(
    tmp_path_factory: pytest.TempPathFactory,
    swift_endpoint: SwiftEndpoint,
    containers: tuple[str, str],
) -> Iterator[RunningServer]:
    """A server whose writes need a token (reads do not), over the session's containers."""
    process = ServerProcess(
        tmp_path_factory.mktemp("tokened"),
        swift_endpoint,
        containers,
        server={"write_tokens": [TOKEN]},
    )
    with process:
        yield RunningServer(process.base_url, process.config_path, *containers)


@pytest.fixture
def writer(tokened: RunningServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=tokened.base_url, timeout=30, headers=headers) as http:
        yield http


# The subject: a red disc near the bottom-left corner of a 600 x 300 photo whose busy
# striped top-right corner is what `smart` keeps, so a crop around the disc differs from one
# made without a focal point.
SUBJECT = (70, 225, 45)  # centre x, y and radius, in pixels
SUBJECT_SIZE = (600, 300)


def subject_photo() -> bytes:
    width, height = SUBJECT_SIZE
    shade = Image.linear_gradient("L").rotate(90).resize(SUBJECT_SIZE)  # dusk, left to right
    grey = shade.point(lambda v: 90 + v // 4)
    image = Image.merge("RGB", (grey, grey, shade.point(lambda v: 80 + v // 5)))
    draw = ImageDraw.Draw(image)
    for stripe in range(350, width, 24):
        draw.rectangle((stripe, 0, stripe + 11, height // 2), fill="#1155cc")
        draw.rectangle((stripe + 12, 0, stripe + 23, height // 2), fill="#ffd700")
    x, y, r = SUBJECT
    draw.ellipse((x - r, y - r, x + r, y + r), fill="#ff0000")
    return encoded(image, "JPEG", quality=92)


def open_view(page: Page, base_url: str, name: str) -> None:
    page.goto(f"{base_url}/#{name.rsplit('/', 1)[0]}/")
    page.locator(tile(page, name)).click()
    expect(page.locator("#meta")).to_contain_text("pixels")
    page.wait_for_function(
        "() => { const i = document.getElementById('viewer-image');"
        " return i.complete && i.naturalWidth > 0 && i.classList.contains('loaded'); }"
    )


def crops_loaded(page: Page, after: dict[str, int] | None = None) -> dict[str, int]:
    """Waits until both crops have loaded (again, when `after` gives their earlier counts)."""
    before = after or {"focus-square": 0, "focus-wide": 0}
    page.wait_for_function(
        """before => !document.getElementById('focus-section').hasAttribute('aria-busy')
            && Object.entries(before).every(([id, count]) => {
                const i = document.getElementById(id);
                return Number(i.dataset.loads || 0) > count && i.complete && i.naturalWidth > 0;
            })""",
        arg=before,
    )
    counts = page.evaluate(
        "ids => ids.map(id => Number(document.getElementById(id).dataset.loads))",
        list(before),
    )
    return dict(zip(before, (int(c) for c in counts), strict=True))


# JavaScript: how many of a loaded <img>'s pixels are the subject's red.
_RED_PIXELS = """img => {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let red = 0;
    for (let i = 0; i < data.length; i += 4) {
        if (data[i] > 170 && data[i + 1] < 90 && data[i + 2] < 90) red++;
    }
    return red;
}"""


def crop_facts(page: Page, crop_id: str) -> dict[str, Any]:
    """The crop's bytes (a digest) and how many of its pixels are the subject's red. It fetches
    the crop's blob: URL, which the page's policy (connect-src 'self') refuses: the page's
    context must bypass it."""
    facts = page.locator(f"#{crop_id}").evaluate(
        f"""async img => {{
            const bytes = await (await fetch(img.src)).arrayBuffer();
            const digest = await crypto.subtle.digest('SHA-256', bytes);
            const red = ({_RED_PIXELS})(img);
            return {{digest: [...new Uint8Array(digest)].map(b => b.toString(16)).join(''),
                    red, width: img.naturalWidth, height: img.naturalHeight}};
        }}"""
    )
    return dict(facts)


def red_share(image: Locator) -> float:
    """The share of an <img>'s pixels that are the subject's red, once it has loaded."""
    share = image.evaluate(
        f"""async img => {{
            await img.decode();
            return ({_RED_PIXELS})(img) / (img.naturalWidth * img.naturalHeight);
        }}"""
    )
    return float(share)


def focus_of(request: Request) -> str:
    (value,) = parse_qs(urlsplit(request.url).query)["focus"]
    return value


def posts(page: Page) -> list[Request]:
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" else None)
    return sent


@VIEWPORTS
def test_a_click_sets_the_focal_point_and_the_crops_follow_it(
    browser: Browser, writer: httpx.Client, unique: str, viewport: ViewportSize
) -> None:
    """docs/page-focus.png (desktop) when IMAGE_REPO_SCREENSHOT is set."""
    name = f"{unique}/subject"
    put(writer, name, subject_photo(), token=TOKEN)
    page = open_page(browser, viewport, bypass_csp=True)
    page.add_init_script(f"sessionStorage.setItem('image_repo.write_token', '{TOKEN}')")
    open_view(page, str(writer.base_url), name)
    counts = crops_loaded(page)
    expect(page.locator("#focus-marker")).to_have_class("focus-marker unset")
    expect(page.locator("#focus-now")).to_contain_text("None recorded")
    expect(page.locator("#clear-focus")).to_be_disabled()
    before = {crop: crop_facts(page, crop) for crop in counts}
    assert before["focus-square"]["red"] < 30, before  # `smart` keeps the stripes

    picture = page.locator("#viewer-image")
    picture.scroll_into_view_if_needed()
    box = picture.bounding_box()
    assert box is not None
    x, y, _ = SUBJECT
    at: Position = {
        "x": box["width"] * x / SUBJECT_SIZE[0],
        "y": box["height"] * y / SUBJECT_SIZE[1],
    }
    with page.expect_request(lambda r: r.method == "POST" and "focus=" in r.url) as sent:
        picture.click(position=at)
    fx, fy = (float(v) for v in focus_of(sent.value).split(","))
    assert abs(fx - x / SUBJECT_SIZE[0]) < 0.01 and abs(fy - y / SUBJECT_SIZE[1]) < 0.01
    assert all(len(v.split(".")[1]) == 4 for v in focus_of(sent.value).split(","))
    assert sent.value.headers["authorization"] == f"Bearer {TOKEN}"
    expect(page.locator("#focus-status")).to_contain_text("Focal point set")
    marker = page.locator("#focus-marker")
    expect(marker).to_have_class("focus-marker")
    spot = marker.bounding_box()
    assert spot is not None
    assert abs(spot["x"] + spot["width"] / 2 - (box["x"] + at["x"])) < 3
    assert abs(spot["y"] + spot["height"] / 2 - (box["y"] + at["y"])) < 3
    recorded = writer.get(f"/images/{name}", params={"meta": "true"}).json()["focus"]
    assert recorded == {"x": pytest.approx(fx, abs=1e-4), "y": pytest.approx(fy, abs=1e-4)}

    counts = crops_loaded(page, counts)
    after = {crop: crop_facts(page, crop) for crop in counts}
    for crop in counts:
        assert after[crop]["digest"] != before[crop]["digest"], crop
    assert after["focus-square"]["red"] > 800, after  # the disc, now in the square
    assert (after["focus-square"]["width"], after["focus-square"]["height"]) == (160, 160)
    assert (after["focus-wide"]["width"], after["focus-wide"]["height"]) == (320, 120)
    expect(page.locator("#focus-error")).to_be_empty()
    # the gallery's thumbnail (gravity=auto) is fetched again around the new focus
    thumb = page.locator(f'button.open.image[data-name="{name}"] img.thumb')
    expect(thumb).to_have_attribute("src", re.compile(r"^blob:"))
    assert red_share(thumb) > 0.02

    page.add_script_tag(path=str(AXE))
    assert not serious_violations(page)
    if viewport == DESKTOP and os.environ.get("IMAGE_REPO_SCREENSHOT"):
        save_screenshot(page, FOCUS_SCREENSHOT)

    with page.expect_request(lambda r: r.method == "POST" and "focus=" in r.url) as sent:
        page.get_by_role("button", name="Clear focal point").click()
    assert focus_of(sent.value) == "clear"
    expect(page.locator("#focus-status")).to_contain_text("cleared")
    expect(marker).to_have_class("focus-marker unset")
    crops_loaded(page, counts)
    cleared = {crop: crop_facts(page, crop) for crop in counts}
    assert {c: f["digest"] for c, f in cleared.items()} == {
        c: f["digest"] for c, f in before.items()
    }
    assert writer.get(f"/images/{name}", params={"meta": "true"}).json()["focus"] is None
    scroll = page.locator("#viewer").evaluate("d => d.scrollWidth - d.clientWidth")
    assert scroll <= 0, "the view scrolls sideways"
    page.context.close()


def test_the_adjust_panel_crops_around_the_focal_point_and_follows_it(
    browser: Browser, writer: httpx.Client, unique: str
) -> None:
    name = f"{unique}/adjusted"
    put(writer, name, subject_photo(), token=TOKEN)
    page = open_page(browser, DESKTOP, bypass_csp=True)  # crop_facts fetches a blob: URL
    page.add_init_script(f"sessionStorage.setItem('image_repo.write_token', '{TOKEN}')")
    open_view(page, str(writer.base_url), name)
    page.locator("#adjust > summary").click()
    page.get_by_label("Width (px)").fill("160")
    page.get_by_label("Height (px)").fill("160")
    page.get_by_label("Fit").select_option("cover")
    page.get_by_label("Crop keeps").select_option("focus")
    url = (
        f"/images/{name}?v={pin(etag_of(writer, name))}&xsize=160&ysize=160&fit=cover&gravity=focus"
    )
    assert shown(page, url) == (160, 160)
    assert crop_facts(page, "adjust-preview")["red"] < 30  # no focus yet: `smart`
    before = page.locator("#adjust-preview").get_attribute("src")
    picture = page.locator("#viewer-image")
    picture.scroll_into_view_if_needed()
    box = picture.bounding_box()
    assert box is not None
    x, y, _ = SUBJECT
    picture.click(position={"x": box["width"] * x / 600, "y": box["height"] * y / 300})
    expect(page.locator("#focus-status")).to_contain_text("Focal point set")
    page.wait_for_function(
        """before => { const i = document.getElementById('adjust-preview');
            return i.src !== before && i.complete && i.naturalWidth > 0
                && !document.getElementById('adjust').hasAttribute('aria-busy'); }""",
        arg=before,
    )
    assert crop_facts(page, "adjust-preview")["red"] > 800
    expect(page.locator("#adjust-url")).to_have_value(f"{writer.base_url}{url}")
    page.context.close()


def test_the_marker_moves_by_keyboard_and_enter_records_it(
    browser: Browser, writer: httpx.Client, unique: str
) -> None:
    name = f"{unique}/keys"
    put(writer, name, subject_photo(), token=TOKEN)
    page = open_page(browser, DESKTOP)
    page.add_init_script(f"sessionStorage.setItem('image_repo.write_token', '{TOKEN}')")
    open_view(page, str(writer.base_url), name)
    expect(page.locator("#close-viewer")).to_be_focused()
    page.keyboard.press("Tab")
    marker = page.locator("#focus-marker")
    expect(marker).to_be_focused()
    expect(marker).to_be_visible()  # shown while focused, though none is recorded
    for _ in range(4):
        page.keyboard.press("Shift+ArrowLeft")  # 0.5 -> 0.1
    for _ in range(2):
        page.keyboard.press("Shift+ArrowDown")  # 0.5 -> 0.7
    for _ in range(5):
        page.keyboard.press("ArrowDown")  # 0.7 -> 0.75
    expect(marker).to_have_attribute(
        "aria-label", "Focal point moved to 10% across, 75% down: Enter records it"
    )
    with page.expect_request(lambda r: r.method == "POST" and "focus=" in r.url) as sent:
        page.keyboard.press("Enter")
    assert focus_of(sent.value) == "0.1000,0.7500"
    expect(page.locator("#focus-status")).to_contain_text("10% across, 75% down")
    expect(marker).to_have_attribute("aria-label", "Focal point at 10% across, 75% down")
    page.context.close()


def test_without_a_token_the_recorded_focus_shows_but_a_click_sends_nothing(
    browser: Browser, writer: httpx.Client, tokened: RunningServer, unique: str
) -> None:
    name = f"{unique}/watched"
    put(writer, name, subject_photo(), token=TOKEN)
    answer = writer.post(f"/images/{name}", params={"focus": "0.2500,0.5000"})
    assert answer.status_code == 200, answer.text
    page = open_page(browser, DESKTOP)
    sent = posts(page)
    open_view(page, tokened.base_url, name)
    crops_loaded(page)
    expect(page.locator("#focus-note")).to_contain_text("write token")
    expect(page.locator("#focus-now")).to_contain_text("25% across, 50% down")
    picture = page.locator("#viewer-image")
    box = picture.bounding_box()
    marker = page.locator("#focus-marker").bounding_box()
    assert box is not None and marker is not None
    assert abs(marker["x"] + marker["width"] / 2 - (box["x"] + box["width"] / 4)) < 3
    assert abs(marker["y"] + marker["height"] / 2 - (box["y"] + box["height"] / 2)) < 3
    expect(page.locator("#clear-focus")).to_be_disabled()
    picture.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.2})
    expect(page.locator("#focus-status")).to_contain_text("write token")
    page.locator("#focus-marker").focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    expect(page.locator("#focus-marker")).to_have_attribute(
        "aria-label", "Focal point at 25% across, 50% down"
    )
    assert sent == []
    page.context.close()


def save_screenshot(page: Page, path: Path, *, is_smooth: bool = False) -> None:
    """256 colours, as the other pictures of the page; true colour where smooth placeholders
    would band in a palette."""
    png = Image.open(io.BytesIO(page.screenshot(full_page=False)))
    path.parent.mkdir(exist_ok=True)
    shown = png.convert("RGB") if is_smooth else png.convert("P", palette=Image.Palette.ADAPTIVE)
    shown.save(path, optimize=True)
