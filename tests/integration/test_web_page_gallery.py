"""The page as a gallery (issue 26), in the same real browser as test_web_page.py: select all or
none, a zip of the selection, bulk delete and bulk move (a target that exists asks to replace or
skip), a new folder that takes the next upload, each tile's size, date and dimensions with a sort
of the page, the folder, page, search and open image kept in the address, the upload box folded
on a phone, and a search's status line; at desktop and phone width, clean under axe."""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Page, ViewportSize, expect
from swiftclient.client import Connection

from tests.images import encoded
from tests.integration.conftest import RunningServer
from tests.integration.test_web_page import AXE, jpeg, payload, put, tile
from tests.integration.test_web_page import browser as browser  # one browser for this module
from tests.integration.test_web_page import guarded as guarded  # write tokens, signed URLs
from tests.integration.test_web_page_looks import (
    DESKTOP,
    PHONE,
    SCENES,
    VIEWPORTS,
    open_page,
    save_screenshot,
    scene,
)
from tests.integration.test_web_page_versions import serious_violations

REPO = Path(__file__).resolve().parents[2]
DESKTOP_SCREENSHOT = REPO / "docs" / "page-gallery-desktop.png"
PHONE_SCREENSHOT = REPO / "docs" / "page-gallery-phone.png"
TOKEN = "page-token"  # the `guarded` server's
PAGE_SIZE = 120  # browse.js's


@pytest.fixture
def writer(guarded: RunningServer) -> Iterator[httpx.Client]:
    """The `guarded` server with its write token: it reads (signed URLs on) and writes."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=guarded.base_url, timeout=30, headers=headers) as http:
        yield http


def token_page(browser: Browser, viewport: ViewportSize) -> Page:
    """A page that holds the `guarded` server's write token, as after "Use token"."""
    page = open_page(browser, viewport)
    page.add_init_script(f"sessionStorage.setItem('image_repo.write_token', '{TOKEN}')")
    return page


def photo(index: int, scale: float = 1.0) -> bytes:
    sky, horizon, land, sun, (width, height) = SCENES[index % len(SCENES)]
    size = (round(width * scale), round(height * scale))
    return encoded(scene(sky, horizon, land, sun, size, seed=index), "JPEG", quality=88)


def shown_names(page: Page) -> list[str]:
    """The image tiles' names, in the order shown."""
    names = page.locator("#grid button.image").evaluate_all("bs => bs.map(b => b.dataset.name)")
    return [str(name) for name in names]


def pick(page: Page, name: str) -> None:
    page.get_by_label(f"Select {name}", exact=True).check()


def accept_next_question(page: Page) -> list[str]:
    asked: list[str] = []

    def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    return asked


@VIEWPORTS
def test_select_all_enables_the_zip_and_select_none_disables_it(
    browser: Browser, client: httpx.Client, unique: str, viewport: ViewportSize
) -> None:
    names = [f"{unique}/shot-{i}" for i in range(3)]
    for name in names:
        put(client, name, jpeg())
    put(client, f"{unique}/deeper/other", jpeg())
    page = open_page(browser, viewport)
    page.goto(f"{client.base_url}/#{unique}/")
    expect(page.locator("#grid button.image")).to_have_count(3)
    zip_button = page.locator("#zip")  # on a phone, shown once something is selected
    expect(zip_button).to_be_disabled()
    page.get_by_role("button", name="Select all").click()
    expect(page.locator("#selection-count")).to_have_text("3 selected")
    for name in names:
        expect(page.get_by_label(f"Select {name}", exact=True)).to_be_checked()
    expect(page.get_by_role("button", name="Download zip")).to_be_enabled()
    expect(page.get_by_role("button", name="Select all")).to_be_disabled()
    with page.expect_download() as download:
        zip_button.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert sorted(archive.namelist()) == sorted(f"{name}.jpg" for name in names)
    page.get_by_role("button", name="Select none").click()
    expect(page.locator("#selection-count")).to_have_text("")
    expect(zip_button).to_be_disabled()
    for name in names:
        expect(page.get_by_label(f"Select {name}", exact=True)).not_to_be_checked()
    page.context.close()


def test_bulk_delete_asks_once_and_removes_the_selection(
    browser: Browser, writer: httpx.Client, guarded: RunningServer, unique: str
) -> None:
    doomed = [f"{unique}/doomed-{i}" for i in range(3)]
    for name in [*doomed, f"{unique}/kept"]:
        put(writer, name, jpeg(), token=TOKEN)
    page = token_page(browser, DESKTOP)
    page.goto(f"{guarded.base_url}/#{unique}/")
    expect(page.locator("#grid button.image")).to_have_count(4)
    for name in doomed:
        pick(page, name)
    expect(page.locator("#selection-count")).to_have_text("3 selected")
    asked = accept_next_question(page)
    page.get_by_role("button", name="Delete selected").click()
    expect(page.locator("#bulk-status")).to_have_text("Deleted 3 images.")
    assert len(asked) == 1 and asked[0].startswith("Delete 3 images?"), asked
    assert all(name in asked[0] for name in doomed)
    for name in doomed:
        assert writer.get(f"/images/{name}").status_code == 404
    assert writer.get(f"/images/{unique}/kept").status_code == 200
    expect(page.locator("#grid .label")).to_have_text(["kept"])
    expect(page.locator("#selection-count")).to_have_text("")
    expect(page.locator("#zip")).to_be_disabled()
    expect(page.locator("#bulk-delete")).to_be_disabled()
    page.context.close()


def test_bulk_delete_names_what_failed(
    browser: Browser, writer: httpx.Client, guarded: RunningServer, unique: str
) -> None:
    for name in ("gone", "here"):
        put(writer, f"{unique}/{name}", jpeg(), token=TOKEN)
    page = token_page(browser, DESKTOP)
    page.goto(f"{guarded.base_url}/#{unique}/")
    expect(page.locator("#grid button.image")).to_have_count(2)
    page.get_by_role("button", name="Select all").click()
    assert writer.delete(f"/images/{unique}/gone").status_code == 204  # meanwhile, elsewhere
    accept_next_question(page)
    page.get_by_role("button", name="Delete selected").click()
    status = page.locator("#bulk-status")
    expect(status).to_contain_text("Deleted 1 of 2 images. Not deleted: ")
    expect(status).to_contain_text(f"{unique}/gone (404 ")
    expect(status).to_have_class("note bulk-status failed")
    expect(page.locator("#grid button.image")).to_have_count(0)
    expect(page.locator("#selection-count")).to_have_text("")
    page.context.close()


@VIEWPORTS
def test_bulk_move_into_a_new_folder(
    browser: Browser,
    writer: httpx.Client,
    guarded: RunningServer,
    unique: str,
    viewport: ViewportSize,
) -> None:
    moving = {f"{unique}/beach-{i}": photo(i) for i in range(2)}
    for name, data in moving.items():
        put(writer, name, data, token=TOKEN)
    put(writer, f"{unique}/staying", jpeg(), token=TOKEN)
    put(writer, f"{unique}/old-album/first", jpeg(), token=TOKEN)
    page = token_page(browser, viewport)
    page.goto(f"{guarded.base_url}/#{unique}/")
    expect(page.locator("#grid button.image")).to_have_count(3)
    for name in moving:
        pick(page, name)
    page.get_by_role("button", name="Move to folder…").click()
    target = page.get_by_label("Move the selected images to the folder")
    expect(target).to_be_focused()
    expect(target).to_have_value(f"{unique}/")
    offered = page.locator("#move-folders option").evaluate_all("os => os.map(o => o.value)")
    assert f"{unique}/old-album/" in offered and f"{unique}/" in offered, offered
    target.fill(f"{unique}/summer/beach")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("#bulk-status")).to_have_text(f"Moved 2 images to {unique}/summer/beach/.")
    for name, data in moving.items():
        moved = f"{unique}/summer/beach/{name.rsplit('/', 1)[1]}"
        assert writer.get(f"/images/{name}", params={"meta": "true"}).status_code == 404
        meta = writer.get(f"/images/{moved}", params={"meta": "true"})
        assert meta.status_code == 200, meta.text
        assert meta.json()["bytes"] == len(data)
    expect(page.locator("#grid .label")).to_have_text(["old-album/", "staying", "summer/"])
    expect(page.locator("#selection-count")).to_have_text("")
    page.get_by_role("link", name="summer/").click()
    page.get_by_role("link", name="beach/").click()
    expect(page.locator("#grid .label")).to_have_text(["beach-0", "beach-1"])
    page.context.close()


def test_a_move_onto_an_existing_name_offers_replace_or_skip(
    browser: Browser, writer: httpx.Client, guarded: RunningServer, unique: str
) -> None:
    put(writer, f"{unique}/album/sunset", jpeg(10, 10), token=TOKEN)
    put(writer, f"{unique}/sunset", photo(4), token=TOKEN)
    put(writer, f"{unique}/dawn", photo(1), token=TOKEN)
    page = token_page(browser, DESKTOP)
    page.goto(f"{guarded.base_url}/#{unique}/")
    expect(page.locator("#grid button.image")).to_have_count(2)
    page.get_by_role("button", name="Select all").click()
    page.get_by_role("button", name="Move to folder…").click()
    page.get_by_label("Move the selected images to the folder").fill(f"{unique}/album/")
    with page.expect_response(lambda r: "rename=" in r.url and r.status == 409):
        page.get_by_role("button", name="Move", exact=True).click()
    status = page.locator("#bulk-status")
    expect(status).to_have_text(
        f"Moved 1 image to {unique}/album/. 1 already exists in {unique}/album/."
    )
    conflicts = page.locator("#conflicts")
    expect(conflicts).to_be_visible()
    expect(conflicts).to_contain_text("sunset")
    expect(page.get_by_role("button", name="Replace them")).to_be_focused()
    expect(page.locator("#selection-count")).to_have_text("1 selected")  # sunset, still here
    page.get_by_role("button", name="Skip them").click()
    expect(conflicts).to_be_hidden()
    expect(status).to_have_text("Skipped 1 image: left where they are.")
    assert writer.get(f"/images/{unique}/sunset", params={"meta": "true"}).status_code == 200
    small = writer.get(f"/images/{unique}/album/sunset", params={"meta": "true"}).json()
    assert small["width"] == 10

    page.get_by_role("button", name="Move to folder…").click()
    page.get_by_label("Move the selected images to the folder").fill(f"{unique}/album")
    page.get_by_role("button", name="Move", exact=True).click()
    page.get_by_role("button", name="Replace them").click()
    expect(status).to_have_text(f"Moved 1 image to {unique}/album/.")
    assert writer.get(f"/images/{unique}/sunset", params={"meta": "true"}).status_code == 404
    replaced = writer.get(f"/images/{unique}/album/sunset", params={"meta": "true"}).json()
    assert replaced["width"] == SCENES[4][4][0]
    expect(page.locator("#grid .label")).to_have_text(["album/"])
    page.context.close()


@VIEWPORTS
def test_a_new_folder_takes_the_next_upload(
    browser: Browser, client: httpx.Client, unique: str, viewport: ViewportSize
) -> None:
    put(client, f"{unique}/existing", jpeg())
    page = open_page(browser, viewport)
    page.goto(f"{client.base_url}/#{unique}/")
    expect(page.locator("#grid button.image")).to_have_count(1)
    page.get_by_role("button", name="New folder", exact=True).click()
    name = page.get_by_label("New folder name")
    expect(name).to_be_focused()
    expect(page.locator("#folder-help")).to_contain_text("once it holds an image")
    name.fill("Trip 2024/day one")
    page.get_by_role("button", name="Open new folder").click()
    folder = f"{unique}/Trip 2024/day one/"
    expect(page.locator("#crumbs li")).to_have_text(["All images", unique, "Trip 2024", "day one"])
    expect(page.locator("#status")).to_have_text("Nothing in this folder")
    expect(page.locator("#folder-note")).to_contain_text(
        "it appears in the listing once it holds an image"
    )
    expect(page.locator("#drop")).to_be_visible()  # unfolded on a phone too
    expect(page.locator("#upload-target")).to_have_text(f"Into {folder}")
    page.locator("#files").set_input_files([payload("first.jpg", jpeg(50, 40))])
    expect(page.locator("#uploads li.done")).to_have_count(1)
    expect(page.locator("#grid .label")).to_have_text(["first"])
    expect(page.locator("#folder-note")).to_be_hidden()
    meta = client.get(f"/images/{folder}first", params={"meta": "true"})
    assert meta.status_code == 200 and meta.json()["width"] == 50
    page.context.close()


def human(size: int) -> str:
    """gallery.js's humanBytes, for the sizes these tests make."""
    if size < 1000:
        return f"{size} B"
    value = size / 1000
    unit = "kB"
    if value >= 1000:
        value, unit = value / 1000, "MB"
    return f"{value:.1f} {unit}" if value < 10 else f"{round(value)} {unit}"


def test_tiles_show_size_date_and_dimensions_and_sort_the_page(
    browser: Browser, client: httpx.Client, unique: str
) -> None:
    # Uploaded in this order, a second apart (listing times are whole seconds), so each order
    # differs from the others.
    made = [("b-large", photo(2, 2.5)), ("a-small", photo(0, 0.3)), ("c-medium", photo(5, 1.0))]
    for index, (name, data) in enumerate(made):
        if index:
            time.sleep(1.1)
        put(client, f"{unique}/{name}", data)
    listed = {
        entry["name"]: entry
        for entry in client.get(
            "/images", params={"prefix": f"{unique}/", "delimiter": "/", "details": "true"}
        ).json()
    }
    sizes = [listed[f"{unique}/{name}"]["bytes"] for name, _ in made]
    assert sizes[0] > sizes[2] > sizes[1], sizes
    page = open_page(browser, DESKTOP)
    page.goto(f"{client.base_url}/#{unique}/")
    expect(page.locator("#grid button.image")).to_have_count(3)
    for name, _ in made:
        entry = listed[f"{unique}/{name}"]
        details = page.locator(f'#grid li:has(> button[data-name="{entry["name"]}"]) .details')
        expect(details.locator(".size")).to_have_text(human(entry["bytes"]))
        expect(details.locator(".dimensions")).to_have_text(
            f"{entry['width']}\N{MULTIPLICATION SIGN}{entry['height']}"
        )
        expect(details.locator("time")).to_have_attribute("datetime", entry["modified"])
        expect(details.locator("time")).not_to_be_empty()
    in_order = {
        "name": ["a-small", "b-large", "c-medium"],
        "size-desc": ["b-large", "c-medium", "a-small"],
        "size": ["a-small", "c-medium", "b-large"],
        "date-desc": ["c-medium", "a-small", "b-large"],
        "date": ["b-large", "a-small", "c-medium"],
        "name-desc": ["c-medium", "b-large", "a-small"],
    }
    sort = page.get_by_label("Sort this page")
    expect(sort).to_have_accessible_description(
        "Pages come in name order; this orders the page shown."
    )
    for order, names in in_order.items():
        sort.select_option(order)
        assert shown_names(page) == [f"{unique}/{name}" for name in names], order
    page.reload()  # the sort is kept for this browser
    expect(page.locator("#grid button.image")).to_have_count(3)
    expect(sort).to_have_value("name-desc")
    assert shown_names(page) == [f"{unique}/{name}" for name in in_order["name-desc"]]
    page.context.close()


def test_reload_keeps_the_page_and_the_search(
    browser: Browser, client: httpx.Client, swift: Connection, server: RunningServer, unique: str
) -> None:
    """Two pages (objects put straight into Swift, as another tool would: quick to make)."""
    small = jpeg(8, 8)
    for index in range(PAGE_SIZE + 3):
        swift.put_object(
            server.data_container, f"{unique}/p{index:03d}", small, content_type="image/jpeg"
        )
    page = open_page(browser, DESKTOP)
    page.goto(f"{client.base_url}/#{unique}/")
    expect(page.locator("#grid button.image")).to_have_count(PAGE_SIZE)
    page.get_by_role("button", name="Next page").click()
    expect(page.locator("#page-number")).to_have_text("Page 2")
    expect(page.locator("#grid .label")).to_have_text(["p120", "p121", "p122"])
    assert page.evaluate("() => location.hash") == f"#{unique}/?page=2"
    page.reload()
    expect(page.locator("#page-number")).to_have_text("Page 2")
    expect(page.locator("#grid .label")).to_have_text(["p120", "p121", "p122"])
    page.get_by_role("button", name="Previous page").click()
    expect(page.locator("#grid button.image")).to_have_count(PAGE_SIZE)
    expect(page.locator("#grid .label").first).to_have_text("p000")
    page.go_back()
    expect(page.locator("#grid .label")).to_have_text(["p120", "p121", "p122"])

    page.get_by_label("Search this folder").fill("p12[01]")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#status")).to_have_text("2 matches for “p12[01]”")
    page.reload()
    expect(page.get_by_label("Search this folder")).to_have_value("p12[01]")
    expect(page.locator("#grid .label")).to_have_text(["p120", "p121"])
    expect(page.locator("#status")).to_have_text("2 matches for “p12[01]”")
    page.go_back()
    expect(page.get_by_label("Search this folder")).to_have_value("")
    expect(page.locator("#page-number")).to_have_text("Page 2")
    page.context.close()


def test_the_open_image_is_in_the_address_and_back_closes_it(
    browser: Browser, client: httpx.Client, unique: str
) -> None:
    for name in ("album/dawn", "album/dusk"):
        put(client, f"{unique}/{name}", photo(3))
    page = open_page(browser, DESKTOP)
    page.goto(f"{client.base_url}/#{unique}/")
    page.get_by_role("link", name="album/").click()
    expect(page.locator("#grid button.image")).to_have_count(2)
    page.locator(tile(page, f"{unique}/album/dusk")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => location.hash") == f"#{unique}/album/?image=dusk"
    page.reload()
    expect(dialog).to_be_visible()
    expect(page.locator("#viewer-title")).to_have_text(f"{unique}/album/dusk")
    expect(page.locator("#meta")).to_contain_text("pixels")
    page.go_back()  # before the reload: the folder, no image open
    expect(dialog).to_be_hidden()
    expect(page.locator("#grid button.image")).to_have_count(2)
    page.go_back()
    expect(page.locator("#grid .label")).to_have_text(["album/"])
    page.go_forward()
    expect(page.locator("#grid .label")).to_have_text(["dawn", "dusk"])
    page.locator(tile(page, f"{unique}/album/dawn")).click()
    expect(dialog).to_be_visible()
    page.get_by_role("button", name="Close", exact=True).click()
    expect(dialog).to_be_hidden()
    page.wait_for_function(f"() => location.hash === '#{unique}/album/'")
    page.go_back()  # the close went back past the open image: the folder above
    expect(page.locator("#grid .label")).to_have_text(["album/"])
    page.context.close()


@VIEWPORTS
def test_the_upload_box_folds_on_a_phone_and_images_come_first(
    browser: Browser, client: httpx.Client, unique: str, viewport: ViewportSize
) -> None:
    for index in range(6):
        put(client, f"{unique}/photo-{index}", photo(index))
    page = open_page(browser, viewport)
    page.goto(f"{client.base_url}/#{unique}/")
    expect(page.locator("#grid button.image")).to_have_count(6)
    toggle = page.locator("#upload-toggle")
    if viewport == DESKTOP:
        expect(page.locator("#drop")).to_be_visible()
        expect(toggle).to_be_hidden()
    else:
        expect(page.locator("#drop")).to_be_hidden()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        first = page.locator("#grid li").first.bounding_box()
        assert first is not None and first["y"] + first["height"] <= viewport["height"], first
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#drop")).to_be_visible()
        expect(page.get_by_text("Choose files")).to_be_visible()
        toggle.click()
        expect(page.locator("#drop")).to_be_hidden()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= viewport["width"], "the page scrolls sideways"
    page.context.close()


def test_a_bad_search_clears_the_results_and_says_so(
    browser: Browser, client: httpx.Client, unique: str
) -> None:
    for name in ("cat", "dog", "deep/catfish"):
        put(client, f"{unique}/{name}", jpeg())
    page = open_page(browser, DESKTOP)
    page.goto(f"{client.base_url}/#{unique}/")
    expect(page.locator("#status")).to_have_text("2 images, 1 folder")
    page.get_by_label("Search this folder").fill("cat")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#status")).to_have_text("2 matches for “cat”")
    expect(page.locator("#grid .label")).to_have_text(["cat", "deep/catfish"])
    page.get_by_label("Search this folder").fill("(?=x)")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#status")).to_have_text("The search for “(?=x)” failed: no results.")
    expect(page.locator("#list-error")).to_contain_text("400 ")
    expect(page.locator("#grid li")).to_have_count(0)
    page.get_by_label("Search this folder").fill("zebra")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#status")).to_have_text("No matches for “zebra”")
    expect(page.locator("#list-error")).to_be_hidden()
    page.get_by_role("button", name="Clear").click()
    expect(page.locator("#grid li")).to_have_count(3)
    page.context.close()


@VIEWPORTS
def test_the_gallery_is_accessible_with_its_panels_open(
    browser: Browser, client: httpx.Client, unique: str, viewport: ViewportSize
) -> None:
    for index in range(4):
        put(client, f"{unique}/photo-{index}", photo(index))
    put(client, f"{unique}/more/photo", jpeg())
    page = open_page(browser, viewport, bypass_csp=True)  # axe is injected inline
    page.goto(f"{client.base_url}/#{unique}/")
    expect(page.locator("#grid button.image")).to_have_count(4)
    page.add_script_tag(path=str(AXE))
    assert not serious_violations(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Skip to the images": the keyboard moves, the folder stays
    expect(page.locator("#grid")).to_be_focused()
    assert page.evaluate("() => location.hash") == f"#{unique}/"
    expect(page.locator("#grid button.image")).to_have_count(4)
    page.get_by_role("button", name="Select all").click()
    page.get_by_role("button", name="Move to folder…").click()
    expect(page.locator("#move-form")).to_be_visible()
    assert not serious_violations(page)
    page.keyboard.press("Escape")
    expect(page.locator("#move-form")).to_be_hidden()
    expect(page.get_by_role("button", name="Move to folder…")).to_be_focused()
    if viewport == PHONE:
        page.locator("#upload-toggle").click()
        expect(page.locator("#drop")).to_be_visible()
    page.get_by_role("button", name="New folder", exact=True).click()
    expect(page.locator("#folder-form")).to_be_visible()
    assert not serious_violations(page)
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="New folder", exact=True)).to_be_focused()
    page.context.close()


@VIEWPORTS
def test_the_gallery_pictured(
    browser: Browser, client: httpx.Client, unique: str, viewport: ViewportSize
) -> None:
    """docs/page-gallery-desktop.png and docs/page-gallery-phone.png when IMAGE_REPO_SCREENSHOT
    is set: a folder of landscapes, two subfolders, three photos selected."""
    folder = f"{unique}/Lake District 2024/"
    places = [
        "desert-dusk", "pine-forest", "beach", "night-town", "red-sunset", "meadow",
        "snowfield", "lavender-hills", "lake", "wheat", "storm", "canyon",
    ]  # fmt: skip
    for index, place in enumerate(places):
        put(client, f"{folder}{place}", photo(index, 2.5))
    for sub in ("day-trips", "portraits"):
        put(client, f"{folder}{sub}/cover", photo(3))
    page = open_page(browser, viewport)
    page.goto(f"{client.base_url}/#{folder}")
    expect(page.locator("#grid button.image")).to_have_count(len(places))
    page.get_by_label("Sort this page").select_option("name")
    for place in ("beach", "lake", "meadow"):
        pick(page, f"{folder}{place}")
    expect(page.locator("#selection-count")).to_have_text("3 selected")
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_function(
        """() => [...document.querySelectorAll('#grid img.thumb')]
            .filter(i => i.getBoundingClientRect().top < innerHeight)
            .every(i => i.complete && i.naturalWidth > 0 && i.classList.contains('loaded'))"""
    )
    page.wait_for_timeout(300)  # the thumbnails' fade-in
    if os.environ.get("IMAGE_REPO_SCREENSHOT"):
        path = DESKTOP_SCREENSHOT if viewport == DESKTOP else PHONE_SCREENSHOT
        save_screenshot(page, path)
    first = page.locator("#grid li").first.bounding_box()
    assert first is not None and first["y"] < viewport["height"] / 2, first
    page.context.close()
