"""A full contact load through WebClient: webwxinit + every webwxgetcontact page + the members of every
room via webwxbatchgetcontact (50 rooms a request), against the simulator's large scenario (10,000
friends, 1,000 rooms, ~53,000 memberships).

Target (issue 3): at most 2 s. The simulator runs in this process on 127.0.0.1 (its server thread
renders while the client thread waits on the socket, as a remote server would); the figure is the
median wall time of the whole load over several runs on one login, so it includes the server's
rendering and the loopback transfer as well as the client's decoding. A breakdown per step is printed
with it.

Usage: python bench/bench_client.py [--short]     (--short: the medium scenario, for CI)
"""

from __future__ import annotations

import argparse
import statistics
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="the medium scenario, two runs")
    args = parser.parse_args()
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
