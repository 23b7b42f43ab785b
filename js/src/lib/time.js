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

/**
 * The kernel's clock offset, re-estimated from every stamped message the kernel sends.
 *
 * A message stamped `kernelNow` and received at browser time `receivedAt` bounds the offset from
 * below: offset >= kernelNow - receivedAt, with equality when the message took no time. The largest
 * such bound is the best estimate, so a late message (a busy kernel, a slow network) can only be
 * ignored, never skew the estimate, and every fresh message can only make it better.
 * A reply to our own request (sent at `sentAt`) also bounds it from above (offset <= kernelNow - sentAt);
 * when the bounds cross (a clock was set meanwhile) the estimate starts over from that sample.
 */
export class ClockEstimate {
  constructor() {
    this.lower = Number.NEGATIVE_INFINITY;
    this.upper = Number.POSITIVE_INFINITY;
    this.samples = 0;
  }

  /**
   * @param {number} kernelNow kernel epoch ms written into the message
   * @param {number} receivedAt browser ms when it arrived
   * @param {number} [sentAt] browser ms when our request left, for a reply
   * @returns {boolean} true when the sample was usable
   */
  sample(kernelNow, receivedAt, sentAt) {
    if (!Number.isFinite(kernelNow) || !Number.isFinite(receivedAt)) return false;
    const lower = kernelNow - receivedAt;
    const upper = Number.isFinite(sentAt) && /** @type {number} */ (sentAt) <= receivedAt
      ? kernelNow - /** @type {number} */ (sentAt)
      : Number.POSITIVE_INFINITY;
    if (lower > this.upper || upper < this.lower) {
      // Inconsistent with what we knew: one of the clocks jumped. Trust the new sample.
      this.lower = lower;
      this.upper = upper;
    } else {
      this.lower = Math.max(this.lower, lower);
      this.upper = Math.min(this.upper, upper);
    }
    this.samples += 1;
    return true;
  }

  /** ms to add to Date.now() to get the kernel's time (0 before any sample). */
  get offset() {
    return this.samples === 0 ? 0 : this.lower;
  }
}

/**
 * Whether a view still hears its kernel.
 * @param {number} lastHeard browser ms of the last message or state change from the kernel (NaN: never)
 * @param {number} shownAt browser ms when the view was drawn
 * @param {number} now browser ms now
 * @param {number} everyMs the kernel's heartbeat period (0 or unknown: 5000)
 * @returns {"live" | "checking" | "lost"} live: heard within three beats; checking: never heard yet,
 *   drawn less than three beats ago; lost: otherwise
 */
export function linkState(lastHeard, shownAt, now, everyMs) {
  const bound = 3 * (Number.isFinite(everyMs) && everyMs > 0 ? everyMs : 5000);
  if (Number.isFinite(lastHeard)) return now - lastHeard <= bound ? "live" : "lost";
  return now - shownAt <= bound ? "checking" : "lost";
}
