"""The secrets of one logged-in session, and their file on disk.

``Credentials`` is the only state the protocol layer keeps. Its repr and str show no secret; its file
is JSON written atomically (a temporary file, fsync, rename) with mode 0600 so that no other user can
read it and no reader ever sees half a file.

Example:
    >>> creds = Credentials(uin=2663483803, sid="GLRECysse3NhRQe2", skey="@crypt_ae44_e9",
    ...                     pass_ticket="NuMI%2FNg", device_id="e123456789012345",
    ...                     hosts=Hosts.for_base("http://127.0.0.1:9"), user_name="@me")
    >>> creds
    Credentials(api='http://127.0.0.1:9', user_name='@me', secrets hidden)
    >>> creds.base_request()["Uin"]
    2663483803
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from wxnb.protocol.codec import LoginTicket
from wxnb.protocol.errors import CredentialsFileError
from wxnb.protocol.hosts import Hosts
from wxnb.protocol.ids import device_id as new_device_id

__all__ = ["Credentials"]

_FORMAT: Final = "wxnb-credentials"
_VERSION: Final = 1


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """What a session needs to talk to the server: ids, keys, cookies, hosts, and who is logged in.

    ``pass_ticket`` is kept exactly as the login XML gave it (already percent-encoded): put it into a
    query string verbatim. ``cookies`` is a plain ``name → value`` dict. ``user_name`` is "" until
    webwxinit tells who is logged in. Frozen: use :meth:`with_changes` when the server hands out a new
    skey or cookies.
    """

    uin: int
    sid: str
    skey: str
    pass_ticket: str
    device_id: str
    hosts: Hosts
    cookies: dict[str, str] = field(default_factory=dict)
    user_name: str = ""

    @classmethod
    def from_login(
        cls, ticket: LoginTicket, hosts: Hosts, cookies: dict[str, str] | None = None, device_id: str = ""
    ) -> Credentials:
        """Credentials from the login XML (see :func:`~wxnb.protocol.codec.parse_login_xml`)."""
        return cls(
            uin=ticket.wxuin,
            sid=ticket.wxsid,
            skey=ticket.skey,
            pass_ticket=ticket.pass_ticket,
            device_id=device_id or new_device_id(),
            hosts=hosts,
            cookies=dict(cookies or {}),
        )

    def base_request(self) -> dict[str, Any]:
        """The ``BaseRequest`` object of every POST body: ``{Uin (int), Sid, Skey, DeviceID}``."""
        return {"Uin": self.uin, "Sid": self.sid, "Skey": self.skey, "DeviceID": self.device_id}

    def with_changes(self, **changes: Any) -> Credentials:
        """A copy with some fields replaced, e.g. ``creds.with_changes(skey=reply.skey)``."""
        return replace(self, **changes)

    def __repr__(self) -> str:
        return f"Credentials(api={self.hosts.api!r}, user_name={self.user_name!r}, secrets hidden)"

    __str__ = __repr__

    # --- the file ---------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A plain dict with every field (secrets included): only for :meth:`save`."""
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "uin": self.uin,
            "sid": self.sid,
            "skey": self.skey,
            "pass_ticket": self.pass_ticket,
            "device_id": self.device_id,
            "hosts": self.hosts.to_json(),
            "cookies": dict(self.cookies),
            "user_name": self.user_name,
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write to ``path`` atomically, readable by the owner only (mode 0600).

        Missing parent directories are created (mode 0700).
        """
        target = Path(path)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = json.dumps(self.to_json(), ensure_ascii=False, indent=1).encode("utf-8")
        # mkstemp creates the file with mode 0600 before anything is written to it.
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Credentials:
        """Read a file written by :meth:`save`.

        Raises:
            FileNotFoundError: there is no such file (nothing saved yet).
            CredentialsFileError: the file is corrupt, from another program, or another version.
        """
        shown = str(path)
        raw = Path(path).read_bytes()
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise CredentialsFileError("it is not JSON", path=shown) from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise CredentialsFileError("it was not written by wxnb", path=shown)
        if data.get("version") != _VERSION:
            raise CredentialsFileError(
                f"format version {data.get('version')!r} is not {_VERSION}", path=shown
            )
        try:
            return cls._from_json(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise CredentialsFileError(
                f"a field is missing or has the wrong type ({exc})", path=shown
            ) from None

    @classmethod
    def _from_json(cls, data: dict[str, Any]) -> Credentials:
        def text(name: str) -> str:
            value = data[name]
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a string")
            return value

        uin = data["uin"]
        if type(uin) is not int:
            raise TypeError("uin must be an integer")
        cookies = data.get("cookies", {})
        if not isinstance(cookies, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in cookies.items()
        ):
            raise TypeError("cookies must map strings to strings")
        return cls(
            uin=uin,
            sid=text("sid"),
            skey=text("skey"),
            pass_ticket=text("pass_ticket"),
            device_id=text("device_id"),
            hosts=Hosts.from_json(data["hosts"]),
            cookies=dict(cookies),
            user_name=text("user_name"),
        )
