"""The chat widget's figures (issue 13), measured in Chromium against a real JupyterLab and kernel.

One simulator (in this process) holds an account with N friends; the kernel logs in to it with
``wxnb.login``; the phone then writes one message in every friend's chat and a long history into the
first one, so the kernel's archive has them all. ``session.chat()`` is shown in a notebook, and:

1. ``chat.open_first_paint_ms``: click the conversation with the long history (BIG messages) in the
   list → the first frame painted with its newest message (the click's ``event.timeStamp`` to a
   ``setTimeout(0)`` queued from the next ``requestAnimationFrame``, i.e. after that frame).
   Median and worst of several opens, each after opening a short conversation. Target ≤ 200 ms.
2. ``chat.live_max_long_task_ms``: the phone sends RATE messages a second for SECONDS seconds into
   the open conversation; the largest long task (PerformanceObserver ``longtask``) meanwhile, with
   their count, sum and durations. Target: none over 50 ms. ``chat.live_long_task_where_ms``: where
   the time inside them went, from a CPU profile of the phase (see :class:`Profiler`), and the whole
   phase's time by origin and top functions (``--trace PATH`` adds Chromium's timeline: layout,
   paint, intersection observers...). With it: ``shown`` (distinct messages that appeared), ``in_order``
   (first appearances in send order, and every snapshot of the pane in order), ``duplicates``
   (the most bubbles of one message at once, minus one). Target: all shown, in order, once.
3. ``chat.new_view_state_kb``: a second page opens the notebook and shows the same widget: the
   bytes of the kernel's websocket frames that carry the widget's model id (its state and the answer
   to the view's ``hello``), until the list shows every conversation. Target ≤ 300 KB for 1,000.
4. ``chat.send_sent_ms``: Enter in the composer → the bubble drawn as sent (no "Sending…" left),
   against the simulator through the kernel. Median, p90 and worst. Target ≤ 100 ms.

``--nodelay`` runs the Jupyter server with TCP_NODELAY on its kernel websockets (``NODELAY_CONFIG``):
the figures without Nagle's algorithm holding small frames for the browser's delayed ACK.
``--hops`` measures only ``chat.kernel_to_page_ms``: a kernel thread posts a comm message every 5 ms;
their arrival at a ZMQ subscriber of the kernel's iopub, at Chromium's websocket and at the page's
handler (gaps over 12 ms, median gap; latency from the kernel's send). No simulator.

Full run: 1,000 conversations, 10,000 messages in one, 50/s for 10 s, 5 opens, 20 sends.
``--short`` (CI): 200 conversations, 2,000 messages, 50/s for 2 s, 3 opens, 5 sends.
Needs what the browser tests need (the test extra, /usr/bin/chromium, the built bundle).

Usage: python bench/bench_chat.py [--short] [--nodelay] [--throttle RATE] [--trace PATH] [--hops]
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure, percentile
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.jupyterlab import PANEL, open_notebook, run_cell, running_jupyterlab, write_notebook
from tests.browser.waits import Deadline, wait_for_js
from tests.frontend import ensure_bundle
from wxnb.sim.simulator import Simulator
from wxnb.sim.spec import AccountSpec, FriendSpec, PersonSpec, WorldSpec

#: The kernel catching up with everything the phone wrote (all of it through webwxsync).
FILL = Deadline("the archive filled", 240_000)
#: One conversation opened, one message shown, one send acknowledged.
STEP = Deadline("a chat step", 30_000)
#: The new page's view drawing the whole list.
NEW_VIEW = Deadline("a new view drawn", 60_000)

CHAT = f"{PANEL} .wxnb-chat"
#: jupyter_server never calls tornado's ``set_nodelay`` on a kernel's websocket, so Nagle's algorithm
#: holds each small frame written while an earlier one is unacknowledged until the browser's
#: (delayed, up to 40 ms) ACK: the page gets the kernel's messages in bursts. ``--nodelay`` runs
#: the server with this configuration (its public ``kernel_websocket_connection_class`` trait) to
#: show what the chat's figures are without that.
NODELAY_CONFIG = """\
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()


c.ServerApp.kernel_websocket_connection_class = NoDelayConnection
"""
NOTEBOOK = "bench-chat.ipynb"
CELLS = [
    "import os, time\nimport wxnb\n"
    "SIM, DATA = os.environ['WXNB_E2E_SIM'], os.environ['WXNB_E2E_DATA']\n"
    "EXPECT = int(os.environ['WXNB_BENCH_EXPECT'])",
    "session = wxnb.login(SIM, data_dir=DATA, resume=False, show='none')\n_ = session.wait_ready(60)",
    # Bench pacing: the kernel polls its own table until the phone's messages all arrived.
    "end = time.monotonic() + 200\n"
    "while len(session.messages) < EXPECT and time.monotonic() < end:\n    time.sleep(0.1)\n"
    "print(len(session.messages))",
    "chat = session.chat()\nprint(chat.model_id)\nchat",
]


def crowd(friends: int) -> WorldSpec:
    persons = [PersonSpec(0, "wxid_owner", "Owner", uin=2663483111)]
    persons += [PersonSpec(p, f"wxid_f{p:05d}", f"Friend {p:04d}") for p in range(1, friends + 1)]
    return WorldSpec(
        AccountSpec(0), persons, [FriendSpec(p) for p in range(1, friends + 1)], seed=5, name="chat-crowd"
    )


def item(name: str) -> str:
    return f"{CHAT} .wxnb-chat__item:has(.wxnb-chat__name:text-is('{name}'))"


def arm_timer(page: Any, *, start: str, bubbles: str, text: str, settled: bool = False) -> None:
    """Make the page time from the next ``start`` on the chat ("click", or "Enter" for that key's
    keydown: the event's ``timeStamp``) to the frame after an element matching ``bubbles`` reads
    ``text`` (with ``settled``: and no bubble shows a status, such as "Sending…"), i.e. a
    ``setTimeout(0)`` queued from the next ``requestAnimationFrame``. :func:`result` reads the ms."""
    page.evaluate(
        """([sel, start, bubbles, text, settled]) => {
          const root = document.querySelector(sel);
          window.__result = undefined;
          let t0 = null;
          root.addEventListener(start === 'Enter' ? 'keydown' : start, (e) => {
            if (t0 === null && (start !== 'Enter' || e.key === 'Enter')) t0 = e.timeStamp;
          }, {capture: true});
          const done = () => [...root.querySelectorAll(bubbles)].some((n) => n.textContent === text)
            && (!settled || root.querySelectorAll('.wxnb-chat__status').length === 0);
          const obs = new MutationObserver(() => {
            if (t0 === null || !done()) return;
            obs.disconnect();
            requestAnimationFrame(() => setTimeout(() => {
              window.__result = performance.now() - t0;
            }, 0));
          });
          obs.observe(root, {childList: true, subtree: true, characterData: true});
        }""",
        [CHAT, start, bubbles, text, settled],
    )


def open_conversation(page: Any, name: str, newest: str) -> float:
    """Click ``name`` in the list; the ms from the click to the frame after ``newest`` was drawn."""
    arm_timer(page, start="click", bubbles=".wxnb-chat__msg", text=newest)
    page.locator(item(name)).click()
    return result(page)


def result(page: Any) -> float:
    """The ms the page's pending measurement resolved with (bounded by STEP)."""
    found = wait_for_js(page, "() => window.__result !== undefined && {ms: window.__result}", deadline=STEP)
    ms: float = found["ms"]
    return ms


def switch_to(page: Any, name: str, newest: str) -> None:
    """Open ``name`` (untimed) and wait until its newest message shows."""
    page.locator(item(name)).click()
    wait_for_js(
        page,
        "([sel, t]) => [...document.querySelectorAll(sel + ' .wxnb-chat__msg')]"
        ".some((n) => n.textContent === t)",
        [CHAT, newest],
        deadline=STEP,
    )


class Profiler:
    """The page's V8 CPU profile (CDP Profiler domain) while the live traffic runs, used to say
    where the long tasks' time went: per sample (0.2 ms) inside a long task, the leaf frame's
    origin — ``chat.js`` (the widget's bundle: anywidget imports it from a ``blob:`` URL),
    ``ipywidgets`` (the widget manager), ``jupyterlab`` (the rest of the page's scripts), ``gc``,
    ``native`` (``(program)``: style, layout, paint, parsing outside any script) — and the top
    leaf functions. ``under_chat_js_ms``: samples with the bundle anywhere on the stack;
    ``whole_phase_ms``: every sample of the phase by origin (long tasks or not).
    """

    def __init__(self, page: Any) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Profiler.enable")
        self.cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        self.cdp.send("Profiler.start")
        # The profile's clock is not the page's: this pairs its start with performance.now()
        # (off by the evaluate's round trip, a few ms against tasks of 50 ms and more).
        self.page_start_ms: float = page.evaluate("() => performance.now()")

    def stop(self, tasks: list[tuple[float, float]]) -> dict[str, Any]:
        profile = self.cdp.send("Profiler.stop")["profile"]
        self.cdp.detach()
        nodes = {n["id"]: n for n in profile["nodes"]}
        parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
        step_ms = 0.0
        by_origin: dict[str, float] = {}
        whole: dict[str, float] = {}
        whole_function: dict[str, float] = {}
        by_function: dict[str, float] = {}
        under_ours = 0.0
        at_us = float(profile["startTime"])
        windows = sorted(tasks)
        for node_id, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
            at_us += delta
            step_ms = delta / 1000
            page_ms = self.page_start_ms + (at_us - profile["startTime"]) / 1000
            frame = nodes[node_id]["callFrame"]
            origin = _origin(frame)
            whole[origin] = whole.get(origin, 0.0) + step_ms
            name = frame["functionName"] or "(anonymous)"
            label = f"{name} {origin}:{frame['lineNumber'] + 1}:{frame['columnNumber'] + 1}"
            if origin not in ("gc", "native", "idle"):
                whole_function[label] = whole_function.get(label, 0.0) + step_ms
            if not any(start <= page_ms <= start + ms for start, ms in windows):
                continue
            by_origin[origin] = by_origin.get(origin, 0.0) + step_ms
            if origin not in ("gc", "native", "idle"):
                by_function[label] = by_function.get(label, 0.0) + step_ms
            walk: int | None = node_id
            while walk is not None:
                if _origin(nodes[walk]["callFrame"]) == "chat.js":
                    under_ours += step_ms
                    break
                walk = parent.get(walk)
        top = sorted(by_function.items(), key=lambda kv: -kv[1])[:8]
        whole_top = sorted(whole_function.items(), key=lambda kv: -kv[1])[:8]
        return {
            "by_origin": {k: round(v, 1) for k, v in sorted(by_origin.items(), key=lambda kv: -kv[1])},
            "under_chat_js_ms": round(under_ours, 1),
            "whole_phase_ms": {k: round(v, 1) for k, v in sorted(whole.items(), key=lambda kv: -kv[1])},
            "top_functions_ms": {k: round(v, 1) for k, v in top},
            "whole_phase_top_functions_ms": {k: round(v, 1) for k, v in whole_top},
        }


def _origin(frame: dict[str, Any]) -> str:
    name, url = frame["functionName"], frame["url"]
    if name == "(garbage collector)":
        return "gc"
    if name in ("(program)", "(root)"):
        return "native"
    if name == "(idle)":
        return "idle"
    if url.startswith("blob:"):
        return "chat.js"
    if "jupyter-widgets" in url or "anywidget" in url:
        return "ipywidgets"
    return "jupyterlab" if url else "native"


TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "toplevel"]


def trace_summary(path: Path) -> dict[str, float]:
    """The main thread's time by trace event name (complete events, self time not separated)."""
    events = json.loads(path.read_text())
    events = events.get("traceEvents", events) if isinstance(events, dict) else events
    main = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("name") == "thread_name" and e.get("args", {}).get("name") == "CrRendererMain"
    }
    total: dict[str, float] = {}
    for e in events:
        if e.get("ph") == "X" and (e.get("pid"), e.get("tid")) in main:
            total[e["name"]] = total.get(e["name"], 0.0) + e.get("dur", 0) / 1000
    return {k: round(v, 1) for k, v in sorted(total.items(), key=lambda kv: -kv[1])[:15]}


def bench_open(page: Any, rounds: int, big: int) -> None:
    times = []
    for _ in range(rounds):
        switch_to(page, "Friend 0002", "hello 2")
        times.append(open_conversation(page, "Friend 0001", f"m{big - 1:05d}"))
    figure("chat.open_first_paint_ms", statistics.median(times), "ms", "<= 200 ms", max_ms=max(times),
           messages=big, rounds=rounds)  # fmt: skip


def bench_live(page: Any, sim: Simulator, rate: int, seconds: float, trace: Path | None = None) -> None:
    switch_to(page, "Friend 0003", "hello 3")
    page.evaluate(
        """(sel) => {
          const root = document.querySelector(sel);
          const live = window.__live = {long: [], first: [], seen: new Set(), ordered: true, dup: 0};
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) live.long.push([e.startTime, e.duration]);
          }).observe({type: 'longtask'});
          const look = () => {
            const texts = [...root.querySelectorAll('.wxnb-chat__msg')].map((n) => n.textContent)
              .filter((t) => /^live \\d{5}$/.test(t));
            const counts = new Map();
            for (const t of texts) counts.set(t, (counts.get(t) ?? 0) + 1);
            for (const c of counts.values()) live.dup = Math.max(live.dup, c - 1);
            for (let i = 1; i < texts.length; i++) if (texts[i - 1] >= texts[i]) live.ordered = false;
            for (const t of texts) if (!live.seen.has(t)) { live.seen.add(t); live.first.push(t); }
          };
          window.__liveObserver = new MutationObserver(look);
          window.__liveObserver.observe(root, {childList: true, subtree: true, characterData: true});
        }""",
        CHAT,
    )
    if trace is not None:  # Chromium's own timeline: style, layout, paint, each task's cause
        page.context.browser.start_tracing(page=page, path=str(trace), categories=TRACE_CATEGORIES)
    profiler = Profiler(page)
    count = round(rate * seconds)
    start = time.perf_counter()
    for i in range(count):
        sim.phone.send(("person", 3), f"live {i:05d}")
        ahead = start + (i + 1) / rate - time.perf_counter()
        if ahead > 0:
            time.sleep(ahead)  # benchmark pacing: RATE messages a second
    wait_for_js(page, f"() => window.__live.seen.size >= {count}", deadline=STEP)
    live = page.evaluate(
        "() => { window.__liveObserver.disconnect(); const l = window.__live;"
        " return {long: l.long, first: l.first, ordered: l.ordered, dup: l.dup}; }"
    )
    tasks = [(float(at), float(ms)) for at, ms in live["long"]]
    where = profiler.stop(tasks)
    if trace is not None:
        page.context.browser.stop_tracing()
        where["trace_top_ms"] = trace_summary(trace)
    in_order = live["ordered"] and live["first"] == sorted(live["first"])
    durations = [ms for _, ms in tasks]
    figure("chat.live_max_long_task_ms", max(durations, default=0.0), "ms", "none over 50 ms",
           long_tasks=len(tasks), long_task_sum_ms=round(sum(durations), 1),
           long_task_ms=[round(ms) for ms in durations], sent=count, shown=len(live["first"]),
           in_order=in_order, duplicates=live["dup"], rate_per_s=rate, seconds=seconds)  # fmt: skip
    figure("chat.live_long_task_where_ms", sum(where["by_origin"].values()), "ms",
           "sampled ms inside long tasks, by script origin", **where)  # fmt: skip


def bench_send(page: Any, rounds: int) -> None:
    box = page.locator(f"{CHAT} .wxnb-chat__input")
    times = []
    for i in range(rounds):
        text = f"bench send {i:03d}"
        box.fill(text)
        arm_timer(page, start="Enter", bubbles=".wxnb-chat__msg--self", text=text, settled=True)
        box.press("Enter")
        times.append(result(page))
    figure("chat.send_sent_ms", statistics.median(times), "ms", "<= 100 ms",
           p90_ms=round(percentile(times, 90), 1), max_ms=max(times), all_ms=[round(t) for t in times],
           rounds=rounds)  # fmt: skip


#: ``--hops``: a bare widget whose kernel thread posts a comm message every 5 ms.
HOPS_NOTEBOOK = "bench-hops.ipynb"
HOPS_COUNT = 200
HOPS_CELLS = [
    "import threading, time\nimport anywidget\n"
    "class Probe(anywidget.AnyWidget):\n"
    "    _esm = ('export default { render({model, el}) { window.__hops = [];'\n"
    "            ' model.on(\"msg:custom\", (m) =>'\n"
    "            ' window.__hops.push([m.i, performance.timeOrigin + performance.now()]));'\n"
    "            ' el.textContent = \"probe\"; } }')\n"
    "probe = Probe()\nprobe",
    "from ipykernel import get_connection_file\nprint(get_connection_file())",
    "sent = []\n"
    "def post():\n"
    f"    for i in range({HOPS_COUNT}):\n"
    "        sent.append(time.time() * 1000)\n"
    "        probe.send({'i': i})\n"
    "        time.sleep(0.005)  # bench pacing: one message every 5 ms\n"
    "threading.Thread(target=post, daemon=True).start()",
    "import json\nprint(json.dumps(sent))",
]


def bench_hops(page: Any, lab: Any) -> None:
    """Where kernel → page comm messages bunch up: the kernel's send, a ZMQ SUB of the kernel's
    iopub (what the Jupyter server reads), Chromium's websocket (CDP) and the page's handler."""
    import threading

    import zmq

    open_notebook(page, lab, HOPS_NOTEBOOK)
    run_cell(page, 0)
    run_cell(page, 1)
    output = page.locator(f"{PANEL} .jp-Cell").nth(1).locator(".jp-OutputArea-output pre")
    connection = json.loads(Path((output.text_content() or "").strip()).read_text())
    context = zmq.Context()
    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.setsockopt(zmq.RCVTIMEO, 200)
    sub.connect(f"tcp://127.0.0.1:{connection['iopub_port']}")
    at_sub: dict[int, float] = {}
    done, subscribed = threading.Event(), threading.Event()

    def listen() -> None:
        while not done.is_set():
            try:
                frames = sub.recv_multipart()
            except zmq.Again:
                continue
            now = time.time() * 1000
            subscribed.set()
            content = json.loads(frames[frames.index(b"<IDS|MSG>") + 5])
            data = content.get("data")
            if isinstance(data, dict) and data.get("method") == "custom":
                at_sub[int(data["content"]["i"])] = now

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    at_socket: list[float] = []

    def on_frame(event: dict[str, Any]) -> None:
        payload = event["response"]["payloadData"]
        if event["response"].get("opcode") == 2:
            payload = base64.b64decode(payload).decode("utf-8", "replace")
        if '"custom"' in payload and '"i"' in payload:
            at_socket.append(float(event["timestamp"]) * 1000)  # the browser's clock: gaps only

    cdp.on("Network.webSocketFrameReceived", on_frame)
    try:
        # The SUB socket's subscription reaches the kernel asynchronously: a cell's output shows it is.
        deadline = time.monotonic() + 10
        while not subscribed.is_set():
            if time.monotonic() > deadline:
                raise SystemExit("the iopub subscriber saw nothing from the kernel in 10 s")
            run_cell(page, 1)
        run_cell(page, 2)
        wait_for_js(page, f"() => (window.__hops || []).length >= {HOPS_COUNT}", deadline=STEP)
        at_page = {int(i): float(t) for i, t in page.evaluate("() => window.__hops")}
        run_cell(page, 3)
        sent_out = page.locator(f"{PANEL} .jp-Cell").nth(3).locator(".jp-OutputArea-output pre")
        sent = [float(t) for t in json.loads(sent_out.text_content() or "[]")]
    finally:
        done.set()
        listener.join()
        sub.close(0)
        context.term()
        cdp.detach()

    def shape(times: list[float]) -> dict[str, float]:
        ordered = sorted(times)
        gaps = [b - a for a, b in itertools.pairwise(ordered)]
        return {
            "gaps_over_12ms": sum(g > 12 for g in gaps),
            "median_gap_ms": round(statistics.median(gaps), 1),
        }

    to_sub = [at_sub[i] - sent[i] for i in range(len(sent)) if i in at_sub]
    to_page = [at_page[i] - sent[i] for i in range(len(sent)) if i in at_page]
    figure("chat.kernel_to_page_ms", statistics.median(to_page), "ms", "even, like the kernel's sends",
           p90_ms=round(percentile(to_page, 90), 1), max_ms=round(max(to_page), 1),
           to_iopub_p50_ms=round(statistics.median(to_sub), 1),
           to_iopub_p90_ms=round(percentile(to_sub, 90), 1),
           kernel=shape(sent), iopub=shape(list(at_sub.values())), websocket=shape(at_socket),
           page=shape(list(at_page.values())), messages=len(sent), every_ms=5)  # fmt: skip


def bench_new_view(browser: Any, lab: Any, model_id: str, conversations: int) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    frames: list[int] = []
    total: list[int] = []
    needle = model_id.encode()

    def on_frame(payload: str | bytes) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        total.append(len(data))
        if needle in data:
            frames.append(len(data))

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    try:
        open_notebook(page, lab, NOTEBOOK)
        # The notebook on disk has no outputs: show the kernel's widget again in the new page.
        cell = page.locator(f"{PANEL} .jp-Cell").nth(0)
        cell.locator(".jp-InputPrompt").click()
        page.keyboard.press("Escape")
        page.keyboard.press("b")  # a new cell below the first, in command mode
        page.keyboard.press("Enter")
        page.keyboard.type("chat")
        page.keyboard.press("Shift+Enter")
        wait_for_js(
            page,
            f"() => document.querySelectorAll('{PANEL} .wxnb-chat__item').length >= {conversations}",
            deadline=NEW_VIEW,
        )
        figure("chat.new_view_state_kb", sum(frames) / 1024, "KB", "<= 300 KB", conversations=conversations,
               frames=len(frames), all_frames_kb=round(sum(total) / 1024, 1))  # fmt: skip
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    parser.add_argument(
        "--nodelay",
        action="store_true",
        help="run the Jupyter server with TCP_NODELAY on its kernel websockets (see NODELAY_CONFIG)",
    )
    parser.add_argument("--trace", type=Path, help="write a Chromium trace of the live phase to TRACE")
    parser.add_argument(
        "--throttle",
        type=float,
        default=1.0,
        help="slow the page's CPU RATE times (CDP Emulation.setCPUThrottlingRate): a loaded machine",
    )
    parser.add_argument(
        "--hops",
        action="store_true",
        help="only trace kernel -> page delivery of comm messages, hop by hop (no simulator)",
    )
    args = parser.parse_args()
    friends, big = (200, 2_000) if args.short else (1_000, 10_000)
    seconds, opens, sends = (2.0, 3, 5) if args.short else (10.0, 5, 20)
    if not CHROMIUM.exists():
        # Like the browser tests: skipped, with the reason, only when the browser is absent.
        print(f"# bench_chat skipped: {CHROMIUM} is absent (bash scripts/setup installs it)", file=sys.stderr)
        return
    ensure_bundle()
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    write_notebook(root / NOTEBOOK, CELLS)
    write_notebook(root / HOPS_NOTEBOOK, HOPS_CELLS)
    if args.nodelay:
        config = root / ".jupyter-state" / "config"  # running_jupyterlab's JUPYTER_CONFIG_DIR
        config.mkdir(parents=True)
        (config / "jupyter_server_config.py").write_text(NODELAY_CONFIG)
    if args.hops:
        with running_jupyterlab(root) as lab, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            try:
                bench_hops(browser.new_context().new_page(), lab)
            finally:
                browser.close()
        return
    with Simulator(crowd(friends), hold=2.0, auto_confirm=0.05, sync_batch=500) as sim:
        env = {
            "WXNB_E2E_SIM": sim.base_url,
            "WXNB_E2E_DATA": str(root / "data"),
            "WXNB_BENCH_EXPECT": str(friends - 1 + big),
        }
        settings = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
        with (
            running_jupyterlab(root, env=env, settings=settings) as lab,
            sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
                if args.throttle != 1.0:
                    throttle = page.context.new_cdp_session(page)
                    throttle.send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})
                open_notebook(page, lab, NOTEBOOK)
                run_cell(page, 0)
                run_cell(page, 1)
                for p in range(2, friends + 1):
                    sim.phone.send(("person", p), f"hello {p}")
                for i in range(big):
                    sim.phone.send(("person", 1), f"m{i:05d}")
                run_cell(page, 2)
                arrived = page.locator(f"{PANEL} .jp-Cell").nth(2).locator(".jp-OutputArea-output pre")
                assert int((arrived.text_content() or "0").strip()) >= friends - 1 + big, "archive not filled"
                run_cell(page, 3)
                model_id = (
                    page.locator(f"{PANEL} .jp-Cell")
                    .nth(3)
                    .locator(".jp-OutputArea-output pre")
                    .text_content()
                    or ""
                ).strip()
                wait_for_js(page, f"() => document.querySelectorAll('{CHAT} .wxnb-chat__item').length >= "
                            f"{friends}", deadline=STEP)  # fmt: skip
                bench_open(page, opens, big)
                bench_live(page, sim, 50, seconds, args.trace)
                bench_send(page, sends)
                bench_new_view(browser, lab, model_id, friends)
            finally:
                browser.close()
        if sim.errors:
            raise SystemExit(f"simulator errors: {sim.errors}")


if __name__ == "__main__":
    main()
