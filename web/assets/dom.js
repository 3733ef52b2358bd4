// Small DOM and formatting helpers shared by the viewer and the console.
// Everything that may come from the network is put into the page with textContent or
// setAttribute, never innerHTML: the pages never parse remote strings as HTML.

/** Creates an element with an optional class and text (set as text, never as HTML). */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** "1 h 02 min", "4 min 05 s", "12 s": a duration for people, from milliseconds. */
export function formatDuration(ms) {
  if (ms <= 0) return "0 s";
  const total = Math.floor(ms / 1000);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (n) => String(n).padStart(2, "0");
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${two(minutes)} min`;
  if (minutes > 0) return `${minutes} min ${two(seconds)} s`;
  return `${seconds} s`;
}

/** Parses an RFC 3339 time; null for null, undefined or unparsable values. */
export function parseTime(value) {
  if (typeof value !== "string") return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : time;
}

/** A share token shortened for display: "clw_share_AbCd…wxyz". */
export function shortToken(token) {
  const text = String(token);
  return text.length > 20 ? `${text.slice(0, 14)}…${text.slice(-4)}` : text;
}

/** A value as readable text: strings as they are, anything else as indented JSON. */
export function asText(value) {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

export function show(node, visible) {
  node.hidden = !visible;
}
