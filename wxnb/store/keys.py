"""Stable keys for contacts, rooms and room members: names that survive re-login.

The web protocol names everyone with a UserName (``@`` + hex) that is new at every login, so nothing
keyed by it survives a restart. A *key* is derived from what the server keeps stable per person or room,
the first rule that applies:

=======================  ===========================================================  ======
who                      identity                                                     prefix
=======================  ===========================================================  ======
special account          its UserName (``filehelper``, ``weixin``: already stable)    ``s:``
anyone with a Uin ≠ 0    the Uin (the real server reveals it only for oneself)        ``p:``
official account (MP)    Alias (its WeChat ID) when set, else KeyWord + NickName      ``m:``
person (friend, stranger Alias when set, else AttrStatus + NickName (AttrStatus is    ``p:``
or room member)          a per-person number, stable on the real server)
room                     EncryChatRoomId when present, else topic + OwnerUin          ``r:``
nothing usable           the UserName itself: valid for this login only               ``t:``
=======================  ===========================================================  ======

Persons share one prefix whether friend, stranger or member, so a member who is also a friend has one
key. After the prefix come 12 hex digits of a keyed BLAKE2b hash of the identity; the hash key is a random
salt kept in each account's archive. So a key is short, fixed-length and readable (``p:3a9c5e1b20d4``),
and it reveals neither the Uin nor the names it was made from.

Limits, and what is done about them:

- **Renames.** A new NickName, topic or Alias means a new identity. While logged in, a contact keeps its
  key (looked up by UserName) and the registry records the new identity as an *alias* of the old key.
  Aliases are archived, so after the next login the renamed contact gets its old key back. A rename
  that happens while no session is running gives a new key; history keeps the old one.
- **Collisions.** Two people with equal AttrStatus and NickName and no Alias (or two rooms with equal
  topic and owner and no EncryChatRoomId) have one identity. Within a login the later one gets a suffix
  (``p:3a9c5e1b20d4~2``) in order of appearance. The server lists contacts in a stable order, so this is
  usually stable across logins, but it is not promised.
- **Members and friends.** A member whose UserName is also a contact gets the contact's key. Friends with
  an Alias and members (who carry no Alias) derive different identities; once both were seen in one
  login the member identity is recorded as an alias, which links them from then on.
- **Temporary keys** (``t:``). Some replies list members with an empty NickName and AttrStatus 0. Their
  key is valid for this login only, and it is replaced as soon as a stable identity arrives.

Example:
    >>> from wxnb.protocol.records import Contact
    >>> ann = Contact("@a1", nickname="Ann", kind="friend", attr_status=4211)
    >>> key = contact_key(ann, salt=b"demo")
    >>> key.startswith("p:"), len(key), key == contact_key(ann, salt=b"demo")
    (True, 14, True)
    >>> contact_key(Contact("filehelper", kind="special"))
    's:filehelper'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from wxnb.store.inputs import ContactLike, MemberLike

__all__ = [
    "KeyPlan",
    "KeyRegistry",
    "account_key",
    "contact_key",
    "derive_key",
    "is_temporary",
    "member_key",
]

_SEP: Final = "\x1f"  # unit separator: cannot occur in names, so "a|b"+"c" never equals "a"+"b|c"
_DIGEST_BYTES: Final = 6  # 12 hex digits: 1 in 2**48 chance per pair, nothing at 10**5 contacts
_ACCOUNT_ITERATIONS: Final = 200_000
TEMPORARY_PREFIX: Final = "t:"


def derive_key(prefix: str, identity: str, salt: bytes = b"") -> str:
    """``prefix`` + 12 hex digits of a keyed hash of ``identity``.

    Example:
        >>> derive_key("p:", "alias:ann_88", b"salt")[:2], len(derive_key("p:", "alias:ann_88", b"salt"))
        ('p:', 14)
    """
    digest = hashlib.blake2b(identity.encode("utf-8"), digest_size=_DIGEST_BYTES, key=salt[:64])
    return prefix + digest.hexdigest()


def _person_identity(uin: int, alias: str, attr_status: int, nickname: str) -> str | None:
    if uin:
        return f"uin:{uin}"
    if alias:
        return f"alias:{alias}"
    if attr_status or nickname:
        return f"attr:{attr_status}{_SEP}{nickname}"
    return None


def _contact_identity(contact: ContactLike) -> tuple[str, str | None]:
    """(prefix, identity); identity None means nothing stable is known."""
    kind = contact.kind
    if kind == "special":
        return "s:", None
    if kind == "room" or contact.user_name.startswith("@@"):
        if contact.encry_chat_room_id:
            return "r:", f"ecr:{contact.encry_chat_room_id}"
        if contact.nickname or contact.owner_uin:
            return "r:", f"topic:{contact.nickname}{_SEP}{contact.owner_uin}"
        return "r:", None
    if kind == "mp":
        if contact.uin:
            return "m:", f"uin:{contact.uin}"
        if contact.alias:
            return "m:", f"alias:{contact.alias}"
        if contact.key_word or contact.nickname:
            return "m:", f"kw:{contact.key_word}{_SEP}{contact.nickname}"
        return "m:", None
    return "p:", _person_identity(contact.uin, contact.alias, contact.attr_status, contact.nickname)


def _temporary(user_name: str, salt: bytes) -> str:
    return derive_key(TEMPORARY_PREFIX, f"user:{user_name}", salt)


def contact_key(contact: ContactLike, salt: bytes = b"") -> str:
    """The derived key of a contact (before collision suffixes; see the module docstring).

    Example:
        >>> from wxnb.protocol.records import Contact
        >>> room = Contact("@@r1", nickname="Hiking 🏔", kind="room", encry_chat_room_id="@0f52")
        >>> contact_key(room, b"x")[:2]
        'r:'
    """
    prefix, identity = _contact_identity(contact)
    if prefix == "s:":
        return "s:" + contact.user_name
    if identity is None:
        return _temporary(contact.user_name, salt)
    return derive_key(prefix, identity, salt)


def member_key(member: MemberLike, salt: bytes = b"") -> str:
    """The derived key of a room member (a person: same prefix and rule as a friend without Alias).

    Example:
        >>> from wxnb.protocol.records import Member
        >>> member_key(Member("@m1", nickname="Bo", attr_status=77), b"x")[:2]
        'p:'
    """
    identity = _person_identity(member.uin, "", member.attr_status, member.nickname)
    if identity is None:
        return _temporary(member.user_name, salt)
    return derive_key("p:", identity, salt)


def is_temporary(key: str) -> bool:
    """Whether a key is only valid for this login (nothing stable was known when it was made).

    Example:
        >>> is_temporary("t:0123456789ab"), is_temporary("p:0123456789ab")
        (True, False)
    """
    return key.startswith(TEMPORARY_PREFIX)


def account_key(uin: int) -> str:
    """A directory-safe name for one account's data, derived from its Uin without revealing it.

    A slow hash (PBKDF2, 200,000 rounds) makes trying all 2**32 Uins impractical, so the name can be
    shown and logged. It takes about 0.1 s, once per login.

    Example:
        >>> account_key(1234567).startswith("acct-")
        True
    """
    if uin <= 0:
        raise ValueError("account_key needs the positive Uin of the logged-in account")
    digest = hashlib.pbkdf2_hmac("sha256", str(uin).encode(), b"wxnb account key v1", _ACCOUNT_ITERATIONS)
    return "acct-" + digest[:8].hex()


@dataclass(slots=True)
class KeyPlan:
    """Keys assigned while staging one batch; applied to the registry only once the batch is durable.

    Lookups see the plan's own assignments first, then the registry's. ``new_aliases`` are the
    identity → key links to archive with the batch.
    """

    registry: KeyRegistry
    assigned: dict[str, str] = field(default_factory=dict)  # user_name -> key
    owners: dict[str, str] = field(default_factory=dict)  # key -> user_name
    first_derived: dict[str, str] = field(default_factory=dict)  # user_name -> first derived key
    new_aliases: dict[str, str] = field(default_factory=dict)  # derived key -> key

    def key_of(self, user_name: str) -> str | None:
        """The key of a UserName in this login (planned or registered), or None."""
        key = self.assigned.get(user_name)
        return key if key is not None else self.registry.key_of(user_name)

    def contact(self, contact: ContactLike) -> str:
        """Assign (or look up) the key of a contact."""
        return self._assign(contact.user_name, contact_key(contact, self.registry.salt))

    def member(self, member: MemberLike) -> str:
        """Assign (or look up) the key of a room member (a contact's key when the UserName is one)."""
        return self._assign(member.user_name, member_key(member, self.registry.salt))

    def _owner(self, key: str) -> str | None:
        owner = self.owners.get(key)
        return owner if owner is not None else self.registry._owners.get(key)

    def _alias(self, derived: str) -> str | None:
        key = self.new_aliases.get(derived)
        return key if key is not None else self.registry._aliases.get(derived)

    def _assign(self, user_name: str, derived: str) -> str:
        current = self.key_of(user_name)
        if current is not None and not (is_temporary(current) and not is_temporary(derived)):
            first = self.first_derived.get(user_name) or self.registry._first_derived.get(user_name)
            # A changed identity (rename, or a member seen as a friend) becomes an alias of the key it
            # already has, unless someone else in this login owns it or it already points somewhere.
            if (
                derived not in (current, first)
                and not is_temporary(derived)
                and self._owner(derived) is None
                and self._alias(derived) is None
            ):
                self.new_aliases[derived] = current
            return current
        canonical = self._alias(derived) or derived
        key = canonical
        suffix = 2
        while (owner := self._owner(key)) is not None and owner != user_name:
            key = f"{canonical}~{suffix}"
            suffix += 1
        self.assigned[user_name] = key
        self.owners[key] = user_name
        self.first_derived.setdefault(user_name, derived)
        return key


class KeyRegistry:
    """Who has which key in this login, plus the archived identity aliases (see module docstring).

    One writer (the session's writer thread) plans and commits; plans are cheap and never change the
    registry until :meth:`commit`, so a batch that fails to reach the archive leaves no trace here either.

    Example:
        >>> from wxnb.protocol.records import Contact
        >>> reg = KeyRegistry(salt=b"demo")
        >>> plan = reg.plan()
        >>> a = plan.contact(Contact("@a1", nickname="Ann", kind="friend", attr_status=9))
        >>> b = plan.contact(Contact("@b2", nickname="Ann", kind="friend", attr_status=9))
        >>> b == a + "~2"
        True
        >>> reg.key_of("@a1") is None  # not committed yet
        True
        >>> reg.commit(plan); reg.key_of("@a1") == a
        True
    """

    def __init__(self, salt: bytes = b"", aliases: Mapping[str, str] | None = None) -> None:
        self.salt = salt
        self._aliases: dict[str, str] = dict(aliases or {})
        self._by_user: dict[str, str] = {}
        self._owners: dict[str, str] = {}
        self._first_derived: dict[str, str] = {}

    def plan(self) -> KeyPlan:
        """Start staging the keys of one batch."""
        return KeyPlan(self)

    def commit(self, plan: KeyPlan) -> None:
        """Make a plan's assignments and aliases part of the registry (after the batch is durable)."""
        for user_name, key in plan.assigned.items():
            old = self._by_user.get(user_name)
            if old is not None and self._owners.get(old) == user_name:
                del self._owners[old]  # a temporary key replaced by a stable one
            self._by_user[user_name] = key
        self._owners.update(plan.owners)
        for user_name, derived in plan.first_derived.items():
            self._first_derived.setdefault(user_name, derived)
        self._aliases.update(plan.new_aliases)

    def key_of(self, user_name: str) -> str | None:
        """The key of a UserName in this login, or None if it was never seen."""
        return self._by_user.get(user_name)

    def user_name_of(self, key: str) -> str | None:
        """This login's UserName of a key, or None if it was not seen in this login."""
        return self._owners.get(key)

    @property
    def aliases(self) -> Mapping[str, str]:
        """Derived identity key → the key it stands for (archived, survives logins)."""
        return self._aliases

    def add_aliases(self, aliases: Iterable[tuple[str, str]]) -> None:
        """Load archived aliases (on start)."""
        self._aliases.update(aliases)

    def forget_login(self) -> None:
        """A new login: UserNames of the last one mean nothing now. Aliases stay."""
        self._by_user.clear()
        self._owners.clear()
        self._first_derived.clear()
