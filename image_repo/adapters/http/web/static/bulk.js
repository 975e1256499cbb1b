// What the page does with the selected images: download them as one zip, delete them after one
// question, move them into a folder (a target that exists is reported, to replace or skip).
// Each run says its progress and its outcome on one status line.

import { canWrite, download, imagePath, query, remove, rename } from "./api.js";
import { normalFolder } from "./folders.js";

const $ = (id) => document.getElementById(id);
const PARALLEL = 4; // requests at a time, so a long selection does not crowd the server
const NAMED = 8; // names listed in a question or an outcome before "and N more"
const count = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;

function some(names) {
  const shown = names.slice(0, NAMED).join(", ");
  return names.length > NAMED ? `${shown} and ${names.length - NAMED} more` : shown;
}

export class Selection {
  /** `browser`: the Browser whose selection this acts on; `onChanged()`: names were deleted or
   * moved, the listing is to be shown again. */
  constructor({ browser, onChanged }) {
    this.browser = browser;
    this.onChanged = onChanged;
    this.busy = false;
    this.pending = null; // `{names, folder}`: moves whose target exists, to replace or skip
    $("select-all").addEventListener("click", () => browser.selectAll());
    $("select-none").addEventListener("click", () => browser.selectNone());
    $("zip").addEventListener("click", () => this.zip());
    $("bulk-delete").addEventListener("click", () => this.deleteSelected());
    $("move").addEventListener("click", () => {
      if ($("move-form").hidden) this.askTarget();
      else this.closeForm();
    });
    $("cancel-move").addEventListener("click", () => this.closeForm());
    $("move-form").addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      this.closeForm();
    });
    $("move-target").addEventListener("input", () => $("move-target").setCustomValidity(""));
    $("move-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.moveSelected();
    });
    $("overwrite").addEventListener("click", () => this.settle(true));
    $("skip").addEventListener("click", () => this.settle(false));
  }

  /** The bar as the selection and the access are now. */
  show() {
    const selected = this.browser.selected;
    const n = selected.size;
    const images = this.browser.images();
    const atRoot = this.browser.folder === "";
    const writable = canWrite();
    $("selection-count").textContent = n ? `${n} selected` : "";
    $("select-all").disabled = !images.length || images.every((entry) => selected.has(entry.name));
    $("select-none").disabled = n === 0;
    $("zip").disabled = n === 0 || atRoot || this.busy;
    $("move").disabled = n === 0 || !writable || this.busy;
    $("bulk-delete").disabled = n === 0 || !writable || this.busy;
    const notes = [];
    if (n && atRoot) notes.push("A zip is made of images inside one folder.");
    if (n && !writable) notes.push("Moving and deleting need the write token.");
    $("zip-note").textContent = notes.join(" ");
    if (!n || !writable) this.closeForm(false);
  }

  /** The selection as one zip: `GET /images/<folder>?regex=^(a|b)$&zip=true`, names escaped
   * for RE2 (a search's names may lie in folders below: their path below the folder). */
  zip() {
    const folder = this.browser.folder;
    const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
    const names = [...this.browser.selected].map((name) => escape(name.slice(folder.length)));
    const regex = `^(${names.join("|")})$`;
    const url = imagePath(folder.slice(0, -1)) + query({ regex, zip: "true" });
    download(url, `${folder.slice(0, -1).split("/").pop()}.zip`).catch((error) => {
      this.say(`The zip could not be made: ${error.message}`, true);
    });
  }

  async deleteSelected() {
    const names = [...this.browser.selected];
    const listed = names.slice(0, NAMED).join("\n");
    const more = names.length > NAMED ? `\n… and ${names.length - NAMED} more` : "";
    const question = `Delete ${count(names.length, "image")}? This cannot be undone.`;
    if (!confirm(`${question}\n\n${listed}${more}`)) return;
    const { done, failed } = await this.each(names, "Deleting", (name) => remove(name));
    this.browser.forget(done);
    const outcome = failed.length
      ? `Deleted ${done.length} of ${count(names.length, "image")}. ` +
        `Not deleted: ${failures(failed)}.`
      : `Deleted ${count(done.length, "image")}.`;
    this.say(outcome, failed.length > 0);
    await this.onChanged();
    $("grid").focus({ preventScroll: true });
  }

  askTarget() {
    const here = this.browser.folder;
    const offered = new Set(this.browser.folders());
    const parts = here.split("/").filter(Boolean);
    parts.forEach((_part, index) => offered.add(`${parts.slice(0, index + 1).join("/")}/`));
    $("move-folders").replaceChildren(
      ...[...offered].sort().map((path) => {
        const option = document.createElement("option");
        option.value = path;
        return option;
      }),
    );
    const input = $("move-target");
    input.value = here;
    $("move-form").hidden = false;
    $("move").setAttribute("aria-expanded", "true");
    input.focus();
  }

  closeForm(refocus = true) {
    if ($("move-form").hidden) return;
    $("move-form").hidden = true;
    $("move").setAttribute("aria-expanded", "false");
    if (refocus && !$("move").disabled) $("move").focus();
  }

  async moveSelected() {
    const input = $("move-target");
    const folder = normalFolder(input.value);
    if (folder === null) {
      input.setCustomValidity("A folder path such as holiday/beach, without empty parts, . or ..");
      input.reportValidity();
      return;
    }
    this.closeForm(false);
    await this.move([...this.browser.selected], folder, false);
  }

  /** Each of `names` renamed to `folder` + its last part (`overwrite`: replacing what is
   * there); targets that exist are kept for the "replace or skip" question. */
  async move(names, folder, overwrite) {
    const where = folder || "the top level";
    const { done, failed, conflicts, unmoved } = await this.each(names, "Moving", async (name) => {
      const target = folder + name.split("/").pop();
      if (target === name) return "unmoved";
      try {
        await rename(name, target, overwrite);
      } catch (error) {
        if (error.status === 409) return "conflict";
        throw error;
      }
      return "done";
    });
    this.browser.forget(done);
    const parts = [`Moved ${count(done.length, "image")} to ${where}.`];
    if (unmoved.length) parts.push(`${count(unmoved.length, "image")} already there.`);
    if (failed.length) parts.push(`Not moved: ${failures(failed)}.`);
    if (conflicts.length) {
      const verb = conflicts.length === 1 ? "exists" : "exist";
      parts.push(`${conflicts.length} already ${verb} in ${where}.`);
    }
    this.say(parts.join(" "), failed.length > 0);
    await this.onChanged();
    if (conflicts.length) this.ask(conflicts, folder);
    else $("grid").focus({ preventScroll: true });
  }

  /** The question a move leaves when its targets exist: replace them, or leave the images
   * where they are. */
  ask(names, folder) {
    this.pending = { names, folder };
    const where = folder || "the top level";
    $("conflicts-text").textContent =
      `${where} already holds ${count(names.length, "image")} of these names: ` +
      `${some(names.map((name) => name.split("/").pop()))}. Replace them there, or skip these?`;
    $("conflicts").hidden = false;
    $("overwrite").focus();
  }

  async settle(overwrite) {
    const { names, folder } = this.pending;
    this.pending = null;
    $("conflicts").hidden = true;
    if (overwrite) {
      await this.move(names, folder, true);
      return;
    }
    this.say(`Skipped ${count(names.length, "image")}: left where they are.`, false);
    $("grid").focus({ preventScroll: true });
  }

  /** `act(name)` for each name, PARALLEL at a time, the status line counting: the names
   * sorted by what `act` resolved to ("done" or undefined, "conflict", "unmoved") or
   * `failed` as `[name, message]` pairs. */
  async each(names, verb, act) {
    this.busy = true;
    this.pending = null;
    $("conflicts").hidden = true;
    this.show();
    const outcome = { done: [], failed: [], conflicts: [], unmoved: [] };
    let finished = 0;
    const total = count(names.length, "image");
    const progress = () => {
      this.say(`${verb} ${total}: ${finished} of ${names.length} done…`, false);
    };
    progress();
    const queue = [...names];
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        try {
          const result = await act(name);
          if (result === "conflict") outcome.conflicts.push(name);
          else if (result === "unmoved") outcome.unmoved.push(name);
          else outcome.done.push(name);
        } catch (error) {
          outcome.failed.push([name, error.message]);
        }
        finished += 1;
        progress();
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, names.length) }, worker));
    this.busy = false;
    this.show();
    return outcome;
  }

  say(text, isFailure) {
    const line = $("bulk-status");
    line.textContent = text;
    line.classList.toggle("failed", isFailure);
  }
}

function failures(failed) {
  return failed.map(([name, message]) => `${name} (${message})`).join("; ");
}
