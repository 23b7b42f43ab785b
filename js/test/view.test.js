import { test } from "node:test";
import assert from "node:assert/strict";
import { describe, describeStatus, PHASES } from "../src/lib/view.js";

const QR = "data:image/svg+xml;base64,PHN2Zz4=";
const AVATAR = "data:image/jpeg;base64,/9j/4AAQ";
const NOW = 1_700_000_000_000;

test("every phase has a title and the button only where a new code helps", () => {
  const withButton = [];
  for (const phase of PHASES) {
    const v = describe({ phase }, NOW);
    assert.equal(v.phase, phase);
    assert.ok(v.title.length > 0, phase);
    if (v.showButton) withButton.push(phase);
  }
  assert.deepEqual(withButton, ["waiting", "expired", "failed"]);
});

test("busy phases spin, refusals and failures get a mark", () => {
  const spinning = PHASES.filter((phase) => describe({ phase }, NOW).spinner);
  assert.deepEqual(spinning, ["starting", "confirming", "expired"]);
  const marked = PHASES.filter((phase) => describe({ phase }, NOW).mark === "!");
  assert.deepEqual(marked, ["blocked", "failed"]);
});

test("starting with a hint (resume, a login pushed to the phone) is not about a code", () => {
  assert.equal(describe({ phase: "starting" }, NOW).title, "Getting a login code…");
  const pushed = describe({ phase: "starting", hint: "Confirm the login on your phone." }, NOW);
  assert.equal(pushed.title, "Logging in…");
  assert.equal(pushed.hint, "Confirm the login on your phone.");
});

test("unknown phase is drawn as starting, not as an error", () => {
  assert.equal(describe({ phase: "bogus" }, NOW).phase, "starting");
  assert.equal(describe({}, NOW).phase, "starting");
});

test("waiting shows the QR and a countdown on the kernel's clock", () => {
  const v = describe({ phase: "waiting", qr: QR, expires_at: NOW + 125_000 }, NOW);
  assert.equal(v.qr, QR);
  assert.equal(v.countdown, "Expires in 2:05");
  assert.equal(v.tone, "info");
  const later = describe({ phase: "waiting", qr: QR, expires_at: NOW + 125_000 }, NOW + 5_000);
  assert.equal(later.countdown, "Expires in 2:00");
});

test("a code past its expiry says so before Python does", () => {
  const v = describe({ phase: "waiting", qr: QR, expires_at: NOW - 1 }, NOW);
  assert.equal(v.countdown, "Expired");
  assert.equal(v.title, "This code has expired");
  assert.equal(v.showButton, true);
});

test("QR shows only while waiting and only from a data URL", () => {
  assert.equal(describe({ phase: "scanned", qr: QR }, NOW).qr, "");
  assert.equal(describe({ phase: "waiting", qr: "https://evil.example/qr.png" }, NOW).qr, "");
});

test("scanned shows the avatar", () => {
  const v = describe({ phase: "scanned", avatar: AVATAR }, NOW);
  assert.equal(v.avatar, AVATAR);
  assert.match(v.title, /confirm/);
});

test("blocked and failed carry the message and hint as given", () => {
  const v = describe({ phase: "blocked", message: "<b>x</b>", hint: "use the desktop app" }, NOW);
  assert.equal(v.message, "<b>x</b>");
  assert.equal(v.hint, "use the desktop app");
  assert.equal(v.tone, "error");
  assert.equal(v.showButton, false);
  assert.equal(describe({ phase: "failed", message: "boom" }, NOW).message, "boom");
});

test("status line: counts, plural forms, last sync on the kernel's clock", () => {
  const s = describeStatus(
    { nickname: "Ann", contacts: 1, rooms: 12, messages: 1234, last_sync_ms: NOW - 3_000, state: "online" },
    "",
    NOW,
  );
  assert.equal(s.nickname, "Ann");
  assert.equal(s.counts, "1 contact · 12 rooms · 1,234 messages");
  assert.equal(s.sync, "synced 3 s ago");
  assert.equal(s.stateLabel, "");
  assert.equal(s.tone, "ok");
});

test("status line: reconnecting and logged out say why", () => {
  const r = describeStatus({ state: "reconnecting", reason: "connection reset", reconnects: 2 }, "", NOW);
  assert.equal(r.stateLabel, "Reconnecting (attempt 2): connection reset");
  assert.equal(r.tone, "warn");
  assert.match(r.counts, /2 reconnects/);
  const o = describeStatus({ state: "logged_out", reason: "logged in elsewhere (1102)" }, "", NOW);
  assert.equal(o.stateLabel, "Logged out: logged in elsewhere (1102)");
  assert.equal(o.tone, "error");
});

test("status line: defaults, bad values and the avatar fallback", () => {
  const s = describeStatus({ contacts: -3, rooms: "many", state: "weird", avatar: "http://x/y.png" }, AVATAR, NOW);
  assert.equal(s.nickname, "Logged in");
  assert.equal(s.counts, "0 contacts · 0 rooms · 0 messages");
  assert.equal(s.sync, "not synced yet");
  assert.equal(s.state, "online");
  assert.equal(s.avatar, AVATAR);
  assert.equal(describe({ phase: "ready", status: {} }, NOW).status.nickname, "Logged in");
});
