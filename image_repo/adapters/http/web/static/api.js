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
