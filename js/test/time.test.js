import { test } from "node:test";
import assert from "node:assert/strict";
import { clockOffset, formatAgo, formatCountdown } from "../src/lib/time.js";

test("countdown rounds up and never goes negative", () => {
  assert.equal(formatCountdown(240_000), "4:00");
  assert.equal(formatCountdown(119_001), "2:00");
  assert.equal(formatCountdown(61_000), "1:01");
  assert.equal(formatCountdown(9_999), "0:10");
  assert.equal(formatCountdown(1), "0:01");
  assert.equal(formatCountdown(0), "0:00");
  assert.equal(formatCountdown(-5_000), "0:00");
  assert.equal(formatCountdown(Number.NaN), "0:00");
});

test("ago picks the coarsest useful unit", () => {
  assert.equal(formatAgo(-2_000), "just now");
  assert.equal(formatAgo(999), "just now");
  assert.equal(formatAgo(3_000), "3 s ago");
  assert.equal(formatAgo(59_999), "59 s ago");
  assert.equal(formatAgo(60_000), "1 min ago");
  assert.equal(formatAgo(3_599_000), "59 min ago");
  assert.equal(formatAgo(3_600_000), "1 h ago");
  assert.equal(formatAgo(47 * 3_600_000), "47 h ago");
  assert.equal(formatAgo(3 * 86_400_000), "3 d ago");
  assert.equal(formatAgo(Number.NaN), "");
});

test("clock offset assumes the reply was stamped mid-way", () => {
  // Browser sent at 1000, got the reply at 1200; kernel said 10_100 => kernel is 9_000 ahead.
  assert.equal(clockOffset(1000, 1200, 10_100), 9_000);
  assert.equal(clockOffset(1000, 1000, 400), -600);
  // Nonsense (reply before request, missing numbers) falls back to "same clock".
  assert.equal(clockOffset(1000, 900, 5_000), 0);
  assert.equal(clockOffset(1000, 1100, Number.NaN), 0);
});
