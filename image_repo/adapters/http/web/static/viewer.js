// The image view: the picture as large as the window allows (beside its details on a wide
// screen, above them on a narrow one), previous and next through the gallery's page, its focal
// point, its metadata in words, downloads (the original too, for a write-token holder), a
// temporary URL, its kept versions (restoring one), an "adjust" panel that builds a URL of it,
// delete. Every picture is fetched at its versioned URL (`v=`).

import { AdjustPanel } from "./adjust.js";
import {
  canWrite,
  displayUrl,
  getJson,
  imagePath,
  needsBlobs,
  query,
  remove,
  withQuery,
} from "./api.js";
import { Downloads } from "./downloads.js";
import { metaRows } from "./exif_labels.js";
import { FocusPanel } from "./focus.js";
import { SharePanel } from "./share.js";
import { Steps } from "./steps.js";
import { thumbHashFromBase64, thumbHashToDataURL } from "./thumbhash.js";
import { VersionsPanel } from "./versions.js";

const $ = (id) => document.getElementById(id);
// The details beside the picture (viewer.css's breakpoint): the picture's stage then has a
// height of its own; below it the picture takes at most NARROW_HEIGHT of the window's.
const WIDE = matchMedia("(min-width: 56rem)");
const NARROW_HEIGHT = 0.7;
const showError = (error) => {
  $("viewer-error").textContent = error.message;
};

export class Viewer {
  /** `onShown(name)` whenever an image is shown, `onShown(null)` when the view closes. */
  constructor({ onDeleted, onRestored, onRefocused, onShown }) {
    this.name = "";
    this.onDeleted = onDeleted;
    this.onRestored = onRestored;
    this.onShown = onShown;
    this.dialog = $("viewer");
    this.adjust = new AdjustPanel();
    this.focus = new FocusPanel({
      onChanged: (name, focus) => {
        // The listing's entry is shown again at the next opening, before the metadata.
        if (this.entry?.name === name) this.entry.focus = focus;
        this.adjust.focusMoved();
        onRefocused?.(name, focus);
      },
    });
    this.steps = new Steps({ onStep: (entry) => this.show(entry.name, entry.url, entry) });
    this.downloads = new Downloads({ onError: showError });
    this.share = new SharePanel({ onError: showError });
    this.versions = new VersionsPanel({
      onRestored: async (name) => {
        this.onRestored(name);
        await this.load();
      },
    });
    this.ahead = []; // the neighbours' pictures, fetched while this one is looked at
    this.size = null; // `{width, height}` of the picture, for its frame before it has loaded
    const image = $("viewer-image");
    const settle = () => {
      image.classList.add("loaded");
      const { naturalWidth: width, naturalHeight: height } = image;
      if (width) this.size = { width, height };
      this.layout();
    };
    image.addEventListener("load", settle);
    image.addEventListener("error", () => image.classList.add("loaded"));
    new ResizeObserver(() => this.layout()).observe($("focus-area"));
    addEventListener("resize", () => this.layout());
    WIDE.addEventListener("change", () => this.layout());
    $("close-viewer").addEventListener("click", () => this.close());
    $("delete").addEventListener("click", () => this.deleteImage());
    this.dialog.addEventListener("close", () => this.closed());
  }

  /** Open `name`; `url` is its versioned URL from the listing, `entry` what the listing said
   * of it (`width`, `height`, `placeholder`, `focus`), and `siblings` the gallery page's image
   * entries in the order shown, which previous and next walk (without them, no walking). */
  async open(name, url, entry, siblings) {
    this.steps.walk(siblings, name);
    if (!this.dialog.open) {
      this.opener = document.activeElement;
      this.dialog.showModal();
      $("close-viewer").focus();
    }
    await this.show(name, url, entry);
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  /** Back in the gallery: the keyboard on the tile of the image last shown (walked to, maybe),
   * else where it was. */
  closed() {
    this.shown = null;
    this.ahead = [];
    const tile = [...document.querySelectorAll("#grid [data-name]")].find(
      (element) => element.dataset.name === this.name,
    );
    (tile || this.opener)?.focus();
    this.onShown?.(null);
  }

  /** Show `name` in the open view (opened, or walked to). */
  async show(name, url, entry) {
    this.name = name;
    this.entry = entry && entry.name === name ? entry : null;
    this.steps.at(name);
    this.title(name);
    $("viewer-status").textContent = "";
    $("versions-status").textContent = "";
    $("viewer-image").alt = name;
    $("delete").disabled = !canWrite();
    this.share.show(name);
    this.onShown?.(name);
    await this.load(url);
  }

  /** The name as the view's title: its folder small above it, broken after a slash if need be. */
  title(name) {
    const cut = name.lastIndexOf("/") + 1;
    const folder = document.createElement("span");
    folder.className = "folder";
    for (const part of name.slice(0, cut).split("/").slice(0, -1)) {
      folder.append(part, "/", document.createElement("wbr"));
    }
    $("viewer-title").replaceChildren(...(cut ? [folder] : []), name.slice(cut));
  }

  /** (Re)load what the view shows of `this.name`: the listing's `url` starts the picture at once;
   * without one (after a restore) the metadata's own versioned URL is used. */
  async load(url) {
    const name = this.name;
    const shown = (this.shown = Symbol(name));
    $("viewer-error").textContent = "";
    $("meta").replaceChildren();
    const image = $("viewer-image");
    image.removeAttribute("src");
    image.classList.remove("loaded");
    // The listing's facts hold for the version it listed (`url`); a restore brings another.
    const listed = url ? this.entry : null;
    this.focus.forget();
    this.placehold(listed);
    this.focus.show(name, url, listed?.focus);
    this.downloads.show(name, url || imagePath(name));
    this.adjust.show(name, url || imagePath(name));
    const kept = this.versions.load(name, shown);
    const sized = (base) => this.sized(base);
    try {
      // Not awaited before the metadata: the picture loads meanwhile (a failure here is retried
      // below, with the metadata's URL, and reported then).
      const early = url ? displayUrl(sized(url)).catch(() => null) : Promise.resolve(null);
      if (url && !needsBlobs()) image.src = sized(url);
      const meta = await getJson(imagePath(name) + query({ meta: "true" }));
      if (this.shown !== shown) return;
      this.renderMeta(meta);
      const current = meta.url || url || imagePath(name);
      if (!image.classList.contains("loaded")) this.placehold(meta);
      this.focus.show(name, current, meta.focus);
      this.downloads.show(name, current);
      this.adjust.show(name, current);
      // A listing older than the image (replaced since) gave an older `v=`: the metadata's wins.
      const src = (current === url && (await early)) || (await displayUrl(sized(current)));
      if (this.shown !== shown) return;
      image.src = src;
      this.fetchAhead();
    } catch (error) {
      if (this.shown === shown) $("viewer-error").textContent = error.message;
    }
    await kept;
  }

  /** The picture at screen size: a box of the viewport in device pixels, never enlarged. */
  sized(base) {
    const side = Math.min(4000, Math.round(Math.max(innerWidth, innerHeight) * devicePixelRatio));
    return withQuery(base, { xsize: side, ysize: side });
  }

  /** The pictures previous and next would show, fetched now so a step shows one at once (not
   * where pictures come as blobs: the blob would not be the next <img>'s). */
  fetchAhead() {
    if (needsBlobs()) return;
    this.ahead = this.steps
      .neighbours()
      .filter((entry) => entry.url)
      .map((entry) => {
        const picture = new Image();
        picture.src = this.sized(entry.url);
        return picture;
      });
  }

  /** Until the picture arrives, its frame has the picture's shape and shows its placeholder:
   * the colour, over it the ThumbHash (`facts` from the listing or the metadata, or null). */
  placehold(facts) {
    const frame = $("focus-frame");
    frame.style.backgroundColor = "";
    frame.style.backgroundImage = "";
    this.size = facts?.width && facts?.height ? { width: facts.width, height: facts.height } : null;
    this.layout();
    const placeholder = facts?.placeholder;
    if (!placeholder) return;
    if (/^#[0-9a-f]{6}$/i.test(placeholder.color)) frame.style.backgroundColor = placeholder.color;
    try {
      const data = thumbHashToDataURL(thumbHashFromBase64(placeholder.thumbhash));
      frame.style.backgroundImage = `url("${data}")`;
    } catch (_ignored) {
      // the colour stays
    }
  }

  /** The frame at the size the picture is shown (within its stage: beside the details, the
   * stage's box; above them, its width and 70% of the window's height; never enlarged), so the
   * focus marker's percentages sit on the picture. */
  layout() {
    const frame = $("focus-frame");
    const size = this.size;
    if (!size) {
      frame.classList.remove("sized");
      frame.style.width = "";
      frame.style.height = "";
      return;
    }
    const stage = $("focus-area");
    const style = getComputedStyle(stage);
    const across = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const down = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    const width = stage.clientWidth - across;
    const height = WIDE.matches ? stage.clientHeight - down : innerHeight * NARROW_HEIGHT;
    if (width < 1 || height < 1) return; // not laid out (the view is closed)
    const scale = Math.min(1, width / size.width, height / size.height);
    frame.style.width = `${size.width * scale}px`;
    frame.style.height = `${size.height * scale}px`;
    frame.classList.add("sized");
  }

  renderMeta(meta) {
    $("meta").replaceChildren(
      ...metaRows(meta).flatMap(([term, value]) => {
        const dt = document.createElement("dt");
        dt.textContent = term;
        const dd = document.createElement("dd");
        if (typeof value === "object" && value.datetime) {
          const time = document.createElement("time");
          time.dateTime = value.datetime;
          time.textContent = value.text;
          dd.append(time);
        } else {
          dd.textContent = typeof value === "object" ? value.text : String(value);
        }
        return [dt, dd];
      }),
    );
  }

  async deleteImage() {
    const name = this.name;
    if (!confirm(`Delete ${name}? This cannot be undone.`)) return;
    const status = $("viewer-status");
    status.textContent = `Deleting ${name}…`;
    try {
      await remove(name);
    } catch (error) {
      status.textContent = "";
      $("viewer-error").textContent = error.message;
      return;
    }
    status.textContent = `Deleted ${name}.`;
    this.close();
    this.onDeleted(name);
  }
}
