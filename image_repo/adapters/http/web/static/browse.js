// Folders, breadcrumbs, a grid of lazy thumbnails and paging: a page of PAGE_SIZE entries at a
// time, so a folder of 100,000 names costs one small listing request per page. Until its
// thumbnail arrives, a tile shows what the listing recorded of its image (SPEC 15): the dominant
// colour at once, then the ThumbHash decoded here, as the tile nears the viewport.

import { displayUrl, fetchImage, listPage, needsBlobs, withQuery } from "./api.js";
import { thumbHashFromBase64, thumbHashToDataURL } from "./thumbhash.js";

export const PAGE_SIZE = 120;
const THUMB = 160; // CSS pixels; the srcset's 2x asks for dpr=2
const COLOUR = /^#[0-9a-f]{6}$/i;

const $ = (id) => document.getElementById(id);

export class Browser {
  constructor({ onOpen, onSelection }) {
    this.folder = "";
    this.regex = "";
    this.markers = [""]; // markers[i]: the marker of page i
    this.page = 0;
    this.selected = new Set();
    this.onOpen = onOpen;
    this.onSelection = onSelection;
    this.observer = new IntersectionObserver((entries) => this.reveal(entries), {
      rootMargin: "200px",
    });
    $("previous").addEventListener("click", () => this.show(this.page - 1));
    $("next").addEventListener("click", () => this.show(this.page + 1));
  }

  /** Open `folder` ("" or "a/b/"), optionally searching it. */
  async open(folder, regex = "") {
    this.folder = folder;
    this.regex = regex;
    this.markers = [""];
    this.selected.clear();
    this.onSelection(this.selected);
    this.renderCrumbs();
    await this.show(0);
  }

  refresh() {
    return this.show(this.page);
  }

  async show(page) {
    const status = $("status");
    $("list-error").textContent = "";
    status.textContent = "Loading…";
    let entries;
    try {
      // A search looks at every name below the folder; browsing shows one level.
      entries = await listPage({
        prefix: this.folder,
        delimiter: this.regex ? undefined : "/",
        regex: this.regex || undefined,
        marker: this.markers[page],
        limit: PAGE_SIZE + 1,
      });
    } catch (error) {
      status.textContent = "";
      $("list-error").textContent = error.message;
      return;
    }
    this.page = page;
    const hasNext = entries.length > PAGE_SIZE;
    entries = entries.slice(0, PAGE_SIZE);
    if (hasNext) this.markers[page + 1] = entries[entries.length - 1].name;
    this.renderGrid(entries);
    $("previous").disabled = page === 0;
    $("next").disabled = !hasNext;
    $("page-number").textContent = page > 0 || hasNext ? `Page ${page + 1}` : "";
    const what = this.regex ? `matching ${this.regex}` : "in this folder";
    status.textContent = entries.length
      ? `${entries.length}${hasNext ? "+" : ""} entries ${what}`
      : `Nothing ${what}`;
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
      link.href = "#" + encodeURIComponent(path);
      if (index === paths.length - 1) link.setAttribute("aria-current", "page");
      item.append(link);
      crumbs.append(item);
    });
  }

  renderGrid(entries) {
    const grid = $("grid");
    this.observer.disconnect();
    grid.replaceChildren(...entries.map((entry) => this.tile(entry)));
  }

  /** One grid cell: a folder `{name, folder: true}` or an image `{name, url, placeholder}`
   * (`url` versioned; `placeholder` the listing's `{color, thumbhash}`, or null). */
  tile(entry) {
    const { name, folder, url, placeholder } = entry;
    const item = document.createElement("li");
    const shown = name.slice(this.folder.length) || name;
    if (folder) {
      const link = document.createElement("a");
      link.className = "open folder";
      link.href = "#" + encodeURIComponent(name);
      const icon = document.createElement("span");
      icon.className = "thumb";
      icon.setAttribute("aria-hidden", "true");
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = shown;
      link.append(icon, label);
      item.append(link);
      return item;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "open image";
    button.dataset.name = name;
    button.dataset.faces = String(Boolean(entry.faces));
    const image = document.createElement("img");
    image.className = "thumb";
    image.alt = name;
    image.width = THUMB;
    image.height = THUMB;
    image.loading = "lazy";
    aimThumbnail(image, url, Boolean(entry.focus || entry.faces));
    // Shown once decoded (or failed, its alt text then), over the placeholder in the frame.
    const settle = () => image.classList.add("loaded");
    image.addEventListener("load", settle);
    image.addEventListener("error", settle);
    const frame = document.createElement("span");
    frame.className = "frame";
    frame.append(image);
    if (placeholder && COLOUR.test(placeholder.color)) {
      frame.classList.add("placeholder");
      frame.style.backgroundColor = placeholder.color;
      if (placeholder.thumbhash) frame.dataset.thumbhash = placeholder.thumbhash;
    }
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = shown;
    button.append(frame, label);
    button.addEventListener("click", () => this.onOpen(name, url, entry));
    const pick = document.createElement("label");
    pick.className = "pick";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = this.selected.has(name);
    box.addEventListener("change", () => {
      if (box.checked) this.selected.add(name);
      else this.selected.delete(name);
      this.onSelection(this.selected);
    });
    const text = document.createElement("span");
    text.className = "visually-hidden";
    text.textContent = `Select ${name}`;
    pick.append(box, text);
    item.append(button, pick);
    this.observer.observe(image);
    return item;
  }

  /** After `name`'s focal point moved: its thumbnail, a crop around it, is fetched again past
   * the browser's cache (the URL is the same: the version pins the bytes, not the focus). */
  async refocused(name, focus) {
    const button = [...document.querySelectorAll("button.open.image")].find(
      (b) => b.dataset.name === name,
    );
    const image = button?.querySelector("img.thumb");
    if (!image?.dataset.src) return;
    aimThumbnail(image, image.dataset.url, Boolean(focus) || button.dataset.faces === "true");
    const wanted = window.devicePixelRatio > 1 ? image.dataset.src2x : image.dataset.src;
    try {
      const { src } = await fetchImage(wanted, undefined, "reload");
      image.removeAttribute("srcset");
      image.src = src;
    } catch (_ignored) {
      // the old crop stays until the next listing
    }
  }

  /** Thumbnails load once they near the viewport (as blobs where the token must be sent); the
   * ThumbHash under each is decoded just before, so a page of 120 decodes only what is seen. */
  reveal(entries) {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const image = entry.target;
      this.observer.unobserve(image);
      placehold(image.parentElement);
      if (needsBlobs()) {
        displayUrl(image.dataset.src).then(
          (url) => { image.src = url; },
          () => { image.alt = `${image.alt} (not loaded)`; },
        );
      } else {
        image.srcset = `${image.dataset.src} 1x, ${image.dataset.src2x} 2x`;
        image.src = image.dataset.src;
      }
    }
  }
}

/** The thumbnail's URLs: square, filling its cell (fit=cover), and the same crop at twice the
 * pixels for 2x screens (dpr=2). Centred on the focal point or the faces recorded with the
 * original (`aimed`: gravity=auto, SPEC 15), else on what looks most interesting (smart). A
 * crop around a subject moves when the focus does, so its answer is not `immutable` under the
 * versioned URL: only those ask for auto, and the rest stay cached for good. */
function aimThumbnail(image, url, aimed) {
  const gravity = aimed ? "auto" : "smart";
  const thumb = { thumbnail: "true", fit: "cover", gravity, xsize: THUMB, ysize: THUMB };
  image.dataset.url = url;
  image.dataset.src = withQuery(url, thumb);
  image.dataset.src2x = withQuery(url, { ...thumb, dpr: 2 });
}

/** The frame's ThumbHash as its background, under the thumbnail still on its way (a hash that
 * does not decode leaves the colour). */
function placehold(frame) {
  const hash = frame.dataset.thumbhash;
  if (!hash) return;
  delete frame.dataset.thumbhash;
  try {
    frame.style.backgroundImage = `url("${thumbHashToDataURL(thumbHashFromBase64(hash))}")`;
    frame.classList.add("decoded");
  } catch (_ignored) {
    // the colour stays
  }
}
