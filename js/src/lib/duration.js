// How long a voice or video message plays, as WeChat writes it under the bubble: "0:07", "1:02", "1:00:05".

/** Seconds as m:ss (h:mm:ss from an hour on), rounded to the second; "" for no length.
 * @param {unknown} seconds */
export function formatDuration(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) return "";
  const total = Math.max(1, Math.round(seconds)); // a 0.4 s voice note still reads "0:01"
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** The label of a voice or video bubble with its length ("Voice 0:07"), "" for other types or none.
 * @param {string} type @param {unknown} seconds */
export function lengthLabel(type, seconds) {
  const shown = formatDuration(seconds);
  if (!shown) return "";
  if (type === "voice") return `Voice ${shown}`;
  if (type === "video") return `Video ${shown}`;
  return "";
}
