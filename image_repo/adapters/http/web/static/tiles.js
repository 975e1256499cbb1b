// The grid's cells: a folder links to it; an image is a lazy thumbnail with its name, its
// details and a box to select it. Until its thumbnail arrives, a tile shows what the listing
// recorded of its image (SPEC 15): the dominant colour at once, then the ThumbHash decoded here,
// as the tile nears the viewport.

import { addressOf } from "./address.js";
import { displayUrl, fetchImage, needsBlobs, withQuery } from "./api.js";
import { detailsLine } from "./gallery.js";
import { thumbHashFromBase64, thumbHashToDataURL } from "./thumbhash.js";

const THUMB = 160; // CSS pixels; the srcset's 2x asks for dpr=2
const COLOUR = /^#[0-9a-f]{6}$/i;

/** A folder's cell (`{name, folder: true}`): a link to it, `shown` its name below the folder. */
export function folderTile(entry, shown) {
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.className = "open folder";
  link.href = addressOf({ folder: entry.name });
  const icon = document.createElement("span");
  icon.className = "thumb";
  icon.setAttribute("aria-hidden", "true");
  link.append(icon, label(shown));
  item.append(link);
  return item;
}

/** An image's cell (`{name, url, placeholder, ...}`: `url` versioned, `placeholder` the
 * listing's `{color, thumbhash}` or null): `onOpen()` when clicked, `onPick(isPicked)` when its
 * box is ticked or cleared, `observe(img)` to load its thumbnail once near the viewport. */
export function imageTile(entry, shown, { isSelected, onOpen, onPick, observe }) {
  const { name, url, placeholder } = entry;
  const item = document.createElement("li");
  item.className = "image";
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
  button.append(frame, label(shown));
  button.addEventListener("click", onOpen);
  const pick = document.createElement("label");
  pick.className = "pick";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = isSelected;
  item.classList.toggle("selected", isSelected);
  box.addEventListener("change", () => {
    item.classList.toggle("selected", box.checked);
    onPick(box.checked);
  });
  const text = document.createElement("span");
  text.className = "visually-hidden";
  text.textContent = `Select ${name}`;
  pick.append(box, text);
  item.append(button, detailsLine(entry), pick);
  observe(image);
  return item;
}

function label(text) {
  const span = document.createElement("span");
  span.className = "label";
  span.textContent = text;
  return span;
}

/** The thumbnails of the grid: each loads once it nears the viewport. */
export class Thumbnails {
  constructor() {
    this.observer = new IntersectionObserver((entries) => this.reveal(entries), {
      rootMargin: "200px",
    });
  }

  observe(image) {
    this.observer.observe(image);
  }

  /** The grid is made again: the old cells are watched no more. */
  forget() {
    this.observer.disconnect();
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
