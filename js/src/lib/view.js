// What the login view shows for a given model state, as plain data. DOM-free (node --test):
// login.js only copies these strings into the DOM with textContent and toggles `hidden`.
import { safeImageUrl } from "./dataurl.js";
import { formatAgo, formatCountdown } from "./time.js";

export const PHASES = Object.freeze([
  "starting",
  "waiting",
  "scanned",
  "confirming",
  "ready",
  "expired",
  "blocked",
  "failed",
]);

export const STATUS_STATES = Object.freeze(["online", "reconnecting", "logged_out", "closed"]);

// Phases in which asking for a fresh code makes sense (a blocked account stays blocked).
const NEW_CODE_PHASES = new Set(["waiting", "expired", "failed"]);

const TITLES = {
  starting: "Getting a login code…",
  waiting: "Scan with WeChat on your phone",
  scanned: "Scanned: confirm the login on your phone",
  confirming: "Confirmed: loading your contacts…",
  ready: "Logged in",
  expired: "The code expired: getting a new one…",
  blocked: "WeChat refused web login for this account",
  failed: "Login failed",
};

const TONES = {
  starting: "busy",
  waiting: "info",
  scanned: "ok",
  confirming: "busy",
  ready: "ok",
  expired: "busy",
  blocked: "error",
  failed: "error",
};

/**
 * @typedef {object} ModelState  the synced traits (see docs/frontend.md)
 * @property {string} phase
 * @property {string} qr          data:image/svg+xml;base64,... or ""
 * @property {number} expires_at  kernel epoch ms, 0 when no code is shown
 * @property {string} avatar      data:image/...;base64,... or ""
 * @property {string} message
 * @property {string} hint
 * @property {Record<string, unknown>} status
 */

/** @param {unknown} v */
const text = (v) => (typeof v === "string" ? v : "");
/** @param {unknown} v */
const count = (v) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
/** @param {number} n @param {string} one @param {string} many */
const plural = (n, one, many) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

export const NOT_CONNECTED = "Not connected to a running session — run the cell again";

/**
 * The compact status line shown once logged in.
 * @param {Record<string, unknown> | null | undefined} status
 * @param {string} fallbackAvatar the scanned avatar, used until the session sends its own
 * @param {number} kernelNow the kernel's clock now, in epoch ms
 * @param {"live" | "checking" | "lost"} [link] whether the view hears a running kernel
 */
export function describeStatus(status, fallbackAvatar, kernelNow, link = "live") {
  const s = status && typeof status === "object" ? status : {};
  const state = STATUS_STATES.includes(text(s.state)) ? text(s.state) : "online";
  const reason = text(s.reason);
  const reconnects = count(s.reconnects);
  // Counted as people read them: friends, rooms and official accounts apart (an older kernel sends
  // no "mps": then "contacts" is everything that is not a room).
  const hasKinds = typeof s.mps === "number";
  const counts = [
    hasKinds ? plural(count(s.contacts), "friend", "friends") : plural(count(s.contacts), "contact", "contacts"),
    plural(count(s.rooms), "room", "rooms"),
  ];
  if (hasKinds && count(s.mps) > 0) counts.push(plural(count(s.mps), "official account", "official accounts"));
  counts.push(plural(count(s.messages), "message", "messages"));
  if (reconnects > 0) counts.push(plural(reconnects, "reconnect", "reconnects"));
  const last = s.last_sync_ms;
  const sync =
    typeof last === "number" && Number.isFinite(last) && last > 0
      ? `synced ${formatAgo(kernelNow - last)}`
      : "not synced yet";
  let stateLabel = "";
  if (state === "reconnecting") {
    stateLabel = reconnects > 0 ? `Reconnecting (attempt ${reconnects})` : "Reconnecting";
  } else if (state === "logged_out") {
    stateLabel = "Logged out";
  } else if (state === "closed") {
    stateLabel = "Session closed";
  }
  if (stateLabel && reason) stateLabel = `${stateLabel}: ${reason}`;
  const base = {
    nickname: text(s.nickname) || "Logged in",
    avatar: safeImageUrl(s.avatar) || safeImageUrl(fallbackAvatar),
    counts: counts.join(" · "),
  };
  // Saved state proves nothing: a state is claimed only while the kernel is heard.
  if (link === "lost") return { ...base, state: "disconnected", sync: "", stateLabel: NOT_CONNECTED, tone: "off" };
  if (link === "checking" && state === "online") {
    return { ...base, state: "checking", sync: "", stateLabel: "Connecting…", tone: "busy" };
  }
  return {
    ...base,
    state,
    sync,
    stateLabel,
    tone: state === "online" ? "ok" : state === "reconnecting" ? "warn" : "error",
  };
}

/**
 * Everything the view shows for one model state at one instant.
 * @param {Partial<ModelState>} m  the traits, plus `qr` (which arrives by message, never as a trait)
 * @param {number} kernelNow the kernel's clock now, in epoch ms (Date.now() + clock offset)
 * @param {"live" | "checking" | "lost"} [link] whether the view hears a running kernel
 */
export function describe(m, kernelNow, link = "live") {
  const phase = PHASES.includes(text(m.phase)) ? text(m.phase) : "starting";
  if (link === "lost" && phase !== "ready") {
    // A login drawn from saved state, or whose kernel restarted: nothing on it can be acted on.
    return {
      phase,
      tone: "off",
      title: NOT_CONNECTED,
      countdown: "",
      message: "",
      hint: "This view was saved or its kernel stopped; wxnb.login() in a running kernel shows a live one.",
      qr: "",
      avatar: "",
      showButton: false,
      spinner: false,
      mark: "",
      status: null,
    };
  }
  let title = TITLES[phase];
  // "starting" with a hint is not about a QR code: resuming a session, or a login pushed to the
  // phone (the hint says what to do).
  if (phase === "starting" && text(m.hint) !== "") title = "Logging in…";
  let tone = TONES[phase];
  let countdown = "";
  const qr = phase === "waiting" ? safeImageUrl(m.qr) : "";
  if (phase === "waiting" && typeof m.expires_at === "number" && m.expires_at > 0) {
    const left = m.expires_at - kernelNow;
    if (left > 0) {
      countdown = `Expires in ${formatCountdown(left)}`;
    } else {
      // Python has not said "expired" yet (it polls); tell the truth meanwhile.
      countdown = "Expired";
      title = "This code has expired";
      tone = "warn";
    }
  }
  const status = phase === "ready" ? describeStatus(m.status, text(m.avatar), kernelNow, link) : null;
  if (status) tone = status.tone;
  return {
    phase,
    tone,
    title,
    countdown,
    message: text(m.message),
    hint: text(m.hint),
    qr,
    avatar: phase === "scanned" || phase === "confirming" ? safeImageUrl(m.avatar) : "",
    showButton: NEW_CODE_PHASES.has(phase),
    // A busy phase with no picture gets a spinner; a refusal or failure gets a "!" mark.
    spinner: tone === "busy",
    mark: phase === "blocked" || phase === "failed" ? "!" : "",
    status,
  };
}
