"""webwxgetmedia: a file message's bytes from the file host, whole or one Range at a time."""

from __future__ import annotations

from urllib.parse import unquote

from tests.sim.conftest import ANN
from tests.sim.helpers import WebClient
from wxnb.sim.simulator import Simulator

SIZE = 200_003  # not a multiple of the block: the last range is short


def file_message(sim: Simulator, client: WebClient, name: str = "报告 final.pdf") -> dict[str, object]:
    client.drain()
    msg_id = sim.phone.send(("friend", ANN), kind="file", fields={"file_name": name, "file_size": SIZE})
    return next(m for m in client.drain() if m["MsgId"] == msg_id)


def test_a_file_downloads_whole_and_the_same_twice(sim: Simulator, client: WebClient) -> None:
    message = file_message(sim, client)
    reply = client.get("webwxgetmedia", mediaid=str(message["MediaId"]), sender=str(message["FromUserName"]))
    assert reply.status_code == 200 and len(reply.content) == SIZE
    assert reply.headers["Accept-Ranges"] == "bytes"
    assert unquote(reply.headers["Content-Disposition"].split("''", 1)[1]) == "报告 final.pdf"
    again = client.get("webwxgetmedia", mediaid=str(message["MediaId"]))
    assert again.content == reply.content


def test_ranges_are_the_slices_of_the_whole(sim: Simulator, client: WebClient) -> None:
    message = file_message(sim, client)
    url = f"{sim.base_url}/cgi-bin/mmwebwx-bin/webwxgetmedia?mediaid={message['MediaId']}"
    whole = client.http.get(url).content
    for spec, first, last in (
        ("bytes=0-99", 0, 99),
        ("bytes=4090-4200", 4090, 4200),  # across a block boundary
        ("bytes=200000-", 200_000, SIZE - 1),
        ("bytes=-3", SIZE - 3, SIZE - 1),
        ("bytes=199990-999999", 199_990, SIZE - 1),  # past the end: cut
    ):
        part = client.http.get(url, headers={"Range": spec})
        assert part.status_code == 206, spec
        assert part.headers["Content-Range"] == f"bytes {first}-{last}/{SIZE}", spec
        assert part.content == whole[first : last + 1], spec
    # Resuming a download: the parts put together are the file.
    halves = [client.http.get(url, headers={"Range": r}).content for r in ("bytes=0-99999", "bytes=100000-")]
    assert b"".join(halves) == whole


def test_bad_ranges_and_unknown_files(sim: Simulator, client: WebClient) -> None:
    message = file_message(sim, client)
    url = f"{sim.base_url}/cgi-bin/mmwebwx-bin/webwxgetmedia?mediaid={message['MediaId']}"
    past = client.http.get(url, headers={"Range": f"bytes={SIZE}-"})
    assert past.status_code == 416 and past.headers["Content-Range"] == f"bytes */{SIZE}"
    assert client.http.get(url, headers={"Range": "bytes=0-1,5-6"}).status_code == 200  # several: the whole
    assert client.http.get(url, headers={"Range": "lines=1-2"}).status_code == 200
    assert client.get("webwxgetmedia", mediaid="@crypt_nothing").status_code == 404
    assert client.get("webwxgetmedia").status_code == 404


def test_without_a_login_nothing_is_served(sim: Simulator, client: WebClient) -> None:
    message = file_message(sim, client)
    stranger = WebClient(sim.base_url)
    try:
        reply = stranger.http.get(
            f"{sim.base_url}/cgi-bin/mmwebwx-bin/webwxgetmedia?mediaid={message['MediaId']}"
        )
        assert reply.json()["BaseResponse"]["Ret"] != 0  # refused, as every GET without a session
    finally:
        stranger.close()
