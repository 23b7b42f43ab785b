// The chat widget's decisions, free of the DOM so `node --test` covers them: the conversation list
// (order, search, unread), the message window (merging appends, earlier pages, pending sends and
// their echoes), grouping and day separators, the composer's Enter rule, and scroll-following.

/** A message of the window, as the kernel sends it (docs/frontend.md, "Chat widget").
 * @typedef {{id: string, t: number, sender: string, name: string, self: boolean, type: string,
 *   text: string, url?: string, file?: string, revoked?: boolean, status?: string, cid?: string,
 *   error?: string}} ChatMessage
 * @typedef {{id: string, name: string, kind: string, remark?: string, alias?: string,
 *   pinned?: boolean, muted?: boolean, unread?: number, last_ms?: number, preview?: string}} Conversation
 */

/** Messages drawn centred, as notices, not as bubbles. */
export const NOTICE_TYPES = new Set(["system", "revoke", "status"]);

/** Consecutive messages of one sender closer than this are one group (one name, one avatar). */
export const GROUP_GAP_MS = 5 * 60 * 1000;

/** An Enter this soon after `compositionend` belongs to the input method (Safari's order). */
export const IME_GRACE_MS = 50;

/** Messages the page keeps while following the bottom (the kernel's window, ChatWidget.window_size). */
export const WINDOW = 200;

/** The reader "is at the bottom" within this many pixels. */
export const FOLLOW_SLACK_PX = 8;

/**
 * Pinned first, then the latest activity first, then by name (a stable, total order).
 * @param {Conversation[]} list
 * @returns {Conversation[]}
 */
export function sortConversations(list) {
  return [...list].sort(
    (a, b) =>
      Number(Boolean(b.pinned)) - Number(Boolean(a.pinned)) ||
      (b.last_ms ?? 0) - (a.last_ms ?? 0) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/**
 * The list after some rows changed: a row replaces the one of its id, new ids are added.
 * @param {Conversation[]} list @param {Conversation[]} rows
 * @returns {Conversation[]}
 */
export function mergeRows(list, rows) {
  const changed = new Map(rows.map((r) => [r.id, r]));
  const out = list.map((c) => {
    const row = changed.get(c.id);
    if (row === undefined) return c;
    changed.delete(c.id);
    return row;
  });
  return [...out, ...changed.values()];
}

/**
 * The conversations whose name, remark or alias contains `query` (case-insensitive); all for "".
 * @param {Conversation[]} list
 * @param {string} query
 */
export function filterConversations(list, query) {
  const q = query.trim().toLowerCase();
  if (q === "") return list;
  return list.filter((c) =>
    [c.name, c.remark ?? "", c.alias ?? ""].some((field) => field.toLowerCase().includes(q)),
  );
}

/** Unread messages over all conversations (muted ones are not counted, as on the phone).
 * @param {Conversation[]} list */
export function totalUnread(list) {
  return list.reduce((sum, c) => sum + (c.muted ? 0 : Math.max(0, c.unread ?? 0)), 0);
}

/** "99+" above 99, "" for none.
 * @param {number | undefined} n */
export function badgeText(n) {
  if (!n || n <= 0) return "";
  return n > 99 ? "99+" : String(n);
}

/**
 * What Enter in the composer does: "send", "newline" (Shift+Enter: the browser inserts it) or
 * "ignore" (an input method is composing, or just finished: the Enter picked a candidate).
 * @param {{key: string, shiftKey?: boolean, isComposing?: boolean, keyCode?: number}} event
 * @param {number} now  performance.now() of the keydown
 * @param {number} lastCompositionEnd  performance.now() of the last compositionend (-Infinity: none)
 * @returns {"send" | "newline" | "ignore" | "other"}
 */
export function enterAction(event, now, lastCompositionEnd) {
  if (event.key !== "Enter" && event.keyCode !== 229) return "other";
  if (event.isComposing || event.keyCode === 229) return "ignore";
  if (now - lastCompositionEnd < IME_GRACE_MS) return "ignore";
  if (event.key !== "Enter") return "other";
  return event.shiftKey ? "newline" : "send";
}

/** Text worth sending: not empty, not only spaces and newlines.
 * @param {string} text */
export function sendable(text) {
  return text.trim() !== "";
}

/** The local calendar day of a time (for separators); YYYY-MM-DD.
 * @param {number} ms */
export function localDay(ms) {
  const d = new Date(ms);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * The pane's rows: day separators, centred notices and bubbles, with `first`/`last` marking where a
 * group of one sender's consecutive messages starts and ends (the name shows on the first only).
 * @param {ChatMessage[]} messages  in time order
 * @param {(ms: number) => string} [dayOf]  the local day of a time (default: the browser's zone)
 * @returns {Array<{kind: "day", day: string} | {kind: "notice", msg: ChatMessage} |
 *   {kind: "bubble", msg: ChatMessage, first: boolean, last: boolean}>}
 */
export function layoutMessages(messages, dayOf = localDay) {
  /** @type {any[]} */
  const rows = [];
  let day = "";
  /** @type {any} */
  let previous = null; // the last bubble row of the current group, or null after a break
  for (const msg of messages) {
    const d = dayOf(msg.t);
    if (d !== day) {
      rows.push({ kind: "day", day: d });
      day = d;
      previous = null;
    }
    if (NOTICE_TYPES.has(msg.type)) {
      rows.push({ kind: "notice", msg });
      previous = null;
      continue;
    }
    const joins =
      previous !== null &&
      previous.msg.sender === msg.sender &&
      previous.msg.self === msg.self &&
      msg.t - previous.msg.t < GROUP_GAP_MS;
    if (joins) previous.last = false;
    const row = { kind: "bubble", msg, first: !joins, last: true };
    rows.push(row);
    previous = row;
  }
  return rows;
}

/** Order of the window: time, then arrival (a stable sort keeps equal times as they came).
 * @param {ChatMessage[]} list */
function byTime(list) {
  return list.map((m, i) => [m, i]).sort((a, b) => a[0].t - b[0].t || a[1] - b[1]).map((p) => p[0]);
}

/**
 * The window after `incoming` messages arrive: each id once, in time order, at most `limit` (the
 * oldest go). An own message that echoes a pending send (same text, not yet with an id from the
 * server) takes the pending bubble's place instead of adding one.
 * @param {ChatMessage[]} window
 * @param {ChatMessage[]} incoming
 * @param {number} [limit]
 * @returns {ChatMessage[]}
 */
export function mergeMessages(window, incoming, limit = Infinity) {
  const out = [...window];
  const index = new Map(out.map((m, i) => [m.id, i]));
  for (const msg of incoming) {
    const at = index.get(msg.id);
    if (at !== undefined) {
      out[at] = { ...out[at], ...msg, status: out[at].status === "pending" ? "sent" : msg.status };
      continue;
    }
    if (msg.self) {
      const pending = out.findIndex((m) => m.status === "pending" && m.self && m.text === msg.text);
      if (pending >= 0) {
        index.delete(out[pending].id);
        out[pending] = { ...msg, cid: out[pending].cid, status: "sent" };
        index.set(msg.id, pending);
        continue;
      }
    }
    index.set(msg.id, out.length);
    out.push(msg);
  }
  const sorted = byTime(out);
  return sorted.length > limit ? sorted.slice(sorted.length - limit) : sorted;
}

/**
 * The window after a page of earlier messages (load earlier) arrives: the page goes above, each id
 * once. The page's messages precede the window's even where their times tie (CreateTime counts
 * seconds, so a burst shares one), which a merge by time alone would put below.
 * @param {ChatMessage[]} window
 * @param {ChatMessage[]} page  in time order, all older than the window's oldest
 * @returns {ChatMessage[]}
 */
export function prependPage(window, page) {
  const held = new Set(window.map((m) => m.id));
  return byTime([...page.filter((m) => !held.has(m.id)), ...window]);
}

/**
 * A send acknowledged: the pending bubble of client id `cid` becomes sent (with the server's id) or
 * failed (with the error). When the echo got there first the bubble is already sent: nothing doubles.
 * @param {ChatMessage[]} window
 * @param {{cid: string, ok: boolean, msg_id?: string, error?: string}} ack
 */
export function applyAck(window, ack) {
  const at = window.findIndex((m) => m.cid === ack.cid);
  if (at < 0) return window;
  const out = [...window];
  const bubble = out[at];
  if (ack.ok) {
    const id = ack.msg_id ?? bubble.id;
    const echoed = out.findIndex((m, i) => i !== at && m.id === id);
    if (echoed >= 0) {
      out.splice(at, 1); // the echo already drew it
      return out;
    }
    if (bubble.status === "sent" && bubble.id === id) return window; // the echo settled it: unchanged
    out[at] = { ...bubble, id, status: "sent", error: undefined };
  } else if (bubble.status === "pending") {
    out[at] = { ...bubble, status: "failed", error: ack.error ?? "not sent" };
  }
  return out;
}

/**
 * A pending bubble for a send (drawn at once; the ack or the echo settles it).
 * @param {string} cid @param {string} text @param {number} now
 * @returns {ChatMessage}
 */
export function pendingMessage(cid, text, now) {
  return { id: `pending:${cid}`, cid, t: now, sender: "", name: "", self: true, type: "text", text, status: "pending" };
}

/**
 * Whether new content should scroll the pane down: only when the reader is at the bottom already.
 * @param {{scrollTop: number, scrollHeight: number, clientHeight: number}} pane
 */
export function atBottom(pane, slack = FOLLOW_SLACK_PX) {
  return pane.scrollHeight - pane.scrollTop - pane.clientHeight <= slack;
}

/** A link's address if it may be opened (http or https only), else null.
 * @param {string | undefined} url */
export function safeHref(url) {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Bytes as people read them: "0 B", "12.3 KB", "4.0 MB".
 * @param {number} n */
export function formatSize(n) {
  if (!(n >= 0)) return "";
  const units = ["B", "KB", "MB", "GB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const LABELS = /** @type {Record<string, string>} */ ({
  image: "[Photo]", voice: "[Voice]", video: "[Video]", sticker: "[Sticker]", link: "[Link]",
  file: "[File]", location: "[Location]", live_location: "[Live location]", card: "[Contact card]",
  friend_request: "[Friend request]", possible_friend: "[Friend suggestion]", transfer: "[Transfer]",
  red_packet: "[Red packet]", mini_program: "[Mini program]", app: "[App message]", voip: "[Call]",
  unknown: "[Message]",
});

/** The label of a non-text type ("[Photo]"), "" for text and notices.
 * @param {string} type */
export function typeLabel(type) {
  return LABELS[type] ?? (type === "text" || NOTICE_TYPES.has(type) ? "" : "[Message]");
}

/** The one-line preview of a message in the conversation list.
 * @param {ChatMessage} msg @param {boolean} inRoom */
export function previewOf(msg, inRoom) {
  if (msg.revoked) return "[Revoked]";
  const label = typeLabel(msg.type);
  const body = label ? `${label}${msg.file || msg.text ? " " + (msg.file || msg.text) : ""}` : msg.text;
  const line = body.replace(/\s+/g, " ").trim();
  return inRoom && !msg.self && msg.name && !NOTICE_TYPES.has(msg.type) ? `${msg.name}: ${line}` : line;
}

/**
 * `text` cut into pieces, the @mentions of `name` marked (WeChat writes "@Name" then U+2005; a
 * space, a newline or the end also close one). No name: one plain piece.
 * @param {string} text @param {string} name
 * @returns {Array<{text: string, mention: boolean}>}
 */
export function splitMentions(text, name) {
  if (!name) return [{ text, mention: false }];
  const tag = `@${name}`;
  /** @type {Array<{text: string, mention: boolean}>} */
  const pieces = [];
  let from = 0;
  let at = text.indexOf(tag);
  while (at >= 0) {
    const next = text.charAt(at + tag.length);
    if (next === "" || next === "\u2005" || next === " " || next === "\n") {
      if (at > from) pieces.push({ text: text.slice(from, at), mention: false });
      pieces.push({ text: tag, mention: true });
      from = at + tag.length;
    }
    at = text.indexOf(tag, at + tag.length);
  }
  if (from < text.length) pieces.push({ text: text.slice(from), mention: false });
  return pieces.length ? pieces : [{ text, mention: false }];
}
