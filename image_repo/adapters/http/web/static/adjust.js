// The image view's "adjust" panel (SPEC 9 and 14): builds an image URL from the box, the format
// and the editing modifiers, starting from the image's versioned URL (`v=`); shows what that URL
// answers (debounced, the latest change wins), and copies the link. A value left at its default
// is not put in the URL, so the URL is the shortest that asks for the same image.

import { fetchImage, server } from "./api.js";

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 300;
const SLIDERS = ["brightness", "contrast", "saturation"];
const PAD_SIDES = ["top", "right", "bottom", "left"];
const FILTER_RANGES = { blur: [0.3, 100], sharpen: [0.3, 10] };
const WATERMARK_FIELDS = ["adj-watermark-position", "adj-watermark-opacity", "adj-watermark-scale"];
// Crops placed by what is recorded with the original (SPEC 15): the same URL answers another
// crop once the focal point moves, so these are fetched with `cache: "no-cache"`.
const SUBJECT_GRAVITIES = new Set(["focus", "auto"]);

/** Equal as numbers when both are ("0.50" is "0.5"), else as text. */
function same(value, fallback) {
  const a = Number(value);
  const b = Number(fallback);
  return value === fallback || (value !== "" && fallback !== "" && !Number.isNaN(a) && a === b);
}

export class AdjustPanel {
  constructor() {
    this.name = "";
    this.base = ""; // the image's versioned URL (`/images/a/b?v=…`)
    this.timer = 0;
    this.controller = null; // aborts the preview being fetched when a newer one is asked for
    this.objectUrl = "";
    this.details = $("adjust");
    this.form = $("adjust-form");
    this.preview = $("adjust-preview");
    for (const kind of server.kinds) {
      const option = document.createElement("option");
      option.value = kind;
      option.textContent = kind.toUpperCase();
      $("adj-kind").append(option);
    }
    for (const name of server.watermarks) {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      $("adj-watermark").append(option);
    }
    const marks = server.watermarks.length > 0;
    $("adj-no-watermarks").hidden = marks;
    for (const id of ["adj-watermark", ...WATERMARK_FIELDS]) $(id).closest(".field").hidden = !marks;

    this.form.addEventListener("input", () => this.changed());
    this.form.addEventListener("change", () => this.changed());
    this.form.addEventListener("submit", (event) => event.preventDefault());
    // "reset" fires before the controls are reset: read them once it is done.
    this.form.addEventListener("reset", () => setTimeout(() => this.changed(), 0));
    this.details.addEventListener("toggle", () => {
      if (this.details.open) this.refresh();
      else this.cancel();
    });
    $("copy-adjusted").addEventListener("click", () => this.copy());
    this.syncControls();
  }

  /** The view opened `name` (a new image: the adjustments start over) or learnt its current
   * versioned URL `base`. */
  show(name, base) {
    if (name !== this.name) {
      this.name = name;
      this.details.open = false;
      this.form.reset();
      this.cancel();
      this.clearPreview();
      $("adjust-note").textContent = "";
      this.preview.alt = `${name}, adjusted`;
    }
    if (base === this.base) return;
    this.base = base;
    this.syncControls();
    if (this.details.open) this.refresh();
  }

  /** The query the controls ask for, in a stable order, defaults left out: `[[key, value]…]`. */
  parameters() {
    const value = (id) => $(id).value.trim();
    const out = [];
    const add = (key, given, fallback = "") => {
      if (given !== "" && !same(given, fallback)) out.push([key, given]);
    };
    add("xsize", value("adj-xsize"));
    add("ysize", value("adj-ysize"));
    const fit = value("adj-fit");
    add("fit", fit, "contain");
    if (fit === "cover") add("gravity", value("adj-gravity"), "center");
    add("kind", value("adj-kind"));
    add("quality", value("adj-quality"));
    add("trim", value("adj-trim"));
    add("rotate", value("adj-rotate"), "0");
    add("flip", value("adj-flip"));
    if ($("adj-grayscale").checked) add("grayscale", "true");
    for (const name of SLIDERS) add(name, value(`adj-${name}`), "0");
    const filter = value("adj-filter");
    if (filter) add(filter, value("adj-amount"));
    add("radius", value("adj-radius"), "0");
    const sides = PAD_SIDES.map((side) => String(Number(value(`adj-pad-${side}`)) || 0));
    if (sides.some((side) => side !== "0")) {
      add("pad", sides.every((side) => side === sides[0]) ? sides[0] : sides.join(","));
    }
    if ($("adj-background-on").checked) add("background", $("adj-background").value.slice(1));
    const mark = value("adj-watermark");
    if (mark) {
      add("watermark", mark);
      add("watermark_position", value("adj-watermark-position"), "southeast");
      add("watermark_opacity", value("adj-watermark-opacity"), "0.5");
      add("watermark_scale", value("adj-watermark-scale"), "0.2");
    }
    add("max_bytes", value("adj-max-bytes"));
    return out;
  }

  /** The base URL (path and `v=`) with the parameters after what it has. */
  url() {
    const parsed = new URL(this.base, location.origin);
    for (const [key, value] of this.parameters()) parsed.searchParams.set(key, value);
    // Commas are plain in a query: `pad=1,2,3,4` reads better than `pad=1%2C2%2C3%2C4`.
    return parsed.pathname + parsed.search.replace(/%2C/gi, ",");
  }

  /** Controls that mean nothing in the current state are disabled, and sliders say their value. */
  syncControls() {
    $("adj-gravity").disabled = $("adj-fit").value !== "cover";
    const filter = $("adj-filter").value;
    const amount = $("adj-amount");
    amount.disabled = !filter;
    if (filter) {
      const [low, high] = FILTER_RANGES[filter];
      amount.min = String(low);
      amount.max = String(high);
      if (Number(amount.value) > high) amount.value = String(high);
    }
    $("adj-background").disabled = !$("adj-background-on").checked;
    const marked = $("adj-watermark").value !== "";
    for (const id of WATERMARK_FIELDS) $(id).disabled = !marked;
    for (const name of SLIDERS) $(`adj-${name}-value`).textContent = $(`adj-${name}`).value;
  }

  changed() {
    this.syncControls();
    $("adjust-url").value = new URL(this.url(), location.origin).href;
    $("adjust-note").textContent = "";
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.load(), DEBOUNCE_MS);
  }

  /** At once (the panel opened, or the image's URL changed). */
  refresh() {
    clearTimeout(this.timer);
    this.syncControls();
    $("adjust-url").value = new URL(this.url(), location.origin).href;
    this.load();
  }

  cancel() {
    clearTimeout(this.timer);
    this.controller?.abort();
    this.controller = null;
  }

  clearPreview() {
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = "";
    this.preview.removeAttribute("src");
    delete this.preview.dataset.url;
    $("adjust-facts").textContent = "";
    $("adjust-error").textContent = "";
  }

  /** The focal point moved: a crop placed by it is fetched again. */
  focusMoved() {
    if (!this.usesSubject()) return;
    delete this.preview.dataset.url;
    this.load();
  }

  usesSubject() {
    return $("adj-fit").value === "cover" && SUBJECT_GRAVITIES.has($("adj-gravity").value);
  }

  /** Fetch what the URL answers and show it; a newer change aborts an older fetch. */
  async load() {
    if (!this.base || !this.details.open) return;
    const url = this.url();
    if (url === this.preview.dataset.url && !$("adjust-error").textContent) return;
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    this.details.setAttribute("aria-busy", "true");
    $("adjust-facts").textContent = "Loading…";
    try {
      const cache = this.usesSubject() ? "no-cache" : "default";
      const got = await fetchImage(url, controller.signal, cache);
      if (controller.signal.aborted) {
        URL.revokeObjectURL(got.src);
        return;
      }
      await new Promise((resolve, reject) => {
        this.preview.onload = resolve;
        this.preview.onerror = () => reject(new Error("the browser cannot show this format"));
        if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
        this.objectUrl = got.src;
        this.preview.dataset.url = url;
        this.preview.src = got.src;
      });
      if (controller.signal.aborted) return;
      $("adjust-error").textContent = "";
      const { naturalWidth: width, naturalHeight: height } = this.preview;
      const over = got.exceeded ? "; over the byte budget (the smallest it could make)" : "";
      $("adjust-facts").textContent =
        `${width} × ${height} pixels, ${got.bytes.toLocaleString("en")} bytes, ${got.type}${over}`;
    } catch (error) {
      if (controller.signal.aborted) return;
      this.preview.dataset.url = url;
      $("adjust-facts").textContent = "";
      $("adjust-error").textContent = error.message;
    } finally {
      if (this.controller === controller) {
        this.controller = null;
        this.details.removeAttribute("aria-busy");
      }
    }
  }

  /** The absolute link to the clipboard (or selected in its field when the browser refuses). */
  async copy() {
    const link = new URL(this.url(), location.origin).href;
    const field = $("adjust-url");
    field.value = link;
    // The page holds no signing key: on a server that serves signed URLs only, the link needs
    // a sig that `image_repo sign PATH` adds (or a write token, which a link cannot carry).
    const unsigned = server.isSigned
      ? " It is not signed: this page cannot sign links, and this server serves signed URLs " +
          "only; add a sig with `image_repo sign PATH` before sharing it."
      : "";
    try {
      await navigator.clipboard.writeText(link);
      $("adjust-note").textContent = `Copied.${unsigned}`;
    } catch (_ignored) {
      field.select();
      $("adjust-note").textContent = `The browser refused the clipboard: copy it from the field.${unsigned}`;
    }
  }
}
