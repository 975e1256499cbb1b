// The image view's "Download" section: the image re-encoded in each format the server writes
// (links; fetched as blobs with the token where URLs must be signed), and for a write-token
// holder the original as uploaded (`original=true`: its own bytes, metadata intact), which
// needs the token and so is always fetched as a blob.

import { canWrite, download, downloadOriginal, server, servesOriginals, withQuery } from "./api.js";
import { fileSize } from "./exif_labels.js";

const $ = (id) => document.getElementById(id);
const TOKEN_NEEDED =
  "The original as uploaded needs this server's write token: close this view and enter it at " +
  "the top of the page.";

export class Downloads {
  constructor({ onError }) {
    this.name = "";
    this.onError = onError;
  }

  /** The choices for `name` at its versioned URL `url`. */
  show(name, url) {
    if (name !== this.name) $("download-status").textContent = "";
    this.name = name;
    const base = name.split("/").pop();
    const items = server.kinds.map((kind) => {
      const link = document.createElement("a");
      const href = withQuery(url, { kind });
      link.href = href;
      link.download = `${base}.${kind}`;
      link.textContent = kind.toUpperCase();
      link.setAttribute("aria-label", `Download ${name} as ${kind.toUpperCase()}`);
      link.addEventListener("click", (event) => {
        if (!server.isSigned) return;
        event.preventDefault();
        this.save(`${kind.toUpperCase()}`, () => download(href, link.download));
      });
      return link;
    });
    const offered = servesOriginals() && canWrite();
    if (offered) {
      const button = document.createElement("button");
      button.type = "button";
      button.id = "download-original";
      button.className = "original";
      button.textContent = "Original (as uploaded)";
      button.setAttribute("aria-label", `Download ${name}: Original (as uploaded)`);
      button.addEventListener("click", () => this.saveOriginal(button));
      items.push(button);
    }
    $("original-note").textContent = servesOriginals() && !offered ? TOKEN_NEEDED : "";
    $("downloads").replaceChildren(
      ...items.map((control) => {
        const item = document.createElement("li");
        item.append(control);
        return item;
      }),
    );
  }

  async saveOriginal(button) {
    button.disabled = true;
    try {
      await this.save("the original", () => downloadOriginal(this.name));
    } finally {
      button.disabled = false;
    }
  }

  /** Runs `fetching` (which saves a file) with its progress in the status line. */
  async save(what, fetching) {
    const status = $("download-status");
    const name = this.name;
    status.textContent = `Downloading ${what} of ${name}…`;
    try {
      const saved = await fetching();
      if (this.name !== name) return;
      status.textContent = saved
        ? `Saved ${saved.filename} (${fileSize(saved.bytes)}).`
        : `Saved ${what} of ${name}.`;
    } catch (error) {
      if (this.name !== name) return;
      status.textContent = "";
      this.onError(error);
    }
  }
}
