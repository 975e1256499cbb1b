// The image view: the picture at screen size, its focal point, its metadata, downloads, a
// temporary URL, its kept versions (restoring one), an "adjust" panel that builds a URL of it,
// delete. Every picture is fetched at its versioned URL (`v=`).

import { AdjustPanel } from "./adjust.js";
import {
  canWrite,
  displayUrl,
  download,
  getJson,
  imagePath,
  needsBlobs,
  query,
  remove,
  restore,
  server,
  versions,
  withQuery,
} from "./api.js";
import { FocusPanel } from "./focus.js";
import { thumbHashFromBase64, thumbHashToDataURL } from "./thumbhash.js";

const $ = (id) => document.getElementById(id);
const PREVIEW = 64; // CSS pixels of a version's preview

export class Viewer {
  constructor({ onDeleted, onRestored, onRefocused }) {
    this.name = "";
    this.onDeleted = onDeleted;
    this.onRestored = onRestored;
    this.versionsOff = false; // the server answered 400 to `versions=true`: it keeps none
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
    $("close-viewer").addEventListener("click", () => this.dialog.close());
    $("copy-url").addEventListener("click", () => this.copyUrl());
    $("delete").addEventListener("click", () => this.deleteImage());
    this.dialog.addEventListener("close", () => this.opener?.focus());
  }

  /** Open `name`; `url` is its versioned URL from the listing, and `entry` what the listing
   * said of it (`width`, `height`, `placeholder`, `focus`), when known. */
  async open(name, url, entry) {
    this.name = name;
    this.entry = entry && entry.name === name ? entry : null;
    this.opener = document.activeElement;
    $("viewer-title").textContent = name;
    $("share-note").textContent = "";
    $("temp-url").value = "";
    $("temp-url").hidden = true;
    $("versions-status").textContent = "";
    $("viewer-image").alt = name;
    $("delete").disabled = !canWrite();
    this.dialog.showModal();
    $("close-viewer").focus();
    await this.load(url);
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
    this.renderDownloads(name, url || imagePath(name));
    this.adjust.show(name, url || imagePath(name));
    const kept = this.loadVersions(name, shown);
    // The picture at screen size: a box of the viewport in device pixels, never enlarged.
    const side = Math.min(4000, Math.round(Math.max(innerWidth, innerHeight) * devicePixelRatio));
    const sized = (base) => withQuery(base, { xsize: side, ysize: side });
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
      this.renderDownloads(name, current);
      this.adjust.show(name, current);
      // A listing older than the image (replaced since) gave an older `v=`: the metadata's wins.
      const src = (current === url && (await early)) || (await displayUrl(sized(current)));
      if (this.shown !== shown) return;
      image.src = src;
    } catch (error) {
      if (this.shown === shown) $("viewer-error").textContent = error.message;
    }
    await kept;
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

  /** The frame at the size the picture is shown (within the view's width and 70% of the
   * window's height, never enlarged), so the focus marker's percentages sit on the picture. */
  layout() {
    const frame = $("focus-frame");
    const size = this.size;
    if (!size) {
      frame.classList.remove("sized");
      frame.style.width = "";
      frame.style.height = "";
      return;
    }
    const room = $("focus-area").clientWidth;
    const scale = Math.min(1, room / size.width, (innerHeight * 0.7) / size.height);
    frame.style.width = `${size.width * scale}px`;
    frame.style.height = `${size.height * scale}px`;
    frame.classList.add("sized");
  }

  renderMeta(meta) {
    const rows = [
      ["Format", meta.format],
      ["Size", `${meta.width} × ${meta.height} pixels`],
      ["Mode", meta.mode],
      ["Bytes", meta.bytes.toLocaleString("en")],
      ["Uploaded", meta.uploaded || "unknown"],
      ["ETag", meta.etag],
      ...Object.entries(meta.exif || {}).map(([key, value]) => [key.replace(/_/g, " "), value]),
    ];
    $("meta").replaceChildren(
      ...rows.flatMap(([term, value]) => {
        const dt = document.createElement("dt");
        dt.textContent = term;
        const dd = document.createElement("dd");
        dd.textContent = String(value);
        return [dt, dd];
      }),
    );
  }

  renderDownloads(name, url) {
    const base = name.split("/").pop();
    const links = server.kinds.map((kind) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      const href = withQuery(url, { kind });
      link.href = href;
      link.download = `${base}.${kind}`;
      link.textContent = kind.toUpperCase();
      link.setAttribute("aria-label", `Download ${name} as ${kind.toUpperCase()}`);
      link.addEventListener("click", (event) => {
        if (!server.isSigned) return;
        event.preventDefault();
        download(href, link.download).catch((error) => {
          $("viewer-error").textContent = error.message;
        });
      });
      item.append(link);
      return item;
    });
    $("downloads").replaceChildren(...links);
  }

  async copyUrl() {
    const note = $("share-note");
    try {
      const issued = await getJson(imagePath(this.name) + query({ url: "true" }));
      $("temp-url").value = issued.url;
      $("temp-url").hidden = false;
      const until = new Date(issued.expires * 1000).toLocaleString();
      try {
        await navigator.clipboard.writeText(issued.url);
        note.textContent = `Copied; valid until ${until}.`;
      } catch (_ignored) {
        $("temp-url").select();
        note.textContent = `Valid until ${until}; the browser refused the clipboard: copy it from the field.`;
      }
    } catch (error) {
      note.textContent = "";
      $("viewer-error").textContent = error.message;
    }
  }

  async deleteImage() {
    if (!confirm(`Delete ${this.name}? This cannot be undone.`)) return;
    try {
      await remove(this.name);
      this.dialog.close();
      this.onDeleted(this.name);
    } catch (error) {
      $("viewer-error").textContent = error.message;
    }
  }

  /** The "Versions" section: shown only where the server keeps versions (`swift.versions`). */
  async loadVersions(name, shown) {
    const section = $("versions-section");
    if (this.versionsOff) {
      section.hidden = true;
      return;
    }
    let kept;
    try {
      kept = await versions(name);
    } catch (error) {
      if (this.shown !== shown) return;
      section.hidden = false;
      $("versions").replaceChildren();
      $("versions-status").textContent = "";
      $("versions-error").textContent = error.message;
      return;
    }
    if (this.shown !== shown) return;
    if (kept === null) {
      this.versionsOff = true;
      section.hidden = true;
      return;
    }
    section.hidden = false;
    $("versions-error").textContent = "";
    const writable = canWrite();
    $("versions-note").textContent =
      writable || kept.length < 2
        ? ""
        : "Restoring needs this server's write token: close this view and enter it at the top of the page.";
    $("versions").replaceChildren(...kept.map((version) => this.versionRow(version, writable)));
  }

  versionRow(version, writable) {
    const item = document.createElement("li");
    item.className = version.current ? "version current" : "version";
    item.dataset.id = version.id;
    item.dataset.etag = version.etag;
    const when = new Date(version.time);
    const label = Number.isNaN(when.getTime())
      ? version.time
      : when.toLocaleString("en", { dateStyle: "medium", timeStyle: "medium" });
    const preview = document.createElement("img");
    preview.className = "preview";
    preview.width = PREVIEW;
    preview.height = PREVIEW;
    preview.alt = `Version of ${label}`;
    const thumb = { thumbnail: "true", fit: "cover", xsize: PREVIEW, ysize: PREVIEW };
    const src = withQuery(version.url, thumb);
    if (needsBlobs()) {
      displayUrl(src).then(
        (url) => { preview.src = url; },
        () => { preview.alt = `${preview.alt} (not loaded)`; },
      );
    } else {
      preview.srcset = `${src} 1x, ${withQuery(version.url, { ...thumb, dpr: 2 })} 2x`;
      preview.src = src;
    }
    const facts = document.createElement("span");
    facts.className = "facts";
    const time = document.createElement("time");
    time.dateTime = version.time;
    time.textContent = label;
    const size = document.createElement("span");
    size.textContent = `${version.bytes.toLocaleString("en")} bytes`;
    facts.append(time, size);
    if (version.current) {
      const mark = document.createElement("strong");
      mark.className = "mark";
      mark.textContent = "Current";
      facts.append(mark);
    }
    item.append(preview, facts);
    if (!version.current) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "restore";
      button.textContent = "Restore";
      button.setAttribute("aria-label", `Restore the version of ${label}`);
      button.disabled = !writable;
      button.addEventListener("click", () => this.restoreVersion(version, label));
      item.append(button);
    }
    return item;
  }

  async restoreVersion(version, label) {
    const status = $("versions-status");
    const name = this.name;
    for (const button of document.querySelectorAll("#versions button.restore")) button.disabled = true;
    $("versions-error").textContent = "";
    status.textContent = `Restoring the version of ${label}…`;
    try {
      await restore(name, version.id);
    } catch (error) {
      status.textContent = "";
      $("versions-error").textContent = error.message;
      await this.loadVersions(name, this.shown);
      return;
    }
    if (this.name !== name) return;
    this.onRestored(name);
    await this.load();
    status.textContent = `Restored the version of ${label}: it is the current one now.`;
    // The pressed button is gone with the old rows: the list keeps the keyboard in the view.
    $("versions").focus();
  }
}
