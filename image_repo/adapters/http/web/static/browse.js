// Folders, breadcrumbs, a grid of tiles (tiles.js), paging and the selection: a page of
// PAGE_SIZE entries at a time, so a folder of 100,000 names costs one small listing request per
// page; the page shown in the order the sort control asks (gallery.js).

import { addressOf } from "./address.js";
import { listEntries, listNames } from "./api.js";
import { savedSort, saveSort, sorted } from "./gallery.js";
import { folderTile, imageTile, Thumbnails } from "./tiles.js";

export const PAGE_SIZE = 120;

const $ = (id) => document.getElementById(id);
const count = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;

export class Browser {
  /** `onOpen(name, url, entry)`: a tile was clicked; `onSelection(selected)`: the set of
   * selected names changed; `onPage(page)`: the pager asks for page `page` (0-based). */
  constructor({ onOpen, onSelection, onPage }) {
    this.folder = "";
    this.regex = "";
    this.markers = [""]; // markers[i]: the marker of page i
    this.page = 0;
    this.entries = []; // the page shown, in listing order
    this.tiles = new Map(); // name -> its <li>
    this.selected = new Set();
    this.order = savedSort();
    this.run = 0; // the latest listing asked for: an answer to an older one is dropped
    this.onOpen = onOpen;
    this.onSelection = onSelection;
    this.thumbnails = new Thumbnails();
    $("previous").addEventListener("click", () => onPage(this.page - 1));
    $("next").addEventListener("click", () => onPage(this.page + 1));
    const sort = $("sort");
    sort.value = this.order;
    sort.addEventListener("change", () => {
      this.order = sort.value;
      saveSort(this.order);
      this.arrange();
    });
  }

  /** Open `folder` ("" or "a/b/") at page `page`, optionally searching it. */
  async open(folder, regex = "", page = 0) {
    this.folder = folder;
    this.regex = regex;
    this.markers = [""];
    this.page = 0;
    this.entries = [];
    this.selected.clear();
    this.onSelection(this.selected);
    this.renderCrumbs();
    await this.show(page);
  }

  refresh() {
    return this.show(this.page);
  }

  /** What the listing is asked: a search looks at every name below the folder; browsing
   * shows one level. */
  listing() {
    return {
      prefix: this.folder,
      delimiter: this.regex ? undefined : "/",
      regex: this.regex || undefined,
    };
  }

  /** Page `page`, or the last one there is when the folder holds fewer now. */
  async show(page) {
    const run = ++this.run;
    const status = $("status");
    $("list-error").textContent = "";
    status.textContent = "Loading…";
    let entries;
    try {
      if (page >= this.markers.length) page = await this.reach(page, run);
      entries = await listEntries({
        ...this.listing(),
        marker: this.markers[page],
        limit: PAGE_SIZE + 1,
      });
    } catch (error) {
      if (run === this.run) this.failed(error);
      return;
    }
    if (run !== this.run) return;
    const before = page === this.page ? this.entries.map((entry) => entry.name) : [];
    this.page = page;
    const hasNext = entries.length > PAGE_SIZE;
    entries = entries.slice(0, PAGE_SIZE);
    if (hasNext) this.markers[page + 1] = entries[entries.length - 1].name;
    else this.markers.length = page + 1;
    this.entries = entries;
    // A name this page showed and no longer lists is gone: it leaves the selection.
    const listed = new Set(entries.map((entry) => entry.name));
    const gone = before.filter((name) => !listed.has(name) && this.selected.has(name));
    gone.forEach((name) => this.selected.delete(name));
    this.renderGrid();
    this.onSelection(this.selected);
    $("previous").disabled = page === 0;
    $("next").disabled = !hasNext;
    $("page-number").textContent = page > 0 || hasNext ? `Page ${page + 1}` : "";
    status.textContent = this.describe(entries, hasNext);
  }

  /** The markers of the pages before `page` (names only, a page at a time): the page reached,
   * earlier than `page` when the listing ends before it. */
  async reach(page, run) {
    for (let index = this.markers.length - 1; index < page; index++) {
      const names = await listNames({
        ...this.listing(),
        marker: this.markers[index],
        limit: PAGE_SIZE + 1,
      });
      if (run !== this.run || names.length <= PAGE_SIZE) return index;
      this.markers[index + 1] = names[PAGE_SIZE - 1];
    }
    return page;
  }

  /** A listing the server refused (a bad search, most often): no results of an earlier
   * listing stay under its error. */
  failed(error) {
    this.entries = [];
    this.renderGrid();
    this.onSelection(this.selected);
    $("previous").disabled = true;
    $("next").disabled = true;
    $("page-number").textContent = "";
    $("status").textContent = this.regex
      ? `The search for “${this.regex}” failed: no results.`
      : "This folder could not be listed.";
    $("list-error").textContent = error.message;
  }

  describe(entries, hasNext) {
    const more = hasNext ? "+" : "";
    if (this.regex) {
      if (!entries.length) return `No matches for “${this.regex}”`;
      const noun = entries.length === 1 && !hasNext ? "match" : "matches";
      return `${entries.length}${more} ${noun} for “${this.regex}”`;
    }
    if (!entries.length) return "Nothing in this folder";
    const folders = entries.filter((entry) => entry.folder).length;
    const parts = [];
    if (entries.length > folders) parts.push(count(entries.length - folders, "image"));
    if (folders) parts.push(count(folders, "folder"));
    return parts.join(", ") + (hasNext ? " on this page; more on the next" : "");
  }

  renderCrumbs() {
    const crumbs = $("crumbs");
    crumbs.replaceChildren();
    const parts = this.folder.split("/").filter(Boolean);
    const paths = [["All images", ""]];
    parts.forEach((part, index) => paths.push([part, parts.slice(0, index + 1).join("/") + "/"]));
    paths.forEach(([label, path], index) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.textContent = label;
      link.href = addressOf({ folder: path });
      if (index === paths.length - 1) link.setAttribute("aria-current", "page");
      item.append(link);
      crumbs.append(item);
    });
  }

  renderGrid() {
    this.thumbnails.forget();
    this.tiles = new Map(this.entries.map((entry) => [entry.name, this.tile(entry)]));
    this.arrange();
  }

  /** The tiles in the chosen order (moved, not made again: loaded thumbnails stay). */
  arrange() {
    const shown = sorted(this.entries, this.order).map((entry) => this.tiles.get(entry.name));
    $("grid").replaceChildren(...shown);
  }

  /** The page's images in the order shown (the view's previous and next follow it). */
  images() {
    return sorted(this.entries, this.order).filter((entry) => !entry.folder);
  }

  /** The page's folders ("a/b/"). */
  folders() {
    return this.entries.filter((entry) => entry.folder).map((entry) => entry.name);
  }

  selectAll() {
    for (const entry of this.images()) this.selected.add(entry.name);
    this.markSelected();
  }

  selectNone() {
    this.selected.clear();
    this.markSelected();
  }

  /** `names` are gone (deleted, moved away): they leave the selection. */
  forget(names) {
    for (const name of names) this.selected.delete(name);
    this.markSelected();
  }

  markSelected() {
    for (const [name, item] of this.tiles) {
      const box = item.querySelector(".pick input");
      if (!box) continue;
      box.checked = this.selected.has(name);
      item.classList.toggle("selected", box.checked);
    }
    this.onSelection(this.selected);
  }

  /** One grid cell: a folder `{name, folder: true}` or an image (tiles.js). */
  tile(entry) {
    const shown = entry.name.slice(this.folder.length) || entry.name;
    if (entry.folder) return folderTile(entry, shown);
    return imageTile(entry, shown, {
      isSelected: this.selected.has(entry.name),
      onOpen: () => this.onOpen(entry.name, entry.url, entry),
      onPick: (isPicked) => {
        if (isPicked) this.selected.add(entry.name);
        else this.selected.delete(entry.name);
        this.onSelection(this.selected);
      },
      observe: (image) => this.thumbnails.observe(image),
    });
  }

  /** After `name`'s focal point moved: its thumbnail is fetched again (tiles.js). */
  refocused(name, focus) {
    return this.thumbnails.refocused(name, focus);
  }
}
