"""Who ``to`` means in :meth:`Session.send` (and the ``chat`` of :meth:`Session.mark_read`).

``to`` may be, first rule that applies:

1. a row of ``session.contacts`` (a pandas Series with ``key``/``user_name``), or of
   ``session.messages`` (its ``chat_key``/``chat``: a reply into that conversation);
2. a :class:`~wxnb.protocol.records.Message` (its chat) or :class:`~wxnb.protocol.records.Contact`;
3. a UserName of this login (``@...``, ``@@...`` or a special account such as ``filehelper``);
4. a stable key (``p:3a9c5e1b20d4``, see :mod:`wxnb.store.keys`);
5. a name: a remark, nickname or display name that is exactly equal (case and spaces matter). One
   contact must match: if several do, :class:`~wxnb.session.errors.AmbiguousRecipient` lists them with
   their keys; if none does, :class:`~wxnb.session.errors.RecipientNotFound` lists close names.

A contact restored from the archive but not seen in this login has no UserName yet: it cannot be
written to until the server mentions it (RecipientNotFound says so).

Example:
    >>> import pandas as pd
    >>> contacts = pd.DataFrame({"key": ["p:000000000001", "p:000000000002"], "user_name": ["@a", "@b"],
    ...     "kind": ["friend", "friend"], "nickname": ["Ann", "Bob"], "remark": ["", "Bobby"],
    ...     "display_name": ["Ann", "Bobby"]})
    >>> resolve_recipient("Bob", contacts).user_name
    '@b'
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from wxnb.protocol import SPECIAL_USER_NAMES, Contact, Message
from wxnb.session.errors import AmbiguousRecipient, Candidate, RecipientNotFound

__all__ = ["Recipient", "resolve_recipient"]

_KEY_RE: Final = re.compile(r"[psmrt]:[0-9a-f]{12}(~\d+)?")
_NAME_COLUMNS: Final = ("remark", "nickname", "display_name")


@dataclass(frozen=True, slots=True)
class Recipient:
    """A resolved recipient: this login's UserName, the stable key (None if unknown), a name."""

    user_name: str
    key: str | None
    name: str
    kind: str

    @property
    def is_room(self) -> bool:
        return self.user_name.startswith("@@")


def _mask(column: pd.Series, value: str) -> np.ndarray[Any, np.dtype[np.bool_]]:
    result: np.ndarray[Any, np.dtype[np.bool_]] = (column == value).to_numpy(dtype=bool, na_value=False)
    return result


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _candidate(row: pd.Series) -> Candidate:
    return Candidate(
        key=str(row["key"]),
        name=str(row["display_name"]) if _text(row["display_name"]) else str(row["nickname"] or ""),
        kind=str(row["kind"]),
        user_name=_text(row["user_name"]),
    )


def _recipient(row: pd.Series, to: object) -> Recipient:
    user_name = _text(row["user_name"])
    if user_name is None:
        raise RecipientNotFound(
            to,
            [_candidate(row)],
            why=(
                f"{to!r} is {row['display_name']!r} (key {row['key']}), restored from the archive but not "
                "seen in this login yet, so it has no UserName to write to"
            ),
        )
    name = _text(row["display_name"]) or _text(row["nickname"]) or user_name
    return Recipient(user_name, str(row["key"]), name, str(row["kind"]))


def _by_column(contacts: pd.DataFrame, column: str, value: str, to: object) -> Recipient | None:
    rows = np.flatnonzero(_mask(contacts[column], value))
    if len(rows) == 0:
        return None
    return _recipient(contacts.iloc[rows[0]], to)


def resolve_recipient(
    to: object,
    contacts: pd.DataFrame,
    *,
    me: str = "",
    user_name_of: Any = None,
) -> Recipient:
    """Resolve ``to`` against a ``contacts`` snapshot (see the module docstring for the rules).

    ``me``: this login's own UserName (writing to oneself is allowed). ``user_name_of``: optional
    ``key -> UserName`` lookup for chats that are not in the contacts table (e.g. rooms only seen
    through messages).

    Raises:
        RecipientNotFound: nothing matches (``candidates``: close names).
        AmbiguousRecipient: several contacts match a name (``candidates``: all of them, with keys).
        TypeError: ``to`` is of a type that cannot name a recipient.
    """
    if isinstance(to, pd.Series):
        return _from_row(to, contacts, me=me, user_name_of=user_name_of)
    if isinstance(to, Message):
        return _from_user_name(to.chat, contacts, to, me)
    if isinstance(to, Contact):
        return _from_user_name(to.user_name, contacts, to, me)
    if not isinstance(to, str):
        raise TypeError(
            f"to must be a UserName, a key, a name, or a row of session.contacts, not {type(to).__name__}"
        )
    if not to:
        raise RecipientNotFound(to, why="the recipient is empty")
    found = _by_column(contacts, "user_name", to, to)
    if found is not None:
        return found
    if to == me or to in SPECIAL_USER_NAMES:
        return Recipient(to, None, to, "self" if to == me else "special")
    if _KEY_RE.fullmatch(to):
        found = _by_column(contacts, "key", to, to)
        if found is not None:
            return found
        user_name = user_name_of(to) if user_name_of is not None else None
        if user_name:
            return Recipient(user_name, to, to, "room" if user_name.startswith("@@") else "other")
        raise RecipientNotFound(to, why=f"no contact has the key {to!r}")
    if to.startswith("@"):
        raise RecipientNotFound(
            to, why=f"{to!r} is not a UserName of this login (UserNames change at every login: use a key)"
        )
    return _from_name(to, contacts)


def _from_user_name(user_name: str, contacts: pd.DataFrame, to: object, me: str) -> Recipient:
    found = _by_column(contacts, "user_name", user_name, to)
    if found is not None:
        return found
    if user_name == me or user_name in SPECIAL_USER_NAMES or user_name.startswith("@"):
        kind = "self" if user_name == me else "room" if user_name.startswith("@@") else "other"
        return Recipient(user_name, None, user_name, kind)
    raise RecipientNotFound(to, why=f"{user_name!r} is not a UserName of this login")


def _from_row(row: pd.Series, contacts: pd.DataFrame, *, me: str, user_name_of: Any) -> Recipient:
    for key_column, name_column in (("key", "user_name"), ("chat_key", "chat")):
        key = _text(row.get(key_column))
        if key is not None:
            found = _by_column(contacts, "key", key, key)
            if found is not None:
                return found
            user_name = user_name_of(key) if user_name_of is not None else None
            if user_name:
                return Recipient(user_name, key, key, "room" if user_name.startswith("@@") else "other")
        user_name = _text(row.get(name_column))
        if user_name is not None:
            return _from_user_name(user_name, contacts, user_name, me)
    raise TypeError("the row has no key, user_name, chat_key or chat: pass a row of contacts or messages")


def _from_name(name: str, contacts: pd.DataFrame) -> Recipient:
    hits = np.zeros(len(contacts), dtype=bool)
    for column in _NAME_COLUMNS:
        hits |= _mask(contacts[column], name)
    rows = contacts.iloc[np.flatnonzero(hits)]
    if len(rows) == 1:
        return _recipient(rows.iloc[0], name)
    if len(rows) > 1:
        raise AmbiguousRecipient(name, [_candidate(r) for _, r in rows.iterrows()])
    raise RecipientNotFound(name, _close_names(name, contacts))


def _close_names(name: str, contacts: pd.DataFrame, limit: int = 5) -> list[Candidate]:
    """Contacts whose remark, nickname or display name is close to ``name`` (case-insensitive)."""
    by_name: dict[str, list[int]] = {}
    for column in _NAME_COLUMNS:
        for i, value in enumerate(contacts[column].tolist()):
            if isinstance(value, str) and value:
                by_name.setdefault(value.casefold(), []).append(i)
    wanted = name.casefold()
    close = difflib.get_close_matches(wanted, list(by_name), n=limit, cutoff=0.6)
    close += [n for n in by_name if wanted in n and n not in close][: max(0, limit - len(close))]
    seen: set[int] = set()
    out: list[Candidate] = []
    for match in close:
        for i in by_name[match]:
            if i not in seen:
                seen.add(i)
                out.append(_candidate(contacts.iloc[i]))
    return out[:limit]
