// Previous and next in the image view: through the images of the gallery's page, in the order
// shown there, by the two buttons, the ArrowLeft and ArrowRight keys (not while typing in a
// field, nor on the focal point's marker, which the arrows move) and a horizontal swipe of a
// finger or pen over the picture. The ends stop: no wrapping round.

const $ = (id) => document.getElementById(id);
const SWIPE_PX = 50; // the least horizontal travel that is a swipe, in CSS pixels
const CLICK_AFTER_SWIPE_MS = 500; // a click this soon after a swipe is the swipe's own
const FIELDS = "input, textarea, select, [contenteditable]:not([contenteditable='false'])";

export class Steps {
  /** `onStep(entry)` shows one of the page's images (`{name, url, ...}`). */
  constructor({ onStep }) {
    this.onStep = onStep;
    this.entries = []; // the page's images, in the gallery's order
    this.index = -1; // where the shown image is among them; -1: not among them
    this.swipe = null; // the finger down on the picture: `{id, x, y}`
    this.swipedAt = -Infinity;
    this.previous = $("viewer-previous");
    this.next = $("viewer-next");
    this.previous.addEventListener("click", () => this.step(-1));
    this.next.addEventListener("click", () => this.step(1));
    $("viewer").addEventListener("keydown", (event) => this.pressed(event));
    const stage = $("focus-area");
    stage.addEventListener("pointerdown", (event) => this.touched(event));
    stage.addEventListener("pointerup", (event) => this.lifted(event));
    stage.addEventListener("pointercancel", () => {
      this.swipe = null;
    });
    // Capture: the picture's own click (the focal point) never sees a swipe's.
    stage.addEventListener("click", (event) => this.afterSwipe(event), true);
  }

  /** The view shows `name`, one of `siblings` (the page's image entries) or not. */
  walk(siblings, name) {
    this.entries = Array.isArray(siblings) ? siblings.filter((entry) => !entry.folder) : [];
    this.at(name);
  }

  /** `name` is shown (after a step, or opened again): the buttons and position follow. */
  at(name) {
    this.index = this.entries.findIndex((entry) => entry.name === name);
    this.render();
  }

  render() {
    const count = this.entries.length;
    const walking = this.index >= 0 && count > 1;
    this.previous.hidden = !walking;
    this.next.hidden = !walking;
    this.previous.disabled = !walking || this.index === 0;
    this.next.disabled = !walking || this.index === count - 1;
    // A pointer resting on a button tells which image it goes to.
    const title = (entry, key) =>
      walking && entry ? `${entry.name.split("/").pop()} (${key})` : "";
    this.previous.title = title(this.entries[this.index - 1], "←");
    this.next.title = title(this.entries[this.index + 1], "→");
    // Said when it changes: a step by key or swipe moves no focus, so nothing else would.
    const position = $("viewer-position");
    if (!walking) {
      position.replaceChildren();
      return;
    }
    const name = document.createElement("span");
    name.className = "visually-hidden";
    name.textContent = `${this.entries[this.index].name}, `;
    position.replaceChildren(name, `${this.index + 1} of ${count}`);
  }

  /** The entries next to the shown one, for the view to fetch ahead. */
  neighbours() {
    if (this.index < 0) return [];
    return [this.entries[this.index + 1], this.entries[this.index - 1]].filter(Boolean);
  }

  /** One image on (`by` 1) or back (-1); at an end, the status line says so. */
  step(by) {
    const to = this.index + by;
    if (this.index < 0 || this.entries.length < 2) return;
    if (to < 0 || to >= this.entries.length) {
      $("viewer-status").textContent =
        by < 0 ? "This is the first image of the page." : "This is the last image of the page.";
      return;
    }
    const pressed = document.activeElement;
    $("viewer-status").textContent = "";
    this.index = to;
    this.render();
    // A button disabled under the keyboard's focus drops it: hand it to the other one.
    if (pressed?.disabled) (this.previous.disabled ? this.next : this.previous).focus();
    this.onStep(this.entries[to]);
  }

  pressed(event) {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const modified = event.altKey || event.ctrlKey || event.metaKey || event.shiftKey;
    if (event.defaultPrevented || modified) return;
    if (event.target instanceof Element && event.target.closest(FIELDS)) return;
    if (this.index < 0) return;
    event.preventDefault();
    this.step(event.key === "ArrowLeft" ? -1 : 1);
  }

  touched(event) {
    // A mouse clicks the picture to set the focal point: only fingers and pens swipe.
    if (event.pointerType === "mouse" || !event.isPrimary) return;
    this.swipe = { id: event.pointerId, x: event.clientX, y: event.clientY };
  }

  lifted(event) {
    const swipe = this.swipe;
    this.swipe = null;
    if (!swipe || swipe.id !== event.pointerId) return;
    const dx = event.clientX - swipe.x;
    const dy = event.clientY - swipe.y;
    if (Math.abs(dx) < SWIPE_PX || Math.abs(dx) < 2 * Math.abs(dy)) return;
    this.swipedAt = event.timeStamp;
    this.step(dx < 0 ? 1 : -1); // the finger drags the next image in from the right
  }

  afterSwipe(event) {
    if (event.timeStamp - this.swipedAt > CLICK_AFTER_SWIPE_MS) return;
    event.stopPropagation();
    event.preventDefault();
  }
}
