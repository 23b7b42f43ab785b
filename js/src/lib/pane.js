// The message pane's redraw plan, free of the DOM so `node --test` covers it. Every row of the pane
// (day separator, notice, bubble) has a key; a drawn row is reused while what it shows holds, so an
// update rebuilds only the rows it changed: an appended message, a bubble that went pending → sent
// or was revoked, the neighbour whose grouping changed. Redrawing the whole window (200 bubbles) on
// each update cost 20-40 ms a time and made 50 messages a second long tasks (docs/frontend.md).
import { layoutMessages, localDay } from "./chat.js";

/** @typedef {import("./chat.js").ChatMessage} ChatMessage */
/** @typedef {ReturnType<typeof layoutMessages>[number]} PaneRow */

/**
 * The key of a row: one per day separator, one per message id.
 * @param {PaneRow} row
 */
export function rowKey(row) {
  if (row.kind === "day") return `d:${row.day}`;
  return `${row.kind === "notice" ? "n" : "m"}:${row.msg.id}`;
}

/**
 * What a drawn row showed: its message object (the window keeps the object of an unchanged message
 * and replaces a changed one), whether it opened a group (name and avatar), and an extra `stamp` for
 * state kept beside the message (a file's Download state).
 * @typedef {{msg?: ChatMessage, first?: boolean, stamp: string}} Drawn
 */

/**
 * The state a row is drawn from, to compare with what was drawn.
 * @param {PaneRow} row @param {string} [stamp]
 * @returns {Drawn}
 */
export function drawnOf(row, stamp = "") {
  if (row.kind === "day") return { stamp };
  if (row.kind === "notice") return { msg: row.msg, stamp };
  return { msg: row.msg, first: row.first, stamp };
}

/** Whether a drawn row still shows `next` (same message object, same grouping, same stamp).
 * @param {Drawn} drawn @param {Drawn} next */
export function stillShows(drawn, next) {
  return drawn.msg === next.msg && drawn.first === next.first && drawn.stamp === next.stamp;
}

/**
 * The pane's rows for a window and which of them must be (re)built.
 * @param {Map<string, Drawn>} drawn  what is drawn now, by key
 * @param {ChatMessage[]} messages  the window, in time order
 * @param {(row: PaneRow) => string} [stampOf]  extra state a row's drawing depends on
 * @param {(ms: number) => string} [dayOf]  the local day of a time (default: the browser's zone)
 * @returns {{rows: Array<{key: string, row: PaneRow, state: Drawn, build: boolean}>, gone: string[]}}
 *   rows in display order (`build`: not drawn, or drawn differently); `gone`: drawn keys no longer shown
 */
export function planPane(drawn, messages, stampOf = () => "", dayOf = localDay) {
  const seen = new Set();
  const rows = layoutMessages(messages, dayOf).map((row) => {
    const key = rowKey(row);
    seen.add(key);
    const state = drawnOf(row, stampOf(row));
    const known = drawn.get(key);
    return { key, row, state, build: known === undefined || !stillShows(known, state) };
  });
  const gone = [...drawn.keys()].filter((key) => !seen.has(key));
  return { rows, gone };
}

/** Splits text into what a reader sees as characters (an emoji with its joiners, a flag: one). */
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * The initials shown in an avatar's box until its picture arrives (the room senders' and the
 * conversation list's): the first character of the name as a reader sees it (a whole emoji, flag or
 * CJK character, never half a surrogate pair), "?" for no name.
 * @param {string} name
 */
export function initials(name) {
  const first = GRAPHEMES.segment((name || "").trim())[Symbol.iterator]().next();
  return first.done ? "?" : first.value.segment.toUpperCase();
}
