"""The session's figures (issue 4), through the whole path: simulator → HTTP → sync thread → decode →
archive → tables.

The simulator runs in a child process (multiprocessing, spawn), so that it does not share the GIL with
the session being measured; the parent drives it through a pipe (confirm a login, preload messages,
make a contact send one). Texts are exactly 40 characters (CJK and ASCII mixed), 19-digit MsgIds,
messages spread over friends and rooms (room messages carry the ``@sender:<br/>`` prefix).

1. ``session.e2e_latency``: a contact sends one message in the simulator (the parent asks the child
   through the pipe; the clock starts before the request) → the session's "message" callback, which
   runs once the row is in the archive and in ``session.messages``. 1,000 messages one after another;
   p50 and p99. Every message is then checked to be in ``session.messages``.
2. ``session.ingest_rate``: session A logs in and closes; the child preloads N messages while nobody is
   connected; session B resumes (saved credentials, archived SyncKey) and must take all N through
   synccheck → webwxsync (ContinueFlag) → decode → archive (WAL, synchronous=FULL) → tables. Timed from
   B ready to the N-th message in the tables; ``cpu_rate`` over the parent's CPU time. Run with the
   simulator's default batch (50 messages per webwxsync) and with 500.
3. ``session.memory_per_message``: RSS growth of the parent from before B started to after B took the N
   messages and ``session.messages`` was read once, divided by N (tables + archive connection +
   everything else the process holds for them).
4. ``session.first_access``: that first ``session.messages`` (N rows); ``session.access_after_100``:
   the child sends 100 more messages, they arrive, then ``session.messages`` is timed (median of 10
   rounds, worst as ``max_ms``).
5. ``session.login_to_ready``: the large scenario (10,000 friends, 1,000 rooms, ~53,000 members):
   ``Session.start()`` → ``wait_ready()``, the simulated phone confirming at once (auto-confirm 0).
   Includes jslogin, login poll, webwxnewloginpage, webwxinit, every contact page, every room's members
   (webwxbatchgetcontact, 50 per request), the archive commit of all of them.

Full run: N = 1,000,000 (the 1,000,000-row figures of the issue). ``--short`` (CI): N = 20,000, 200
latency samples, the small scenario for login-to-ready; figures indicative.

Usage: python bench/bench_session.py [--short] [--only e2e,ingest50,ingest500,login] [--n N]
    [--samples S] [--scenario NAME]

``--only``: some of the figures (an A/B of old and new code alternates short runs: copy this file into
the old checkout, it uses the public API only). ``--n``: N for the batch-500 ingest (the batch-50 one
takes N/10, at least 20,000; ``--n50``: its own N). ``--samples``: latency samples.
``--scenario``: login-to-ready's.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure, percentile

TEXT = "消息{:08d}：今天天气不错我们一起去公园散步吧好不好abcdefghij"  # 40 characters with the number
assert len(TEXT.format(0)) == 40


# ---- the child: a simulator driven through a pipe ---------------------------------------------------


def _child(conn: Connection, scenario: str, sync_batch: int) -> None:
    from wxnb.sim.simulator import Simulator

    sim = Simulator(scenario=scenario, seed=1, hold=25.0, sync_batch=sync_batch, login_timeout=3600).start()
    world = sim.world
    friends = [p for p in world.friends if p not in world.special and not world.persons[p].is_mp][:50]
    rooms = [(rid, [p for p in room.members if p != world.account]) for rid, room in world.rooms.items()]
    rooms = [(rid, members) for rid, members in rooms if world.account in world.rooms[rid].member_set][:20]
    chats: list[tuple[object, int | None]] = [(("friend", p), None) for p in friends]
    chats += [(("room", rid), members[i % len(members)]) for i, (rid, members) in enumerate(rooms)]
    counter = 0
    conn.send(sim.base_url)
    while True:
        command, *args = conn.recv()
        if command == "auto_confirm":
            sim.phone.auto_confirm(args[0])
            conn.send(None)
        elif command == "preload" or command == "send":
            count = args[0]
            ids = []
            for _ in range(count):
                chat, sender = chats[counter % len(chats)]
                ids.append(str(world.receive(chat, sender, "text", TEXT.format(counter))))
                counter += 1
            conn.send(ids)
        elif command == "close":
            sim.close()
            conn.send(None)
            return


class SimProcess:
    """A simulator in a child process."""

    def __init__(self, scenario: str, sync_batch: int = 50) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_child, args=(child, scenario, sync_batch), daemon=True)
        self.process.start()
        self.base_url: str = self.conn.recv()

    def call(self, *command: Any) -> Any:
        self.conn.send(command)
        return self.conn.recv()

    def close(self) -> None:
        self.call("close")
        self.process.join(10)


# ---- the parent: sessions ---------------------------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Counter:
    """Counts messages seen by a session's callback; wakes a waiter at a target."""

    def __init__(self) -> None:
        self.count = 0
        self.times: dict[str, float] = {}
        self.target = 0
        self.reached = threading.Event()
        self.record = False
        self.changed = threading.Condition()

    def __call__(self, message: Any) -> None:
        if message.category != "text":
            return
        self.count += 1
        if self.record:
            with self.changed:
                self.times[message.msg_id] = time.perf_counter()
                self.changed.notify_all()
        if self.count >= self.target:
            self.reached.set()

    def expect(self, more: int) -> None:
        self.reached.clear()
        self.target = self.count + more
        if self.count >= self.target:
            self.reached.set()


def login(sim: SimProcess, data_dir: str, *, resume: bool) -> Any:
    from wxnb.session import Session

    session = Session(sim.base_url, data_dir=data_dir, resume=resume)
    session.start()
    session.wait_ready(120)
    return session


def e2e_latency(samples: int) -> None:
    sim = SimProcess("small")
    try:
        sim.call("auto_confirm", 0.0)
        with tempfile.TemporaryDirectory() as data_dir:
            session = login(sim, data_dir, resume=False)
            counter = Counter()
            counter.record = True
            session.on("message", counter)
            latencies = []
            ids: list[str] = []
            for _ in range(samples):
                started = time.perf_counter()
                (msg_id,) = sim.call("send", 1)
                with counter.changed:
                    counter.changed.wait_for(lambda m=msg_id: m in counter.times, timeout=10)
                latencies.append((counter.times[msg_id] - started) * 1000)
                ids.append(msg_id)
            visible = set(session.messages.msg_id)
            missing = sum(1 for i in ids if i not in visible)
            session.close()
    finally:
        sim.close()
    figure(
        "session.e2e_latency_p50",
        statistics.median(latencies),
        "ms",
        "<= 10 ms",
        samples=samples,
        missing=missing,
        method="sim (child process) sends → the row is in session.messages (callback after the append)",
    )
    figure("session.e2e_latency_p99", percentile(latencies, 99), "ms", "<= 50 ms", samples=samples)


def ingest(n: int, sync_batch: int, *, with_access: bool) -> None:
    sim = SimProcess("small", sync_batch=sync_batch)
    try:
        sim.call("auto_confirm", 0.0)
        with tempfile.TemporaryDirectory() as data_dir:
            login(sim, data_dir, resume=False).close()
            sim.call("preload", n)
            gc.collect()
            rss_before = rss_bytes()
            counter = Counter()
            from wxnb.session import Session

            session = Session(sim.base_url, data_dir=data_dir, resume=True)
            counter.expect(n)
            session.on("message", counter)
            session.start()
            session.wait_ready(60)
            started, cpu_started = time.perf_counter(), time.process_time()
            if not counter.reached.wait(600):
                raise RuntimeError(f"only {counter.count} of {n} messages arrived")
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            resumed = session.login_events[-1].detail
            figure(
                f"session.ingest_rate_batch{sync_batch}",
                n / elapsed,
                "msg/s",
                ">= 20000",
                cpu_rate=round(n / cpu),
                messages=n,
                sync_batch=sync_batch,
                batches=session.status.batches,
                login=resumed,
                method="resume after N messages came while away: synccheck → webwxsync → decode → "
                "archive (FULL) → tables",
            )
            if with_access:
                access(session, sim, n, rss_before)
            session.close()
    finally:
        sim.close()


def access(session: Any, sim: SimProcess, n: int, rss_before: int) -> None:
    started = time.perf_counter()
    frame = session.messages
    first = time.perf_counter() - started
    gc.collect()
    grown = rss_bytes() - rss_before
    rows = len(frame)
    del frame
    figure("session.first_access", first, "s", "<= 1 s at 1,000,000 rows", rows=rows)
    figure(
        "session.memory_per_message",
        grown / n,
        "B/msg",
        "<= 500 (40-character texts)",
        rss_growth_mb=round(grown / 2**20, 1),
        messages=n,
        method="parent RSS growth from before the resume to after the ingest and first access, / N",
    )
    counter = Counter()
    session.on("message", counter)
    rounds = []
    for _ in range(10):
        counter.expect(100)
        sim.call("send", 100)
        if not counter.reached.wait(30):
            raise RuntimeError("100 new messages did not arrive")
        started = time.perf_counter()
        frame = session.messages
        rounds.append((time.perf_counter() - started) * 1000)
    figure(
        "session.access_after_100",
        statistics.median(rounds),
        "ms",
        "<= 50 ms at 1,000,000 rows",
        max_ms=round(max(rounds), 2),
        rows=len(frame),
        rounds=len(rounds),
    )


def login_to_ready(scenario: str) -> None:
    from wxnb.session import Session

    sim = SimProcess(scenario)
    try:
        sim.call("auto_confirm", 0.0)
        with tempfile.TemporaryDirectory() as data_dir:
            session = Session(sim.base_url, data_dir=data_dir, resume=False)
            started = time.perf_counter()
            session.start()
            session.wait_ready(120)
            elapsed = time.perf_counter() - started
            confirmed = next(e.at for e in session.login_events if e.phase == "confirmed")
            ready = next(e.at for e in session.login_events if e.phase == "ready")
            figure(
                "session.login_to_ready",
                elapsed,
                "s",
                "<= 3 s (large scenario)",
                scenario=scenario,
                confirmed_to_ready_s=round((ready - confirmed).total_seconds(), 3),
                contacts=len(session.contacts),
                members=len(session.members),
                method="Session.start() → wait_ready(), the phone confirming at once",
            )
            session.close()
    finally:
        sim.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="quick mode for CI (figures indicative)")
    parser.add_argument("--only", default="e2e,ingest50,ingest500,login", help="figures to measure")
    parser.add_argument("--n", type=int, default=None, help="messages for the batch-500 ingest")
    parser.add_argument("--n50", type=int, default=None, help="messages for the batch-50 ingest")
    parser.add_argument("--samples", type=int, default=None, help="latency samples")
    parser.add_argument("--scenario", default=None, help="login-to-ready's scenario")
    args = parser.parse_args()
    only = set(args.only.split(","))
    unknown = only - {"e2e", "ingest50", "ingest500", "login"}
    if unknown:
        parser.error(f"unknown figures {sorted(unknown)}: use e2e, ingest50, ingest500, login")
    n = args.n or (20_000 if args.short else 1_000_000)
    if "e2e" in only:
        e2e_latency(args.samples or (200 if args.short else 1000))
    if "ingest50" in only:
        ingest(args.n50 or (n if args.short else max(20_000, n // 10)), 50, with_access=False)
    if "ingest500" in only:
        ingest(n, 500, with_access=True)
    if "login" in only:
        login_to_ready(args.scenario or ("small" if args.short else "large"))


if __name__ == "__main__":
    main()
