// The login widget's view (anywidget contract: export default { initialize, render }).
// All wording and decisions live in lib/view.js; this file builds the DOM once and copies the
// description into it. Text goes in with textContent, images only from data: URLs (DESIGN.md).
import { describe } from "./lib/view.js";
import { ClockEstimate, linkState } from "./lib/time.js";

// `qr` is not among them: it arrives as a {"type": "qr"} message, so saved widget state never has it.
const TRAITS = ["phase", "expires_at", "avatar", "message", "hint", "status"];
const TICK_MS = 1000;

/**
 * @param {string} tag
 * @param {string} cls
 * @param {HTMLElement} [parent]
 */
function make(tag, cls, parent) {
  const node = document.createElement(tag);
  node.className = cls;
  if (parent) parent.append(node);
  return node;
}

/** @param {HTMLElement} node @param {string} value */
function setText(node, value) {
  if (node.textContent !== value) node.textContent = value;
  node.hidden = value === "";
}

/** @param {HTMLImageElement} img @param {string} url */
function setImage(img, url) {
  if (url === "") {
    img.removeAttribute("src");
  } else if (img.getAttribute("src") !== url) {
    img.src = url;
  }
  img.hidden = url === "";
}

function build() {
  const root = make("div", "wxnb-login");
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "WeChat login");
  const card = make("div", "wxnb-login__card", root);
  const media = make("div", "wxnb-login__media", card);
  const qrFrame = make("div", "wxnb-login__qr-frame", media);
  const qr = /** @type {HTMLImageElement} */ (make("img", "wxnb-login__qr", qrFrame));
  qr.alt = "WeChat login QR code";
  const avatar = /** @type {HTMLImageElement} */ (make("img", "wxnb-login__avatar", media));
  avatar.alt = "Avatar of the account that scanned";
  const spinner = make("div", "wxnb-login__spinner", media);
  spinner.setAttribute("aria-hidden", "true");
  const mark = make("div", "wxnb-login__mark", media);
  mark.setAttribute("aria-hidden", "true");
  const body = make("div", "wxnb-login__body", card);
  const title = make("div", "wxnb-login__title", body);
  const countdown = make("div", "wxnb-login__countdown", body);
  const message = make("div", "wxnb-login__message", body);
  // Screen readers hear what changes the situation, not the countdown ticking every second.
  for (const node of [title, message]) node.setAttribute("aria-live", "polite");
  const hint = make("div", "wxnb-login__hint", body);
  const button = /** @type {HTMLButtonElement} */ (make("button", "wxnb-login__new-code", body));
  button.type = "button";
  button.textContent = "New code";

  const status = make("div", "wxnb-login__status", root);
  const statusAvatar = /** @type {HTMLImageElement} */ (make("img", "wxnb-login__status-avatar", status));
  statusAvatar.alt = "";
  const statusDot = make("span", "wxnb-login__dot", status);
  statusDot.setAttribute("aria-hidden", "true");
  const statusName = make("span", "wxnb-login__nickname", status);
  const statusCounts = make("span", "wxnb-login__counts", status);
  const statusSync = make("span", "wxnb-login__sync", status);
  const statusState = make("span", "wxnb-login__state", status);
  statusState.setAttribute("aria-live", "polite");
  return {
    root, card, media, qrFrame, qr, avatar, spinner, mark, title, countdown, message, hint, button,
    status, statusAvatar, statusName, statusCounts, statusSync, statusState,
  };
}

/** @param {{ model: any }} _ctx */
function initialize(_ctx) {
  // Nothing per model: each view keeps its own clock offset and timers.
}

/**
 * @param {{ model: any, el: HTMLElement }} ctx
 * @returns {() => void} cleanup: stops the timer and detaches every listener
 */
function render({ model, el }) {
  const ui = build();
  el.replaceChildren(ui.root);

  // Kernel clock = browser clock + offset, re-estimated from every stamped message the kernel
  // sends (the reply to our "clock" request, then each heartbeat and QR), keeping the best estimate,
  // so one late reply from a busy kernel cannot skew countdowns and "synced 3 s ago".
  const clock = new ClockEstimate();
  let clockRequestAt = Number.NaN;
  // Liveness: when this view last heard its kernel (NaN: not yet; saved state proves nothing).
  const shownAt = Date.now();
  let lastHeard = Number.NaN;
  let beatEvery = 0;
  let qrCode = "";

  const draw = () => {
    const now = Date.now();
    const state = { ...Object.fromEntries(TRAITS.map((k) => [k, model.get(k)])), qr: qrCode };
    const link = linkState(lastHeard, shownAt, now, beatEvery);
    const view = describe(state, now + clock.offset, link);
    ui.root.dataset.link = link;
    ui.root.dataset.phase = view.phase;
    ui.root.dataset.tone = view.tone;
    ui.card.hidden = view.phase === "ready";
    setImage(ui.qr, view.qr);
    ui.qrFrame.hidden = view.qr === "";
    setImage(ui.avatar, view.avatar);
    ui.spinner.hidden = !(view.spinner && view.avatar === "" && view.qr === "");
    setText(ui.mark, view.mark);
    ui.media.hidden = ui.qrFrame.hidden && ui.avatar.hidden && ui.spinner.hidden && ui.mark.hidden;
    setText(ui.title, view.title);
    setText(ui.countdown, view.countdown);
    setText(ui.message, view.message);
    setText(ui.hint, view.hint);
    ui.button.hidden = !view.showButton;
    ui.status.hidden = view.status === null;
    if (view.status) {
      ui.status.dataset.state = view.status.state;
      setImage(ui.statusAvatar, view.status.avatar);
      setText(ui.statusName, view.status.nickname);
      setText(ui.statusCounts, view.status.counts);
      setText(ui.statusSync, view.status.sync);
      setText(ui.statusState, view.status.stateLabel);
    }
  };

  const onChange = () => {
    // A new state from Python answers any pending "new code" click, and proves the kernel is there.
    ui.button.disabled = false;
    lastHeard = Date.now();
    draw();
  };
  const onCustom = (/** @type {any} */ msg) => {
    if (!msg || typeof msg !== "object") return;
    const receivedAt = Date.now();
    const known = msg.type === "clock" || msg.type === "alive" || msg.type === "qr";
    if (!known) return;
    lastHeard = receivedAt;
    if (Number.isFinite(msg.every)) beatEvery = Number(msg.every);
    // Every view of the model hears every reply: another view's is still a one-way sample.
    const ours = msg.type === "clock" && msg.t0 === clockRequestAt;
    clock.sample(Number(msg.now), receivedAt, ours ? clockRequestAt : undefined);
    if (msg.type === "qr") qrCode = typeof msg.qr === "string" ? msg.qr : "";
    draw();
  };
  const onClick = () => {
    ui.button.disabled = true;
    model.send({ type: "new_code" });
  };

  for (const trait of TRAITS) model.on(`change:${trait}`, onChange);
  model.on("msg:custom", onCustom);
  ui.button.addEventListener("click", onClick);
  const timer = setInterval(draw, TICK_MS);
  draw();
  clockRequestAt = Date.now();
  model.send({ type: "clock", t0: clockRequestAt });

  return () => {
    clearInterval(timer);
    for (const trait of TRAITS) model.off(`change:${trait}`, onChange);
    model.off("msg:custom", onCustom);
    ui.button.removeEventListener("click", onClick);
    el.replaceChildren();
  };
}

export default { initialize, render };
