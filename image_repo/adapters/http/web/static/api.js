// The JSON API as the page uses it: every request carries the write token when one is kept.

const TOKEN_KEY = "image_repo.write_token";
const body = document.body.dataset;

export const server = {
  isWriteProtected: body.writeProtected === "true",
  isSigned: body.signed === "true",
  kinds: (body.kinds || "").split(" ").filter(Boolean),
  watermarks: (body.watermarks || "").split(" ").filter(Boolean),
};

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export const canWrite = () => !server.isWriteProtected || token() !== "";
// With signed URLs on, a page without a signing key reads through the write token.
export const canRead = () => !server.isSigned || token() !== "";
// <img src> cannot send a header: with signed URLs on, images are fetched as blobs instead.
export const needsBlobs = () => server.isSigned;

function headers() {
  return token() ? { Authorization: `Bearer ${token()}` } : {};
}

/** `/images/a/b%20c`: each segment percent-encoded, the slashes kept. */
export function imagePath(name) {
  return "/images/" + name.split("/").map(encodeURIComponent).join("/");
}

/** `url` (which may hold a query already, such as a versioned URL's `v=`) with `params` added. */
export function withQuery(url, params) {
  const parsed = new URL(url, location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") parsed.searchParams.set(key, String(value));
  }
  return parsed.origin === location.origin ? parsed.pathname + parsed.search : parsed.href;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The API's own words for a failed answer: "415 unsupported_image: ...". */
export async function describeFailure(response) {
  let text = `${response.status} ${response.statusText}`;
  try {
    const error = await response.json();
    text = `${response.status} ${error.error}: ${error.detail}`;
  } catch (_ignored) {
    // not JSON: the status line says it
  }
  return text;
}

export class ApiError extends Error {}

async function request(url, options = {}) {
  const response = await fetch(url, { ...options, headers: { ...headers(), ...options.headers } });
  if (!response.ok) throw new ApiError(await describeFailure(response));
  return response;
}

/** JSON that may change at any write (listings, metadata, versions): the browser's cache may
 * keep it, but asks the server again every time (a 304 when nothing changed). */
export async function getJson(url) {
  return (await request(url, { cache: "no-cache" })).json();
}

/** One page of a folder after `marker`: `{name, url, width, height, placeholder, focus}` for an
 * image (`url` versioned, `v=`, so the browser's own cache never shows an old photo; the others
 * what the listing recorded, or undefined/null) and `{name, folder: true}` for a folder (its
 * name ends in "/"). */
export async function listPage({ prefix, regex, marker, limit, delimiter }) {
  const entries = await getJson(
    "/images" + query({ prefix, delimiter, regex, marker, limit, details: "true" }),
  );
  return entries.map((entry) => {
    const name = typeof entry === "string" ? entry : entry.name;
    const folder = name.endsWith("/");
    if (folder || typeof entry === "string") {
      return { name, folder, url: folder ? undefined : imagePath(name), placeholder: null };
    }
    return {
      name,
      folder: false,
      url: entry.url || imagePath(name),
      width: entry.width,
      height: entry.height,
      placeholder: entry.placeholder || null,
      focus: entry.focus || null,
    };
  });
}

/** The kept versions of `name`, newest first, or null when the server keeps none
 * (`swift.versions` off: the API answers 400). */
export async function versions(name) {
  const response = await fetch(imagePath(name) + query({ versions: "true" }), {
    headers: headers(),
    cache: "no-cache",
  });
  if (response.status === 400) return null;
  if (!response.ok) throw new ApiError(await describeFailure(response));
  return (await response.json()).versions;
}

/** Make the kept version `id` of `name` the current one again; resolves to the PUT's JSON. */
export async function restore(name, id) {
  const response = await request(imagePath(name) + query({ restore: id }), { method: "POST" });
  return response.json();
}

/** Record `focus` (`{x, y}`, fractions of the width and height from the top-left) as the focal
 * point of `name`, or remove it (`null`); resolves to the POST's JSON (`{name, focus, url}`). */
export async function setFocus(name, focus) {
  // Four decimals: a tenth of a pixel of a 4000-pixel photo. The comma stays plain, as the API
  // documents the parameter.
  const value = focus ? `${focus.x.toFixed(4)},${focus.y.toFixed(4)}` : "clear";
  const response = await request(`${imagePath(name)}?focus=${value}`, { method: "POST" });
  return response.json();
}

export async function remove(name) {
  await request(imagePath(name), { method: "DELETE" });
}

/** A URL an <img> or a link can use: the API's own, or a blob fetched with the token. */
export async function displayUrl(url) {
  if (!needsBlobs()) return url;
  const response = await request(url);
  return URL.createObjectURL(await response.blob());
}

/** What `url` answers (with the token when one is kept), for an <img>: `{src, bytes, type,
 * exceeded}` (`src` a blob: URL to revoke; `exceeded`: `X-Max-Bytes: exceeded`). Rejects with the
 * API's words; `signal` aborts it. `cache: "no-cache"` for an answer that may change under the
 * same URL (a crop around the focal point, `gravity=focus`), so the browser asks again. */
export async function fetchImage(url, signal, cache = "default") {
  const response = await request(url, { signal, cache });
  const blob = await response.blob();
  return {
    src: URL.createObjectURL(blob),
    bytes: blob.size,
    type: blob.type,
    exceeded: response.headers.get("X-Max-Bytes") === "exceeded",
  };
}

/** Save what `url` answers under `filename` (through a blob when the token must be sent). */
export async function download(url, filename) {
  const link = document.createElement("a");
  link.download = filename;
  link.href = await displayUrl(url);
  document.body.append(link);
  link.click();
  link.remove();
}

/** PUT with upload progress (fetch reports none): `onProgress(fraction)`; resolves to the
 * 201 body, rejects with the API's words. */
export function upload(name, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", imagePath(name));
    for (const [key, value] of Object.entries(headers())) xhr.setRequestHeader(key, value);
    if (file.type) xhr.setRequestHeader("Content-Type", file.type);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status === 201) {
        onProgress(1);
        resolve(JSON.parse(xhr.responseText));
        return;
      }
      let text = `${xhr.status} ${xhr.statusText}`;
      try {
        const error = JSON.parse(xhr.responseText);
        text = `${xhr.status} ${error.error}: ${error.detail}`;
      } catch (_ignored) {
        // not JSON
      }
      reject(new ApiError(text));
    };
    xhr.onerror = () => reject(new ApiError("the server could not be reached"));
    xhr.send(file);
  });
}

/** One page of a listing with everything `details=true` says of each image (`bytes`,
 * `modified`, `width`, `height`, `etag`, `placeholder`, `focus`, `faces`: undefined or null
 * where not recorded) and `{name, folder: true}` for a folder. */
export async function listEntries({ prefix, regex, marker, limit, delimiter }) {
  const entries = await getJson(
    "/images" + query({ prefix, delimiter, regex, marker, limit, details: "true" }),
  );
  return entries.map((entry) => {
    const name = typeof entry === "string" ? entry : entry.name;
    if (name.endsWith("/")) return { name, folder: true, url: undefined, placeholder: null };
    const listed = typeof entry === "string" ? {} : entry;
    return {
      ...listed,
      name,
      folder: false,
      url: listed.url || imagePath(name),
      placeholder: listed.placeholder || null,
      focus: listed.focus || null,
    };
  });
}

/** Only the names of a listing's page (folders end in "/"): what paging through to a
 * remembered page number needs. */
export async function listNames({ prefix, regex, marker, limit, delimiter }) {
  const entries = await getJson("/images" + query({ prefix, delimiter, regex, marker, limit }));
  return entries.map((entry) => (typeof entry === "string" ? entry : entry.name));
}

/** Rename (move) `name` to `newName` (write token): resolves to the 201's JSON `{name, from,
 * etag, url}`. Rejects with an ApiError whose `status` is the answer's: 409 when `newName`
 * exists and `overwrite` is false, 404 when `name` is gone. */
export async function rename(name, newName, overwrite = false) {
  const url = imagePath(name) + query({ rename: newName, overwrite: overwrite ? "true" : "" });
  const response = await fetch(url, { method: "POST", headers: headers() });
  if (!response.ok) {
    const error = new ApiError(await describeFailure(response));
    error.status = response.status;
    throw error;
  }
  return response.json();
}

/** The longest a temporary URL may live here, in seconds (`swift.url_ttl`, the most `ttl=`
 * may ask): the page's `data-url-ttl`, else the server's default. */
export function maxUrlTtl() {
  const seconds = Number(body.urlTtl);
  return Number.isInteger(seconds) && seconds > 0 ? seconds : 3600;
}

/** Whether this server hands out originals at all (`images.serve_originals`), where the page
 * says so (`data-serve-originals`); else assumed, and a refusal reported when asked. */
export const servesOriginals = () => body.serveOriginals !== "never";

/** A temporary URL of `name` living `ttlSeconds`: `{url, expires (epoch seconds), ...}`. */
export async function temporaryUrl(name, ttlSeconds) {
  return getJson(imagePath(name) + query({ url: "true", ttl: ttlSeconds }));
}

/** The file name a Content-Disposition header gives (RFC 6266: `filename*` first), or "". */
function dispositionName(header) {
  if (!header) return "";
  const extended = /filename\*\s*=\s*[\w-]+'[^']*'([^;]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch (_ignored) {
      // a malformed escape: the plain parameter below, if any
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
  return plain ? (plain[1] ?? plain[2]).replace(/\\(.)/g, "$1") : "";
}

/** Save the original of `name` as uploaded (`original=true`, write token sent), under the name
 * the server gives (else `<basename>.<subtype>`); resolves to `{filename, bytes}`. */
export async function downloadOriginal(name) {
  const response = await request(imagePath(name) + query({ original: "true" }), {
    cache: "no-store",
  });
  const blob = await response.blob();
  const subtype = (blob.type.split("/")[1] || "bin").split(/[;+]/)[0];
  const filename =
    dispositionName(response.headers.get("Content-Disposition")) ||
    `${name.split("/").pop()}.${subtype === "jpeg" ? "jpg" : subtype}`;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.download = filename;
  link.href = url;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000); // the download has the blob by then
  return { filename, bytes: blob.size };
}
