"""Credentials: BaseRequest, atomic 0600 file, typed errors for corrupt or foreign files."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from tests.unit import protocol_samples as s
from wxnb.protocol.credentials import Credentials, Hosts
from wxnb.protocol.errors import CredentialsFileError
from wxnb.protocol.text_replies import parse_login_xml


def _creds() -> Credentials:
    ticket = parse_login_xml(s.LOGIN_XML_PROTOCOL)
    hosts = Hosts.from_redirect(s.REDIRECT_SEED002)
    cookies = {"wxuin": s.WXUIN, "wxsid": s.WXSID, "webwx_data_ticket": "gSf/x+Y=", "mm_lang": "zh_CN"}
    return Credentials.from_login(ticket, hosts, cookies, device_id="e123456789012345").with_changes(
        user_name=s.ME
    )


def test_from_login_and_base_request() -> None:
    creds = _creds()
    assert creds.base_request() == {
        "Uin": int(s.WXUIN),
        "Sid": s.WXSID,
        "Skey": s.SKEY,
        "DeviceID": "e123456789012345",
    }
    assert isinstance(creds.base_request()["Uin"], int)
    assert creds.pass_ticket == s.PASS_TICKET


def test_from_login_makes_a_device_id_when_none_given() -> None:
    ticket = parse_login_xml(s.LOGIN_XML_PROTOCOL)
    device = Credentials.from_login(ticket, Hosts.for_base()).device_id
    assert len(device) == 16 and device.startswith("e")


def test_with_changes_keeps_the_rest() -> None:
    creds = _creds()
    newer = creds.with_changes(skey="@crypt_new")
    assert newer.skey == "@crypt_new"
    assert (newer.sid, newer.uin, newer.hosts) == (creds.sid, creds.uin, creds.hosts)
    assert creds.skey == s.SKEY


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    creds = _creds()
    path = tmp_path / "deep" / "dir" / "creds.json"
    creds.save(path)
    assert Credentials.load(path) == creds
    assert [p.name for p in path.parent.iterdir()] == ["creds.json"]  # no temporary file left


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_saved_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    _creds().save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Overwriting an existing, more open file still leaves a private one.
    path.chmod(0o644)
    _creds().save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_save_replaces_atomically(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    _creds().save(path)
    inode_before = path.stat().st_ino
    _creds().with_changes(skey="@crypt_2").save(path)
    assert Credentials.load(path).skey == "@crypt_2"
    assert path.stat().st_ino != inode_before or os.name == "nt"  # a new file was renamed over it


def test_load_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Credentials.load(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"\x00\xff garbage", "not JSON"),
        (b"{not json", "not JSON"),
        (b"[]", "not written by wxnb"),
        (json.dumps({"format": "other-app", "version": 1}).encode(), "not written by wxnb"),
        (json.dumps({"format": "wxnb-credentials", "version": 99}).encode(), "version"),
        (json.dumps({"format": "wxnb-credentials", "version": 1}).encode(), "missing or has the wrong type"),
    ],
)
def test_corrupt_or_foreign_files_raise_a_typed_error(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "creds.json"
    path.write_bytes(content)
    with pytest.raises(CredentialsFileError, match=match) as info:
        Credentials.load(path)
    assert "log in again" in str(info.value)


@pytest.mark.parametrize(
    "change",
    [
        {"uin": "2663483803"},
        {"sid": 5},
        {"cookies": {"a": 1}},
        {"cookies": []},
        {"hosts": {"login": "x"}},
        {"hosts": {"login": "ftp://a", "api": "ftp://a", "push": "ftp://a", "file": "ftp://a"}},
    ],
)
def test_fields_of_the_wrong_type_are_refused(tmp_path: Path, change: dict[str, object]) -> None:
    data = _creds().to_json()
    data.update(change)
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CredentialsFileError) as info:
        Credentials.load(path)
    for secret in (s.SKEY, s.WXSID, s.WXUIN, s.PASS_TICKET):
        assert secret not in str(info.value)
