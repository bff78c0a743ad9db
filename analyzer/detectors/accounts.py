"""Parse account files (/etc/passwd, /etc/shadow, /etc/group) into plain records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Account:
    """One /etc/passwd line."""

    name: str
    password: str
    """The passwd password field ("x" means: see /etc/shadow)."""
    uid: int
    gid: int
    shell: str


@dataclass(frozen=True, slots=True)
class ShadowEntry:
    """One /etc/shadow line (only what we judge)."""

    name: str
    password: str


def _lines(data: bytes) -> list[list[str]]:
    # bytes that are not UTF-8 stay surrogates (as in tar names): evidence quoting a name must
    # say which bytes it holds, which U+FFFD would not
    text = data.decode("utf-8", "surrogateescape")
    return [line.split(":") for line in text.splitlines() if line and not line.startswith("#")]


def parse_passwd(data: bytes) -> list[Account]:
    """Accounts from /etc/passwd; malformed lines are skipped.

    >>> parse_passwd(b"root:x:0:0:root:/root:/bin/sh\\nbad line\\n")[0].uid
    0
    """
    accounts = []
    for fields in _lines(data):
        if len(fields) < 7 or not fields[2].isdigit() or not fields[3].isdigit():
            continue
        accounts.append(Account(fields[0], fields[1], int(fields[2]), int(fields[3]), fields[6]))
    return accounts


def parse_shadow(data: bytes) -> list[ShadowEntry]:
    """Entries from /etc/shadow (name and password field)."""
    return [ShadowEntry(f[0], f[1]) for f in _lines(data) if len(f) >= 2]


def parse_group_ids(data: bytes) -> list[tuple[str, int]]:
    """(group name, gid) pairs from /etc/group."""
    return [(f[0], int(f[2])) for f in _lines(data) if len(f) >= 3 and f[2].isdigit()]


def password_state(field: str) -> str:
    """Classify a password field: "empty" (no password), "locked", "hash" or "shadowed".

    >>> [password_state(p) for p in ["", "!", "*", "!!", "x", "$6$salt$hash", "!$6$x"]]
    ['empty', 'locked', 'locked', 'locked', 'shadowed', 'hash', 'locked']
    """
    if field == "":
        return "empty"
    if field == "x":
        return "shadowed"
    if field.startswith(("!", "*")):
        return "locked"
    return "hash"
