"""JSON replies of the session endpoints → typed results (PROTOCOL.md §4), and the SyncKey they carry.

Each ``parse_*`` takes the raw body (bytes or str), checks ``BaseResponse`` first (a non-zero Ret
raises the matching :mod:`~wxnb.protocol.errors` kind: LoggedOut, RateLimited, SendFailed, ...), then
reads the fields it needs. A reply of the wrong shape raises ProtocolError with a redacted snippet.

Example:
    >>> parse_send(b'{"BaseResponse":{"Ret":0,"ErrMsg":""},"MsgID":"7466342607691052416",'
    ...            b'"LocalID":"15139251046900833"}')
    SendReply(msg_id='7466342607691052416', local_id='15139251046900833')
    >>> parse_send(b'{"BaseResponse":{"Ret":1101,"ErrMsg":""},"MsgID":"","LocalID":""}')
    Traceback (most recent call last):
    ...
    wxnb.protocol.errors.LoggedOut: webwxsendmsg: logged out (1101): ...

SyncKey: the cursor of the message stream (PROTOCOL.md §4, webwxinit / synccheck / webwxsync).

The server hands out ``{"Count": n, "List": [{"Key": 1, "Val": 651991553}, ...]}``; synccheck wants it
as ``1_651991553|2_651996455`` (the client URL-encodes ``|`` as ``%7C``), and webwxsync wants the JSON
form back. The string form is also what an archive can checkpoint.

Example:
    >>> key = SyncKey.from_json({"Count": 2, "List": [{"Key": 1, "Val": 10}, {"Key": 2, "Val": 20}]})
    >>> key.for_synccheck()
    '1_10|2_20'
    >>> SyncKey.from_string("1_10|2_20") == key
    True
    >>> key.to_json()
    {'Count': 2, 'List': [{'Key': 1, 'Val': 10}, {'Key': 2, 'Val': 20}]}
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import orjson

from wxnb.protocol.errors import ProtocolError, SendFailed, error_for_ret, redact
from wxnb.protocol.items import (
    SHAPE_ERRORS,
    as_int,
    as_str,
    decode_contact,
    decode_member,
    decode_message,
    decode_messages,
    strip_skey,
    wire_text,
)
from wxnb.protocol.records import Contact, Member, Message

__all__ = [
    "BatchContacts",
    "ContactPage",
    "CreateRoomReply",
    "InitReply",
    "Profile",
    "RevokeReply",
    "SendReply",
    "SkippedItem",
    "SyncKey",
    "SyncReply",
    "UpdateRoomReply",
    "check_base_response",
    "encode_body",
    "load_json",
    "parse_batch_contacts",
    "parse_contact_page",
    "parse_create_room",
    "parse_init",
    "parse_ok",
    "parse_push_login",
    "parse_revoke",
    "parse_send",
    "parse_status_notify",
    "parse_sync",
    "parse_update_room",
    "parse_upload_media",
]

# ---- the sync key --------------------------------------------------------------------------------

_MAX_PAIRS: Final = 64
_STRING_RE: Final = re.compile(r"[0-9]{1,10}_[0-9]{1,20}(?:\|[0-9]{1,10}_[0-9]{1,20}){0,63}")


@dataclass(frozen=True, slots=True)
class SyncKey:
    """An ordered tuple of (Key, Val) pairs. Empty before webwxinit."""

    pairs: tuple[tuple[int, int], ...] = ()

    @classmethod
    def from_json(cls, data: Any, *, endpoint: str = "") -> SyncKey:
        """From the reply's ``SyncKey``/``SyncCheckKey`` object.

        Raises:
            ProtocolError: not ``{"List": [{"Key": int, "Val": int}, ...]}``.
        """
        items = data.get("List") if isinstance(data, dict) else None
        if not isinstance(items, list) or len(items) > _MAX_PAIRS:
            raise ProtocolError("SyncKey must be {Count, List: [{Key, Val}]}", data, endpoint=endpoint)
        pairs = []
        for item in items:
            key = item.get("Key") if isinstance(item, dict) else None
            val = item.get("Val") if isinstance(item, dict) else None
            if type(key) is not int or type(val) is not int or key < 0 or val < 0:
                raise ProtocolError("SyncKey items must be {Key: int, Val: int}", item, endpoint=endpoint)
            pairs.append((key, val))
        return cls(tuple(pairs))

    def to_json(self) -> dict[str, Any]:
        """The form webwxsync expects in its body."""
        return {"Count": len(self.pairs), "List": [{"Key": k, "Val": v} for k, v in self.pairs]}

    def for_synccheck(self) -> str:
        """``1_123|2_456``: the ``synckey`` query parameter of synccheck (before URL-encoding)."""
        return "|".join(f"{k}_{v}" for k, v in self.pairs)

    def to_string(self) -> str:
        """Same text as :meth:`for_synccheck`; the form to checkpoint."""
        return self.for_synccheck()

    @classmethod
    def from_string(cls, text: str) -> SyncKey:
        """Inverse of :meth:`to_string` (``""`` gives the empty key). Raises ValueError on bad text."""
        if text == "":
            return cls()
        if not _STRING_RE.fullmatch(text):
            raise ValueError(f"not a sync key string like 1_123|2_456: {text[:80]!r}")
        return cls(tuple((int(k), int(v)) for k, _, v in (p.partition("_") for p in text.split("|"))))

    def __bool__(self) -> bool:
        return bool(self.pairs)


# ---- -----------------------------------------------------------------------------------------------

Body = bytes | bytearray | memoryview | str
_T = TypeVar("_T")
_MAX_BODY: Final = 64 << 20  # 64 MiB: far above any real reply (10,000 contacts is ~10 MB)


def load_json(body: Body, *, endpoint: str = "") -> dict[str, Any]:
    """Parse a reply body as a JSON object (bodies come with any Content-Type, or none).

    orjson first; if it refuses (lone surrogate escapes and invalid UTF-8 occur in the wild, in
    nicknames), the stdlib parser reads it with bad characters replaced, so one broken emoji cannot
    make a whole sync fail.

    Raises:
        ProtocolError: not JSON, or not an object.
    """
    if len(body) > _MAX_BODY:
        raise ProtocolError(f"reply body is {len(body)} bytes", body, endpoint=endpoint)
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        obj = _lenient_json(body, endpoint)
    if not isinstance(obj, dict):
        raise ProtocolError("reply is not a JSON object", body, endpoint=endpoint)
    return obj


def _lenient_json(body: Body, endpoint: str) -> Any:
    text = body if isinstance(body, str) else bytes(body).decode("utf-8", "replace")
    try:
        obj = json.loads(text)
        # Lone surrogates are not text: re-encoding with "replace" turns each into "?".
        return orjson.loads(json.dumps(obj, ensure_ascii=False).encode("utf-8", "replace"))
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"reply is not JSON ({exc})", body, endpoint=endpoint) from None


def encode_body(payload: Any) -> bytes:
    """A request body as UTF-8 JSON bytes (non-ASCII kept as is, like the web page sends it)."""
    return orjson.dumps(payload)


def check_base_response(obj: dict[str, Any], *, endpoint: str = "") -> None:
    """Raise the matching error when ``BaseResponse.Ret`` is not 0.

    Raises:
        LoggedOut, LoginBlocked, SendFailed, RateLimited, ServerError: by Ret (PROTOCOL.md §7).
        ProtocolError: no BaseResponse, or Ret is not a number.
    """
    base = obj.get("BaseResponse")
    ret = base.get("Ret") if isinstance(base, dict) else None
    if type(ret) is not int:
        try:
            ret = as_int(ret)
        except TypeError:
            raise ProtocolError("no BaseResponse.Ret in the reply", obj, endpoint=endpoint) from None
    if ret != 0:
        errmsg = base.get("ErrMsg") if isinstance(base, dict) else ""
        raise error_for_ret(ret, errmsg if isinstance(errmsg, str) else "", endpoint=endpoint)


def _parse(body: Body, endpoint: str, read: Callable[[dict[str, Any]], _T]) -> _T:
    obj = load_json(body, endpoint=endpoint)
    check_base_response(obj, endpoint=endpoint)
    try:
        return read(obj)
    except SHAPE_ERRORS as exc:
        what = f"reply has the wrong shape ({type(exc).__name__}: {exc})"
        raise ProtocolError(what, body, endpoint=endpoint) from None


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _contacts(value: Any) -> tuple[Contact, ...]:
    return tuple(decode_contact(c) for c in _list(value))


def _members(value: Any) -> tuple[Member, ...]:
    return tuple(decode_member(m) for m in _list(value))


def _sync_key(obj: dict[str, Any], name: str, endpoint: str) -> SyncKey:
    return SyncKey.from_json(obj[name], endpoint=endpoint)


# --- webwxinit -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InitReply:
    """webwxinit: who is logged in, the first contacts, the sync key.

    ``user`` is the logged-in account as a Contact (its ``uin`` left 0: the real uin is a secret and is
    in ``uin``). ``chat_set`` lists recent chats' UserNames. ``skey`` is "" when unchanged.
    """

    user: Contact
    contacts: tuple[Contact, ...]
    sync_key: SyncKey
    chat_set: tuple[str, ...]
    invite_start_count: int
    system_time: int
    uin: int = field(default=0, repr=False)
    skey: str = field(default="", repr=False)

    @property
    def user_name(self) -> str:
        """The logged-in account's UserName for this login (``@...``)."""
        return self.user.user_name


def parse_init(body: Body) -> InitReply:
    """Parse a webwxinit reply."""
    ep = "webwxinit"

    def read(obj: dict[str, Any]) -> InitReply:
        user_obj = obj["User"]
        user = decode_contact({**user_obj, "Uin": 0})
        if not user.user_name:
            raise ValueError("User.UserName is empty")
        chat_set = tuple(n for n in as_str(obj.get("ChatSet", "")).split(",") if n)
        return InitReply(
            user=user,
            contacts=_contacts(obj.get("ContactList", [])),
            sync_key=_sync_key(obj, "SyncKey", ep),
            chat_set=chat_set,
            invite_start_count=as_int(obj.get("InviteStartCount", 40)),
            system_time=as_int(obj.get("SystemTime", 0)),
            uin=as_int(user_obj.get("Uin", 0)),
            skey=as_str(obj.get("SKey", "")),
        )

    return _parse(body, ep, read)


# --- contacts ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContactPage:
    """One page of webwxgetcontact. ``seq`` ≠ 0: ask again with ``seq=seq`` for the next page."""

    contacts: tuple[Contact, ...]
    seq: int
    member_count: int

    @property
    def has_more(self) -> bool:
        return self.seq != 0


def parse_contact_page(body: Body) -> ContactPage:
    """Parse a webwxgetcontact page."""

    def read(obj: dict[str, Any]) -> ContactPage:
        return ContactPage(
            contacts=_contacts(obj["MemberList"]),
            seq=as_int(obj.get("Seq", 0)),
            member_count=as_int(obj.get("MemberCount", 0)),
        )

    return _parse(body, "webwxgetcontact", read)


BatchContacts = tuple[Contact, ...]


def parse_batch_contacts(body: Body) -> BatchContacts:
    """Parse webwxbatchgetcontact: the contacts (rooms with their members) asked for."""
    return _parse(body, "webwxbatchgetcontact", lambda obj: _contacts(obj["ContactList"]))


# --- webwxsync -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    """The logged-in user's own profile change (webwxsync ``Profile`` with a non-zero BitFlag)."""

    bit_flag: int
    user_name: str
    nickname: str
    signature: str
    head_img_url: str
    alias: str
    sex: int


def _buff(value: Any) -> str:
    return as_str(value.get("Buff", "")) if isinstance(value, dict) else as_str(value)


def _profile(value: Any) -> Profile | None:
    if not value:
        return None
    bit_flag = as_int(value.get("BitFlag", 0))
    if bit_flag == 0:
        return None
    return Profile(
        bit_flag=bit_flag,
        user_name=_buff(value.get("UserName", "")),
        nickname=wire_text(_buff(value.get("NickName", ""))),
        signature=wire_text(as_str(value.get("Signature", ""))),
        head_img_url=strip_skey(as_str(value.get("HeadImgUrl", ""))),
        alias=as_str(value.get("Alias", "")),
        sex=as_int(value.get("Sex", 0)),
    )


@dataclass(frozen=True, slots=True)
class SkippedItem:
    """An item of a webwxsync reply that could not be decoded and was left out (``skip_bad_items``).

    ``list_name`` is the list it was in (AddMsgList, ModContactList, ...), ``index`` its position,
    ``error`` why it was refused (redacted), ``raw`` the item as compact JSON, to be kept aside.
    """

    list_name: str
    index: int
    error: str
    raw: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class SyncReply:
    """webwxsync: what happened since the last sync key.

    ``continue_flag`` ≠ 0: call webwxsync again at once. ``sync_key`` goes into the next webwxsync body,
    ``sync_check_key`` into the next synccheck (it equals ``sync_key`` when the server sends none).
    ``deleted_contacts`` carry only ``user_name`` and ``contact_flag``. ``skey`` is "" when unchanged.
    ``skipped``: items left out because they could not be decoded (only with ``skip_bad_items``).
    """

    messages: tuple[Message, ...]
    modified_contacts: tuple[Contact, ...]
    deleted_contacts: tuple[Contact, ...]
    modified_room_members: tuple[Member, ...]
    profile: Profile | None
    continue_flag: int
    sync_key: SyncKey
    sync_check_key: SyncKey
    skey: str = field(default="", repr=False)
    skipped: tuple[SkippedItem, ...] = ()


def _raw_json(item: Any) -> str:
    try:
        return orjson.dumps(item).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return repr(item)


def _each(
    items: Any,
    decode: Callable[[Any], _T],
    name: str,
    skipped: list[SkippedItem],
) -> tuple[_T, ...]:
    """Decode a list item by item; items that fail go to ``skipped`` instead of failing the reply."""
    out: list[_T] = []
    for index, item in enumerate(_list(items)):
        try:
            out.append(decode(item))
        except (ProtocolError, *SHAPE_ERRORS) as exc:
            error = exc.what if isinstance(exc, ProtocolError) else f"{type(exc).__name__}: {exc}"
            skipped.append(SkippedItem(name, index, redact(error), _raw_json(item)))
    return tuple(out)


def parse_sync(body: Body, me: str, *, skip_bad_items: bool = False) -> SyncReply:
    """Parse a webwxsync reply; ``me`` is the logged-in user's UserName (for chat/sender/is_self).

    A message or contact item of the wrong shape raises ProtocolError, unless ``skip_bad_items``:
    then it is left out and listed in ``skipped`` (with its JSON), and the rest of the reply — its
    SyncKey included — is still usable. The envelope (BaseResponse, SyncKey) must be right either way.

    Example:
        >>> r = parse_sync(b'{"BaseResponse":{"Ret":0,"ErrMsg":""},"AddMsgList":[],"ContinueFlag":0,'
        ...                b'"SyncKey":{"Count":1,"List":[{"Key":1,"Val":2}]}}', "@me")
        >>> r.sync_check_key.for_synccheck(), r.messages
        ('1_2', ())
    """
    ep = "webwxsync"

    def read(obj: dict[str, Any]) -> SyncReply:
        sync_key = _sync_key(obj, "SyncKey", ep)
        check_key = obj.get("SyncCheckKey")
        skipped: list[SkippedItem] = []
        if not skip_bad_items:
            messages = decode_messages(_list(obj.get("AddMsgList", [])), me)
            modified = _contacts(obj.get("ModContactList", []))
            deleted = _contacts(obj.get("DelContactList", []))
            members = _members(obj.get("ModChatRoomMemberList", []))
        else:
            items = obj.get("AddMsgList", [])
            try:  # the fast path first: a whole list of good messages
                messages = decode_messages(_list(items), me)
            except ProtocolError:
                messages = _each(items, lambda m: decode_message(m, me), "AddMsgList", skipped)
            modified = _each(obj.get("ModContactList", []), decode_contact, "ModContactList", skipped)
            deleted = _each(obj.get("DelContactList", []), decode_contact, "DelContactList", skipped)
            members = _each(
                obj.get("ModChatRoomMemberList", []), decode_member, "ModChatRoomMemberList", skipped
            )
        return SyncReply(
            messages=messages,
            modified_contacts=modified,
            deleted_contacts=deleted,
            modified_room_members=members,
            profile=_profile(obj.get("Profile")),
            continue_flag=as_int(obj.get("ContinueFlag", 0)),
            sync_key=sync_key,
            sync_check_key=SyncKey.from_json(check_key, endpoint=ep) if check_key else sync_key,
            skey=as_str(obj.get("SKey", "")),
            skipped=tuple(skipped),
        )

    return _parse(body, ep, read)


# --- sending and acting --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendReply:
    """webwxsendmsg (and the image/file/video/emoticon senders): the server's id for the message."""

    msg_id: str
    local_id: str


def parse_send(body: Body, *, endpoint: str = "webwxsendmsg") -> SendReply:
    """Parse a send reply. Raises SendFailed when Ret is 0 but MsgID is empty (nothing was sent)."""

    def read(obj: dict[str, Any]) -> SendReply:
        msg_id = obj.get("MsgID", "")
        local_id = obj.get("LocalID", "")
        msg_id = str(as_int(msg_id)) if type(msg_id) is int else as_str(msg_id)
        local_id = str(as_int(local_id)) if type(local_id) is int else as_str(local_id)
        if not msg_id:
            raise SendFailed("the server returned no MsgID", endpoint=endpoint, ret=None)
        return SendReply(msg_id=msg_id, local_id=local_id)

    return _parse(body, endpoint, read)


@dataclass(frozen=True, slots=True)
class RevokeReply:
    """webwxrevokemsg: the notice texts the server returns."""

    introduction: str
    sys_wording: str


def parse_revoke(body: Body) -> RevokeReply:
    """Parse a webwxrevokemsg reply."""

    def read(obj: dict[str, Any]) -> RevokeReply:
        return RevokeReply(
            introduction=wire_text(as_str(obj.get("Introduction", ""))),
            sys_wording=wire_text(as_str(obj.get("SysWording", ""))),
        )

    return _parse(body, "webwxrevokemsg", read)


def parse_status_notify(body: Body) -> str:
    """Parse webwxstatusnotify: the MsgID (may be "")."""

    def read(obj: dict[str, Any]) -> str:
        msg_id = obj.get("MsgID", "")
        return str(msg_id) if type(msg_id) is int else as_str(msg_id)

    return _parse(body, "webwxstatusnotify", read)


def parse_ok(body: Body, *, endpoint: str) -> None:
    """For replies that carry only BaseResponse (webwxoplog, ...): raise unless Ret is 0."""
    check_base_response(load_json(body, endpoint=endpoint), endpoint=endpoint)


@dataclass(frozen=True, slots=True)
class CreateRoomReply:
    """webwxcreatechatroom: the new room's UserName (``@@...``) and who is in it."""

    chat_room_name: str
    topic: str
    member_count: int
    members: tuple[Member, ...]
    black_list: str = ""


def parse_create_room(body: Body) -> CreateRoomReply:
    """Parse a webwxcreatechatroom reply."""

    def read(obj: dict[str, Any]) -> CreateRoomReply:
        name = as_str(obj["ChatRoomName"])
        if not name.startswith("@@"):
            raise ValueError("ChatRoomName is not a room (@@...)")
        members = _members(obj.get("MemberList", []))
        return CreateRoomReply(
            chat_room_name=name,
            topic=wire_text(as_str(obj.get("Topic", ""))),
            member_count=as_int(obj.get("MemberCount", len(members))),
            members=members,
            black_list=as_str(obj.get("BlackList", "")),
        )

    return _parse(body, "webwxcreatechatroom", read)


@dataclass(frozen=True, slots=True)
class UpdateRoomReply:
    """webwxupdatechatroom: members after the change, when the server lists them (else empty)."""

    member_count: int
    members: tuple[Member, ...]


def parse_update_room(body: Body) -> UpdateRoomReply:
    """Parse a webwxupdatechatroom reply (modtopic, addmember, delmember, invitemember, quitchatroom)."""

    def read(obj: dict[str, Any]) -> UpdateRoomReply:
        members = _members(obj.get("MemberList", []))
        return UpdateRoomReply(member_count=as_int(obj.get("MemberCount", len(members))), members=members)

    return _parse(body, "webwxupdatechatroom", read)


def parse_upload_media(body: Body) -> str:
    """Parse webwxuploadmedia: the MediaId (the reply for a non-final chunk may have MediaId "")."""
    return _parse(body, "webwxuploadmedia", lambda obj: as_str(obj.get("MediaId", "")))


def parse_push_login(body: Body) -> str:
    """Parse webwxpushloginurl (``{"ret":"0","msg":"all ok","uuid":"..."}``): the uuid to poll.

    Raises:
        ServerError (or another kind by code): ret is not 0 — fall back to a QR login.
    """
    ep = "webwxpushloginurl"
    obj = load_json(body, endpoint=ep)
    try:
        ret = as_int(obj.get("ret"))
        uuid = as_str(obj.get("uuid", ""))
        msg = obj.get("msg", "")
    except SHAPE_ERRORS:
        raise ProtocolError("expected {ret, msg, uuid}", body, endpoint=ep) from None
    if ret != 0:
        raise error_for_ret(ret, msg if isinstance(msg, str) else "", endpoint=ep)
    if not uuid:
        raise ProtocolError("ret 0 without a uuid", body, endpoint=ep)
    return uuid
