"""The ``wxnb`` command: ``wxnb sim`` serves a simulated WeChat on 127.0.0.1 until interrupted;
``wxnb demo`` serves the tutorial notebooks in JupyterLab (each logs in to its own simulator);
``wxnb demo --terminal`` logs in to one in this process and prints live messages and the status;
``wxnb demo --execute OUT`` runs every notebook headless and writes them, executed, with their HTML.

Example::

    wxnb sim --scenario medium --traffic 2 --auto-confirm 3 --history-days 28
    wxnb sim --spec mypackage.worlds:office --port 8000
    wxnb demo                      # JupyterLab on the notebooks; Ctrl-C to stop
    wxnb demo --terminal --duration 10   # the terminal demo, a smoke test that stops by itself
    wxnb demo --execute out/       # out/01-login-and-explore.ipynb, .html, ...

Subcommands are registered in :func:`build_parser`.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

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
    sim.add_argument(
        "--history-days",
        type=float,
        default=0.0,
        metavar="DAYS",
        help="days of past conversations a login's first sync delivers (default 0)",
    )
    sim.set_defaults(run=_run_sim)
    demo = commands.add_parser(
        "demo",
        help="the tutorial notebooks in JupyterLab, on a simulated WeChat (or --terminal, --execute)",
        description=(
            "Serve the tutorial notebooks in JupyterLab on 127.0.0.1 and print its URL (a browser opens "
            "where there is a display); each notebook's wxnb.demo() logs in to a simulated WeChat in its "
            "kernel. --terminal: log in to one in this process (the QR code as text, the simulated phone "
            "confirms it) and print messages and a status line until Ctrl-C or --duration. "
            "--execute OUT: run every notebook headless against a fresh simulator and write the executed "
            "notebooks and their HTML to OUT."
        ),
    )
    mode = demo.add_mutually_exclusive_group()
    mode.add_argument("--terminal", action="store_true", help="the terminal demo instead of JupyterLab")
    mode.add_argument("--execute", metavar="OUT", help="run every notebook headless; write them to OUT")
    demo.add_argument(
        "--scenario",
        default=None,
        choices=["tiny", "small", "medium", "large"],
        help="size of the simulated world (default medium; small with --execute)",
    )
    demo.add_argument("--seed", type=int, default=0, help="seed of the world and its traffic (default 0)")
    demo.add_argument(
        "--traffic", type=float, default=2.0, metavar="RATE", help="incoming messages per second (default 2)"
    )
    demo.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="S",
        help="terminal demo: stop after S seconds (default: Ctrl-C); implies --terminal",
    )
    demo.add_argument(
        "--status-every",
        type=float,
        default=None,
        metavar="S",
        help="terminal demo: status line interval (default 5); implies --terminal",
    )
    demo.add_argument(
        "--no-browser", action="store_true", help="JupyterLab: never open a browser (only print the URL)"
    )
    demo.add_argument("--data-dir", default=None, help="keep the archive here (default: a temporary dir)")
    demo.set_defaults(run=_run_demo)
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
        history_days=args.history_days,
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


def _run_demo(args: argparse.Namespace) -> int:
    terminal = args.terminal or args.duration is not None or args.status_every is not None
    if args.execute is not None and terminal:
        raise SystemExit("--execute runs the notebooks: --duration and --status-every are for --terminal")
    if args.execute is not None:
        return _run_execute(args)
    if terminal:
        return _run_terminal_demo(args)
    return _run_lab(args)


def _run_execute(args: argparse.Namespace) -> int:
    from wxnb.errors import Error
    from wxnb.tutorials import execute_notebooks

    try:
        written = execute_notebooks(
            args.execute,
            scenario=args.scenario or "small",
            traffic=args.traffic,
            progress=lambda line: print(line, flush=True),
        )
    except Error as exc:
        print(f"wxnb demo --execute: {exc}", file=sys.stderr, flush=True)
        return 1
    print(f"{len(written)} notebooks executed; notebooks and HTML in {args.execute}", flush=True)
    return 0


def _run_lab(args: argparse.Namespace) -> int:
    from wxnb.errors import Error
    from wxnb.tutorials import has_display, serve_lab

    stop = threading.Event()
    _on_signals(lambda: stop.set())
    browser = False if args.no_browser else None

    def ready(url: str) -> None:
        print(f"\nwxnb demo: JupyterLab is serving the tutorial notebooks at\n\n    {url}\n", flush=True)
        if browser is None and has_display():
            print("(opening it in your browser) Ctrl-C to stop.", flush=True)
        else:
            print("Open that URL in a browser on this machine. Ctrl-C to stop.", flush=True)

    print("wxnb demo: starting JupyterLab on the tutorial notebooks...", flush=True)
    try:
        return serve_lab(scenario=args.scenario, open_browser=browser, stop=stop, ready=ready)
    except Error as exc:
        print(f"wxnb demo: {exc}", file=sys.stderr, flush=True)
        return 1


def _run_terminal_demo(args: argparse.Namespace) -> int:
    import time

    from wxnb.entry import demo

    if args.status_every is None:
        args.status_every = 5.0
    if args.scenario is None:
        args.scenario = "medium"
    stop = threading.Event()
    _on_signals(lambda: stop.set())
    print(f"wxnb demo: a simulated WeChat ({args.scenario} world), logging in...", flush=True)
    session = demo(
        args.scenario,
        traffic=args.traffic,
        seed=args.seed,
        data_dir=args.data_dir,
        show="terminal",
        history_days=0,  # a terminal shows live messages: no backlog scrolling by
    )
    with session:

        def show(message: Any) -> None:
            if message.category == "status":
                return  # the phone's "chats opened" notices
            chat, sender = session.names_of(message)
            text = message.text.replace("\n", " ")[:80] or f"[{message.category}]"
            print(f"  {chat or message.chat[:14]} · {sender or message.sender[:14]}: {text}", flush=True)

        session.on("message", show)
        print(f"Logged in as {session.status.nickname}; live messages follow. Ctrl-C to stop.", flush=True)
        started = time.monotonic()
        next_status = started + args.status_every
        while not stop.is_set():
            now = time.monotonic()
            if args.duration is not None and now - started >= args.duration:
                break
            if now >= next_status:
                print(f"[status] {session.status.describe()}", flush=True)
                next_status = now + args.status_every
            wait = next_status - now
            if args.duration is not None:
                wait = min(wait, started + args.duration - now)
            stop.wait(max(0.0, min(wait, 0.5)))
            if not session.status.alive:
                print(f"[status] {session.status.describe()}", flush=True)
                return 1
        print(f"[status] {session.status.describe()}", flush=True)
    print("wxnb demo stopped.", flush=True)
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
