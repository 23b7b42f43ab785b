"""``wxnb.login()`` and ``wxnb.demo()``: a session, shown the right way for where they run.

Choosing between a widget and text is the glue's business, so this sits above both the session and
the notebook layer (:mod:`wxnb.notebook`):

- In a terminal (or a script), ``login()`` returns a plain :class:`~wxnb.session.Session`: it prints
  the QR code as text and blocks until logged in (or raises the typed error: LoginBlocked,
  LoginExpired, ...).
- In a notebook, it returns a :class:`~wxnb.notebook.NotebookSession` at once, its login widget
  displayed; the login runs in the session's thread (the cell must not block: the widget's "New code"
  button needs the kernel). Use ``session.wait_ready(timeout)`` to block when you need to.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import Any, Final, Literal

from wxnb.notebook import NotebookSession, in_notebook
from wxnb.session import LoginEvent, Session
from wxnb.session.terminal import TerminalLoginView

__all__ = ["demo", "login"]

logger = logging.getLogger("wxnb")

Show = Literal["auto", "widget", "terminal", "none"]


def login(
    base_url: str | None = None,
    *,
    data_dir: str | Path | None = None,
    resume: bool = True,
    desktop: bool = True,
    show: Show = "auto",
    timeout: float | None = None,
    on_login_event: Callable[[LoginEvent], None] | None = None,
    tz: tzinfo | str | None = None,
    **options: Any,
) -> Session:
    """Log in to WeChat (or a simulator at ``base_url``) and return the live :class:`Session`.

    In a notebook (or with ``show="widget"``) it is a :class:`~wxnb.notebook.NotebookSession`, which
    shows itself as the login/status widget (``session.widget``); in a terminal, a plain Session.

    ``resume`` (default): reuse the saved credentials of the last login to this server when the
    server still accepts them; else push the login to the phone (confirm there, no scan) when the
    account is known; else show a QR code. ``show``: ``"auto"`` (the widget in a notebook, text in a
    terminal), ``"widget"``, ``"terminal"``, or ``"none"``. ``timeout``: when blocking, give up after
    this many seconds (TimeoutError). ``tz``: the time zone of every table's times (``messages.time``),
    an IANA name such as ``"Asia/Shanghai"`` or ``"UTC"``, or a ``datetime.tzinfo``; default: the
    kernel's local zone, the one the widgets show. Other options go to :class:`Session`
    (``sync=SyncOptions(...)``, ``max_refreshes``, ``push_timeout``, ...).

    Example:
        >>> import wxnb
        >>> session = wxnb.login()                      # doctest: +SKIP
        >>> session.messages.tail()                     # doctest: +SKIP
        >>> utc = wxnb.login(tz="UTC")                  # doctest: +SKIP
        >>> utc.messages.time.dt.tz                     # doctest: +SKIP
        zoneinfo.ZoneInfo(key='UTC')

    Raises (when blocking):
        LoginBlocked: WeChat refuses web login for this account (the reason is in the message).
        LoginExpired: the QR code expired too often. TimeoutError: ``timeout`` passed.
        WxError: another failure, with what to do next.
        InvalidTimeZone (at once): ``tz`` names no time zone.
    """
    notebook = in_notebook()
    mode = show if show != "auto" else "widget" if notebook else "terminal"
    # In a kernel even a session shown as text (or not at all) can show its widget later.
    kind = NotebookSession if mode == "widget" or notebook else Session
    session = kind(
        base_url,
        data_dir=data_dir,
        resume=resume,
        desktop=desktop,
        interactive=mode == "widget",
        on_login_event=on_login_event,
        tz=tz,
        **options,
    )
    if isinstance(session, NotebookSession) and mode == "widget":
        session.show()  # here, on the caller's (main) thread; never from the session's
        session.start()
        return session
    if mode == "terminal":
        session.on("login", TerminalLoginView())
    session.start()
    try:
        session.wait_ready(timeout)
    except BaseException:
        session.close()
        raise
    return session


# Messages a day in the demo's history, by scenario: enough for a chart, quick to deliver at login.
DEMO_HISTORY_PER_DAY: Final = {"tiny": 40.0, "small": 120.0, "medium": 300.0, "large": 600.0}


def demo(
    scenario: str | None = None,
    *,
    traffic: float = 0.5,
    seed: int = 0,
    data_dir: str | Path | None = None,
    show: Show = "auto",
    hold: float = 25.0,
    history_days: float = 28.0,
    confirm_after: float = 2.0,
    tz: tzinfo | str | None = None,
) -> Session:
    """Start a simulated WeChat in this process and log in to it: a lively session to play with.

    The simulator (``scenario``: tiny, small, medium, large; default ``$WXNB_DEMO_SCENARIO``, else
    medium) confirms the login on its own phone ``confirm_after`` seconds after the QR code shows, and
    its contacts write ``traffic`` messages per second. Its first sync delivers ``history_days`` of past
    conversations (0: none), as WeChat delivers the recent messages at login. The archive goes to a
    fresh temporary directory unless ``data_dir`` is given. Closing the session stops the simulator.
    ``tz``: the time zone of the tables' times, as for :func:`login` (default: the kernel's).

    In a notebook it returns at once, showing the login widget (like :func:`login`); call
    ``session.wait_ready(60)`` in a later cell when you need the tables.

    With ``$WXNB_DEMO_URL`` set (``wxnb demo --execute`` sets it for the notebooks it runs), it logs in
    to the simulator already serving at that URL instead (its own scenario, history and traffic).

    Example:
        >>> import wxnb
        >>> session = wxnb.demo()                        # doctest: +SKIP
        >>> session.messages.groupby("chat_name").size()  # doctest: +SKIP
        >>> shanghai = wxnb.demo(tz="Asia/Shanghai")     # doctest: +SKIP
        >>> shanghai.messages.time.dt.hour.value_counts()  # doctest: +SKIP
    """
    from wxnb.sim.simulator import Simulator
    from wxnb.store.columns import resolve_zone

    zone = None if tz is None else resolve_zone(tz)  # a bad zone fails before a simulator starts

    shared = os.environ.get("WXNB_DEMO_URL")
    if shared:
        directory = data_dir if data_dir is not None else tempfile.mkdtemp(prefix="wxnb-demo-")
        return login(shared, data_dir=directory, resume=False, show=show, tz=zone)
    if scenario is None:
        scenario = os.environ.get("WXNB_DEMO_SCENARIO") or "medium"
    sim = Simulator(
        scenario=scenario,
        seed=seed,
        hold=hold,
        auto_confirm=confirm_after,
        history_days=history_days,
        history_per_day=DEMO_HISTORY_PER_DAY.get(scenario, 200.0),
    ).start()
    try:
        directory = data_dir if data_dir is not None else tempfile.mkdtemp(prefix="wxnb-demo-")
        session = login(sim.base_url, data_dir=directory, resume=False, show=show, tz=zone)
    except BaseException:
        sim.close()
        raise
    session.close_with(sim)
    if traffic > 0:
        sim.run_traffic(traffic)
    return session
