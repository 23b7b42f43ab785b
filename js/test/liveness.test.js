import { test } from "node:test";
import assert from "node:assert/strict";
import { ClockEstimate, linkState } from "../src/lib/time.js";
import { describe, NOT_CONNECTED } from "../src/lib/view.js";

test("the clock estimate keeps the best sample: a late one from a busy kernel cannot skew it", () => {
  const clock = new ClockEstimate();
  assert.equal(clock.offset, 0);
  // The kernel is 9_000 ms ahead. Our request leaves at 1_000; a busy kernel answers 30 s later.
  clock.sample(1_000 + 30_000 + 9_000, 1_000 + 30_010, 1_000);
  assert.ok(Math.abs(clock.offset - 9_000) <= 10);
  // A heartbeat that took 5 ms: the estimate tightens to it.
  clock.sample(40_000 + 9_000, 40_005);
  assert.equal(clock.offset, 8_995);
  // A heartbeat that sat 20 s in a queue is a worse bound: ignored.
  clock.sample(50_000 + 9_000, 70_000);
  assert.equal(clock.offset, 8_995);
  // Garbage changes nothing.
  assert.equal(clock.sample(Number.NaN, 80_000), false);
  assert.equal(clock.offset, 8_995);
});

test("the clock estimate starts over when a clock jumps", () => {
  const clock = new ClockEstimate();
  clock.sample(10_000, 1_000, 990); // offset in [9_000, 9_010]
  clock.sample(2_000 + 60_000, 2_000, 1_990); // the kernel's clock jumped a minute ahead
  assert.ok(clock.offset >= 59_990 && clock.offset <= 60_010);
});

test("a view is live within three beats of the last message, lost after, checking before the first", () => {
  assert.equal(linkState(1_000, 0, 1_000 + 15_000, 5_000), "live");
  assert.equal(linkState(1_000, 0, 1_000 + 15_001, 5_000), "lost");
  assert.equal(linkState(Number.NaN, 0, 14_000, 0), "checking");
  assert.equal(linkState(Number.NaN, 0, 15_001, 0), "lost");
  assert.equal(linkState(0, 0, 3 * 2_000 + 1, 2_000), "lost");
});

const READY = {
  phase: "ready",
  status: { nickname: "阿杰", contacts: 800, rooms: 63, mps: 30, messages: 1, last_sync_ms: 1_000, state: "online" },
};

test("saved state never claims online: checking, then not connected", () => {
  const checking = describe(READY, 2_000, "checking");
  assert.equal(checking.status.state, "checking");
  assert.equal(checking.status.stateLabel, "Connecting…");
  assert.notEqual(checking.tone, "ok");
  const lost = describe(READY, 2_000, "lost");
  assert.equal(lost.status.stateLabel, NOT_CONNECTED);
  assert.equal(lost.status.sync, "");
  assert.equal(lost.tone, "off");
  assert.equal(describe(READY, 2_000, "live").tone, "ok");
});

test("a login view from saved state shows no code and no button once it is known to be lost", () => {
  const waiting = { phase: "waiting", qr: "data:image/svg+xml;base64,AAAA", expires_at: 99_000 };
  assert.equal(describe(waiting, 1_000, "checking").qr, "data:image/svg+xml;base64,AAAA");
  const lost = describe(waiting, 1_000, "lost");
  assert.equal(lost.title, NOT_CONNECTED);
  assert.equal(lost.qr, "");
  assert.equal(lost.showButton, false);
  assert.equal(lost.countdown, "");
});

test("counts read as people say them", () => {
  assert.equal(
    describe(READY, 2_000).status.counts,
    "800 friends · 63 rooms · 30 official accounts · 1 message",
  );
  const one = { ...READY, status: { ...READY.status, contacts: 1, rooms: 1, mps: 0, messages: 2 } };
  assert.equal(describe(one, 2_000).status.counts, "1 friend · 1 room · 2 messages");
});
