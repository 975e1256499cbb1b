// New folders. Swift has no empty folders (a folder is a prefix of the names stored): a new
// one is opened as the place uploads go, and it is listed once it holds an image.

const $ = (id) => document.getElementById(id);
const NAME_RULE = "A name with no empty part, “.” or “..” (a / nests folders).";

/** A folder path as typed ("holiday/beach", "/holiday/beach/") as the page writes folders
 * ("holiday/beach/"; "" for the top level), or null when it cannot be one (an empty, "." or
 * ".." segment). */
export function normalFolder(text) {
  const trimmed = text.trim().replace(/^\/+|\/+$/g, "");
  if (!trimmed) return "";
  const parts = trimmed.split("/");
  if (parts.some((part) => !part.trim() || part === "." || part === "..")) return null;
  return `${parts.join("/")}/`;
}

export class NewFolder {
  /** `folder()`: the folder shown; `onCreate(path)`: open the new folder `path` ("a/b/"). */
  constructor({ folder, onCreate }) {
    this.folder = folder;
    this.created = ""; // the folder last made here, until it holds an image
    const button = $("new-folder");
    const form = $("folder-form");
    const input = $("folder-name");
    button.addEventListener("click", () => (form.hidden ? this.ask() : this.close()));
    $("cancel-folder").addEventListener("click", () => this.close());
    form.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      this.close();
    });
    input.addEventListener("input", () => input.setCustomValidity(""));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const path = normalFolder(input.value);
      if (!path) {
        input.setCustomValidity(NAME_RULE);
        input.reportValidity();
        return;
      }
      this.created = this.folder() + path;
      input.value = "";
      form.hidden = true;
      button.setAttribute("aria-expanded", "false");
      onCreate(this.created);
    });
  }

  ask() {
    const shown = this.folder();
    $("folder-help").textContent =
      `Made inside ${shown || "the top level"}. Swift keeps no empty folders: the new one ` +
      "appears in the listing once it holds an image, so upload into it next.";
    $("folder-form").hidden = false;
    $("new-folder").setAttribute("aria-expanded", "true");
    $("folder-name").focus();
  }

  close() {
    $("folder-form").hidden = true;
    $("folder-name").setCustomValidity("");
    $("new-folder").setAttribute("aria-expanded", "false");
    $("new-folder").focus();
  }

  /** The note under the toolbar, after each listing: said while the new folder is shown and
   * still empty. */
  note(folder, isEmpty) {
    const here = this.created && folder === this.created;
    if (here && !isEmpty) this.created = "";
    $("folder-note").textContent =
      here && isEmpty
        ? `New folder ${folder}: it appears in the listing once it holds an image. ` +
          "Uploads go into it now."
        : "";
  }
}
