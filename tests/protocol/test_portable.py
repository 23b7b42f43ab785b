"""No POSIX-only call in the protocol layer: the whole protocol walk runs where ``select.poll`` and
``fcntl`` do not exist (as on Windows), in a fresh interpreter that removes them before wxnb is imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]

_WALK = """
import select, sys
del select.poll                 # Windows has no poll()
sys.modules["fcntl"] = None     # ... and no fcntl: importing it raises ImportError

from wxnb.protocol import WebClient
from wxnb.sim.simulator import Simulator

with Simulator(scenario="tiny", hold=0.2) as sim, WebClient(sim.base_url) as client:
    uuid = client.jslogin()
    sim.phone.confirm(uuid)
    poll = client.poll_login(uuid)
    client.new_login_page(poll.redirect_uri)
    init = client.init()
    contacts = client.get_contacts()
    msg_id = sim.phone.send(("friend", 1), "ping")
    assert client.sync_check(init.sync_key).needs_sync
    reply = client.sync(init.sync_key)
    assert msg_id in [m.msg_id for m in reply.messages]
    sent = client.send_text("filehelper", "pong")
    client.logout()
    assert "fcntl" not in {m for m in sys.modules if sys.modules[m] is not None}
    print("walked", len(contacts) > 0, bool(sent.msg_id))
"""


def test_the_protocol_walk_needs_neither_poll_nor_fcntl() -> None:
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", _WALK], cwd=_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "walked True True"
