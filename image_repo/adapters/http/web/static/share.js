// The image view's "Share" section: a temporary URL of the image (Swift's TempURL), living as
// long as chosen from a few lifetimes within the server's longest (`swift.url_ttl`), copied to
// the clipboard with when it expires.

import { maxUrlTtl, temporaryUrl } from "./api.js";

const $ = (id) => document.getElementById(id);
const LIFETIMES = [300, 3600, 86400, 7 * 86400]; // seconds: 5 minutes, 1 hour, 1 day, 7 days
const PREFERRED = 3600;
const UNITS = [
  [86400, "day"],
  [3600, "hour"],
  [60, "minute"],
  [1, "second"],
];

/** 300 -> "5 minutes", 86400 -> "1 day", 5400 -> "90 minutes": the largest whole unit. */
export function duration(seconds) {
  const [size, unit] = UNITS.find(([size]) => seconds % size === 0) || UNITS[UNITS.length - 1];
  const count = Math.round(seconds / size);
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/** The lifetimes offered: those of LIFETIMES the server allows, and its longest itself when
 * none of them is (a server whose URLs live 2 hours offers 5 minutes, 1 hour and 2 hours). */
export function lifetimes(longest) {
  const offered = LIFETIMES.filter((seconds) => seconds <= longest);
  const isOffered = offered.includes(longest);
  if (!isOffered && longest < LIFETIMES[LIFETIMES.length - 1]) offered.push(longest);
  return offered;
}

export class SharePanel {
  constructor({ onError }) {
    this.name = "";
    this.onError = onError;
    const select = $("url-ttl");
    const offered = lifetimes(maxUrlTtl());
    select.replaceChildren(
      ...offered.map((seconds) => {
        const option = document.createElement("option");
        option.value = String(seconds);
        option.textContent = duration(seconds);
        return option;
      }),
    );
    select.value = String(offered.includes(PREFERRED) ? PREFERRED : offered[offered.length - 1]);
    select.addEventListener("change", () => this.forget());
    $("copy-url").addEventListener("click", () => this.copy());
  }

  show(name) {
    this.name = name;
    this.forget();
  }

  /** A URL shown for another image or lifetime is not this one's: take it away. */
  forget() {
    $("share-note").textContent = "";
    $("temp-url").value = "";
    $("temp-url").hidden = true;
  }

  async copy() {
    const note = $("share-note");
    const name = this.name;
    const seconds = Number($("url-ttl").value);
    note.textContent = `Asking for a URL valid for ${duration(seconds)}…`;
    let issued;
    try {
      issued = await temporaryUrl(name, seconds);
    } catch (error) {
      if (this.name !== name) return;
      note.textContent = "";
      this.onError(error);
      return;
    }
    if (this.name !== name) return;
    const field = $("temp-url");
    field.value = issued.url;
    field.hidden = false;
    const until = new Date(issued.expires * 1000).toLocaleString(undefined, {
      dateStyle: "medium",
      timeStyle: "short",
    });
    try {
      await navigator.clipboard.writeText(issued.url);
      note.textContent = `Copied: valid for ${duration(seconds)}, until ${until}.`;
    } catch (_ignored) {
      field.select();
      note.textContent =
        `Valid for ${duration(seconds)}, until ${until}; the browser refused the clipboard: ` +
        "copy it from the field.";
    }
  }
}
