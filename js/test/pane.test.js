import { test } from "node:test";
import assert from "node:assert/strict";
import { applyAck, mergeMessages, pendingMessage, GROUP_GAP_MS } from "../src/lib/chat.js";
import { initials, planPane, rowKey } from "../src/lib/pane.js";

const T = 1_700_000_000_000;
const utcDay = (/** @type {number} */ ms) => new Date(ms).toISOString().slice(0, 10);
const msg = (id, t, extra = {}) => ({ id, t, sender: "@a", name: "Ann", self: false, type: "text", text: id, ...extra });

/** Draw a plan as chat.js does: every row built or kept; returns the new drawn map and what was built. */
function draw(drawn, messages, stampOf) {
  const plan = planPane(drawn, messages, stampOf, utcDay);
  const next = new Map(drawn);
  for (const key of plan.gone) next.delete(key);
  for (const { key, state, build } of plan.rows) if (build) next.set(key, state);
  return { drawn: next, built: plan.rows.filter((r) => r.build).map((r) => r.key), gone: plan.gone, plan };
}

test("keys: one per day separator, one per message", () => {
  const { plan } = draw(new Map(), [msg("1", T), msg("2", T + 1, { type: "system" })]);
  assert.deepEqual(plan.rows.map((r) => r.key), [`d:${utcDay(T)}`, "m:1", "n:2"]);
  assert.equal(rowKey({ kind: "day", day: "2026-12-06" }), "d:2026-12-06");
});

test("an appended message builds its own row only; the group's earlier bubble is kept", () => {
  const window = [msg("1", T), msg("2", T + 1000)];
  const first = draw(new Map(), window);
  assert.deepEqual(first.built, [`d:${utcDay(T)}`, "m:1", "m:2"]);
  const more = mergeMessages(window, [msg("3", T + 2000)]);
  const second = draw(first.drawn, more);
  assert.deepEqual(second.built, ["m:3"]);
  assert.deepEqual(second.gone, []);
});

test("a pending send settled by its echo replaces that one bubble; an ack after it changes nothing", () => {
  const window = [msg("1", T)];
  const pending = pendingMessage("c1", "hi", T + 1000);
  const withPending = mergeMessages(window, [pending]);
  const a = draw(draw(new Map(), window).drawn, withPending);
  assert.deepEqual(a.built, ["m:pending:c1"]);
  const echoed = mergeMessages(withPending, [msg("900", T + 1001, { self: true, sender: "@me", text: "hi" })]);
  const b = draw(a.drawn, echoed);
  assert.deepEqual(b.built, ["m:900"]);
  assert.deepEqual(b.gone, ["m:pending:c1"]);
  const acked = applyAck(echoed, { cid: "c1", ok: true, msg_id: "900" });
  assert.deepEqual(draw(b.drawn, acked).built, []);
});

test("an ack before the echo redraws the pending bubble only; a revoke redraws the revoked one only", () => {
  const window = mergeMessages([msg("1", T), msg("2", T + 1)], [pendingMessage("c1", "hi", T + 2)]);
  const a = draw(new Map(), window);
  const acked = applyAck(window, { cid: "c1", ok: true, msg_id: "900" });
  const b = draw(a.drawn, acked);
  assert.deepEqual(b.built, ["m:900"]); // the bubble takes the server's id (and is drawn sent)
  assert.deepEqual(b.gone, ["m:pending:c1"]);
  const revoked = mergeMessages(acked, [{ ...msg("1", T), revoked: true }]);
  assert.deepEqual(draw(b.drawn, revoked).built, ["m:1"]);
});

test("an earlier page is built alone; the rows already drawn are kept", () => {
  const later = [msg("3", T + 3000), msg("4", T + 4000, { sender: "@b" })];
  const a = draw(new Map(), later);
  const b = draw(a.drawn, mergeMessages(later, [msg("1", T), msg("2", T + 1000, { sender: "@b" })]));
  assert.deepEqual(b.built, ["m:1", "m:2"]); // 3 now follows 2 of another sender: still first, kept
  assert.deepEqual(b.gone, []);
  // Only the neighbour whose grouping changes is rebuilt: an earlier message of the same sender
  // within the gap makes 3 a follower (its name and avatar go).
  const c = draw(a.drawn, mergeMessages(later, [msg("2", T + 2500)]));
  assert.deepEqual(c.built, ["m:2", "m:3"]);
});

test("a message of a new day brings its separator; the window dropping the old day drops its separator", () => {
  const day2 = T + 24 * 3600 * 1000;
  const [one, two, three] = [msg("1", T), msg("2", T + GROUP_GAP_MS), msg("3", day2)];
  const a = draw(new Map(), [one, two]);
  const b = draw(a.drawn, [one, two, three]);
  assert.deepEqual(b.built, [`d:${utcDay(day2)}`, "m:3"]);
  const c = draw(b.drawn, [three]); // the window slid past day one
  assert.deepEqual(c.built, []);
  assert.deepEqual(c.gone.sort(), [`d:${utcDay(T)}`, "m:1", "m:2"].sort());
});

test("state beside the message (a file's Download) rebuilds its bubble when it changes", () => {
  const window = [msg("1", T, { type: "file", file: "a.pdf" }), msg("2", T + 1)];
  let saving = "-";
  const stampOf = (row) => (row.kind === "bubble" && row.msg.type === "file" ? saving : "");
  const a = draw(new Map(), window, stampOf);
  assert.deepEqual(draw(a.drawn, window, stampOf).built, []);
  saving = "";
  assert.deepEqual(draw(a.drawn, window, stampOf).built, ["m:1"]);
});

test("initials: the first character as a reader sees it, whole, upper-cased; '?' for no name", () => {
  assert.equal(initials("ann"), "A");
  assert.equal(initials("  老王"), "老");
  assert.equal(initials("👨‍👩‍👧 family"), "👨‍👩‍👧");
  assert.equal(initials("😺😺"), "😺");
  assert.equal(initials("🇬🇧 London"), "🇬🇧");
  assert.equal(initials(""), "?");
  assert.equal(initials("   "), "?");
});
