// The page's entry point: access (write token), its place in the address (folder, page,
// search, open image: address.js), and the parts wired together.

import { readAddress, samePlace, writeAddress } from "./address.js";
import { canRead, canWrite, server, setToken, token } from "./api.js";
import { Browser } from "./browse.js";
import { Selection } from "./bulk.js";
import { NewFolder } from "./folders.js";
import { Uploader } from "./upload.js";
import { Viewer } from "./viewer.js";

const $ = (id) => document.getElementById(id);

// What the page shows now: the address follows it, and it follows the address (back, forward,
// a link). `folder: null` until the first listing.
let place = { folder: null, page: 0, search: "", image: "" };
let pushedImage = false; // opening the shown image added a history entry (closing goes back)
let moves = 0; // places asked for: a listing that answers after the next was asked is stale

const viewer = new Viewer({
  onDeleted: (name) => {
    browser.forget([name]);
    relist();
  },
  onRestored: () => relist(),
  onRefocused: (name, focus) => browser.refocused(name, focus),
  onShown: (name) => shown(name),
});
const browser = new Browser({
  onOpen: (name, url, entry) => openImage(name, url, entry),
  onSelection: () => selection.show(),
  onPage: (page) => go({ page, image: "" }),
});
const selection = new Selection({ browser, onChanged: () => relist() });
const uploader = new Uploader({ folder: () => browser.folder, onDone: () => relist() });
const folders = new NewFolder({
  folder: () => browser.folder,
  onCreate: (folder) => {
    uploader.unfold();
    go({ folder, page: 0, search: "", image: "" });
  },
});

/** The page shown, listed again (after an upload, a delete, a move). */
async function relist() {
  await browser.refresh();
  // A later page emptied (its images deleted or moved away): the page before it.
  if (!browser.entries.length && browser.page > 0) {
    await go({ page: browser.page - 1, image: "" }, { replace: true });
    return;
  }
  folders.note(browser.folder, browser.entries.length === 0);
}

/** Go to `changes` of the place: a new history entry (or in place of the current one). */
function go(changes, options = {}) {
  const next = { ...place, ...changes };
  writeAddress(next, options);
  return show(next);
}

/** Show `wanted` (`force`: list again though the place is the same, as after a token). */
async function show(wanted, force = false) {
  if (!force && samePlace(wanted, place)) return;
  const listing = force || !samePlace({ ...wanted, image: "" }, { ...place, image: "" });
  const image = place.image;
  const move = ++moves;
  place = { ...wanted };
  if (!wanted.image && $("viewer").open) $("viewer").close();
  if (listing) {
    $("search").value = wanted.search;
    uploader.target(wanted.folder);
    if (wanted.folder !== browser.folder || wanted.search !== browser.regex || force) {
      await browser.open(wanted.folder, wanted.search, wanted.page);
    } else {
      await browser.show(wanted.page);
    }
    if (move !== moves) return; // left meanwhile
    folders.note(browser.folder, browser.entries.length === 0);
    if (browser.page !== wanted.page) {
      place = { ...place, page: browser.page };
      writeAddress(place, { replace: true });
    }
  }
  if (place.image && (place.image !== image || !$("viewer").open)) {
    const entry = browser.images().find((listed) => listed.name === place.image);
    viewer.open(place.image, entry?.url, entry ?? null, browser.images());
  }
}

/** A tile was clicked: its image in the view, its page's images as previous and next. */
function openImage(name, url, entry) {
  viewer.open(name, url, entry, browser.images());
  shown(name);
}

/** The view shows `name` (null: it closed): the address says so. Opening adds a history
 * entry, so the browser's back closes the view; previous and next replace it. */
function shown(name) {
  const image = name || "";
  if (image === place.image) return;
  const opening = !place.image;
  place = { ...place, image };
  if (!image && pushedImage) {
    pushedImage = false;
    history.back();
    return;
  }
  writeAddress(place, { replace: !opening });
  pushedImage = opening;
}
// Until the view reports what it shows (onShown), its closing says it.
$("viewer").addEventListener("close", () => shown(null));

function showAccess() {
  const form = $("token-form");
  const notes = [];
  form.hidden = !server.isWriteProtected;
  $("forget-token").hidden = !token();
  if (server.isWriteProtected && !token()) {
    notes.push("Uploads, moves and deletes need this server's write token.");
  }
  if (server.isSigned && !token()) {
    notes.push("This server serves signed URLs only: enter a write token to browse.");
  }
  $("access-note").textContent = notes.join(" ");
  const writable = canWrite();
  $("files").disabled = !writable;
  $("drop").classList.toggle("disabled", !writable);
  $("write-note").textContent = writable ? "" : "Uploading is off until a write token is given.";
  selection.show();
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setToken($("token").value.trim());
  $("token").value = "";
  showAccess();
  show(readAddress(), true);
});
$("forget-token").addEventListener("click", () => {
  setToken("");
  showAccess();
});

$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  go({ search: $("search").value, page: 0, image: "" });
});
$("clear-search").addEventListener("click", () => {
  $("search").value = "";
  go({ search: "", page: 0, image: "" });
});

// A link (a folder, a crumb) or the browser's back and forward: the page follows its address.
const follow = () => {
  const wanted = readAddress();
  if (samePlace(wanted, place)) return;
  if (wanted.image !== place.image) pushedImage = false;
  const moved = wanted.folder !== place.folder;
  show(wanted).then(() => {
    if (moved) $("grid").focus();
  });
};
window.addEventListener("popstate", follow);
window.addEventListener("hashchange", follow);
// The skip link moves the keyboard, not the address (whose hash names a folder).
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  $("grid").focus();
});

showAccess();
if (canRead()) show(readAddress());
else place = { ...readAddress() };
