// The chat widget's view (anywidget contract: export default { render }).
// Decisions live in lib/chat.js and lib/pane.js (tested with node --test); this file builds the DOM
// and wires events.
// Every name, text and file name goes in with textContent; links only http(s), rel="noopener noreferrer";
// no innerHTML anywhere (docs/frontend.md, "Chat widget").
import {
  applyAck, atBottom, badgeText, enterAction, filterConversations, mergeMessages, mergeRows, prependPage,
  pendingMessage, safeHref, sendable, sortConversations, splitMentions, typeLabel, WINDOW,
} from "./lib/chat.js";
import { safeImageUrl } from "./lib/dataurl.js";
import { lengthLabel } from "./lib/duration.js";
import { initials, planPane } from "./lib/pane.js";

/** Types whose bubble shows a picture fetched by the kernel (webwxgetmsgimg), as a data: URL. */
const PICTURED = new Set(["image", "sticker"]);

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/g;

/** @param {string} tag @param {string} cls @param {HTMLElement} [parent] @param {string} [text] */
function make(tag, cls, parent, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.append(node);
  return node;
}

/** Text with its http(s) links as anchors; everything else stays text.
 * @param {HTMLElement} parent @param {string} text */
function appendLinkified(parent, text) {
  let at = 0;
  for (const match of text.matchAll(URL_RE)) {
    const index = match.index ?? 0;
    if (index > at) parent.append(document.createTextNode(text.slice(at, index)));
    const href = safeHref(match[0]);
    if (href) link(parent, href, match[0]);
    else parent.append(document.createTextNode(match[0]));
    at = index + match[0].length;
  }
  if (at < text.length) parent.append(document.createTextNode(text.slice(at)));
}

/** @param {HTMLElement} parent @param {string} href @param {string} label */
function link(parent, href, label) {
  const a = /** @type {HTMLAnchorElement} */ (make("a", "wxnb-chat__link", parent, label));
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

/** Put `nodes` into `parent` in this order, moving only those out of place; every other child goes.
 * A child that is not wanted is removed when the walk reaches it: left in place, it would stand in
 * front of every later node and make each one move (a rebuilt list item did: 1,000 moves and a full
 * relayout per update).
 * @param {HTMLElement} parent @param {Node[]} nodes */
function placeInOrder(parent, nodes) {
  const wanted = new Set(nodes);
  let cursor = parent.firstChild;
  for (const node of nodes) {
    while (cursor && !wanted.has(cursor)) {
      const stale = cursor;
      cursor = cursor.nextSibling;
      stale.remove();
    }
    if (node === cursor) cursor = cursor.nextSibling;
    else parent.insertBefore(node, cursor);
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
}

/** A bubble's full time, on hover (one formatter: toLocaleString() builds one per call). */
const FULL_TIME = new Intl.DateTimeFormat([], {
  year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
});

/** @param {number} ms */
function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** @param {number} ms */
function shortWhen(ms) {
  if (!ms) return "";
  const d = new Date(ms);
  const now = new Date();
  return d.toDateString() === now.toDateString() ? clock(ms) : d.toLocaleDateString([], { month: "numeric", day: "numeric" });
}

/** @param {string} day YYYY-MM-DD */
function dayLabel(day) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d).toLocaleDateString([], { year: "numeric", month: "long", day: "numeric", weekday: "short" });
}

function newCid() {
  return `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

/** The body of one bubble, by type.
 * @param {HTMLElement} bubble @param {import("./lib/chat.js").ChatMessage} msg
 * @param {(msg: import("./lib/chat.js").ChatMessage) => string} picture  its data: URL, "" until known
 * @param {(bubble: HTMLElement, msg: import("./lib/chat.js").ChatMessage) => void} [download]  draws a file's Download
 * @param {string} [me]  the account's name: its @mentions are marked */
function fillBubble(bubble, msg, picture, download, me = "") {
  bubble.dataset.type = msg.type;
  if (msg.revoked) {
    bubble.classList.add("wxnb-chat__bubble--revoked");
    make("span", "wxnb-chat__label", bubble, "Recalled");
    if (msg.text) make("span", "wxnb-chat__text", bubble, ` ${msg.text}`);
    return;
  }
  if (msg.type === "text") {
    const text = make("span", "wxnb-chat__text", bubble);
    for (const piece of splitMentions(msg.text, msg.self ? "" : me)) {
      if (piece.mention) make("mark", "wxnb-chat__mention", text, piece.text);
      else appendLinkified(text, piece.text);
    }
    return;
  }
  // Voice and video with their length ("Voice 0:07"), as the phone shows them.
  make("span", "wxnb-chat__label", bubble, lengthLabel(msg.type, msg.dur) || typeLabel(msg.type));
  if (PICTURED.has(msg.type)) {
    // A fixed frame: the picture arriving later never moves the messages below it.
    const frame = make("div", "wxnb-chat__pic", bubble);
    const img = /** @type {HTMLImageElement} */ (make("img", "wxnb-chat__img", frame));
    img.alt = typeLabel(msg.type);
    img.dataset.pic = msg.id;
    const url = safeImageUrl(picture(msg));
    if (url) img.src = url;
    else img.hidden = true;
    return;
  }
  if (msg.type === "link") {
    const href = safeHref(msg.url);
    const title = msg.text || msg.url || "";
    if (href) link(bubble, href, title);
    else make("span", "wxnb-chat__text", bubble, title);
    return;
  }
  if (msg.type === "file") {
    make("span", "wxnb-chat__file", bubble, msg.file || msg.text || "file");
    if (!msg.status && download) download(bubble, msg);
    return;
  }
  const detail = msg.file || msg.text;
  if (detail) make("span", "wxnb-chat__text", bubble, detail);
}

/** @param {{ model: any, el: HTMLElement }} ctx */
function render({ model, el }) {
  const root = make("div", "wxnb-chat");
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "WeChat chat");
  const side = make("div", "wxnb-chat__side", root);
  const search = /** @type {HTMLInputElement} */ (make("input", "wxnb-chat__search", side));
  search.type = "search";
  search.placeholder = "Search";
  search.setAttribute("aria-label", "Search conversations");
  const list = make("div", "wxnb-chat__list", side);
  list.setAttribute("role", "listbox");
  const pane = make("div", "wxnb-chat__pane", root);
  const header = make("div", "wxnb-chat__header", pane);
  const scroller = make("div", "wxnb-chat__scroller", pane);
  const earlierButton = /** @type {HTMLButtonElement} */ (make("button", "wxnb-chat__earlier", scroller, "Load earlier messages"));
  const rowsBox = make("div", "wxnb-chat__rows", scroller);
  rowsBox.setAttribute("role", "log");
  const newButton = /** @type {HTMLButtonElement} */ (make("button", "wxnb-chat__new", pane));
  newButton.hidden = true;
  const composer = make("div", "wxnb-chat__composer", pane);
  const input = /** @type {HTMLTextAreaElement} */ (make("textarea", "wxnb-chat__input", composer));
  input.rows = 2;
  input.placeholder = "Message (Enter to send, Shift+Enter for a new line)";
  input.setAttribute("aria-label", "Message");
  const sendButton = /** @type {HTMLButtonElement} */ (make("button", "wxnb-chat__send", composer, "Send"));
  el.append(root);

  /** @type {import("./lib/chat.js").ChatMessage[]} */
  let window = [];
  let openChat = "";
  let cursor = ""; // the conversation the keyboard last asked for
  let hasEarlier = false;
  let unseen = 0;
  let lastCompositionEnd = -Infinity;
  let frame = 0;
  let keepFromBottom = /** @type {number | null} */ (null);
  /** @type {import("./lib/chat.js").Conversation[]} */
  let shown = [];
  /** The list: the trait, then rows updated by "rows" messages. @type {import("./lib/chat.js").Conversation[]} */
  let convs = model.get("conversations") || [];
  /** @type {Map<string, string>} msg id -> data: URL ("" when the kernel has none) */
  const pictures = new Map();

  /** @type {Map<string, string>} msg id -> what its Download says ("" while saving) */
  const downloads = new Map();

  /** A file's Download button, or what became of it (saved where, or why not).
   * @param {HTMLElement} bubble @param {import("./lib/chat.js").ChatMessage} msg */
  function downloadControl(bubble, msg) {
    const said = downloads.get(msg.id);
    if (said !== undefined) {
      make("div", "wxnb-chat__download-state", bubble, said || "Saving…");
      return;
    }
    const button = make("button", "wxnb-chat__download", bubble, "Download");
    button.addEventListener("click", () => {
      downloads.set(msg.id, "");
      model.send({ type: "download", chat: openChat, id: msg.id });
      schedule();
    });
  }

  /** @param {import("./lib/chat.js").ChatMessage} msg */
  function picture(msg) {
    const known = pictures.get(msg.id);
    if (known !== undefined) return known;
    pictures.set(msg.id, ""); // asked once per view
    model.send({ type: "media", chat: openChat, id: msg.id });
    return "";
  }

  /** @type {Map<string, string>} sender UserName -> avatar data: URL ("" until known, or none) */
  const avatars = new Map();

  /** @param {string} sender */
  function avatarOf(sender) {
    const known = avatars.get(sender);
    if (known !== undefined) return known;
    avatars.set(sender, ""); // asked once per view; the kernel caches it per sender
    if (sender) model.send({ type: "avatar", chat: openChat, sender });
    return "";
  }

  /** A sender's avatar in a room: a fixed-size box (a late picture never moves the list) showing
   * initials until the kernel sends the picture.
   * @param {HTMLElement} line @param {import("./lib/chat.js").ChatMessage} msg */
  function avatarBox(line, msg) {
    const box = make("div", "wxnb-chat__face", line);
    box.setAttribute("aria-hidden", "true");
    make("span", "wxnb-chat__face-initials", box, initials(msg.name || msg.sender));
    const img = /** @type {HTMLImageElement} */ (make("img", "wxnb-chat__face-img", box));
    img.alt = "";
    img.dataset.avatar = msg.sender;
    img.hidden = true;
    const url = safeImageUrl(avatarOf(msg.sender));
    if (url) showFace(img, url);
  }

  /** An avatar box's picture arrived: it replaces the initials.
   * @param {HTMLImageElement} img @param {string} url  a checked data: URL */
  function showFace(img, url) {
    img.src = url;
    img.hidden = false;
    const letters = img.previousElementSibling;
    if (letters instanceof HTMLElement) letters.hidden = true;
  }

  const conversationOf = (/** @type {string} */ id) =>
    convs.find((c) => c.id === id);

  /** Drawn list items by conversation id, reused while their row, selection and time label hold. */
  const items = new Map();

  function drawItem(/** @type {import("./lib/chat.js").Conversation} */ c, /** @type {string} */ when) {
    const item = document.createElement("div");
    item.className = "wxnb-chat__item";
    item.setAttribute("role", "option");
    item.dataset.id = c.id;
    item.dataset.kind = c.kind;
    if (c.id === openChat) item.setAttribute("aria-selected", "true");
    if (c.pinned) item.classList.add("wxnb-chat__item--pinned");
    make("div", "wxnb-chat__avatar", item, initials(c.name)); // never half an emoji
    const body = make("div", "wxnb-chat__item-body", item);
    const top = make("div", "wxnb-chat__item-top", body);
    make("span", "wxnb-chat__name", top, c.name);
    make("span", "wxnb-chat__when", top, when);
    const bottom = make("div", "wxnb-chat__item-bottom", body);
    make("span", "wxnb-chat__preview", bottom, c.preview ?? "");
    const badge = badgeText(c.unread);
    if (badge) make("span", `wxnb-chat__badge${c.muted ? " wxnb-chat__badge--muted" : ""}`, bottom, badge);
    item.addEventListener("click", () => open(c.id));
    return item;
  }

  // A "rows" message changes a few conversations of maybe a thousand: rebuilding every item (and
  // laying the list out again) took 110-160 ms at 1,000, ten times a second under live traffic. Only
  // changed items are rebuilt, and items are moved only where the order changed.
  function drawList() {
    const all = sortConversations(convs);
    shown = filterConversations(all, search.value);
    const today = new Date().toDateString(); // a time label changes only with its row or the day
    const nodes = shown.map((c) => {
      const selected = c.id === openChat;
      const known = items.get(c.id);
      if (known && known.conv === c && known.today === today && known.selected === selected) return known.node;
      const node = drawItem(c, shortWhen(c.last_ms ?? 0));
      items.set(c.id, { conv: c, today, selected, node });
      return node;
    });
    placeInOrder(list, nodes);
    if (items.size > 2 * convs.length + 64) {
      const live = new Set(convs.map((c) => c.id));
      for (const id of items.keys()) if (!live.has(id)) items.delete(id);
    }
  }

  function drawHeader() {
    const c = conversationOf(openChat);
    header.textContent = c ? c.name : openChat ? "" : "Choose a conversation";
  }

  /** Drawn pane rows by key (lib/pane.js rowKey): node and what it shows. */
  const drawn = new Map();
  /** The room flag and name the drawn bubbles were made with (a change redraws them all). */
  let drawnFor = "";

  /** A file's Download state is drawn in its bubble: it changes the bubble.
   * @param {import("./lib/pane.js").PaneRow} row */
  function stampOf(row) {
    return row.kind === "bubble" && row.msg.type === "file" ? downloads.get(row.msg.id) ?? "-" : "";
  }

  /** One row of the pane, built from scratch.
   * @param {import("./lib/pane.js").PaneRow} row @param {boolean} room @param {string} me */
  function buildRow(row, room, me) {
    if (row.kind === "day") return make("div", "wxnb-chat__day", undefined, dayLabel(row.day));
    if (row.kind === "notice") {
      const notice = make("div", "wxnb-chat__notice", undefined, row.msg.text);
      notice.dataset.type = row.msg.type;
      return notice;
    }
    const { msg } = row;
    const line = make("div", `wxnb-chat__msg ${msg.self ? "wxnb-chat__msg--self" : "wxnb-chat__msg--other"}`);
    line.dataset.id = msg.id;
    if (row.first) line.classList.add("wxnb-chat__msg--first");
    if (room && !msg.self) {
      line.classList.add("wxnb-chat__msg--avatared");
      if (row.first) {
        avatarBox(line, msg);
        make("div", "wxnb-chat__sender", line, msg.name || msg.sender);
      }
    }
    const bubble = make("div", "wxnb-chat__bubble", line);
    bubble.title = FULL_TIME.format(msg.t);
    fillBubble(bubble, msg, picture, downloadControl, room ? me : "");
    if (msg.status === "pending") make("span", "wxnb-chat__status", line, "Sending…");
    if (msg.status === "failed") {
      const failed = make("span", "wxnb-chat__status wxnb-chat__status--failed", line, `Not sent: ${msg.error ?? ""} `);
      const retry = make("button", "wxnb-chat__retry", failed, "Retry");
      retry.addEventListener("click", () => resend(msg));
    }
    return line;
  }

  // Keyed: an update builds only the rows it changed (new, changed or regrouped messages) and moves
  // nothing else; the old way rebuilt up to 200 bubbles per update (see lib/pane.js).
  function drawRows() {
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    const follow = keepFromBottom === null && atBottom(scroller);
    const fromBottom = keepFromBottom;
    const room = (conversationOf(openChat)?.kind ?? "") === "room";
    const me = room ? model.get("me") || "" : "";
    const context = `${room}\u0000${me}`;
    if (context !== drawnFor) {
      drawn.clear(); // other names to mark, or bubbles with or without avatars: all drawn anew
      drawnFor = context;
    }
    const plan = planPane(drawn, window, stampOf);
    for (const key of plan.gone) drawn.delete(key); // their nodes go in placeInOrder
    const nodes = plan.rows.map(({ key, row, state, build }) => {
      if (!build) return drawn.get(key).node;
      const node = buildRow(row, room, me); // a changed row's old node goes in placeInOrder
      drawn.set(key, { ...state, node });
      return node;
    });
    placeInOrder(rowsBox, nodes);
    earlierButton.hidden = !hasEarlier;
    if (fromBottom !== null) {
      scroller.scrollTop = scroller.scrollHeight - fromBottom; // load earlier: the view stays put
      keepFromBottom = null;
    } else if (follow) {
      scroller.scrollTop = scroller.scrollHeight;
      unseen = 0;
    }
    newButton.hidden = unseen === 0;
    newButton.textContent = `${unseen} new message${unseen === 1 ? "" : "s"}`;
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(drawRows);
  }

  // Row updates are drawn just after the next paint, at most once a frame: the pane (a message
  // arriving, a bubble turning sent) is painted first, and a burst of rows costs one list redraw.
  let listFrame = 0;
  let listTimer = 0;
  function scheduleList() {
    if (listFrame || listTimer) return;
    listFrame = requestAnimationFrame(() => {
      listFrame = 0;
      listTimer = setTimeout(() => {
        listTimer = 0;
        drawList();
        drawHeader();
      }, 0);
    });
  }

  /** @param {string} id */
  function open(id) {
    if (id !== openChat) model.send({ type: "open", chat: id });
  }

  function fromTraits() {
    const chat = model.get("open_chat") || "";
    cursor = chat;
    const pending = chat === openChat ? window.filter((m) => m.status === "pending" || m.status === "failed") : [];
    openChat = chat;
    window = mergeMessages(model.get("window") || [], pending);
    hasEarlier = Boolean(model.get("has_earlier"));
    unseen = 0;
    root.classList.toggle("wxnb-chat--single", Boolean(model.get("single")));
    drawHeader();
    drawList();
    keepFromBottom = null;
    scroller.scrollTop = scroller.scrollHeight;
    drawRows();
    scroller.scrollTop = scroller.scrollHeight;
  }

  function send() {
    const text = input.value;
    if (!openChat || !sendable(text)) return;
    const cid = newCid();
    model.send({ type: "send", chat: openChat, text, cid }); // first: the bubble is drawn while it travels
    window = mergeMessages(window, [pendingMessage(cid, text, Date.now())]);
    input.value = "";
    scroller.scrollTop = scroller.scrollHeight;
    drawRows();
    scroller.scrollTop = scroller.scrollHeight;
  }

  /** @param {import("./lib/chat.js").ChatMessage} msg */
  function resend(msg) {
    const cid = newCid();
    window = window.map((m) => (m.cid === msg.cid ? { ...m, cid, status: "pending", error: undefined } : m));
    drawRows();
    model.send({ type: "send", chat: openChat, text: msg.text, cid });
  }

  /** @param {any} content */
  function onCustom(content) {
    if (!content || typeof content !== "object") return;
    if (content.type === "media") {
      const url = safeImageUrl(content.url);
      pictures.set(String(content.id), url);
      for (const img of rowsBox.querySelectorAll("img[data-pic]")) {
        const image = /** @type {HTMLImageElement} */ (img);
        if (image.dataset.pic === content.id && url) {
          image.src = url;
          image.hidden = false;
        }
      }
      return;
    }
    if (content.type === "avatar") {
      const url = safeImageUrl(content.url);
      avatars.set(String(content.sender), url);
      if (!url) return;
      for (const node of rowsBox.querySelectorAll("img.wxnb-chat__face-img")) {
        const img = /** @type {HTMLImageElement} */ (node);
        if (img.dataset.avatar === content.sender) showFace(img, url);
      }
      return;
    }
    if (content.type === "download") {
      downloads.set(String(content.id), content.path ? `Saved to ${content.path}` : `Not saved: ${content.error ?? ""}`);
      schedule();
      return;
    }
    if (content.type === "rows") {
      convs = mergeRows(convs, content.rows || []);
      scheduleList();
      return;
    }
    if (content.type === "ack") {
      window = applyAck(window, content);
      drawRows(); // at once: a settled send is what the person waits for (one bubble redrawn)
      return;
    }
    if (content.type === "window" && Array.isArray(content.conversations)) {
      convs = content.conversations; // the list as it is now, for a view drawn after updates
      drawList();
      drawHeader();
    }
    if (content.chat !== openChat) return;
    if (content.type === "append") {
      const following = atBottom(scroller);
      const ids = new Set(window.map((m) => m.id));
      const fresh = (content.messages || []).filter((/** @type {any} */ m) => !ids.has(m.id)).length;
      // Following the bottom, the page keeps one window (older ones come back with "load earlier");
      // a reader scrolled up keeps everything, so nothing moves under them.
      const all = mergeMessages(window, content.messages || []);
      window = following && all.length > WINDOW ? all.slice(all.length - WINDOW) : all;
      if (window.length < all.length) hasEarlier = true;
      if (!following) unseen += fresh;
      // The echo of a pending send turns its bubble sent: drawn at once, like an ack. Other news
      // waits for the next frame, so a burst is drawn once.
      if ((content.messages || []).some((/** @type {any} */ m) => m.self)) drawRows();
      else schedule();
    } else if (content.type === "earlier") {
      keepFromBottom = scroller.scrollHeight - scroller.scrollTop;
      window = prependPage(window, content.messages || []);
      hasEarlier = Boolean(content.has_earlier);
      schedule();
    } else if (content.type === "window") {
      window = mergeMessages(window, content.messages || []);
      schedule();
    }
  }

  input.addEventListener("compositionend", () => {
    lastCompositionEnd = performance.now();
  });
  input.addEventListener("keydown", (event) => {
    const action = enterAction(event, performance.now(), lastCompositionEnd);
    if (action === "send" || action === "ignore") {
      if (action === "send") event.preventDefault();
      if (action === "send") send();
    }
  });
  sendButton.addEventListener("click", send);
  earlierButton.addEventListener("click", () => {
    const oldest = window.find((m) => !m.status || m.status === "sent");
    model.send({ type: "earlier", chat: openChat, before: oldest ? oldest.id : "" });
  });
  newButton.addEventListener("click", () => {
    scroller.scrollTop = scroller.scrollHeight;
    unseen = 0;
    newButton.hidden = true;
  });
  scroller.addEventListener("scroll", () => {
    if (unseen && atBottom(scroller)) {
      unseen = 0;
      newButton.hidden = true;
    }
  });
  search.addEventListener("input", drawList);
  root.addEventListener("keydown", (event) => {
    if (event.target === input) return;
    if (event.key === "Escape" && search.value) {
      search.value = "";
      drawList();
      return;
    }
    const move = event.key === "ArrowDown" || (event.ctrlKey && event.key === "k") ? 1 : event.key === "ArrowUp" ? -1 : 0;
    if (!move || shown.length === 0) return;
    event.preventDefault();
    // From the last one asked for: quick presses move on before the kernel has opened it.
    const at = shown.findIndex((c) => c.id === (cursor || openChat));
    const next = shown[(at + move + shown.length) % shown.length];
    if (next) {
      cursor = next.id;
      open(next.id);
    }
  });

  model.on("change:conversations", () => {
    convs = model.get("conversations") || [];
    drawList();
    drawHeader();
  });
  model.on("change:open_chat", fromTraits);
  model.on("change:window", fromTraits);
  model.on("change:has_earlier", () => {
    hasEarlier = Boolean(model.get("has_earlier"));
    earlierButton.hidden = !hasEarlier;
  });
  model.on("change:single", fromTraits);
  model.on("change:me", () => drawRows());
  model.on("msg:custom", onCustom);
  fromTraits();
  model.send({ type: "hello" });

  return () => {
    if (frame) cancelAnimationFrame(frame);
    if (listFrame) cancelAnimationFrame(listFrame);
    if (listTimer) clearTimeout(listTimer);
    model.off("msg:custom", onCustom);
  };
}

export default { render };
