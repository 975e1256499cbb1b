// The image view's focal point (SPEC 15): a marker over the picture where the recorded focus is;
// a write-token holder clicks the picture (or moves the marker with the arrow keys and presses
// Enter) to record a new one, or clears it. Beside it, two crops `gravity=focus` makes of the
// image, fetched again after every change: the versioned URL stays the same when the focus
// moves, so they are asked for with `cache: "no-cache"` and shown as blobs.

import { canWrite, fetchImage, setFocus, withQuery } from "./api.js";

const $ = (id) => document.getElementById(id);
const STEP = 0.01; // an arrow key's move, as a fraction of the side; Shift moves ten
const CROPS = [
  ["focus-square", { xsize: 160, ysize: 160 }, "Square crop"],
  ["focus-wide", { xsize: 320, ysize: 120 }, "Wide crop"],
];
const TOKEN_NEEDED =
  "Setting the focal point needs this server's write token: close this view and enter it " +
  "at the top of the page.";
const CENTRE = { x: 0.5, y: 0.5 }; // where the marker starts when none is recorded

const clamp = (value) => Math.min(1, Math.max(0, value));
const percent = (value) => `${Math.round(value * 100)}%`;
const where = ({ x, y }) => `${percent(x)} across, ${percent(y)} down`;

export class FocusPanel {
  /** `onChanged(name, focus)` after the server recorded a new focus (or none). */
  constructor({ onChanged }) {
    this.onChanged = onChanged;
    this.name = "";
    this.base = ""; // the image's versioned URL
    this.focus = null; // the recorded `{x, y}`, or null
    this.pending = null; // where the arrow keys moved the marker, not recorded yet
    this.asked = null; // the latest POST: an older answer arriving later is ignored
    this.controller = null; // aborts the crops being fetched when newer ones are asked for
    this.objectUrls = new Map();
    this.frame = $("focus-frame");
    this.marker = $("focus-marker");
    this.frame.addEventListener("click", (event) => this.clicked(event));
    this.marker.addEventListener("click", () => this.record(this.pending || this.focus || CENTRE));
    this.marker.addEventListener("keydown", (event) => this.moved(event));
    this.marker.addEventListener("blur", () => {
      this.pending = null;
      this.render();
    });
    $("clear-focus").addEventListener("click", () => this.record(null));
  }

  /** A new opening of the view: whatever comes next is shown afresh (someone else may have moved
   * the focus since). */
  forget() {
    this.name = "";
  }

  /** The view shows `name` at its versioned URL `base` (undefined until known), with `focus` as
   * far as known: the listing's, then the metadata's. Not over a focus recorded from here. */
  show(name, base, focus) {
    if (name !== this.name) {
      this.name = name;
      this.base = "";
      this.asked = null;
      this.pending = null;
      $("focus-status").textContent = "";
      $("focus-error").textContent = "";
      this.clearCrops();
    }
    if (!this.asked) this.focus = focus || null;
    this.render();
    if (base && base !== this.base) {
      this.base = base;
      this.loadCrops();
    }
  }

  render() {
    const writable = canWrite();
    const shown = this.pending || this.focus;
    const marker = this.marker;
    marker.classList.toggle("unset", !shown);
    marker.classList.toggle("pending", Boolean(this.pending));
    const at = shown || CENTRE;
    marker.style.left = `${at.x * 100}%`;
    marker.style.top = `${at.y * 100}%`;
    marker.setAttribute(
      "aria-label",
      this.pending
        ? `Focal point moved to ${where(this.pending)}: Enter records it`
        : this.focus
          ? `Focal point at ${where(this.focus)}`
          : "No focal point recorded",
    );
    marker.setAttribute("aria-disabled", String(!writable));
    this.frame.classList.toggle("writable", writable);
    $("focus-help").hidden = !writable;
    $("focus-note").textContent = writable ? "" : TOKEN_NEEDED;
    $("clear-focus").disabled = !writable || !this.focus;
    $("focus-now").textContent = this.focus
      ? `Recorded: ${where(this.focus)}.`
      : "None recorded: crops keep what looks most interesting (smart).";
  }

  /** A click on the picture: the point under the pointer, as fractions of what is shown. */
  clicked(event) {
    if (event.target === this.marker) return; // a key pressed on the marker: `record` has it
    const box = this.frame.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) return;
    const x = clamp((event.clientX - box.left) / box.width);
    const y = clamp((event.clientY - box.top) / box.height);
    this.record({ x, y });
  }

  /** Arrow keys move the marker (Shift: ten steps); Enter or Space, a click, records it. */
  moved(event) {
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    if (!canWrite()) {
      $("focus-status").textContent = TOKEN_NEEDED;
      return;
    }
    const step = event.shiftKey ? STEP * 10 : STEP;
    const from = this.pending || this.focus || CENTRE;
    this.pending = { x: clamp(from.x + move[0] * step), y: clamp(from.y + move[1] * step) };
    this.render();
  }

  /** POST the focus (null: clear it), then show where it is and the crops it makes. */
  async record(focus) {
    const status = $("focus-status");
    if (!canWrite()) {
      status.textContent = TOKEN_NEEDED;
      return;
    }
    const name = this.name;
    const asked = (this.asked = Symbol(name));
    $("focus-error").textContent = "";
    status.textContent = focus
      ? `Setting the focal point at ${where(focus)}…`
      : "Clearing the focal point…";
    let answer;
    try {
      answer = await setFocus(name, focus);
    } catch (error) {
      if (this.asked !== asked) return;
      this.pending = null;
      this.render();
      status.textContent = "";
      $("focus-error").textContent = error.message;
      return;
    }
    if (this.asked !== asked) return;
    this.pending = null;
    this.focus = answer.focus || null;
    this.render();
    status.textContent = this.focus
      ? `Focal point set at ${where(this.focus)}; the crops follow it.`
      : "Focal point cleared; the crops keep what looks most interesting.";
    if (answer.url) this.base = answer.url;
    this.loadCrops();
    this.onChanged?.(name, this.focus);
  }

  clearCrops() {
    this.controller?.abort();
    this.controller = null;
    for (const url of this.objectUrls.values()) URL.revokeObjectURL(url);
    this.objectUrls.clear();
    for (const [id] of CROPS) {
      const image = $(id);
      image.removeAttribute("src");
      delete image.dataset.url;
      delete image.dataset.loads;
    }
  }

  /** Both crops of `this.base`, asked for again (no-cache): after a focus change the same URL
   * answers another crop. A newer call aborts an older one. */
  async loadCrops() {
    if (!this.base) return;
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    const section = $("focus-section");
    section.setAttribute("aria-busy", "true");
    const dpr = devicePixelRatio > 1 ? 2 : undefined;
    try {
      await Promise.all(
        CROPS.map(async ([id, box, label]) => {
          const url = withQuery(this.base, { ...box, fit: "cover", gravity: "focus", dpr });
          const got = await fetchImage(url, controller.signal, "no-cache");
          if (controller.signal.aborted) {
            URL.revokeObjectURL(got.src);
            return;
          }
          const image = $(id);
          await new Promise((resolve) => {
            image.onload = resolve;
            image.onerror = resolve;
            if (this.objectUrls.has(id)) URL.revokeObjectURL(this.objectUrls.get(id));
            this.objectUrls.set(id, got.src);
            image.src = got.src;
          });
          const around = this.focus ? "its focal point" : "what looks most interesting";
          image.alt = `${label} of ${this.name} around ${around}`;
          image.dataset.url = url;
          image.dataset.loads = String(Number(image.dataset.loads || 0) + 1);
        }),
      );
    } catch (error) {
      if (!controller.signal.aborted) $("focus-error").textContent = error.message;
    } finally {
      if (this.controller === controller) {
        this.controller = null;
        section.removeAttribute("aria-busy");
      }
    }
  }
}
