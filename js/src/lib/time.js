// Clock arithmetic and short human durations. DOM-free: tested with `node --test`.

/**
 * How far the kernel's clock is ahead of the browser's, from one request/reply exchange
 * (the reply is assumed to be stamped half-way through the round trip, as NTP does).
 * @param {number} sentAt browser ms when the request left
 * @param {number} receivedAt browser ms when the reply arrived
 * @param {number} kernelNow kernel ms written into the reply
 * @returns {number} ms to add to the browser's Date.now() to get the kernel's time
 */
export function clockOffset(sentAt, receivedAt, kernelNow) {
  if (![sentAt, receivedAt, kernelNow].every(Number.isFinite) || receivedAt < sentAt) return 0;
  return kernelNow - (sentAt + receivedAt) / 2;
}

/**
 * A countdown as m:ss, rounded up so "0:00" appears only when the time is really up.
 * @param {number} ms milliseconds left (may be negative)
 */
export function formatCountdown(ms) {
  if (!Number.isFinite(ms) || ms <= 0) return "0:00";
  const total = Math.ceil(ms / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, "0")}`;
}

/**
 * How long ago something happened, in the coarsest unit that still says something.
 * @param {number} ms elapsed milliseconds (negative = clocks disagree slightly: "just now")
 */
export function formatAgo(ms) {
  if (!Number.isFinite(ms)) return "";
  const s = Math.floor(ms / 1000);
  if (s < 1) return "just now";
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}
