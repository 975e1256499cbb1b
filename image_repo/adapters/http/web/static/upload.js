// Uploads: several files by drop or picker, one progress bar and one message per file. On a
// phone the drop box is folded behind an "Upload" button, so a folder opens on its images.

import { canWrite, upload } from "./api.js";

const $ = (id) => document.getElementById(id);

export class Uploader {
  constructor({ folder, onDone }) {
    this.folder = folder; // () => the current folder ("" or "a/b/")
    this.onDone = onDone;
    const drop = $("drop");
    const input = $("files");
    $("upload-toggle").addEventListener("click", () => this.unfold(!this.isUnfolded()));
    input.addEventListener("change", () => {
      this.send([...input.files]);
      input.value = "";
    });
    drop.addEventListener("dragover", (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("over");
      if (canWrite()) this.send([...event.dataTransfer.files]);
    });
  }

  isUnfolded() {
    return $("upload-toggle").getAttribute("aria-expanded") === "true";
  }

  /** Show (or fold) the upload box where it folds (narrow screens; wide ones always show it). */
  unfold(open = true) {
    $("upload-toggle").setAttribute("aria-expanded", String(open));
    $("upload-panel").classList.toggle("unfolded", open);
  }

  /** Say where uploads go now. */
  target(folder) {
    $("upload-target").textContent = `Into ${folder || "the top level"}`;
  }

  async send(files) {
    if (!files.length) return;
    const list = $("uploads");
    const jobs = files.map((file) => {
      const name = this.folder() + file.name;
      const row = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = name;
      label.id = `upload-${crypto.randomUUID()}`;
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-labelledby", label.id);
      const message = document.createElement("span");
      message.className = "message note";
      message.setAttribute("role", "status");
      row.append(label, bar, message);
      list.prepend(row);
      const onProgress = (fraction) => { bar.value = Math.round(fraction * 100); };
      return upload(name, file, onProgress).then(
        (stored) => {
          row.classList.add("done");
          message.textContent = `Stored: ${stored.format}, ${stored.width} × ${stored.height}`;
        },
        (error) => {
          row.classList.add("failed");
          message.className = "message error";
          message.setAttribute("role", "alert");
          message.textContent = error.message;
        },
      );
    });
    await Promise.all(jobs);
    this.onDone();
  }
}
