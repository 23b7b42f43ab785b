// Renders a widget bundle with a fake anywidget model, as JupyterLab's anywidget would, and keeps
// the books tests need: which timers are alive, which listeners are attached, what was sent.

const live = new Set();
const nativeSetInterval = window.setInterval.bind(window);
const nativeClearInterval = window.clearInterval.bind(window);
const nativeSetTimeout = window.setTimeout.bind(window);
const nativeClearTimeout = window.clearTimeout.bind(window);
window.setInterval = (fn, ms, ...args) => {
  const id = nativeSetInterval(fn, ms, ...args);
  live.add(`i${id}`);
  return id;
};
window.clearInterval = (id) => {
  live.delete(`i${id}`);
  nativeClearInterval(id);
};
window.setTimeout = (fn, ms, ...args) => {
  const id = nativeSetTimeout(() => {
    live.delete(`t${id}`);
    fn(...args);
  }, ms);
  live.add(`t${id}`);
  return id;
};
window.clearTimeout = (id) => {
  live.delete(`t${id}`);
  nativeClearTimeout(id);
};

/** The subset of the anywidget model interface a view may use. */
class FakeModel {
  constructor(state, { kernelOffsetMs = 0, answerClock = true, heartbeat = true, clockDelayMs = 0 } = {}) {
    // Like LoginWidget: the QR is no trait; it reaches views as a {"type": "qr"} message.
    const { qr = "", ...traits } = state;
    this.qr = qr;
    this.state = traits;
    this.kernelOffsetMs = kernelOffsetMs;
    this.answerClock = answerClock;
    // A busy kernel answers the clock request late, stamped when it finally answers.
    this.clockDelayMs = clockDelayMs;
    /** @type {Map<string, Set<Function>>} */
    this.handlers = new Map();
    this.sent = [];
    this.saves = 0;
    // The kernel's heartbeat thread, on the page's (fake) clock; not one of the view's timers.
    this.heartbeat = heartbeat ? nativeSetInterval(() => this.beat(), 5000) : null;
  }
  /** The kernel goes away (a restart): no more beats, no more replies. */
  stopKernel() {
    if (this.heartbeat !== null) nativeClearInterval(this.heartbeat);
    this.heartbeat = null;
    this.answerClock = false;
  }
  get(name) {
    return this.state[name];
  }
  set(name, value) {
    this.state[name] = value;
    this.emit(`change:${name}`, value);
    this.emit("change");
  }
  on(event, callback) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(callback);
  }
  off(event, callback) {
    if (event === undefined) this.handlers.clear();
    else if (callback === undefined) this.handlers.delete(event);
    else this.handlers.get(event)?.delete(callback);
  }
  save_changes() {
    this.saves += 1;
  }
  send(content, _callbacks, _buffers) {
    this.sent.push(JSON.parse(JSON.stringify(content)));
    if (content && content.type === "clock" && this.answerClock) {
      // Like the kernel: the reply comes later, stamped with the kernel's (possibly skewed) clock.
      const answer = () => {
        this.emit("msg:custom", { type: "clock", t0: content.t0, now: Date.now() + this.kernelOffsetMs }, []);
        if (this.qr) this.emitQr();
      };
      if (this.clockDelayMs > 0) nativeSetTimeout(answer, this.clockDelayMs);
      else Promise.resolve().then(answer);
    }
  }
  emitQr() {
    this.emit("msg:custom", { type: "qr", qr: this.qr, now: Date.now() + this.kernelOffsetMs }, []);
  }
  /** The kernel's heartbeat: "alive", stamped with its clock. */
  beat() {
    this.emit("msg:custom", { type: "alive", now: Date.now() + this.kernelOffsetMs, every: 5000 }, []);
  }
  /** What Python's hold_sync() batch looks like from here: the QR message, then all values set, then the events. */
  update(values) {
    if ("qr" in values) {
      const { qr, ...rest } = values;
      this.qr = qr;
      this.emitQr();
      values = rest;
    }
    Object.assign(this.state, values);
    for (const name of Object.keys(values)) this.emit(`change:${name}`, values[name]);
    this.emit("change");
  }
  listenerCount() {
    let n = 0;
    for (const set of this.handlers.values()) n += set.size;
    return n;
  }
  emit(event, ...args) {
    for (const callback of [...(this.handlers.get(event) ?? [])]) callback(...args);
  }
}

window.harness = {
  current: null,
  /** Render the bundle at `url` for a model holding `state`; resolves when render returned. */
  async mount(url, state, options = {}) {
    this.current?.model.stopKernel();
    const widget = (await import(url)).default;
    const model = new FakeModel(state, options);
    const el = document.createElement("div");
    el.className = "harness-view";
    document.getElementById("stage").append(el);
    await widget.initialize?.({ model, experimental: {} });
    const cleanup = await widget.render({ model, el, experimental: {} });
    this.current = { model, el, cleanup };
    return true;
  },
  liveTimers: () => live.size,
  setTheme(name) {
    document.body.className = name ? `jp-theme-${name}` : "";
  },
};
document.documentElement.dataset.harnessReady = "1";
