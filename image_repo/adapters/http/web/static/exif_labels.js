// The image view's metadata in the words and units a photographer reads (`meta=true`): f/2.8,
// 1/250 s, ISO 200, 35 mm, the camera as "make model", sizes in kB or MB, dates in the reader's
// locale. EXIF's orientation is left out: the server serves every picture upright already.

// Shutter speeds as cameras mark them: `meta=true` gives exposure_time in seconds to six
// decimals, so 1/6400 s arrives as 0.000156 and would read 1/6410 without them.
const SHUTTER_DENOMINATORS = [
  2, 3, 4, 5, 6, 8, 10, 13, 15, 20, 25, 30, 40, 45, 50, 60, 80, 90, 100, 125, 160, 180, 200, 250,
  320, 350, 400, 500, 640, 750, 800, 1000, 1250, 1500, 1600, 2000, 2500, 3000, 3200, 4000, 5000,
  6000, 6400, 8000, 10000, 12800, 16000, 20000, 25600, 32000,
];
const HIDDEN = new Set(["orientation"]);

/** `value` with at most `digits` decimals and no trailing zeros: 8 -> "8", 2.80 -> "2.8". */
const decimals = (value, digits) => String(Number(value.toFixed(digits)));
const positive = (value) => typeof value === "number" && Number.isFinite(value) && value > 0;

export function aperture(fNumber) {
  return positive(fNumber) ? `f/${decimals(fNumber, fNumber < 1 ? 2 : 1)}` : null;
}

/** Seconds as a shutter speed: "1/250 s" below a second ("0.4 s" where no 1/n is near), else
 * "2 s". */
export function exposure(seconds) {
  if (!positive(seconds)) return null;
  if (seconds >= 1) return `${decimals(seconds, 1)} s`;
  const inverse = 1 / seconds;
  const marked = SHUTTER_DENOMINATORS.find((d) => Math.abs(d - inverse) / d < 0.015);
  if (marked) return `1/${marked} s`;
  const nearest = Math.round(inverse);
  if (seconds >= 0.25 && Math.abs(inverse - nearest) / inverse > 0.05) {
    return `${decimals(seconds, 1)} s`;
  }
  return `1/${nearest} s`;
}

export const focalLength = (mm) => (positive(mm) ? `${decimals(mm, 1)} mm` : null);
export const iso = (speed) => (positive(speed) ? `ISO ${Math.round(speed)}` : null);

/** "Canon EOS R5" from "Canon" and "Canon EOS R5" (the model often repeats the make's first
 * word); "Fujifilm X-T4" from "Fujifilm" and "X-T4". */
export function camera(make, model) {
  const maker = typeof make === "string" ? make.trim() : "";
  const named = typeof model === "string" ? model.trim() : "";
  const first = maker.split(/\s+/)[0].toLowerCase();
  if (named && first && named.toLowerCase().startsWith(first)) return named;
  return [maker, named].filter(Boolean).join(" ") || null;
}

/** Sizes in SI units, as file managers show them: "812 bytes", "245 kB", "2.4 MB". */
export function fileSize(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes)) return null;
  if (bytes < 1000) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${decimals(value, value < 100 ? 1 : 0)} ${units[unit]}`;
}

/** An ISO 8601 date as `{text, datetime}` in the reader's locale, or null. A date without an
 * offset (EXIF's, the camera's wall clock) is read and shown as local time: no shift. */
export function when(iso8601) {
  if (typeof iso8601 !== "string") return null;
  // An older server gave EXIF's own "2024:07:14 18:22:05".
  const text = iso8601.replace(/^(\d{4}):(\d{2}):(\d{2})[ T]/, "$1-$2-$3T");
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return { text: iso8601 };
  return {
    text: date.toLocaleString(undefined, { dateStyle: "long", timeStyle: "short" }),
    datetime: text,
  };
}

function location(latitude, longitude) {
  if (typeof latitude !== "number" || typeof longitude !== "number") return null;
  const north = `${Math.abs(latitude).toFixed(5)}° ${latitude < 0 ? "S" : "N"}`;
  const east = `${Math.abs(longitude).toFixed(5)}° ${longitude < 0 ? "W" : "E"}`;
  return `${north}, ${east}`;
}

// The EXIF keys `meta=true` may give, in the order shown, each with its label and its words.
const EXIF_ROWS = [
  ["Taken", ["date_taken"], (exif) => when(exif.date_taken)],
  ["Camera", ["make", "model"], (exif) => camera(exif.make, exif.model)],
  ["Lens", ["lens"], (exif) => exif.lens],
  ["Aperture", ["f_number"], (exif) => aperture(exif.f_number)],
  ["Exposure", ["exposure_time"], (exif) => exposure(exif.exposure_time)],
  ["ISO", ["iso"], (exif) => iso(exif.iso)],
  ["Focal length", ["focal_length"], (exif) => focalLength(exif.focal_length)],
  [
    "Location",
    ["gps_latitude", "gps_longitude"],
    (exif) => location(exif.gps_latitude, exif.gps_longitude),
  ],
  [
    "Altitude",
    ["gps_altitude"],
    (exif) => (typeof exif.gps_altitude === "number" ? `${Math.round(exif.gps_altitude)} m` : null),
  ],
];

const spelled = (key) => {
  const words = key.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** The rows of the metadata list: `[label, value]`, a value being text or `{text, datetime}`.
 * EXIF keys this page does not know yet are shown as they come, their key spelled out. */
export function metaRows(meta) {
  const exif = meta.exif || {};
  const known = new Set(HIDDEN);
  const rows = [
    ["Dimensions", `${meta.width} × ${meta.height} pixels`],
    ["Size", fileSize(meta.bytes)],
    ["Format", meta.format],
  ];
  for (const [label, keys, words] of EXIF_ROWS) {
    for (const key of keys) known.add(key);
    if (keys.some((key) => exif[key] !== undefined && exif[key] !== null)) {
      rows.push([label, words(exif)]);
    }
  }
  for (const [key, value] of Object.entries(exif)) {
    if (!known.has(key) && value !== null && value !== undefined) {
      rows.push([spelled(key), String(value)]);
    }
  }
  rows.push(["Uploaded", when(meta.uploaded) || "unknown"], ["Colour mode", meta.mode]);
  rows.push(["ETag", meta.etag]);
  return rows.filter(([, value]) => value !== null && value !== undefined && value !== "");
}
