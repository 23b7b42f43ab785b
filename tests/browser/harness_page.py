"""Drive the harness page: mount the login bundle with a model state, update it, read it back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

from tests.browser.waits import PAGE_LOAD, RENDER, wait_for_js

#: The fixed instant the page's fake clock starts at (2025-01-01T00:00:00Z), in epoch ms.
T0_MS = 1_735_689_600_000


class Harness:
    """One page with the harness loaded, its clock frozen at :data:`T0_MS` until the test moves it."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.context = browser.new_context(viewport={"width": 720, "height": 420}, device_scale_factor=2)
        self.page: Page = self.context.new_page()
        self.base_url = base_url
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on(
            "console", lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None
        )
        self.page.on("request", lambda req: self.requests.append(req.url))
        # Installed a minute early: the installed clock runs at once, and pause_at() may only move
        # forward (pausing at the install time itself fails when a millisecond has passed meanwhile).
        self.page.clock.install(time=(T0_MS - 60_000) / 1000)
        self.page.clock.pause_at(T0_MS / 1000)
        self.page.goto(f"{base_url}/index.html", timeout=PAGE_LOAD.ms)
        wait_for_js(
            self.page, "() => document.documentElement.dataset.harnessReady === '1'", deadline=PAGE_LOAD
        )

    def mount(
        self,
        state: dict[str, Any],
        *,
        kernel_offset_ms: int = 0,
        answer_clock: bool = True,
        heartbeat: bool = True,
        clock_delay_ms: int = 0,
    ) -> None:
        """Draw the view for ``state``; the fake kernel answers the clock request and beats every 5 s
        unless told not to (``answer_clock=False, heartbeat=False``: a view from saved state)."""
        self.page.evaluate(
            "([url, state, opts]) => window.harness.mount(url, state, opts)",
            [
                f"{self.base_url}/static/login.js",
                state,
                {
                    "kernelOffsetMs": kernel_offset_ms,
                    "answerClock": answer_clock,
                    "heartbeat": heartbeat,
                    "clockDelayMs": clock_delay_ms,
                },
            ],
        )
        wait_for_js(self.page, "() => document.querySelector('.wxnb-login') !== null", deadline=RENDER)

    def update(self, values: dict[str, Any]) -> None:
        """Change traits as one hold_sync() batch from Python would."""
        self.page.evaluate("(values) => window.harness.current.model.update(values)", values)

    def stop_kernel(self) -> None:
        """The kernel goes away (restart): no more heartbeats or replies."""
        self.page.evaluate("() => window.harness.current.model.stopKernel()")

    def tick(self, ms: int) -> None:
        """Let the page's clock run ``ms`` forward, firing its timers on the way."""
        self.page.clock.run_for(ms)

    def sent(self) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = self.page.evaluate("() => window.harness.current.model.sent")
        return sent

    def theme(self, name: str) -> None:
        self.page.evaluate("(name) => window.harness.setTheme(name)", name)

    def shot(self, directory: Path, name: str) -> Path:
        path = directory / f"login-{name}.png"
        self.page.locator(".wxnb-login").screenshot(path=str(path), animations="disabled")
        return path

    def close(self) -> None:
        self.context.close()
