// The page's entry point: access (write token), the folder in the URL's hash, and the parts.

import { canRead, canWrite, download, imagePath, query, server, setToken, token } from "./api.js";
import { Browser } from "./browse.js";
import { Uploader } from "./upload.js";
import { Viewer } from "./viewer.js";

const $ = (id) => document.getElementById(id);

function folderFromHash() {
  const folder = decodeURIComponent(location.hash.slice(1));
  return folder && !folder.endsWith("/") ? `${folder}/` : folder;
}

const viewer = new Viewer({
  onDeleted: () => browser.refresh(),
  onRestored: () => browser.refresh(),
  onRefocused: (name, focus) => browser.refocused(name, focus),
});
const browser = new Browser({
  onOpen: (name, url, entry) => viewer.open(name, url, entry),
  onSelection: (selected) => showSelection(selected),
});
new Uploader({ folder: () => browser.folder, onDone: () => browser.refresh() });

/** Zip of the selection: `GET /images/<folder>?regex=^(a|b)$&zip=true`, names escaped for RE2. */
function showSelection(selected) {
  const button = $("zip");
  const note = $("zip-note");
  const atRoot = browser.folder === "";
  button.disabled = selected.size < 2 || atRoot;
  note.textContent = atRoot && selected.size > 1 ? "A zip is made of images inside one folder." : "";
}

$("zip").addEventListener("click", () => {
  const folder = browser.folder;
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  const names = [...browser.selected].map((name) => escape(name.slice(folder.length)));
  const url = imagePath(folder.slice(0, -1)) + query({ regex: `^(${names.join("|")})$`, zip: "true" });
  download(url, `${folder.slice(0, -1).split("/").pop()}.zip`).catch((error) => {
    $("list-error").textContent = error.message;
  });
});

function showAccess() {
  const form = $("token-form");
  const notes = [];
  form.hidden = !server.isWriteProtected;
  $("forget-token").hidden = !token();
  if (server.isWriteProtected && !token()) {
    notes.push("Uploads and deletes need this server's write token.");
  }
  if (server.isSigned && !token()) {
    notes.push("This server serves signed URLs only: enter a write token to browse.");
  }
  $("access-note").textContent = notes.join(" ");
  const writable = canWrite();
  $("files").disabled = !writable;
  $("drop").classList.toggle("disabled", !writable);
  $("write-note").textContent = writable ? "" : "Uploading is off until a write token is given.";
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setToken($("token").value.trim());
  $("token").value = "";
  showAccess();
  browser.open(folderFromHash());
});
$("forget-token").addEventListener("click", () => {
  setToken("");
  showAccess();
});

$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  browser.open(browser.folder, $("search").value);
});
$("clear-search").addEventListener("click", () => {
  $("search").value = "";
  browser.open(browser.folder);
});

window.addEventListener("hashchange", () => {
  $("search").value = "";
  browser.open(folderFromHash()).then(() => $("grid").focus());
});

showAccess();
if (canRead()) browser.open(folderFromHash());
