// The page's place, kept in the URL's hash so a reload, a shared link and the browser's back
// and forward come back to it: `#holiday/beach/?page=2&search=sun&image=sunset` is the folder
// holiday/beach/, its second page, searched for "sun", with holiday/beach/sunset open. The
// image is written relative to the folder when it lies below it. A plain `#holiday/beach/`
// (and the older `#holiday%2Fbeach%2F`) still opens the folder.

/** `{folder, page, search, image}` of a hash: `folder` "" or ending in "/", `page` 0-based. */
export function readAddress(hash = location.hash) {
  const text = hash.replace(/^#/, "");
  const at = text.indexOf("?"); // a "?" of a folder's name is written %3F
  const params = new URLSearchParams(at < 0 ? "" : text.slice(at + 1));
  let folder = decoded(at < 0 ? text : text.slice(0, at)).replace(/^\/+/, "");
  if (folder && !folder.endsWith("/")) folder += "/";
  const page = Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1) - 1;
  const search = params.get("search") || "";
  const image = params.get("image") || "";
  const full = image.startsWith("/") ? image.slice(1) : image && folder + image;
  return { folder, page, search, image: full };
}

/** The hash of a place (the inverse of readAddress). */
export function addressOf({ folder = "", page = 0, search = "", image = "" }) {
  const path = folder.split("/").map(encodeURIComponent).join("/");
  const params = new URLSearchParams();
  if (page > 0) params.set("page", String(page + 1));
  if (search) params.set("search", search);
  // An image outside the folder (none is, as the page opens them) keeps its full name.
  const below = image.startsWith(folder);
  if (image) params.set("image", below ? image.slice(folder.length) : `/${image}`);
  const text = params.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}

/** Make `place` the current address: a new history entry, or in place of the current one. */
export function writeAddress(place, { replace = false } = {}) {
  const hash = addressOf(place);
  const url = hash === "#" ? location.pathname + location.search : hash;
  if (hash === (location.hash || "#")) return;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
}

/** Whether two places are the same. */
export function samePlace(a, b) {
  return a.folder === b.folder && a.page === b.page && a.search === b.search && a.image === b.image;
}

function decoded(text) {
  try {
    return decodeURIComponent(text);
  } catch (_ignored) {
    return text; // a stray "%": the hash as it is
  }
}
