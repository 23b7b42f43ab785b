"""A minimal web-protocol client made of plain ``requests`` calls, for testing the simulator.

Deliberately naive and explicit (it is the test's eyes on the wire), not the product's client.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests

from wxnb.sim.simulator import Simulator

API = "/cgi-bin/mmwebwx-bin"


def device_id() -> str:
    return "e" + "".join(random.choice("0123456789") for _ in range(15))


def client_msg_id() -> str:
    return f"{int(time.time() * 1000) * 10_000 + random.randrange(10_000)}"


def wait_for(probe: Callable[[], object], timeout: float = 10.0, what: str = "a condition") -> None:
    """Poll ``probe`` until it is truthy (a deadline, not a sleep-and-hope): AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.002)


def xml_value(xml: str, tag: str) -> str:
    match = re.search(f"<{tag}>(.*?)</{tag}>", xml)
    assert match is not None, f"no <{tag}> in {xml!r}"
    return match.group(1)


class WebClient:
    """One browser-like session against a simulator: a cookie jar and the login credentials."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = requests.Session()
        self.uin = ""
        self.sid = ""
        self.skey = ""
        self.pass_ticket = ""
        self.user_name = ""
        self.sync_key: dict[str, Any] = {}
        self.sync_check_key: dict[str, Any] = {}
        self.init_reply: dict[str, Any] = {}

    def close(self) -> None:
        self.http.close()

    # ---- login --------------------------------------------------------------------------------

    def jslogin(self, desktop: bool = False) -> str:
        params = {
            "appid": "wx782c26e4c19acffb",
            "fun": "new",
            "lang": "zh_CN",
            "_": str(int(time.time() * 1000)),
        }
        if desktop:
            params["redirect_uri"] = "https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?mod=desktop"
        text = self.http.get(f"{self.base}/jslogin", params=params).text
        match = re.fullmatch(r'window\.QRLogin\.code = 200; window\.QRLogin\.uuid = "([^"]+)";', text)
        assert match, text
        return match.group(1)

    def poll(self, uuid: str, tip: int = 1, timeout: float = 30) -> str:
        params = {"loginicon": "true", "uuid": uuid, "tip": str(tip), "r": "-1234", "_": "1"}
        return self.http.get(f"{self.base}{API}/login", params=params, timeout=timeout).text

    def redeem(self, redirect: str, desktop: bool = False) -> requests.Response:
        headers = {}
        if desktop:
            headers = {
                "client-version": "2.0.0",
                "extspam": "Gp8ICJkIEpkICggwMDAwMDAwMRAGGoAI",
                "referer": "x",
            }
        return self.http.get(redirect + "&fun=new&version=v2", headers=headers, allow_redirects=False)

    def login(self, sim: Simulator, desktop: bool = False) -> None:
        uuid = self.jslogin(desktop)
        sim.phone.confirm(uuid)
        text = self.poll(uuid)
        match = re.search(r'window\.redirect_uri="(\S+)";', text)
        assert match, text
        reply = self.redeem(match.group(1), desktop)
        assert reply.status_code == 301, reply.status_code
        self.skey = xml_value(reply.text, "skey")
        self.sid = xml_value(reply.text, "wxsid")
        self.uin = xml_value(reply.text, "wxuin")
        self.pass_ticket = xml_value(reply.text, "pass_ticket")

    # ---- session ------------------------------------------------------------------------------

    @property
    def base_request(self) -> dict[str, Any]:
        return {"Uin": int(self.uin), "Sid": self.sid, "Skey": self.skey, "DeviceID": device_id()}

    def post(self, endpoint: str, body: dict[str, Any] | None = None, **params: str) -> dict[str, Any]:
        payload = {"BaseRequest": self.base_request, **(body or {})}
        params.setdefault("pass_ticket", self.pass_ticket)
        reply = self.http.post(f"{self.base}{API}/{endpoint}", params=params, json=payload, timeout=30)
        assert reply.status_code == 200, (endpoint, reply.status_code, reply.text[:200])
        value: dict[str, Any] = reply.json()
        return value

    def get(self, endpoint: str, **params: str) -> requests.Response:
        return self.http.get(f"{self.base}{API}/{endpoint}", params=params, timeout=30)

    def init(self, notify: bool = True) -> dict[str, Any]:
        reply = self.post("webwxinit", r=str(-int(time.time())))
        assert reply["BaseResponse"]["Ret"] == 0, reply["BaseResponse"]
        self.init_reply = reply
        self.user_name = reply["User"]["UserName"]
        self.sync_key = self.sync_check_key = reply["SyncKey"]
        if notify:
            self.status_notify(3, self.user_name)
        return reply

    def status_notify(self, code: int, to: str) -> dict[str, Any]:
        body = {
            "Code": code,
            "FromUserName": self.user_name,
            "ToUserName": to,
            "ClientMsgId": int(time.time() * 1000),
        }
        return self.post("webwxstatusnotify", body, lang="zh_CN")

    def contacts(self) -> list[dict[str, Any]]:
        """All pages of webwxgetcontact."""
        out: list[dict[str, Any]] = []
        seq = "0"
        while True:
            reply = self.get(
                "webwxgetcontact", r=str(int(time.time() * 1000)), seq=seq, skey=self.skey
            ).json()
            assert reply["BaseResponse"]["Ret"] == 0, reply["BaseResponse"]
            out.extend(reply["MemberList"])
            if reply["Seq"] == 0:
                return out
            seq = str(reply["Seq"])

    def synccheck_url(self, key: dict[str, Any] | None = None) -> str:
        key = key or self.sync_check_key
        synckey = "|".join(f"{k['Key']}_{k['Val']}" for k in key["List"])
        return (
            f"{self.base}{API}/synccheck?r={int(time.time() * 1000)}&skey={quote(self.skey)}"
            f"&sid={quote(self.sid)}"
            f"&uin={self.uin}&deviceid={device_id()}&synckey={quote(synckey)}&_={int(time.time() * 1000)}"
        )

    def synccheck(self, key: dict[str, Any] | None = None, timeout: float = 30) -> tuple[str, str]:
        text = self.http.get(self.synccheck_url(key), timeout=timeout).text
        match = re.fullmatch(r'window\.synccheck=\{retcode:"(\d+)",selector:"(\d+)"\}', text)
        assert match, text
        return match.group(1), match.group(2)

    def sync(self, key: dict[str, Any] | None = None, advance: bool = True) -> dict[str, Any]:
        body = {"SyncKey": key or self.sync_key, "rr": ~int(time.time())}
        reply = self.post("webwxsync", body, sid=self.sid, skey=self.skey)
        if advance and reply["BaseResponse"]["Ret"] == 0:
            self.sync_key = reply["SyncKey"]
            self.sync_check_key = reply["SyncCheckKey"]
        return reply

    def drain(self) -> list[dict[str, Any]]:
        """webwxsync until ContinueFlag is 0; every AddMsgList item, in order."""
        messages: list[dict[str, Any]] = []
        while True:
            reply = self.sync()
            messages.extend(reply["AddMsgList"])
            if not reply["ContinueFlag"]:
                return messages

    def drain_contacts(self) -> dict[str, dict[str, Any]]:
        """webwxsync until ContinueFlag is 0; the ModContactList objects by UserName (newest wins)."""
        changed: dict[str, dict[str, Any]] = {}
        while True:
            reply = self.sync()
            changed.update({c["UserName"]: c for c in reply["ModContactList"]})
            if not reply["ContinueFlag"]:
                return changed

    def drain_deleted(self) -> list[str]:
        """webwxsync until ContinueFlag is 0; the UserNames of DelContactList."""
        deleted: list[str] = []
        while True:
            reply = self.sync()
            deleted += [c["UserName"] for c in reply["DelContactList"]]
            if not reply["ContinueFlag"]:
                return deleted

    def send_text(self, to: str, text: str, client_id: str | None = None) -> dict[str, Any]:
        cid = client_id or client_msg_id()
        msg = {"Type": 1, "Content": text, "FromUserName": self.user_name, "ToUserName": to, "LocalID": cid}
        msg["ClientMsgId"] = cid
        return self.post("webwxsendmsg", {"Msg": msg, "Scene": 0})

    def name_of(self, nickname: str) -> str:
        """The UserName of the contact (from init or getcontact) whose NickName is ``nickname``."""
        for contact in self.contacts() + self.init_reply.get("ContactList", []):
            if contact["NickName"] == nickname:
                return str(contact["UserName"])
        raise AssertionError(f"no contact named {nickname!r}")
