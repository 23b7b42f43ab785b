"""The store's figures (issue 4): ingest rate, access cost at a million rows, memory per message.

One run, in this order, on a synthetic but realistic stream (200 friends, 50 rooms of 10, a third of the
messages in rooms with the ``@sender:<br/>`` prefix in their raw Content, texts of exactly 40 characters,
19-digit MsgIds):

1. ``store.ingest_rate``: ``Store.apply_batch`` in batches of 100 into the tables AND the on-disk archive
   (WAL, synchronous=FULL: each batch is on disk before the call returns), N messages. Only the calls are
   timed (building the records is the protocol's job). ``cpu_rate`` is the same over CPU time, which
   other processes on a shared machine do not inflate.
2. ``store.first_access``: the first ``store.messages`` after those N messages.
3. ``store.memory_per_message``: growth of the process's resident memory from before the ingest to after
   the first access (tables + snapshot + archive connection + allocator overhead), divided by N.
   ``frame_bytes`` is what pandas counts for the frame itself (deep).
4. ``store.access_after_100``: 20 rounds of (apply 100 new messages, then time ``store.messages``);
   the median, with the worst round as ``max_ms``.
5. ``store.ingest_rate_normal``: as 1 with synchronous=NORMAL (atomic, not fsynced per batch), N/10.
6. ``store.load``: ``Store.open`` of the archive of step 1 (history back after a kernel restart), which
   reads SQLite and writes the columnar cache; ``store.load_cached``: the next one, which reads the cache.

Full run: N = 1,000,000. ``--short``: N = 50,000 (for CI: proves the script works; figures indicative).

``--commit``: instead, ``archive.commit_batch``: ``Archive.commit_batch`` alone (synchronous=FULL) of
batches of 50 and of 500 messages with random 19-digit MsgIds (as the server's), into an archive of 0
and of 1,000,000 messages (filled with synchronous=NORMAL, then reopened; the first batch after opening
is not timed). ``--compare ROOT``: the same for the wxnb checkout at ROOT and this one, in child
processes, alternating, ``--rounds`` times: an A/B in one run (e.g. ``git worktree add /tmp/old 1b8f848``).

Usage: python bench/bench_store.py [--short] [--commit [--compare ROOT [--rounds R]]]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# WXNB_BENCH_ROOT: measure the wxnb of another checkout (--compare starts children with it set).
sys.path.insert(0, os.environ.get("WXNB_BENCH_ROOT") or str(Path(__file__).resolve().parent.parent))

from bench.common import figure
from wxnb.protocol.records import Contact, Member, Message
from wxnb.store import Archive, Store
from wxnb.store.rows import MessageRows

HERE = Path(__file__).resolve().parent.parent
BATCH = 100
BASE_TIME = 1_700_000_000
FRIENDS = [f"@{i:032x}" for i in range(1, 201)]
ROOMS = [f"@@{r:064x}" for r in range(1, 51)]
MEMBERS = [[f"@{(1000 + r * 10 + j):032x}" for j in range(10)] for r in range(50)]
ME = Contact("@" + "9" * 32, nickname="Me", uin=123456789)


def contacts() -> list[Contact]:
    friends = [
        Contact(
            u, nickname=f"Friend {i} 🌸", remark=f"F{i}" if i % 3 else "", kind="friend", attr_status=i + 1
        )
        for i, u in enumerate(FRIENDS)
    ]
    rooms = [
        Contact(
            u,
            nickname=f"Room {r} 讨论组",
            kind="room",
            encry_chat_room_id=f"@{r:032x}",
            members=tuple(
                Member(m, nickname=f"Member {m[-4:]}", attr_status=int(m[1:], 16)) for m in MEMBERS[r]
            ),
        )
        for r, u in enumerate(ROOMS)
    ]
    return friends + rooms


def text40(i: int) -> str:
    return f"message {i:010d} says hello to you all!"[:40].ljust(40, ".")


def messages(start: int, count: int) -> list[Message]:
    out = []
    for i in range(start, start + count):
        text = text40(i)
        mid = str(4_000_000_000_000_000_000 + i)
        if i % 3 == 0:
            r = i % len(ROOMS)
            room, sender = ROOMS[r], MEMBERS[r][i % 10]
            out.append(
                Message(mid, room, ME.user_name, room, sender, True, False, 1, "text", BASE_TIME + i, text,
                        f"{sender}:<br/>{text}")
            )  # fmt: skip
        elif i % 7 == 0:
            to = FRIENDS[i % len(FRIENDS)]
            out.append(
                Message(
                    mid, ME.user_name, to, to, ME.user_name, False, True, 1, "text", BASE_TIME + i, text, text
                )
            )
        else:
            who = FRIENDS[i % len(FRIENDS)]
            out.append(
                Message(mid, who, ME.user_name, who, who, False, False, 1, "text", BASE_TIME + i, text, text)
            )
    return out


def rss_bytes() -> int:
    """Resident memory of this process now (Linux: /proc; elsewhere: the peak, an upper bound)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def ingest(store: Store, start: int, n: int) -> Iterator[tuple[float, float]]:
    """Apply n messages in batches; yields (wall, cpu) seconds spent inside apply_batch per batch."""
    for s in range(start, start + n, BATCH):
        batch = messages(s, min(BATCH, start + n - s))
        w, c = time.perf_counter(), time.process_time()
        store.apply_batch(batch, sync_key={"Count": 1, "List": [{"Key": 1, "Val": s}]})
        yield time.perf_counter() - w, time.process_time() - c


def random_rows(rng: random.Random, count: int) -> MessageRows:
    """``count`` messages as the archive gets them, with random 19-digit MsgIds."""
    batch = messages(rng.randrange(10**6), count)
    rows = MessageRows.from_messages(batch, [("p:0123456789ab", "Ann", "Ann")] * count)
    rows.msg_id[:] = [str(rng.randrange(10**18, 10**19)) for _ in range(count)]
    return rows


def commit_times(archive: Archive, rng: random.Random, size: int, batches: int) -> list[float]:
    """Seconds per ``commit_batch`` of ``size`` new messages (and a SyncKey), ``batches`` times."""
    spent = []
    for b in range(batches):
        rows = random_rows(rng, size)
        t = time.perf_counter()
        result = archive.commit_batch(rows, sync_key={"Count": 1, "List": [{"Key": 1, "Val": b}]})
        spent.append(time.perf_counter() - t)
        assert len(result.new_positions) == size
    return spent


def commit_bench(archived: int, rng: random.Random) -> dict[str, list[float]]:
    """commit_batch times (ms) of batches of 50 and 500 into an archive of ``archived`` messages."""
    with tempfile.TemporaryDirectory(prefix="wxnb-bench-") as data_dir:
        path = Path(data_dir) / "a" / "archive.sqlite3"
        with Archive(path, synchronous="NORMAL") as filling:
            for _ in range(archived // 10_000):
                filling.commit_batch(random_rows(rng, 10_000))
        with Archive(path, synchronous="FULL") as archive:
            commit_times(archive, rng, 50, 1)  # the first batch after opening: not timed
            return {
                f"batch_{size}": [t * 1000 for t in commit_times(archive, rng, size, batches)]
                for size, batches in ((50, 200), (500, 40))
            }


def run_commit(compare: str | None, rounds: int) -> None:
    if compare is None:
        rng = random.Random(7)
        for archived in (0, 1_000_000):
            for name, times in commit_bench(archived, rng).items():
                figure(
                    f"archive.commit_batch.{name}", statistics.median(times), "ms", "", archived=archived,
                    p90=round(sorted(times)[len(times) * 9 // 10], 3), batches=len(times),
                )  # fmt: skip
        return
    roots = {"old": str(Path(compare).resolve()), "new": str(HERE)}
    results: dict[tuple[str, str, int], list[float]] = {}
    for r in range(rounds):
        for label in ("old", "new") if r % 2 == 0 else ("new", "old"):
            env = dict(os.environ, WXNB_BENCH_ROOT=roots[label])
            done = subprocess.run(
                [sys.executable, __file__, "--commit"], env=env, capture_output=True, text=True, check=True
            )
            for line in done.stdout.splitlines():
                row = json.loads(line)
                results.setdefault((row["figure"], label, row["archived"]), []).append(row["value"])
    for (name, label, archived), medians in sorted(results.items()):
        figure(
            name, statistics.median(medians), "ms", "", code=label, root=roots[label], archived=archived,
            rounds=[round(m, 3) for m in medians],
        )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="quick mode for CI")
    parser.add_argument("--commit", action="store_true", help="Archive.commit_batch of 50 and 500 only")
    parser.add_argument("--compare", metavar="ROOT", help="with --commit: A/B against the checkout at ROOT")
    parser.add_argument("--rounds", type=int, default=3, help="with --compare: rounds of each")
    args = parser.parse_args()
    if args.commit:
        run_commit(args.compare, args.rounds)
        return 0
    n = 50_000 if args.short else 1_000_000
    with tempfile.TemporaryDirectory(prefix="wxnb-bench-") as data_dir:
        store = Store.open("acct-bench", data_dir, synchronous="FULL")
        store.start_login(ME)
        store.apply_batch(contacts=contacts())
        gc.collect()
        rss_before = rss_bytes()

        spent = list(ingest(store, 0, n))
        wall, cpu = sum(s[0] for s in spent), sum(s[1] for s in spent)
        figure(
            "store.ingest_rate", n / wall, "msg/s", ">= 20000 (aim >= 50000)",
            cpu_rate=round(n / cpu), messages=n, batch=BATCH, synchronous="FULL",
            method="Store.apply_batch: tables + on-disk archive, wall time inside the calls",
        )  # fmt: skip

        t = time.perf_counter()
        frame = store.messages
        first = time.perf_counter() - t
        assert len(frame) == n, len(frame)
        figure("store.first_access", first, "s", "<= 1 s at 1,000,000 rows", rows=n)

        gc.collect()
        grown = rss_bytes() - rss_before
        figure(
            "store.memory_per_message", grown / n, "B/msg", "<= 500 (40-character texts)",
            rss_growth_mb=round(grown / 2**20, 1),
            frame_bytes=round(int(frame.memory_usage(deep=True).sum()) / n, 1),
            method="RSS growth over the ingest and first access, / messages",
        )  # fmt: skip
        del frame

        timings = []
        for r in range(20):
            list(ingest(store, n + r * BATCH, BATCH))
            t = time.perf_counter()
            frame = store.messages
            timings.append(time.perf_counter() - t)
            assert len(frame) == n + (r + 1) * BATCH
        figure(
            "store.access_after_100", statistics.median(timings) * 1000, "ms", "<= 50 ms at 1,000,000 rows",
            max_ms=round(max(timings) * 1000, 3), rows=n, rounds=len(timings),
            rows_encoded_per_access=BATCH, frames_built=store.tables.stats["messages"].frames_built,
        )  # fmt: skip
        store.close()

        for name, method in (
            ("store.load", "Store.open + first access: from SQLite, then writes the columnar cache"),
            ("store.load_cached", "Store.open + first access: from the columnar cache + newer rows"),
        ):
            t = time.perf_counter()
            with Store.open("acct-bench", data_dir) as restored:
                loaded = len(restored.messages)
            figure(name, time.perf_counter() - t, "s", "", rows=loaded, method=method)

        m = max(n // 10, 10_000)
        with Store.open("acct-normal", data_dir, synchronous="NORMAL") as normal:
            normal.start_login(ME)
            normal.apply_batch(contacts=contacts())
            spent = list(ingest(normal, 0, m))
        wall, cpu = sum(s[0] for s in spent), sum(s[1] for s in spent)
        figure(
            "store.ingest_rate_normal", m / wall, "msg/s", "", cpu_rate=round(m / cpu), messages=m,
            synchronous="NORMAL",
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
