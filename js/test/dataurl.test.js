import { test } from "node:test";
import assert from "node:assert/strict";
import { isImageDataUrl, safeImageUrl } from "../src/lib/dataurl.js";

test("only base64 image data URLs pass", () => {
  assert.ok(isImageDataUrl("data:image/svg+xml;base64,PHN2Zz4="));
  assert.ok(isImageDataUrl("data:image/jpeg;base64,/9j/4AAQ"));
  assert.ok(isImageDataUrl("data:image/png;base64,iVBORw0KGgo="));
  for (const bad of [
    "",
    "https://example.com/a.png",
    "javascript:alert(1)",
    "data:img/jpg;base64,/9j/4AAQ", // the 201 reply's form: Python normalises it first
    "data:text/html;base64,PGI+",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "data:image/png;base64,abc def",
    'data:image/png;base64,abc" onerror="x',
    null,
    42,
  ]) {
    assert.equal(isImageDataUrl(bad), false, String(bad));
    assert.equal(safeImageUrl(bad), "");
  }
});
