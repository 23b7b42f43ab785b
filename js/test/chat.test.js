import { test } from "node:test";
import assert from "node:assert/strict";
import {
  applyAck, atBottom, badgeText, enterAction, filterConversations, layoutMessages, mergeMessages,
  pendingMessage, prependPage, previewOf, safeHref, sendable, sortConversations, totalUnread, typeLabel,
  GROUP_GAP_MS, IME_GRACE_MS,
} from "../src/lib/chat.js";

const T = 1_700_000_000_000;
const utcDay = (/** @type {number} */ ms) => new Date(ms).toISOString().slice(0, 10);
const msg = (id, t, extra = {}) => ({ id, t, sender: "@a", name: "Ann", self: false, type: "text", text: id, ...extra });

test("conversations: pinned first, then latest activity, then name", () => {
  const list = [
    { id: "a", name: "Ann", kind: "person", last_ms: 10 },
    { id: "b", name: "Bob", kind: "person", last_ms: 30 },
    { id: "c", name: "Club", kind: "room", last_ms: 5, pinned: true },
    { id: "d", name: "Dan", kind: "person", last_ms: 30 },
  ];
  assert.deepEqual(sortConversations(list).map((c) => c.id), ["c", "b", "d", "a"]);
  assert.deepEqual(list.map((c) => c.id), ["a", "b", "c", "d"]); // the input is not changed
});

test("search matches name, remark and alias, case-insensitively; an empty query keeps all", () => {
  const list = [
    { id: "a", name: "Annie", kind: "person", remark: "", alias: "ann_wx" },
    { id: "b", name: "老王", kind: "person", remark: "Wang Laoshi" },
    { id: "c", name: "Club", kind: "room" },
  ];
  assert.deepEqual(filterConversations(list, "ANN").map((c) => c.id), ["a"]);
  assert.deepEqual(filterConversations(list, "wang").map((c) => c.id), ["b"]);
  assert.deepEqual(filterConversations(list, "_wx").map((c) => c.id), ["a"]);
  assert.equal(filterConversations(list, "  ").length, 3);
});

test("unread counts add up, muted ones aside; badges cap at 99+", () => {
  const list = [{ unread: 3 }, { unread: 120, muted: true }, { unread: 0 }, {}];
  assert.equal(totalUnread(/** @type {any} */ (list)), 3);
  assert.deepEqual([0, 1, 99, 100].map(badgeText), ["", "1", "99", "99+"]);
});

test("Enter sends, Shift+Enter is a newline, and an input method's Enter never sends", () => {
  const none = -Infinity;
  assert.equal(enterAction({ key: "Enter" }, 1000, none), "send");
  assert.equal(enterAction({ key: "Enter", shiftKey: true }, 1000, none), "newline");
  assert.equal(enterAction({ key: "Enter", isComposing: true }, 1000, none), "ignore");
  assert.equal(enterAction({ key: "Process", keyCode: 229 }, 1000, none), "ignore");
  assert.equal(enterAction({ key: "Enter", keyCode: 229 }, 1000, none), "ignore");
  // Safari: compositionend first, then the keydown of the Enter that picked the candidate.
  assert.equal(enterAction({ key: "Enter" }, 1000 + IME_GRACE_MS - 1, 1000), "ignore");
  assert.equal(enterAction({ key: "Enter" }, 1000 + IME_GRACE_MS + 1, 1000), "send");
  assert.equal(enterAction({ key: "a" }, 1000, none), "other");
  assert.equal(sendable(" \n "), false);
  assert.equal(sendable(" hi "), true);
});

test("a day separator starts each local day; groups break on sender, gap and notices", () => {
  const day2 = T + 24 * 3600 * 1000;
  const rows = layoutMessages(
    [
      msg("1", T),
      msg("2", T + 1000),
      msg("3", T + 2000, { sender: "@b", name: "Bob" }),
      msg("4", T + 2000 + GROUP_GAP_MS, { sender: "@b", name: "Bob" }),
      msg("5", T + 3000 + GROUP_GAP_MS, { type: "revoke", text: "Ann recalled a message" }),
      msg("6", T + 4000 + GROUP_GAP_MS, { sender: "@b", name: "Bob" }),
      msg("7", day2, { sender: "@b", name: "Bob" }),
      msg("8", day2 + 1, { self: true, sender: "@me" }),
    ],
    utcDay,
  );
  const shape = rows.map((r) =>
    r.kind === "day" ? `day ${r.day}` : r.kind === "notice" ? `notice ${r.msg.id}` : `${r.msg.id}${r.first ? "F" : ""}${r.last ? "L" : ""}`,
  );
  assert.deepEqual(shape, [
    `day ${utcDay(T)}`, "1F", "2L", "3FL", "4FL", "notice 5", "6FL", `day ${utcDay(day2)}`, "7FL", "8FL",
  ]);
});

test("merging: each id once, in time order, bounded from the old end", () => {
  const w = mergeMessages([msg("1", 1), msg("3", 3)], [msg("2", 2), msg("3", 3), msg("4", 4)]);
  assert.deepEqual(w.map((m) => m.id), ["1", "2", "3", "4"]);
  assert.deepEqual(mergeMessages(w, [msg("5", 5)], 3).map((m) => m.id), ["3", "4", "5"]);
  // Earlier pages merge the same way (prepended by time).
  assert.deepEqual(mergeMessages(w, [msg("0", 0)]).map((m) => m.id), ["0", "1", "2", "3", "4"]);
  // A revoke marks the message in place.
  assert.equal(mergeMessages(w, [msg("2", 2, { revoked: true })]).find((m) => m.id === "2")?.revoked, true);
});

test("an earlier page goes above the window, even where times tie (a burst within one second)", () => {
  const w = [msg("m3", T), msg("m4", T), msg("m5", T + 1000)];
  const page = [msg("m1", T), msg("m2", T), msg("m3", T)];
  assert.deepEqual(prependPage(w, page).map((m) => m.id), ["m1", "m2", "m3", "m4", "m5"]);
  // An older page by time still sorts by time; the window's own copy of a message is kept.
  const revoked = [msg("m3", T, { revoked: true })];
  assert.equal(prependPage(revoked, [msg("m3", T)])[0].revoked, true);
  assert.deepEqual(prependPage(w, [msg("m0", T - 5000)]).map((m) => m.id), ["m0", "m3", "m4", "m5"]);
});

test("a send: pending, then the echo replaces it (never two bubbles), then the ack changes nothing", () => {
  let w = [msg("1", 1)];
  w = mergeMessages(w, [pendingMessage("c1", "hello", 5)]);
  assert.equal(w.at(-1)?.status, "pending");
  w = mergeMessages(w, [msg("900", 6, { self: true, sender: "@me", text: "hello" })]);
  assert.deepEqual(w.map((m) => [m.id, m.status]), [["1", undefined], ["900", "sent"]]);
  w = applyAck(w, { cid: "c1", ok: true, msg_id: "900" });
  assert.deepEqual(w.map((m) => m.id), ["1", "900"]);
});

test("a send: the ack first, then the echo: still one bubble", () => {
  let w = mergeMessages([], [pendingMessage("c2", "yo", 5)]);
  w = applyAck(w, { cid: "c2", ok: true, msg_id: "901" });
  assert.deepEqual(w.map((m) => [m.id, m.status]), [["901", "sent"]]);
  w = mergeMessages(w, [msg("901", 6, { self: true, text: "yo" })]);
  assert.equal(w.length, 1);
});

test("a failed send is failed with its error, and a retry's pending can succeed", () => {
  let w = mergeMessages([], [pendingMessage("c3", "x", 5)]);
  w = applyAck(w, { cid: "c3", ok: false, error: "rate limited (1205)" });
  assert.deepEqual([w[0].status, w[0].error], ["failed", "rate limited (1205)"]);
  assert.equal(applyAck(w, { cid: "nope", ok: true }), w);
});

test("follow the bottom only when the reader is (nearly) there", () => {
  assert.equal(atBottom({ scrollTop: 592, scrollHeight: 1000, clientHeight: 400 }), true);
  assert.equal(atBottom({ scrollTop: 500, scrollHeight: 1000, clientHeight: 400 }), false);
});

test("links: only http(s); previews and labels", () => {
  assert.equal(safeHref("https://example.com/a?b"), "https://example.com/a?b");
  for (const bad of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>", "vbscript:x", "//evil", "", undefined]) {
    assert.equal(safeHref(bad), null, String(bad));
  }
  assert.equal(typeLabel("image"), "[Photo]");
  assert.equal(typeLabel("text"), "");
  assert.equal(previewOf(msg("1", 1, { text: "a\n b" }), true), "Ann: a b");
  assert.equal(previewOf(msg("1", 1, { type: "file", file: "q.pdf", text: "" }), false), "[File] q.pdf");
  assert.equal(previewOf(msg("1", 1, { revoked: true }), false), "[Revoked]");
});

test("mentions of the account are marked, and only whole ones", async () => {
  const { splitMentions } = await import("../src/lib/chat.js");
  assert.deepEqual(splitMentions("@Ann\u2005see you", "Ann"), [
    { text: "@Ann", mention: true },
    { text: "\u2005see you", mention: false },
  ]);
  assert.deepEqual(splitMentions("hi @Annie and @Ann", "Ann"), [
    { text: "hi @Annie and ", mention: false },
    { text: "@Ann", mention: true },
  ]);
  assert.deepEqual(splitMentions("@Ann", ""), [{ text: "@Ann", mention: false }]);
  assert.deepEqual(splitMentions("", "Ann"), [{ text: "", mention: false }]);
});

test("row updates replace rows by id and add new ones", async () => {
  const { mergeRows } = await import("../src/lib/chat.js");
  const list = [{ id: "a", name: "Ann", kind: "person" }, { id: "b", name: "Bob", kind: "person" }];
  const out = mergeRows(list, [{ id: "b", name: "Bob", kind: "person", unread: 2 }, { id: "c", name: "Cat", kind: "person" }]);
  assert.deepEqual(out.map((c) => [c.id, c.unread]), [["a", undefined], ["b", 2], ["c", undefined]]);
  assert.equal(list[1].unread, undefined); // the input is not changed
});
