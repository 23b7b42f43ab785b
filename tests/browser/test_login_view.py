"""The login view in real Chromium: every phase, live updates, text safety, themes, cleanup.

Model states are produced by the real LoginWidget (Python), so these tests also prove that what
Python sends is what the view accepts. Screenshots of each state go to test-output/.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from tests.browser.harness_page import T0_MS, Harness
from tests.browser.waits import IMAGE, is_shown, text_of, wait_for_js, wait_for_text
from tests.pictures import png_bytes
from wxnb.widgets import LoginWidget, StatusView

LOGIN_URL = "https://login.weixin.qq.com/l/gZ-ab_12Qw=="
SCHEMA = ("phase", "qr", "expires_at", "avatar", "message", "hint", "status")
BLOCKED = "为了你的帐号安全，此微信号不能登录网页微信。你可以使用Windows微信或Mac微信在电脑端登录。"
T0_S = T0_MS / 1000


def state(build: Any) -> dict[str, Any]:
    """What a view gets after ``build(widget)`` ran on a fresh LoginWidget: the synced traits, and
    the QR (a message, never a trait: the harness's fake model sends it as LoginWidget does)."""
    widget = LoginWidget(min_interval=0, heartbeat=None)
    try:
        build(widget)
        widget.flush()
        full = {**widget.get_state(), "qr": widget.qr}
        return {k: full[k] for k in SCHEMA}
    finally:
        widget.close()


def waiting(text: str = LOGIN_URL, seconds_left: float = 125) -> dict[str, Any]:
    return state(lambda w: w.show_qr(text, expires_at=T0_S + seconds_left))


def avatar_url(seed: int = 1) -> str:
    return "data:img/jpg;base64," + base64.b64encode(png_bytes(64, seed)).decode()


def ready(**fields: Any) -> dict[str, Any]:
    view = StatusView(**{"nickname": "Ann 🌸", "contacts": 120, "rooms": 8, "messages": 1234, **fields})
    return state(lambda w: w.show_status(view))


def image_decoded(h: Harness, selector: str) -> None:
    wait_for_js(
        h.page,
        "(sel) => { const i = document.querySelector(sel); return i && i.complete && i.naturalWidth > 0; }",
        selector,
        deadline=IMAGE,
    )


def test_waiting_shows_the_qr_and_a_countdown_that_ticks(harness: Harness, screenshots: Path) -> None:
    s = waiting(seconds_left=125)
    harness.mount(s)
    assert harness.page.get_attribute(".wxnb-login__qr", "src") == s["qr"]
    image_decoded(harness, ".wxnb-login__qr")
    assert text_of(harness.page, ".wxnb-login__title") == "Scan with WeChat on your phone"
    assert text_of(harness.page, ".wxnb-login__countdown") == "Expires in 2:05"
    assert is_shown(harness.page, ".wxnb-login__new-code")
    harness.shot(screenshots, "waiting-light")
    harness.tick(3_000)
    assert text_of(harness.page, ".wxnb-login__countdown") == "Expires in 2:02"
    harness.tick(122_000)
    assert text_of(harness.page, ".wxnb-login__countdown") == "Expired"
    assert text_of(harness.page, ".wxnb-login__title") == "This code has expired"


def test_countdown_follows_the_kernels_clock_not_the_browsers(harness: Harness) -> None:
    # The kernel's clock is an hour ahead; its code expires 60 s after *its* now.
    hour = 3_600_000
    s = state(lambda w: w.show_qr(LOGIN_URL, expires_at=(T0_MS + hour) / 1000 + 60))
    harness.mount(s, kernel_offset_ms=hour)
    wait_for_text(harness.page, ".wxnb-login__countdown", "Expires in 1:00")
    assert harness.sent()[0]["type"] == "clock"


def test_a_late_clock_reply_from_a_busy_kernel_does_not_skew_the_countdown(harness: Harness) -> None:
    # The kernel is 9 s ahead and busy: it answers the clock request 30 s late (stamped then). Its
    # heartbeats keep coming. One round trip's midpoint would put the clock 15 s off ("3:15").
    ahead = 9_000
    s = state(lambda w: w.show_qr(LOGIN_URL, expires_at=(T0_MS + ahead) / 1000 + 240))
    harness.mount(s, kernel_offset_ms=ahead, clock_delay_ms=30_000)
    harness.tick(31_000)
    assert text_of(harness.page, ".wxnb-login__countdown") == "Expires in 3:29"


def test_scan_confirm_ready_arrive_as_live_updates(harness: Harness, screenshots: Path) -> None:
    harness.mount(waiting())
    harness.update(state(lambda w: w.show_scanned(avatar_url())))
    # The change event redraws at once: no timer tick is needed for the avatar to appear.
    assert is_shown(harness.page, ".wxnb-login__avatar") and not is_shown(harness.page, ".wxnb-login__qr")
    image_decoded(harness, ".wxnb-login__avatar")
    assert text_of(harness.page, ".wxnb-login__title") == "Scanned: confirm the login on your phone"
    assert not is_shown(harness.page, ".wxnb-login__new-code")
    harness.shot(screenshots, "scanned-light")
    harness.update({"phase": "confirming"})
    assert text_of(harness.page, ".wxnb-login__title") == "Confirmed: loading your contacts…"
    assert is_shown(harness.page, ".wxnb-login__avatar")
    harness.shot(screenshots, "confirming-light")
    harness.update(ready(last_sync=T0_S))
    assert is_shown(harness.page, ".wxnb-login__status") and not is_shown(harness.page, ".wxnb-login__card")


def test_starting_shows_a_spinner_and_no_button(harness: Harness, screenshots: Path) -> None:
    harness.mount(state(lambda w: w.show_phase("starting")))
    assert text_of(harness.page, ".wxnb-login__title") == "Getting a login code…"
    assert is_shown(harness.page, ".wxnb-login__spinner")
    assert not is_shown(harness.page, ".wxnb-login__new-code")
    harness.shot(screenshots, "starting-light")


def test_expired_then_a_fresh_qr_appears_by_itself(harness: Harness, screenshots: Path) -> None:
    first = waiting()
    harness.mount(first)
    harness.update(state(lambda w: w.show_phase("expired")))
    assert text_of(harness.page, ".wxnb-login__title") == "The code expired: getting a new one…"
    assert not is_shown(harness.page, ".wxnb-login__qr")
    assert is_shown(harness.page, ".wxnb-login__new-code")
    harness.shot(screenshots, "expired-light")
    second = waiting(text=LOGIN_URL.replace("gZ", "Xy"), seconds_left=240)
    assert second["qr"] != first["qr"]
    harness.update(second)
    assert harness.page.get_attribute(".wxnb-login__qr", "src") == second["qr"]
    assert text_of(harness.page, ".wxnb-login__countdown") == "Expires in 4:00"


def test_blocked_shows_the_servers_message_and_what_to_do(harness: Harness, screenshots: Path) -> None:
    harness.mount(state(lambda w: w.show_blocked(BLOCKED)))
    assert text_of(harness.page, ".wxnb-login__title") == "WeChat refused web login for this account"
    assert text_of(harness.page, ".wxnb-login__message") == BLOCKED
    assert "WeChat for Windows or macOS" in text_of(harness.page, ".wxnb-login__hint")
    assert not is_shown(harness.page, ".wxnb-login__new-code")
    harness.shot(screenshots, "blocked-light")


def test_failed_shows_the_error_and_offers_a_new_code(harness: Harness, screenshots: Path) -> None:
    error = "The login server did not answer (timed out after 30 s)."
    harness.mount(state(lambda w: w.show_failed(error, hint="Check the network, then ask for a new code.")))
    assert text_of(harness.page, ".wxnb-login__message") == error
    assert is_shown(harness.page, ".wxnb-login__new-code")
    harness.shot(screenshots, "failed-light")


def test_status_line_counts_and_last_sync_ticking_locally(harness: Harness, screenshots: Path) -> None:
    harness.mount(ready(avatar=avatar_url(3), last_sync=T0_S - 3, reconnects=0))
    assert text_of(harness.page, ".wxnb-login__nickname") == "Ann 🌸"
    assert text_of(harness.page, ".wxnb-login__counts") == "120 contacts · 8 rooms · 1,234 messages"
    assert text_of(harness.page, ".wxnb-login__sync") == "synced 3 s ago"
    image_decoded(harness, ".wxnb-login__status-avatar")
    harness.shot(screenshots, "ready-light")
    sent_before = len(harness.sent())
    harness.tick(2_000)
    assert text_of(harness.page, ".wxnb-login__sync") == "synced 5 s ago"
    assert len(harness.sent()) == sent_before  # ticking needs nothing from Python
    harness.tick(60_000)
    assert text_of(harness.page, ".wxnb-login__sync") == "synced 1 min ago"


def test_reconnecting_and_logged_out_say_why(harness: Harness, screenshots: Path) -> None:
    harness.mount(ready(last_sync=T0_S - 40, state="reconnecting", reason="connection reset", reconnects=2))
    assert text_of(harness.page, ".wxnb-login__state") == "Reconnecting (attempt 2): connection reset"
    assert harness.page.get_attribute(".wxnb-login", "data-tone") == "warn"
    harness.shot(screenshots, "reconnecting-light")
    harness.update(ready(last_sync=T0_S - 40, state="logged_out", reason="logged in elsewhere (1102)"))
    assert text_of(harness.page, ".wxnb-login__state") == "Logged out: logged in elsewhere (1102)"
    assert harness.page.get_attribute(".wxnb-login", "data-tone") == "error"
    harness.shot(screenshots, "logged-out-light")


def test_text_that_looks_like_html_is_shown_as_text(harness: Harness) -> None:
    bold = "<b>x</b>"
    trap = '<img src=x onerror="window.__pwned = 1">'
    harness.mount(state(lambda w: w.show_failed(bold, hint=trap)))
    assert text_of(harness.page, ".wxnb-login__message") == bold
    assert text_of(harness.page, ".wxnb-login__hint") == trap
    harness.update(ready(nickname=trap, reason=bold, state="logged_out"))
    assert text_of(harness.page, ".wxnb-login__nickname") == trap
    assert text_of(harness.page, ".wxnb-login__state") == f"Logged out: {bold}"
    # Every element in the view is one login.js made (class wxnb-login__*): none came from the text.
    injected = harness.page.evaluate(
        "() => [...document.querySelectorAll('.wxnb-login *')]"
        ".filter(n => !n.className.startsWith('wxnb-login__')).length"
    )
    assert injected == 0
    assert harness.page.evaluate("() => window.__pwned") is None
    assert not any(re.search(r"/x$", url) for url in harness.requests)


def test_images_from_anything_but_data_urls_are_not_loaded(harness: Harness) -> None:
    evil = f"{harness.base_url}/evil.png"
    harness.mount({"phase": "waiting", "qr": evil, "expires_at": T0_MS + 60_000})
    harness.update({"phase": "scanned", "avatar": evil})
    harness.update(
        {"phase": "ready", "status": {"nickname": "a", "avatar": "javascript:alert(1)", "state": "online"}}
    )
    assert not any(url.endswith("/evil.png") for url in harness.requests)
    assert not is_shown(harness.page, ".wxnb-login__status-avatar")


def test_new_code_button_sends_the_message_once_until_python_answers(harness: Harness) -> None:
    harness.mount(state(lambda w: w.show_phase("expired")))
    harness.page.click(".wxnb-login__new-code")
    assert {"type": "new_code"} in harness.sent()
    assert harness.page.is_disabled(".wxnb-login__new-code")  # no double requests
    harness.update(waiting())
    assert harness.page.is_enabled(".wxnb-login__new-code")


def test_button_click_reaches_the_python_callback(harness: Harness) -> None:
    """The message the button sends is the one LoginWidget dispatches to on_new_code callbacks."""
    harness.mount(waiting())
    harness.page.click(".wxnb-login__new-code")
    clicks: list[int] = []
    widget = LoginWidget()
    widget.on_new_code(lambda: clicks.append(1))
    for message in harness.sent():
        if message["type"] != "clock":
            widget._handle_custom_msg(message, [])
    widget.close()
    assert clicks == [1]


def rgb(page: Any, selector: str, prop: str) -> str:
    value: str = page.evaluate(
        "([sel, prop]) => getComputedStyle(document.querySelector(sel))[prop]", [selector, prop]
    )
    return value


def test_dark_theme_applies_and_the_qr_stays_black_on_white(harness: Harness, screenshots: Path) -> None:
    harness.theme("dark")
    harness.mount(waiting())
    image_decoded(harness, ".wxnb-login__qr")
    assert rgb(harness.page, ".wxnb-login", "backgroundColor") == "rgb(33, 33, 33)"
    assert rgb(harness.page, ".wxnb-login", "color") == "rgb(255, 255, 255)"
    assert rgb(harness.page, ".wxnb-login__new-code", "backgroundColor") == "rgb(66, 165, 245)"
    assert rgb(harness.page, ".wxnb-login__qr-frame", "backgroundColor") == "rgb(255, 255, 255)"
    harness.shot(screenshots, "waiting-dark")
    harness.update(state(lambda w: w.show_blocked(BLOCKED)))
    harness.shot(screenshots, "blocked-dark")
    harness.update(ready(avatar=avatar_url(3), last_sync=T0_S - 3))
    harness.shot(screenshots, "ready-dark")


def test_without_theme_variables_the_fallbacks_apply(harness: Harness) -> None:
    harness.theme("")
    harness.mount(waiting())
    assert rgb(harness.page, ".wxnb-login", "backgroundColor") == "rgb(255, 255, 255)"
    assert rgb(harness.page, ".wxnb-login__new-code", "backgroundColor") == "rgb(25, 118, 210)"


def test_cleanup_stops_timers_and_detaches_listeners(harness: Harness) -> None:
    harness.mount(ready(last_sync=T0_S))
    assert harness.page.evaluate("() => window.harness.liveTimers()") >= 1
    assert harness.page.evaluate("() => window.harness.current.model.listenerCount()") >= 1
    harness.page.evaluate("() => window.harness.current.cleanup()")
    assert harness.page.evaluate("() => window.harness.liveTimers()") == 0
    assert harness.page.evaluate("() => window.harness.current.model.listenerCount()") == 0
    assert harness.page.evaluate("() => window.harness.current.el.childElementCount") == 0
    harness.update({"phase": "failed", "message": "after cleanup"})  # must not redraw or throw
    harness.tick(5_000)
    assert harness.page.evaluate("() => window.harness.current.el.childElementCount") == 0


def test_two_views_of_one_model_stay_in_step(harness: Harness) -> None:
    harness.mount(waiting())
    harness.page.evaluate(
        """async (url) => {
            const widget = (await import(url)).default;
            const el = document.createElement('div');
            el.id = 'second';
            document.getElementById('stage').append(el);
            window.harness.second = widget.render({ model: window.harness.current.model, el });
        }""",
        f"{harness.base_url}/static/login.js",
    )
    harness.update({"phase": "failed", "message": "both"})
    assert harness.page.evaluate(
        "() => [...document.querySelectorAll('.wxnb-login__message')].map(n => n.textContent)"
    ) == ["both", "both"]


NOT_CONNECTED = "Not connected to a running session — run the cell again"


def test_saved_state_never_claims_online(harness: Harness, screenshots: Path) -> None:
    # A reopened notebook or a saved copy: the model has the last state, no kernel answers.
    harness.mount(ready(mps=30, last_sync=T0_S - 3), answer_clock=False, heartbeat=False)
    assert text_of(harness.page, ".wxnb-login__state") == "Connecting…"
    assert harness.page.get_attribute(".wxnb-login", "data-tone") != "ok"
    harness.tick(16_000)  # three beats missed (and the 1 s redraw)
    assert text_of(harness.page, ".wxnb-login__state") == NOT_CONNECTED
    assert not is_shown(harness.page, ".wxnb-login__sync")
    assert harness.page.get_attribute(".wxnb-login", "data-tone") == "off"
    harness.shot(screenshots, "not-connected-light")
    harness.theme("dark")
    harness.shot(screenshots, "not-connected-dark")


def test_a_restarted_kernel_turns_a_live_view_to_not_connected(harness: Harness) -> None:
    harness.mount(ready(mps=30, last_sync=T0_S - 3))
    assert text_of(harness.page, ".wxnb-login__counts") == (
        "120 friends · 8 rooms · 30 official accounts · 1,234 messages"
    )
    harness.tick(60_000)  # the kernel keeps beating: still online
    assert text_of(harness.page, ".wxnb-login__state") == ""
    assert harness.page.get_attribute(".wxnb-login", "data-tone") == "ok"
    harness.stop_kernel()
    harness.tick(16_000)  # three beats missed (and the 1 s redraw)
    assert text_of(harness.page, ".wxnb-login__state") == NOT_CONNECTED
    assert harness.page.get_attribute(".wxnb-login", "data-tone") == "off"


def test_a_saved_login_shows_no_code_and_says_to_run_the_cell(harness: Harness, screenshots: Path) -> None:
    harness.mount(waiting(), answer_clock=False, heartbeat=False)
    assert not is_shown(harness.page, ".wxnb-login__qr")  # the QR was never in the saved state
    harness.tick(16_000)  # three beats missed (and the 1 s redraw)
    assert text_of(harness.page, ".wxnb-login__title") == NOT_CONNECTED
    assert not is_shown(harness.page, ".wxnb-login__new-code")
    harness.shot(screenshots, "login-not-connected-light")
