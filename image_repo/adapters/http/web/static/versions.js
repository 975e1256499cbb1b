// The image view's "Versions" section (SPEC 13): shown only where the server keeps versions
// (`swift.versions`): each kept version with a preview, its time and size, and for a
// write-token holder a button restoring it.

import { canWrite, displayUrl, needsBlobs, restore, versions, withQuery } from "./api.js";

const $ = (id) => document.getElementById(id);
const PREVIEW = 64; // CSS pixels of a version's preview

export class VersionsPanel {
  /** `onRestored(name)` (awaited) shows `name` again once one of its versions is restored. */
  constructor({ onRestored }) {
    this.onRestored = onRestored;
    this.name = "";
    this.shown = null; // the view's token of the showing the list is for
    this.isOff = false; // the server answered 400 to `versions=true`: it keeps none
  }

  /** The "Versions" section: shown only where the server keeps versions (`swift.versions`). */
  async load(name, shown) {
    this.name = name;
    this.shown = shown;
    const section = $("versions-section");
    if (this.isOff) {
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
      this.isOff = true;
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
    $("versions").replaceChildren(...kept.map((version) => this.row(version, writable)));
  }

  row(version, writable) {
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
      button.addEventListener("click", () => this.restore(version, label));
      item.append(button);
    }
    return item;
  }

  /** Restore `version` of the shown image (write token), then show it again (`onRestored`). */
  async restore(version, label) {
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
      await this.load(name, this.shown);
      return;
    }
    if (this.name !== name) return;
    await this.onRestored(name);
    status.textContent = `Restored the version of ${label}: it is the current one now.`;
    // The pressed button is gone with the old rows: the list keeps the keyboard in the view.
    $("versions").focus();
  }
}
