import assert from "node:assert/strict";
import { test } from "node:test";

import { formatDuration, lengthLabel } from "../src/lib/duration.js";

test("lengths read as m:ss, h:mm:ss from an hour on, rounded to the second", () => {
  assert.equal(formatDuration(7.25), "0:07");
  assert.equal(formatDuration(62), "1:02");
  assert.equal(formatDuration(59.6), "1:00");
  assert.equal(formatDuration(3605), "1:00:05");
  assert.equal(formatDuration(0.4), "0:01");
});

test("no length, or nonsense, gives nothing", () => {
  for (const value of [undefined, null, 0, -3, Number.NaN, Infinity, "7"]) assert.equal(formatDuration(value), "");
});

test("voice and video bubbles are labelled with their length; other types are not", () => {
  assert.equal(lengthLabel("voice", 7.25), "Voice 0:07");
  assert.equal(lengthLabel("video", 62), "Video 1:02");
  assert.equal(lengthLabel("voice", undefined), "");
  assert.equal(lengthLabel("file", 5), "");
});
