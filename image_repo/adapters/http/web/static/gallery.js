// What a tile says of its image (size, date, dimensions from the listing's `details=true`) and
// the orders a page can be shown in. Swift lists in byte order of the names, one page at a
// time: a sort orders the page shown, never the whole folder.

const SORT_KEY = "image_repo.sort";
const naturally = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** The choices of the sort control: value -> how two image entries compare. */
const ORDERS = {
  name: (a, b) => naturally.compare(a.name, b.name),
  "name-desc": (a, b) => naturally.compare(b.name, a.name),
  "date-desc": (a, b) => time(b) - time(a),
  date: (a, b) => time(a) - time(b),
  "size-desc": (a, b) => (b.bytes ?? -1) - (a.bytes ?? -1),
  size: (a, b) => (a.bytes ?? Infinity) - (b.bytes ?? Infinity),
};

function time(entry) {
  const when = Date.parse(entry.modified ?? "");
  return Number.isNaN(when) ? 0 : when;
}

/** The sort kept for this browser (a preference, not a place: not in the address). */
export function savedSort() {
  const kept = localStorage.getItem(SORT_KEY);
  return kept in ORDERS ? kept : "name";
}

export function saveSort(order) {
  if (order in ORDERS) localStorage.setItem(SORT_KEY, order);
}

/** `entries` in the order `order` names. By name, folders sort among the images as a file
 * listing has them; by date or size (which folders lack), folders come first. Ties keep the
 * listing's order. */
export function sorted(entries, order) {
  const compare = ORDERS[order] || ORDERS.name;
  if (order === "name" || order === "name-desc" || !(order in ORDERS)) {
    return [...entries].sort(compare);
  }
  const folders = entries.filter((entry) => entry.folder);
  const images = entries.filter((entry) => !entry.folder);
  images.sort((a, b) => compare(a, b) || naturally.compare(a.name, b.name));
  return [...folders.sort(ORDERS.name), ...images];
}

/** Bytes as people read them: "512 B", "34 kB", "2.4 MB" (powers of 1000, as file managers
 * show them). */
export function humanBytes(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes)) return "";
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = "B";
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/** The local short date of an ISO 8601 time ("14 Jul 2024" or as the browser's locale writes
 * it), or "" when there is none. */
export function shortDate(iso) {
  const when = new Date(iso ?? "");
  if (Number.isNaN(when.getTime())) return "";
  return when.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/** The lines under an image's tile: its dimensions and size, then its date, each where the
 * listing recorded it. */
export function detailsLine(entry) {
  const line = document.createElement("p");
  line.className = "details";
  const facts = [];
  if (entry.width && entry.height) {
    facts.push(fact("dimensions", `${entry.width}\u00d7${entry.height}`));
  }
  const size = humanBytes(entry.bytes);
  if (size) facts.push(fact("size", size));
  facts.forEach((part, index) => {
    if (index) line.append(" · ");
    line.append(part);
  });
  const day = shortDate(entry.modified);
  if (day) {
    const time = document.createElement("time");
    time.dateTime = entry.modified;
    time.textContent = day;
    time.title = `Modified ${new Date(entry.modified).toLocaleString()}`;
    line.append(time);
  }
  return line;
}

function fact(kind, text) {
  const span = document.createElement("span");
  span.className = kind;
  span.textContent = text;
  return span;
}
