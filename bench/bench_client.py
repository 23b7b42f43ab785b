"""A full contact load through WebClient: webwxinit + every webwxgetcontact page + the members of every
room via webwxbatchgetcontact (50 rooms a request), against the simulator's large scenario (10,000
friends, 1,000 rooms, ~53,000 memberships).

Target (issue 3): at most 2 s. The simulator runs in this process on 127.0.0.1 (its server thread
renders while the client thread waits on the socket, as a remote server would); the figure is the
median wall time of the whole load over several runs on one login, so it includes the server's
rendering and the loopback transfer as well as the client's decoding. A breakdown per step is printed
with it.

``--sync-ab OLD_TREE``: the CPU time of one webwxsync call, this tree's client against another
checkout's (e.g. ``git worktree add /tmp/old-proto 1b8f848``), in one run: each client runs in its
own interpreter (rounds alternate, so both see the same machine load) against a simulator in that
interpreter; the figure is the CPU time of the calling thread only (``time.thread_time``: the
simulator's server thread is not counted), per call, for an empty reply and for a 50-message one.

Usage: python bench/bench_client.py [--short]     (--short: the medium scenario, for CI)
       python bench/bench_client.py --sync-ab /tmp/old-proto [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure
from wxnb.protocol.client import WebClient
from wxnb.sim.simulator import Simulator


def load(client: WebClient, rooms: list[str]) -> dict[str, float | int]:
    """One full contact load; seconds per step and what was loaded."""
    started = time.perf_counter()
    init = client.init()
    inited = time.perf_counter()
    contacts = client.get_contacts()
    listed = time.perf_counter()
    with_members = client.batch_get_contacts(rooms)
    done = time.perf_counter()
    return {
        "total": done - started,
        "init": inited - started,
        "contacts": listed - inited,
        "members": done - listed,
        "n_contacts": len(init.contacts) + len(contacts),
        "n_rooms": len(with_members),
        "n_members": sum(len(room.members) for room in with_members),
    }


# Runs in a fresh interpreter with PYTHONPATH set to the tree under test: only names both trees have.
_SYNC_CPU = """
import json, sys, time
from wxnb.protocol.client import WebClient
from wxnb.sim.simulator import Simulator

calls = int(sys.argv[1])
out = {}
with Simulator(scenario="tiny", seed=0, hold=0.2, sync_batch=50) as sim, WebClient(sim.base_url) as client:
    uuid = client.jslogin()
    sim.phone.confirm(uuid)
    client.new_login_page(client.poll_login(uuid).redirect_uri)
    init = client.init()
    key = client.sync(init.sync_key).sync_key  # the login's own notices
    for label, count in (("empty", 0), ("50 messages", 50)):
        for i in range(count):
            sim.phone.send(("friend", 1), f"message {i} with some text in it")
        for _ in range(20):  # warm-up: connections, caches
            reply = client.sync(key)
        assert len(reply.messages) == count, len(reply.messages)
        cpu, wall = time.thread_time(), time.perf_counter()
        for _ in range(calls):
            client.sync(key)  # the same key: the same reply every time
        out[label] = ((time.thread_time() - cpu) / calls, (time.perf_counter() - wall) / calls)
print(json.dumps(out))
"""


def sync_cpu_ab(old_tree: Path, rounds: int, calls: int) -> None:
    """webwxsync CPU per call, old tree vs this one, alternating (see the module docstring)."""
    trees = {"old": old_tree.resolve(), "new": Path(__file__).resolve().parent.parent}
    samples: dict[str, dict[str, list[tuple[float, float]]]] = {name: {} for name in trees}
    for _ in range(rounds):
        for name, tree in trees.items():
            env = {**os.environ, "PYTHONPATH": str(tree)}
            done = subprocess.run(
                [sys.executable, "-c", _SYNC_CPU, str(calls)],
                cwd=tree, env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            for label, pair in json.loads(done.stdout).items():
                samples[name].setdefault(label, []).append(tuple(pair))
    for label in samples["new"]:
        old = statistics.median(cpu for cpu, _ in samples["old"][label]) * 1e6
        new = statistics.median(cpu for cpu, _ in samples["new"][label]) * 1e6
        figure(
            f"webwxsync CPU per call ({label} reply)",
            new,
            "us",
            "lean: no per-call environment lookups, pool reused, headers built once",
            old_us=round(old, 1),
            new_us=round(new, 1),
            old_wall_us=round(statistics.median(w for _, w in samples["old"][label]) * 1e6, 1),
            new_wall_us=round(statistics.median(w for _, w in samples["new"][label]) * 1e6, 1),
            rounds=rounds,
            calls=calls,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="the medium scenario, two runs")
    parser.add_argument("--sync-ab", type=Path, metavar="OLD_TREE", help="webwxsync CPU: OLD_TREE vs this")
    parser.add_argument("--rounds", type=int, default=5, help="--sync-ab: rounds (each runs both)")
    parser.add_argument("--calls", type=int, default=500, help="--sync-ab: webwxsync calls per run")
    args = parser.parse_args()
    if args.sync_ab is not None:
        sync_cpu_ab(args.sync_ab, args.rounds, args.calls)
        return
    scenario, runs = ("medium", 2) if args.short else ("large", 5)

    with Simulator(scenario=scenario, seed=0, hold=1.0) as sim, WebClient(sim.base_url) as client:
        uuid = client.jslogin()
        sim.phone.confirm(uuid)
        client.new_login_page(client.poll_login(uuid).redirect_uri)
        # Every room the account is in, saved to contacts or not (unsaved ones a client learns of
        # through sync): the heaviest load of members there is.
        world = sim.world
        rooms = [world.user_name(("room", rid)) for rid in sorted(world.rooms) if world.in_room(rid)]
        load(client, rooms)  # warm-up: connections, caches of lazily drawn UserNames
        results = [load(client, rooms) for _ in range(runs)]
        assert sim.errors == [], sim.errors

    last = results[-1]
    median = {
        step: statistics.median(float(r[step]) for r in results)
        for step in ("total", "init", "contacts", "members")
    }
    figure(
        f"client full contact load ({scenario})",
        median["total"],
        "s",
        "<= 2 s (large)",
        runs=runs,
        init_s=round(median["init"], 3),
        getcontact_s=round(median["contacts"], 3),
        batchgetcontact_s=round(median["members"], 3),
        contacts=last["n_contacts"],
        rooms=last["n_rooms"],
        members=last["n_members"],
    )


if __name__ == "__main__":
    main()
