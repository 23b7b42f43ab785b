"""The status board: states, counters, redaction, immutable snapshots."""

from __future__ import annotations

from wxnb.session.status import SessionStatus, StatusBoard


def test_a_snapshot_never_changes_after_later_updates() -> None:
    board = StatusBoard()
    board.set_state("online", nickname="Ann")
    before = board.snapshot()
    board.record_batch(messages=5, latency=0.01)
    after = board.snapshot()
    assert (before.messages_received, before.batches, before.last_sync) == (0, 0, None)
    assert (after.messages_received, after.batches, after.sync_latency) == (5, 1, 0.01)
    assert after.last_sync is not None


def test_a_new_state_sets_since_and_a_retry_enters_reconnecting_until_a_batch_succeeds() -> None:
    board = StatusBoard()
    online = board.set_state("online")
    retrying = board.record_retry("synccheck: the connection was reset", reconnecting=True)
    assert retrying.state == "reconnecting" and retrying.since >= online.since
    assert (retrying.reconnects, retrying.errors) == (1, 1)
    assert retrying.retrying_since is not None
    healthy = board.record_batch(messages=0, latency=None)
    assert healthy.state == "online" and healthy.retrying_since is None
    assert healthy.reconnects == 1  # the count stays: it is history


def test_an_http_retry_is_counted_without_leaving_online() -> None:
    board = StatusBoard()
    board.set_state("online")
    status = board.record_retry("webwxsync: HTTP 502", reconnecting=False)
    assert status.state == "online" and status.reconnects == 1


def test_final_states_stay_except_for_closed() -> None:
    board = StatusBoard()
    board.set_state("logged_out", logout_code=1100, logout_reason="logged out on the phone")
    board.set_state("online")
    board.set_state("failed", logout_code=1, logout_reason="x")
    status = board.snapshot()
    assert (status.state, status.logout_code, status.logout_reason) == (
        "logged_out",
        1100,
        "logged out on the phone",
    )
    closed = board.set_state("closed")
    assert closed.state == "closed" and closed.logout_code == 1100
    assert not closed.alive and not closed.ready


def test_errors_are_redacted_and_the_repr_shows_no_secret() -> None:
    board = StatusBoard()
    board.record_retry("synccheck?skey=@crypt_ab_12&sid=GLREC&uin=2663483803 failed", reconnecting=True)
    status = board.update(last_error='"Uin": 2663483803, <wxsid>GLREC</wxsid>')
    for text in (status.last_error or "", repr(status), status.describe()):
        assert "2663483803" not in text and "GLREC" not in text and "@crypt_ab_12" not in text


def test_every_change_is_published_once_and_no_change_is_not_published() -> None:
    seen: list[SessionStatus] = []
    board = StatusBoard(on_change=seen.append)
    board.set_state("online")
    board.set_state("online")
    board.count("quarantined", 2)
    board.count("callback_errors", quiet=True)
    assert [s.state for s in seen] == ["online", "online"]
    assert seen[-1].quarantined == 2
    assert board.snapshot().callback_errors == 1


def test_describe_is_one_readable_line() -> None:
    board = StatusBoard()
    board.set_state("online", nickname="Ann")
    board.record_batch(messages=3, latency=0.002)
    line = board.snapshot().describe()
    assert line.startswith("Ann · online since ")
    assert "3 messages" in line and "0 reconnects" in line and "latency 2.0 ms" in line
    assert "\n" not in line


def test_unknown_states_are_refused() -> None:
    board = StatusBoard()
    try:
        board.update(state="sleeping")
    except ValueError as exc:
        assert "sleeping" in str(exc)
    else:
        raise AssertionError("an unknown state was accepted")
