"""The ``wxnb`` command: ``wxnb sim`` serves a simulated WeChat on 127.0.0.1 until interrupted.

Example::

    wxnb sim --scenario medium --traffic 2 --auto-confirm 3
    wxnb sim --spec mypackage.worlds:office --port 8000

Subcommands are registered in :func:`build_parser`; ``wxnb demo`` will join ``sim`` there.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wxnb", description="WeChat in a Jupyter notebook.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sim = commands.add_parser(
        "sim",
        help="serve a simulated WeChat (web protocol) on 127.0.0.1",
        description="Serve a simulated WeChat web protocol, with a virtual phone, until Ctrl-C.",
    )
    sim.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sim.add_argument("--port", type=int, default=0, help="port (default 0: a free port)")
    sim.add_argument("--seed", type=int, default=0, help="seed of the world and its traffic (default 0)")
    sim.add_argument(
        "--scenario",
        default="small",
        choices=["tiny", "small", "medium", "large"],
        help="size of the generated world (default small)",
    )
    sim.add_argument(
        "--spec",
        metavar="MODULE:FUNCTION",
        help="serve the WorldSpec returned by FUNCTION() instead of a generated scenario",
    )
    sim.add_argument(
        "--traffic", type=float, default=0.0, metavar="RATE", help="incoming messages per second"
    )
    sim.add_argument(
        "--auto-confirm",
        type=float,
        default=None,
        metavar="SECONDS",
        help="the phone confirms logins by itself",
    )
    sim.add_argument(
        "--login-timeout", type=float, default=300.0, metavar="S", help="QR lifetime (default 300)"
    )
    sim.add_argument("--hold", type=float, default=25.0, metavar="S", help="long-poll hold (default 25)")
    sim.set_defaults(run=_run_sim)
    return parser


def _load_spec(target: str) -> object:
    module_name, sep, function_name = target.partition(":")
    if not sep or not module_name or not function_name:
        raise SystemExit(f"--spec must look like MODULE:FUNCTION, not {target!r}")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as exc:
        raise SystemExit(f"--spec {target}: cannot load it ({exc})") from None
    return function()


def _run_sim(args: argparse.Namespace) -> int:
    from wxnb.sim.simulator import Simulator
    from wxnb.sim.spec import WorldSpec

    spec: WorldSpec | None = None
    if args.spec:
        loaded = _load_spec(args.spec)
        if not isinstance(loaded, WorldSpec):
            raise SystemExit(f"--spec {args.spec} returned {type(loaded).__name__}, not a WorldSpec")
        spec = loaded
    sim = Simulator(
        spec,
        scenario=args.scenario,
        seed=args.seed,
        host=args.host,
        port=args.port,
        hold=args.hold,
        auto_confirm=args.auto_confirm,
        login_timeout=args.login_timeout,
    )
    stop = threading.Event()
    _on_signals(lambda: stop.set())
    with sim:
        base = sim.base_url
        world = sim.world
        print(
            f"wxnb simulator: world {world.name!r}, seed {args.seed}, "
            f"{len(world.friends)} contacts, {len(world.rooms)} rooms"
        )
        print(f"Base URL: {base}")
        print(f"  log in: point a web-protocol client at {base} (jslogin, login, ... all on this one origin)")
        if args.auto_confirm is None:
            print(f"  phone:  curl -X POST {base}/_sim/confirm   (scans and confirms the newest QR code)")
        else:
            print(f"  phone:  confirms every login by itself after {args.auto_confirm:g} s")
        print(f"  control API: {base}/_sim/   (see docs/simulator.md)")
        if args.traffic > 0:
            sim.run_traffic(args.traffic)
            print(f"  traffic: {args.traffic:g} incoming messages per second")
        print("Ctrl-C to stop.", flush=True)
        while not stop.wait(0.5):
            if sim.errors:
                print(f"internal error in the simulator: {sim.errors[-1]!r}", file=sys.stderr, flush=True)
                sim.errors.clear()
    print("wxnb simulator stopped.", flush=True)
    return 0


def _on_signals(stop: Callable[[], None]) -> None:
    """Ctrl-C (SIGINT) and SIGTERM both stop the server cleanly."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wxnb`` command."""
    args = build_parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
