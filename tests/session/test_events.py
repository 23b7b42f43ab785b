"""Event callbacks: subscribe, unsubscribe, failures contained and reported."""

from __future__ import annotations

import logging

import pytest

from wxnb.session.events import ContactsChange, EventHub


def test_callbacks_run_in_order_and_unsubscribe_stops_them() -> None:
    hub = EventHub()
    calls: list[tuple[str, object]] = []
    first = hub.on("message", lambda p: calls.append(("first", p)))
    hub.on("message", lambda p: calls.append(("second", p)))
    hub.emit_each("message", [1, 2])
    first()
    first()  # twice is harmless
    hub.emit("message", 3)
    assert calls == [("first", 1), ("second", 1), ("first", 2), ("second", 2), ("second", 3)]


def test_a_failing_callback_is_logged_reported_and_does_not_stop_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    errors: list[tuple[str, BaseException]] = []
    hub = EventHub(on_error=lambda kind, exc: errors.append((kind, exc)))
    got: list[object] = []

    def broken(payload: object) -> None:
        raise RuntimeError("boom")

    hub.on("status", broken)
    hub.on("status", got.append)
    with caplog.at_level(logging.ERROR, logger="wxnb.session"):
        hub.emit("status", "s1")
    assert got == ["s1"]
    assert [(k, str(e)) for k, e in errors] == [("status", "boom")]
    assert "boom" in caplog.text


def test_unknown_kinds_and_non_callables_are_refused() -> None:
    hub = EventHub()
    with pytest.raises(ValueError, match="message, contacts, status"):
        hub.on("messages", print)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hub.on("message", "print")  # type: ignore[arg-type]
    assert not hub.has("message")


def test_contacts_change_is_falsy_when_empty() -> None:
    assert not ContactsChange()
    assert ContactsChange(removed=("@a",))
