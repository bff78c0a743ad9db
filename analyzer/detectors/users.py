"""IA-USER-ROOT, IA-USER-UNKNOWN, IA-UID0-ACCOUNT, IA-EMPTY-PASSWORD, IA-DUPLICATE-ID,
IA-SUDO-NOPASSWD, IA-SSH-ROOT-LOGIN: who the container runs as, and accounts that make root
easy to reach.

What it finds:
- IA-USER-UNKNOWN: the config's User is a name the image's /etc/passwd does not hold (or there
  is none): the container cannot start as built, and who it runs as is left to the deployment;
- IA-USER-ROOT: the config's User is empty, `root`, `0`, `0:0`, `root:root`, a number runc
  reads as 0 (`00`, `+0`, `-0`: Go's strconv.Atoi takes a sign), or a name or uid that the
  image's /etc/passwd maps to uid 0: the container runs as root unless the deployment
  overrides it;
- IA-UID0-ACCOUNT: accounts other than root with uid 0;
- IA-EMPTY-PASSWORD: accounts whose password field is empty (not locked): login needs no
  password wherever passwords are accepted (su, login, ssh with PermitEmptyPasswords);
- IA-DUPLICATE-ID: two accounts sharing a uid, or two groups sharing a gid;
- IA-SUDO-NOPASSWD: sudoers rules with NOPASSWD, and `Defaults !authenticate`;
- IA-SSH-ROOT-LOGIN: an SSH server whose sshd_config says `PermitRootLogin yes` or
  `PermitEmptyPasswords yes`, read as sshd reads it: the first value a keyword gets counts,
  Include files are read where the directive stands (under /etc/ssh), and a `yes` under a
  Match block is medium (it holds only for the connections the block matches).

Why it matters: running as root is the first thing container guidance 12.3 asks to avoid, and
shared or password-less privileged accounts defeat least privilege (PCI DSS 7.2.1, 7.2.2).

Fix: add `USER <non-root uid>` to the image; lock system accounts (`passwd -l`); give each account
its own uid; remove NOPASSWD rules and sshd.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.detectors.accounts import (
    Account,
    parse_group_ids,
    parse_passwd,
    parse_shadow,
    password_state,
)
from analyzer.detectors.base import ContentWants
from analyzer.detectors.context import ImageContext
from analyzer.detectors.executables import programs
from analyzer.findings.model import Finding, Rule, Severity
from analyzer.text import quoted

USER_ROOT = Rule(
    "IA-USER-ROOT",
    "Image runs as root",
    "privilege",
    Severity.HIGH,
    "A process running as root in a container is one kernel bug away from root on the host.",
    "Add USER with a non-root uid (e.g. USER 10001) to the image.",
)
UID0 = Rule(
    "IA-UID0-ACCOUNT",
    "Extra uid-0 account",
    "privilege",
    Severity.HIGH,
    "Every uid-0 account is root under another name.",
    "Remove the account or give it its own non-zero uid.",
)
EMPTY_PASSWORD = Rule(
    "IA-EMPTY-PASSWORD",
    "Account without a password",
    "privilege",
    Severity.HIGH,
    "An empty password field lets anyone become that user.",
    "Lock the account (passwd -l) or set a password hash.",
)
DUPLICATE_ID = Rule(
    "IA-DUPLICATE-ID",
    "Duplicate uid or gid",
    "privilege",
    Severity.LOW,
    "Accounts sharing a uid share every file and privilege.",
    "Give each account and group its own id.",
)
SUDO = Rule(
    "IA-SUDO-NOPASSWD",
    "sudo without password",
    "privilege",
    Severity.HIGH,
    "NOPASSWD sudo rules give root to anyone running as that user.",
    "Remove sudo from the image, or at least the NOPASSWD rules.",
)
USER_UNKNOWN = Rule(
    "IA-USER-UNKNOWN",
    "Image user is not an account of the image",
    "privilege",
    Severity.MEDIUM,
    "A User name the image's /etc/passwd does not hold cannot start the container (runc: no "
    "matching entries in passwd file; Kubernetes' runAsNonRoot cannot check it): the user it "
    "runs as is left to whoever deploys it, root included.",
    "Add the account to /etc/passwd, or name the user by its uid (USER 10001).",
)
SSH_ROOT = Rule(
    "IA-SSH-ROOT-LOGIN",
    "SSH allows root or empty-password login",
    "privilege",
    Severity.HIGH,
    "Remote root login is the most attacked login there is.",
    "Remove sshd; if it must stay, set PermitRootLogin no.",
)

_FILES = ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/sudoers", "/etc/ssh/sshd_config")
_DIRS = ("/etc/sudoers.d/", "/etc/ssh/")  # sshd_config may Include any file there
_ROOT_NAMES = {"", "root", "0"}


class UserDetector:
    """The runtime user and the image's account files."""

    rules = (USER_ROOT, USER_UNKNOWN, UID0, EMPTY_PASSWORD, DUPLICATE_ID, SUDO, SSH_ROOT)

    content = ContentWants(paths=frozenset(_FILES), prefixes=_DIRS)

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """Judge the config user, then the account files of the final filesystem."""
        yield from _runtime_user(ctx)
        yield from _accounts(ctx)
        yield from _sudoers(ctx)
        yield from _sshd(ctx)


def _layer(ctx: ImageContext, path: str) -> int | None:
    version = ctx.fs.final_version(path)
    return version.layer if version else None


def _runtime_user(ctx: ImageContext) -> Iterator[Finding]:
    user = ctx.config.user.strip()
    name = user.split(":", 1)[0]
    passwd = ctx.read("/etc/passwd")
    uids: dict[str, int] = {}
    for account in parse_passwd(passwd or b""):
        uids.setdefault(account.name, account.uid)  # runc takes a name's first line
    if name in _ROOT_NAMES:
        shown = f"User is {user!r}" if user else "no User is set"
        yield ctx.finding(USER_ROOT, key="config", evidence=f"{shown}: the container runs as root")
    elif uids.get(name) == 0:
        yield ctx.finding(
            USER_ROOT,
            path="/etc/passwd",
            layer=_layer(ctx, "/etc/passwd"),
            key="config",
            evidence=f"User {user!r} has uid 0 in /etc/passwd",
        )
    elif numeric_uid(name) == 0:
        yield ctx.finding(USER_ROOT, key="config", evidence=f"User {user!r} is uid 0")
    elif numeric_uid(name) is None and name not in uids:
        where = (
            "the image has no /etc/passwd" if passwd is None else "/etc/passwd has no such account"
        )
        yield ctx.finding(
            USER_UNKNOWN,
            path="/etc/passwd" if passwd is not None else "",
            layer=_layer(ctx, "/etc/passwd"),
            key="config",
            evidence=f"User {quoted(user)}: {where}",
        )


_NUMBER = re.compile(r"([+-]?)(?=[0-9])0*([0-9]*)")
_LARGEST_UID = 2**31 - 1
"""runc refuses a uid beyond this (user.maxID); a longer number is never uid 0."""


def numeric_uid(user: str) -> int | None:
    """The uid a numeric User names, read as runc reads it (Go's strconv.Atoi: an optional
    sign, then ASCII digits), or None for a name (or a number runc refuses as out of range).

    >>> [numeric_uid(u) for u in ("0", "+0", "-0", "000", "+1000", "-5")]
    [0, 0, 0, 0, 1000, -5]
    >>> [numeric_uid(u) for u in ("root", "", "+", "\u0660", "1_000", "0" * 5000 + "1")]
    [None, None, None, None, None, 1]
    """
    number = _NUMBER.fullmatch(user)
    if number is None:
        return None
    sign, digits = number.groups()
    if len(digits) > len(str(_LARGEST_UID)):  # also keeps int() off a 5000-digit string
        return None
    return -int(digits or "0") if sign == "-" else int(digits or "0")


def _accounts(ctx: ImageContext) -> Iterator[Finding]:
    passwd = ctx.read("/etc/passwd")
    if passwd is None:
        return
    accounts = parse_passwd(passwd)
    layer = _layer(ctx, "/etc/passwd")
    for account in accounts:
        if account.uid == 0 and account.name != "root":
            yield ctx.finding(
                UID0,
                path="/etc/passwd",
                layer=layer,
                key=account.name,
                evidence=f"account {quoted(account.name)} has uid 0",
            )
    yield from _empty_passwords(ctx, accounts)
    for uid, count in Counter(a.uid for a in accounts).items():
        if count > 1:
            names = ", ".join(a.name for a in accounts if a.uid == uid)
            yield ctx.finding(
                DUPLICATE_ID,
                path="/etc/passwd",
                layer=layer,
                key=f"uid-{uid}",
                evidence=f"uid {uid} is shared by {names}",
            )
    groups = parse_group_ids(ctx.read("/etc/group") or b"")
    for gid, count in Counter(g for _, g in groups).items():
        if count > 1:
            names = ", ".join(n for n, g in groups if g == gid)
            yield ctx.finding(
                DUPLICATE_ID,
                path="/etc/group",
                layer=_layer(ctx, "/etc/group"),
                key=f"gid-{gid}",
                evidence=f"gid {gid} is shared by {names}",
            )


def _empty_passwords(ctx: ImageContext, accounts: list[Account]) -> Iterator[Finding]:
    """An account whose password field is empty where login reads it: /etc/shadow's for an "x"
    in /etc/passwd, /etc/passwd's own otherwise (pam_unix reads shadow only for "x"), and
    shadow entries without a passwd line (judged too: they are in the image)."""
    shadow = ctx.read("/etc/shadow")
    shadowed = {e.name: e.password for e in parse_shadow(shadow)} if shadow is not None else {}
    fields: dict[str, tuple[str, str]] = {}
    for account in accounts:
        if account.password != "x":
            fields.setdefault(account.name, (account.password, "/etc/passwd"))
        elif account.name in shadowed:
            fields.setdefault(account.name, (shadowed[account.name], "/etc/shadow"))
    for name, field in shadowed.items():
        fields.setdefault(name, (field, "/etc/shadow"))
    for name, (field, path) in sorted(fields.items()):
        if password_state(field) == "empty":
            yield ctx.finding(
                EMPTY_PASSWORD,
                path=path,
                layer=_layer(ctx, path),
                key=name,
                evidence=f"account {quoted(name)} has an empty password field",
            )


_NOPASSWD = re.compile(r"^[^\S\n]*([^#\s][^\n]*\bNOPASSWD[^\S\n]*:)([^\n]*)", re.M)
"""A rule line (not a comment, indented or not) up to its NOPASSWD tag, and what follows."""
_NO_AUTHENTICATE = re.compile(r"^[^\S\n]*(Defaults\b[^\n]*![^\S\n]*authenticate\b[^\n]*)", re.M)
"""`Defaults !authenticate`: no rule asks for a password (for whom the Defaults line says)."""


def _sudoers(ctx: ImageContext) -> Iterator[Finding]:
    paths = ["/etc/sudoers"] + [p for p in ctx.fs.paths() if p.startswith("/etc/sudoers.d/")]
    for path in paths:
        text = (ctx.read(path) or b"").decode("utf-8", "surrogateescape")
        found = [  # (key, evidence): the key is the rule up to NOPASSWD, as before
            (_words(m.group(1)), f"sudoers rule: {_words(m.group(0))[:160]}")
            for m in _NOPASSWD.finditer(text)
        ]
        found += [
            (
                _words(m.group(1)),
                f"sudoers: {_words(m.group(1))[:160]} (no sudo rule asks for a password)",
            )
            for m in _NO_AUTHENTICATE.finditer(text)
        ]
        for key, evidence in found:
            yield ctx.finding(SUDO, path=path, layer=_layer(ctx, path), key=key, evidence=evidence)


def _words(text: str) -> str:
    return " ".join(text.split())


_SSH_LINE = re.compile(r"[ \t]*([A-Za-z]+)(?:[ \t]*=|[ \t])(.*)")
"""A keyword and the rest of its line (stripped by the caller: a lazy value before trailing
blanks took time quadratic in a run of blanks)."""
_SSH_KEYWORDS = {
    "permitrootlogin": "PermitRootLogin",
    "permitemptypasswords": "PermitEmptyPasswords",
}
_SSH_INCLUDES = 16
"""Include depth sshd itself allows."""
_SSH_FILES = 256
"""Files read for one image at most: `Include /etc/ssh/*` in every file would otherwise read
n**16 of them."""


@dataclass(frozen=True, slots=True)
class _SshSetting:
    keyword: str
    value: str
    path: str
    match: str
    """The Match criteria the line is under ("" for a global line)."""


def _sshd_settings(ctx: ImageContext) -> list[_SshSetting]:
    """The PermitRootLogin and PermitEmptyPasswords lines in the order sshd reads them: from
    /etc/ssh/sshd_config, its Include files where the directive stands (relative names under
    /etc/ssh, globs sorted), each under the Match block it is in (a Match ends with the file)."""
    paths = [p for p in ctx.fs.paths() if p.startswith("/etc/ssh/")]
    found: list[_SshSetting] = []
    reads = [_SSH_FILES]

    def read(path: str, match: str, depth: int) -> None:
        if reads[0] <= 0:
            return
        reads[0] -= 1
        text = (ctx.read(path) or b"").decode("utf-8", "replace")
        for line in text.split("\n"):
            parsed = _SSH_LINE.match(line)
            if parsed is None:
                continue  # a comment or a blank line
            key, value = parsed.group(1).lower(), parsed.group(2).strip()
            if key == "match":
                match = "" if value.strip().lower() == "all" else value.strip()
            elif key == "include" and depth < _SSH_INCLUDES:
                for pattern in value.split():
                    full = pattern if pattern.startswith("/") else f"/etc/ssh/{pattern}"
                    for included in sorted(_globbed(paths, full)):
                        read(included, match, depth + 1)
            elif key in _SSH_KEYWORDS and value:
                found.append(_SshSetting(_SSH_KEYWORDS[key], value.split()[0], path, match))

    read("/etc/ssh/sshd_config", "", 0)
    return found


def _globbed(paths: list[str], pattern: str) -> list[str]:
    """`paths` a shell glob matches (a wildcard never crosses a "/")."""
    depth = pattern.count("/")
    return [p for p in fnmatch.filter(paths, pattern) if p.count("/") == depth]


def _sshd(ctx: ImageContext) -> Iterator[Finding]:
    """sshd keeps the first value a keyword is given: a global `yes` that comes first is high;
    a `yes` under a Match block applies only to the connections it matches (medium)."""
    if not any(p.name in ("sshd", "dropbear", "dropbearmulti") for p in programs(ctx)):
        return
    settings = _sshd_settings(ctx)
    for keyword in _SSH_KEYWORDS.values():
        mine = [s for s in settings if s.keyword == keyword]
        first = next((s for s in mine if not s.match), None)
        if first is not None and first.value.lower() == "yes":
            yield ctx.finding(
                SSH_ROOT,
                path=first.path,
                layer=_layer(ctx, first.path),
                key=keyword.lower(),
                evidence=f"sshd is installed and {keyword} yes",
            )
        for setting in mine:
            if setting.match and setting.value.lower() == "yes":
                yield ctx.finding(
                    SSH_ROOT,
                    path=setting.path,
                    layer=_layer(ctx, setting.path),
                    key=f"{keyword.lower()}:{setting.match}",
                    severity=Severity.MEDIUM,
                    evidence=f"sshd is installed and {keyword} yes for Match "
                    f"{quoted(setting.match, 80)}",
                )
