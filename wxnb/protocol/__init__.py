"""Speaks the WeChat web protocol. Knows nothing of threads, pandas, widgets or the session's schedule.

The layers above (session, store, cli) import protocol names from here only, so the modules below
can be regrouped without touching them.

Example:
    >>> from wxnb.protocol import WebClient, SyncKey    # doctest: +SKIP
    >>> client = WebClient("http://127.0.0.1:8080")     # doctest: +SKIP
"""

from __future__ import annotations

from wxnb.protocol.cancel import CancelToken, Interrupted
from wxnb.protocol.client import WebClient
from wxnb.protocol.credentials import Credentials, Hosts, qr_text
from wxnb.protocol.errors import (
    CredentialsFileError,
    LoggedOut,
    LoginBlocked,
    LoginCancelled,
    LoginExpired,
    NotLoggedIn,
    OutcomeUnknown,
    ProtocolError,
    RateLimited,
    RevokeRefused,
    SendFailed,
    ServerError,
    TransportError,
    WxError,
    redact,
)
from wxnb.protocol.json_replies import InitReply, SkippedItem, SyncKey, SyncReply
from wxnb.protocol.login_client import client_msg_id
from wxnb.protocol.records import CATEGORIES, SPECIAL_USER_NAMES, Contact, Member, Message
from wxnb.protocol.text_replies import LoginPoll
from wxnb.protocol.transport import RetryPolicy, Timeouts
from wxnb.protocol.wiretext import encode_text

__all__ = [
    "CATEGORIES",
    "SPECIAL_USER_NAMES",
    "CancelToken",
    "Contact",
    "Credentials",
    "CredentialsFileError",
    "Hosts",
    "InitReply",
    "Interrupted",
    "LoggedOut",
    "LoginBlocked",
    "LoginCancelled",
    "LoginExpired",
    "LoginPoll",
    "Member",
    "Message",
    "NotLoggedIn",
    "OutcomeUnknown",
    "ProtocolError",
    "RateLimited",
    "RetryPolicy",
    "RevokeRefused",
    "SendFailed",
    "ServerError",
    "SkippedItem",
    "SyncKey",
    "SyncReply",
    "Timeouts",
    "TransportError",
    "WebClient",
    "WxError",
    "client_msg_id",
    "encode_text",
    "qr_text",
    "redact",
]
