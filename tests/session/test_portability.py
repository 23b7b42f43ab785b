"""The whole account walk on a Python without POSIX-only calls (as on Windows).

Windows has no ``select.poll`` and no ``fcntl``. wxnb must not need them: a subprocess removes both
before anything of wxnb is imported, then logs in to the simulator, reads contacts, receives a message
through the sync, sends one, and logs out. Any use of either (or of a library path that needs them
without a fallback) fails the walk.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

WALK = textwrap.dedent(
    """
    import json, select, sys
    if hasattr(select, "poll"):
        del select.poll                      # Windows has no poll()
    sys.modules["fcntl"] = None              # ... and no fcntl: `import fcntl` raises ImportError

    from wxnb import Session
    from wxnb.sim import Simulator

    data_dir = sys.argv[1]
    with Simulator(scenario="tiny", hold=0.3, seed=5) as sim:
        session = Session(sim.base_url, data_dir=data_dir).start()
        try:
            uuid = sim.phone.wait_for_login()
            sim.phone.confirm(uuid)
            session.wait_ready(30)
            friends = session.friends
            friend = friends.iloc[0]
            msg_id = sim.phone.send(friend["user_name"], "hello from the phone")
            got = session.wait_for(lambda m: m.msg_id == msg_id, timeout=30)
            sent = session.send(friend["key"], "hello back")
            in_table = int((session.messages["msg_id"] == sent.msg_id).sum())
            session.logout()
            print(json.dumps({
                "friends": len(friends),
                "received": got.text,
                "sent_rows": in_table,
                "state": session.status.state,
                "logout_reason": session.status.logout_reason,
                "poll_gone": not hasattr(select, "poll"),
                "sim_errors": len(sim.errors),
            }))
        finally:
            session.close()
    """
)


def test_login_sync_send_logout_without_poll_or_fcntl(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WALK, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["poll_gone"] is True
    assert result["friends"] > 0
    assert result["received"] == "hello from the phone"
    assert result["sent_rows"] == 1
    assert result["state"] == "closed"  # logout() ends in close(), as in tests/session/test_actions.py
    assert "logout" in result["logout_reason"]
    assert result["sim_errors"] == 0
