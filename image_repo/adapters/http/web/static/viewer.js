// The image view: the picture at screen size, its metadata, downloads, a temporary URL, delete.

import { canWrite, displayUrl, download, getJson, imagePath, query, remove, server } from "./api.js";

const $ = (id) => document.getElementById(id);

export class Viewer {
  constructor({ onDeleted }) {
    this.name = "";
    this.onDeleted = onDeleted;
    this.dialog = $("viewer");
    $("close-viewer").addEventListener("click", () => this.dialog.close());
    $("copy-url").addEventListener("click", () => this.copyUrl());
    $("delete").addEventListener("click", () => this.deleteImage());
    this.dialog.addEventListener("close", () => this.opener?.focus());
  }

  async open(name) {
    this.name = name;
    this.opener = document.activeElement;
    $("viewer-title").textContent = name;
    $("viewer-error").textContent = "";
    $("share-note").textContent = "";
    $("temp-url").value = "";
    $("meta").replaceChildren();
    const image = $("viewer-image");
    image.alt = name;
    image.removeAttribute("src");
    this.renderDownloads(name);
    $("delete").disabled = !canWrite();
    this.dialog.showModal();
    $("close-viewer").focus();
    // The picture at screen size: a box of the viewport in device pixels, never enlarged.
    const side = Math.min(4000, Math.round(Math.max(innerWidth, innerHeight) * devicePixelRatio));
    const url = imagePath(name) + query({ xsize: side, ysize: side });
    try {
      const [meta, src] = await Promise.all([
        getJson(imagePath(name) + query({ meta: "true" })),
        displayUrl(url),
      ]);
      if (this.name !== name) return;
      image.src = src;
      this.renderMeta(meta);
    } catch (error) {
      $("viewer-error").textContent = error.message;
    }
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

  renderDownloads(name) {
    const base = name.split("/").pop();
    const links = server.kinds.map((kind) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      const url = imagePath(name) + query({ kind });
      link.href = url;
      link.download = `${base}.${kind}`;
      link.textContent = kind.toUpperCase();
      link.setAttribute("aria-label", `Download ${name} as ${kind.toUpperCase()}`);
      link.addEventListener("click", (event) => {
        if (!server.isSigned) return;
        event.preventDefault();
        download(url, link.download).catch((error) => {
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
}
