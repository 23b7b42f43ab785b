"""Reply texts and JSON skeletons, exactly as the real server words them (PROTOCOL.md §3–§4).

Error replies keep the whole skeleton of the endpoint's reply, zero-filled, with the Ret code set:
clients that read ``reply["SyncKey"]["List"]`` after checking Ret (or before!) never meet a missing key.

Example:
    >>> jslogin_reply("4dcaWx3uBw==")
    'window.QRLogin.code = 200; window.QRLogin.uuid = "4dcaWx3uBw==";'
    >>> synccheck_reply(0, 2)
    'window.synccheck={retcode:"0",selector:"2"}'
    >>> skeleton("webwxsendmsg", 1101)["MsgID"]
    ''
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = [
    "BLOCKED_MESSAGE",
    "jslogin_reply",
    "login_reply",
    "login_xml",
    "skeleton",
    "synccheck_reply",
]

BLOCKED_MESSAGE = (
    "为了你的帐号安全，此微信号不能登录网页微信。你可以使用Windows微信或Mac微信在电脑端登录。"
    "Windows微信下载地址：https://pc.weixin.qq.com  Mac微信下载地址：https://mac.weixin.qq.com"
)


def jslogin_reply(uuid: str) -> str:
    return f'window.QRLogin.code = 200; window.QRLogin.uuid = "{uuid}";'


def login_reply(code: int, *, avatar_b64: str = "", redirect_uri: str = "") -> str:
    """The login long poll's reply: 408, 201 (with the avatar), 200 (with the redirect), 400, 202."""
    if code == 201:
        return f"window.code=201;window.userAvatar = 'data:img/jpg;base64,{avatar_b64}';"
    if code == 200:
        return f'window.code=200;\nwindow.redirect_uri="{redirect_uri}";'
    return f"window.code={code};"


def login_xml(ret: int, message: str = "", **values: str) -> str:
    """webwxnewloginpage's one-line XML body. ``values``: skey, wxsid, wxuin, pass_ticket, isgrayscale."""
    parts = [f"<error><ret>{ret}</ret><message>{message}</message>"]
    for name in ("skey", "wxsid", "wxuin", "pass_ticket", "isgrayscale"):
        if name in values:
            parts.append(f"<{name}>{values[name]}</{name}>")
    parts.append("</error>")
    return "".join(parts)


def synccheck_reply(retcode: int, selector: int) -> str:
    return f'window.synccheck={{retcode:"{retcode}",selector:"{selector}"}}'


_EMPTY_KEY: dict[str, Any] = {"Count": 0, "List": []}
_PROFILE: dict[str, Any] = {
    "BitFlag": 0, "UserName": {"Buff": ""}, "NickName": {"Buff": ""}, "BindUin": 0,
    "BindEmail": {"Buff": ""}, "BindMobile": {"Buff": ""}, "Status": 0, "Sex": 0, "PersonalCard": 0,
    "Alias": "", "HeadImgUpdateFlag": 0, "HeadImgUrl": "", "Signature": "",
}  # fmt: skip
_USER: dict[str, Any] = {
    "Uin": 0, "UserName": "", "NickName": "", "HeadImgUrl": "", "RemarkName": "", "PYInitial": "",
    "PYQuanPin": "", "RemarkPYInitial": "", "RemarkPYQuanPin": "", "HideInputBarFlag": 0, "StarFriend": 0,
    "Sex": 0, "Signature": "", "AppAccountFlag": 0, "VerifyFlag": 0, "ContactFlag": 0,
    "WebWxPluginSwitch": 0, "HeadImgFlag": 0, "SnsFlag": 0,
}  # fmt: skip
_SEND = {"MsgID": "", "LocalID": ""}

_SKELETONS: dict[str, dict[str, Any]] = {
    "webwxinit": {
        "Count": 0, "ContactList": [], "SyncKey": _EMPTY_KEY, "User": _USER, "ChatSet": "", "SKey": "",
        "ClientVersion": 0, "SystemTime": 0, "GrayScale": 0, "InviteStartCount": 0, "MPSubscribeMsgCount": 0,
        "MPSubscribeMsgList": [], "ClickReportInterval": 0,
    },
    "webwxstatusnotify": {"MsgID": ""},
    "webwxgetcontact": {"MemberCount": 0, "MemberList": [], "Seq": 0},
    "webwxbatchgetcontact": {"Count": 0, "ContactList": []},
    "webwxsync": {
        "AddMsgCount": 0, "AddMsgList": [], "ModContactCount": 0, "ModContactList": [], "DelContactCount": 0,
        "DelContactList": [], "ModChatRoomMemberCount": 0, "ModChatRoomMemberList": [], "Profile": _PROFILE,
        "ContinueFlag": 0, "SyncKey": _EMPTY_KEY, "SKey": "", "SyncCheckKey": _EMPTY_KEY,
    },
    "webwxsendmsg": _SEND,
    "webwxsendmsgimg": _SEND,
    "webwxsendappmsg": _SEND,
    "webwxsendvideomsg": _SEND,
    "webwxsendemoticon": _SEND,
    "webwxrevokemsg": {"Introduction": "", "SysWording": ""},
    "webwxoplog": {},
    "webwxupdatechatroom": {"MemberCount": 0, "MemberList": []},
    "webwxcreatechatroom": {
        "Topic": "", "PYInitial": "", "QuanPin": "", "MemberCount": 0, "MemberList": [], "ChatRoomName": "",
        "BlackList": "",
    },
    "webwxuploadmedia": {
        "MediaId": "", "StartPos": 0, "CDNThumbImgHeight": 0, "CDNThumbImgWidth": 0, "EncryFileName": "",
    },
}  # fmt: skip


def skeleton(endpoint: str, ret: int, err_msg: str = "") -> dict[str, Any]:
    """The zero-filled reply of ``endpoint`` with ``BaseResponse.Ret = ret`` (a fresh deep copy)."""
    reply: dict[str, Any] = {"BaseResponse": {"Ret": ret, "ErrMsg": err_msg}}
    reply.update(copy.deepcopy(_SKELETONS.get(endpoint, {})))
    return reply


def profile_skeleton() -> dict[str, Any]:
    """The Profile object of a webwxsync reply when the account's own profile did not change."""
    return copy.deepcopy(_PROFILE)
