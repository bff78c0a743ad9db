"""Secrets assigned to secret names: .env lines, configuration settings, string literals in code.

- dotenv: KEY=VALUE lines of .env files whose key names a secret (PASSWORD, TOKEN, API_KEY...).
- keyword: a value assigned to a password, secret, token or key name where the context says
  credential. detect-secrets' keyword and entropy plugins guess from a line alone; this reader
  looks at the whole file and reports under the same rule (IA-SECRET-KEYWORD):
  * in configuration (`analyzer.secrets.filekind`): a literal value on a line that is not a
    comment, unless it is a reference ($VAR, a path, `command`, os.environ), prose (words and
    spaces), a switch (yes, off, 4), a setting several other names share (`passwd: files`
    beside `group: files`), or in an INI section whose header says demo, example, sample or
    test;
  * in code: a string literal shaped like a credential (at least 8 characters, no spaces, not a
    name, and mixing three kinds of characters, or letters and digits over 16 or more) given
    to one of the names detect-secrets' keyword plugin looks for (password, secret, api_key...);
  * in data files (documentation, tables): never.
  A guess nothing agrees with is lowered, not dropped (`analyzer.secrets.policy`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from analyzer.secrets.filekind import FileKind, file_kind
from analyzer.secrets.hsdb import fixed_database, hyperscan_module
from analyzer.secrets.structure_formats import Found, Source, is_placeholder

SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|"
    r"(?:API|ACCESS|AUTH|PRIV(?:ATE)?|CLIENT|SERVICE|SIGNING|ENCRYPTION|MASTER)[_-]?KEY|"
    r"(?<![a-z])(?:PWD|PW|AUTH|PASS)(?![a-z])",
    re.I,
)
NOT_SECRET_NAME = re.compile(
    r"(?:^|_)(?:PATH|FILE|DIR|URL|URI|HOST|PORT|USER|USERNAME|NAME|ID|TYPE|ENABLED|TTL|TIMEOUT"
    r"|EXPIRY|EXPIRES|LENGTH|HEADER|ALGORITHM|ISSUER|PROVIDER|METHOD|MODE|ENCRYPTION|POLICY"
    r"|MIN|MAX|SIZE|FORMAT|PROMPT|STATE|COMMAND|CMD|HELPER|STRENGTH|ATTEMPTS|RETRIES"
    r"|EXPIRATION|LIFETIME|REQUIRED|FIELD|LABEL|MESSAGE|REGEX|PATTERN|DAYS|ENDPOINT|SCOPE"
    r"|PREFIX|LIMIT|VERSION)$|^PWD$",
    re.I,
)
NOT_SECRET_VALUE = re.compile(r"(?i)true|false|yes|no|on|off|none|null|\d{1,4}")
_DOTENV = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+")


def secret_name(name: str) -> bool:
    """True for a name that holds a secret rather than a setting about one.

    >>> [secret_name(n) for n in ("DB_PASSWORD", "api-key", "clientSecret", "passwd")]
    [True, True, True, True]
    >>> [secret_name(n) for n in ("PASSWORD_FILE", "challengePassword_min", "bypass", "PWD")]
    [False, False, False, False]
    """
    words = "_".join(w for w in _CAMEL.split(name) if w)
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET_NAME.search(words)


def unquote(value: str) -> str:
    """The value without its quotes, or without the one quote of a quoted command around it.

    >>> unquote("'pw1'"), unquote("tok1'"), unquote('"pw2'), unquote("it's")
    ('pw1', 'tok1', 'pw2', "it's")
    """
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    for quote in "'\"":
        if value.count(quote) == 1 and (value[0] == quote or value[-1] == quote):
            return value.strip(quote)
    return value


def dotenv(src: Source) -> Iterator[Found]:
    """KEY=VALUE lines of a .env file whose key names a secret, and Laravel's APP_KEY (kind
    application-key) when it is a key: `base64:` and 16 or 32 bytes.

    >>> [(f.kind, f.detail) for f in dotenv(Source("/app/.env",
    ...     b"APP_KEY=base64:7bK2mQ9xZ4vL8pT1rW6yN3cH5jF0dS2aG8kE4uI7oPq=\\n"))]
    [('application-key', 'Laravel APP_KEY (encrypts its sessions and cookies)')]
    """
    for number, line in enumerate(src.lines, 1):
        m = _DOTENV.match(line)
        if m is None:
            continue
        key, value = m.group(1), m.group(2)
        value = unquote(value) if value[:1] in "'\"" else re.split(r"\s+#", value)[0]
        if key == "APP_KEY" and _laravel_key(value):
            detail = "Laravel APP_KEY (encrypts its sessions and cookies)"
            yield Found(number, value, detail, kind="application-key")
        elif secret_name(key) and not NOT_SECRET_VALUE.fullmatch(value):
            yield Found(number, value, key[:100])


def _laravel_key(value: str) -> bool:
    """`base64:` and the 16 or 32 bytes of an AES-128 or AES-256 key (`artisan key:generate`)."""
    if not value.startswith("base64:"):
        return False
    try:
        return len(base64.b64decode(value[7:], validate=True)) in (16, 32)
    except (binascii.Error, ValueError):
        return False


# ---- keyword: credential assignments in configuration and code ---------------------------------

_CANDIDATE = (
    rb"(?:pass|pwd|secret|token|credential|(?:api|access|auth|priv|private|client|service"
    rb"|signing|encryption|master|account|db|database)[_-]?key)[^\s=:]{0,90}[ \t]*[=:]"
)
"""A secret word (a key only with what makes it secret: `key=` alone is every dict in code),
the rest of a name (any byte but a blank or a separator: wider than any name `_PAIR` takes)
and a separator: the lines worth reading. Caseless."""
_CODE_NAME = re.compile(
    r"PASSWORD|PASSWD|PWD|SECRET|(?:API|AUTH|SERVICE|ACCOUNT|DB|DATABASE|PRIV|PRIVATE|CLIENT)"
    r"_?KEY|(?:DB|DATABASE|KEY)_?PASS",
    re.I,
)
"""In code, the names detect-secrets' keyword plugin looks for: a literal the structure calls a
credential there is one that plugin saw too (a token format has its own plugin)."""
_PAIR = re.compile(
    r"""(?<![\w.-])["']?([A-Za-z_][\w.-]{0,80}?)["']?[ \t]*(=>|:=|[:=])[ \t]*"""
    r"""("[^"\n]*"|'[^'\n]*'|[^\s"',;{}\[\]()]++(?!\())"""
)
"""name, separator, value: a quoted string or a bare word, not the name of a call
(`ENC(...)`, `getpass()`: the word before the parenthesis is no value)."""
_COMMENT = re.compile(r"\s*(?:#|;|//|--|!|\*|<!--|%|REM\s)", re.I)
_CONFIG_COMMENT = re.compile(r"\s[#;].*")
_CODE_COMMENT = re.compile(r"\s(?:#|//).*")
"""A comment after a setting or a statement (a pair inside it is prose or an old value)."""
_SECTION = re.compile(r"^\s*\[([^\]]*)\](.*)$")
_DOCUMENTATION = re.compile(r"(?i)\b(?:demo|example|sample|test(?:ing)?|dummy)\b")
_REFERENCE = re.compile(r"[$%@`!|>{\[<~/]|\.\.?/|(?:file|env|fd|vault|secret|stdin)(?::|$)", re.I)
_NAME_LIKE = re.compile(r"[A-Za-z_][A-Za-z_.]*")
PROSE = re.compile(r"[^\W\d_]+(?:\s+[^\W\d_]+)+[.!?]?")
"""Words and spaces ("A challenge password"): a prompt or a comment, not a credential."""
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
"""module.attribute, object.field: code, not a value."""
_SHARED_BY = 2
"""Other names giving the same value that make it a setting (an enum), not a secret."""


_SUDOERS = re.compile(r"/sudoers(?:\.d/[^/]+)?$")
"""sudo's rules: `app ALL=(ALL) NOPASSWD: ALL` is a tag on a rule, never a credential (sudoers
holds none), yet it reads as a secret name given a value."""


def credential_assignments(src: Source) -> Iterator[Found]:
    """Values assigned to secret names, where the file's kind says they are credentials.

    >>> list(credential_assignments(Source("/etc/sudoers.d/app", b"app ALL=(ALL) NOPASSWD: ALL")))
    []
    """
    kind = file_kind(src.path, src.data[:2])
    if kind is FileKind.DATA or not src.is_text or _SUDOERS.search(src.path):
        return
    lines = candidate_lines(src.data)
    if not lines:
        return
    if kind is FileKind.CODE:
        yield from _literals_in_code(lines)
    else:
        yield from _configuration_values(src, frozenset(number for number, _ in lines))


def candidate_expressions(hyperscan: Any) -> list[tuple[bytes, int]]:
    """`_CANDIDATE` as hyperscan compiles it (caseless)."""
    return [(_CANDIDATE, hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_ALLOWEMPTY)]


@functools.cache
def _candidate_database() -> Any:
    """A Hyperscan database of `_CANDIDATE` (None without Hyperscan: Python's re then),
    prepared at install (analyzer.secrets.hsprepare) or compiled on first use."""
    hyperscan = hyperscan_module()
    if hyperscan is None:  # pragma: no cover - hyperscan is a dependency
        return None
    return fixed_database(hyperscan, candidate_expressions(hyperscan))


def candidate_lines(data: bytes) -> list[tuple[int, str]]:
    """(1-based number, text) of the lines where a secret word is followed by a separator.

    >>> candidate_lines(b"a = 1\\nDB_Password = x\\nkey: y\\n\\napiKey: y z\\n")
    [(2, 'DB_Password = x'), (5, 'apiKey: y z')]
    """
    lines: list[tuple[int, str]] = []
    number, seen = 1, 0
    for end in sorted(_match_ends(data)):
        if end < seen:
            continue  # another match on a line already taken
        number += data.count(b"\n", seen, end)
        start = data.rfind(b"\n", 0, end) + 1
        stop = data.find(b"\n", end)
        stop = len(data) if stop < 0 else stop
        text = data[start:stop].decode("utf-8", errors="replace").removesuffix("\r")
        lines.append((number, text))
        number += data.count(b"\n", end, stop)
        seen = stop
    return lines


def _match_ends(data: bytes) -> list[int]:
    database = _candidate_database()
    if database is None:  # pragma: no cover - hyperscan is a dependency
        return [m.end() for m in re.finditer(_CANDIDATE, data, re.I)]
    ends: list[int] = []

    def on_match(ident: int, start: int, end: int, flags: int, context: Any) -> None:
        ends.append(end)

    database.scan(bytes(data), match_event_handler=on_match)
    return ends


def _pairs(line: str, comment: re.Pattern[str]) -> Iterator[tuple[str, str, str]]:
    """(name, separator, raw value) of every assignment on a line, before its comment."""
    for m in _PAIR.finditer(comment.sub("", line)):
        yield m.group(1), m.group(2), m.group(3)


def _configuration_values(src: Source, candidates: frozenset[int]) -> Iterator[Found]:
    shared = _names_per_value(src)
    documentation = False
    for number, line in enumerate(src.lines, 1):
        if _SECTION.match(line):
            documentation = _DOCUMENTATION.search(line) is not None
            continue
        if documentation or number not in candidates or _COMMENT.match(line):
            continue
        for name, _, raw in _pairs(line, _CONFIG_COMMENT):
            value = unquote(raw)
            if secret_name(name) and _setting_value(value, shared.get(value, set()) - {name}):
                yield Found(number, value, f"{name[:100]} in a configuration file")


def shared_settings(path: str, data: bytes) -> frozenset[str]:
    """The values of a configuration file that at least two names, none of them a secret
    name, give (`files` in nsswitch.conf's `passwd: files`, `group: files`, `shadow: files`):
    an enum of settings, not a credential, by the rule `_setting_value` applies; empty for
    code and data files, where that rule does not apply.

    >>> sorted(shared_settings("/etc/nsswitch.conf", b"passwd: files\\ngroup: files\\nrpc: files"))
    ['files']
    >>> shared_settings("/etc/app.conf", b"password: files\\ngroup: files\\n")
    frozenset()
    """
    kind = file_kind(path, data[:2])
    if kind is FileKind.DATA or kind is FileKind.CODE:
        return frozenset()
    names = _names_per_value(Source(path, data))
    return frozenset(value for value, given in names.items() if _enum(given))


def _names_per_value(src: Source) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for line in src.lines:
        if not _COMMENT.match(line):
            for name, _, raw in _pairs(line, _CONFIG_COMMENT):
                found.setdefault(unquote(raw), set()).add(name)
    return found


def literal_setting(value: str) -> bool:
    """True for a setting's value that can be a credential: a literal, not a switch, a
    reference ($VAR, %VAR%, @file, a path, `command`), a dotted name, prose or a URL.

    >>> [literal_setting(v) for v in ("Wc3vBn5mQz8X", "%DB_PASSWORD%", "$(DbPass)", "off")]
    [True, False, False, False]
    """
    return _setting_value(value, set())


def _setting_value(value: str, others: set[str]) -> bool:
    """True for a value that can be a credential: a literal, not a switch or a reference."""
    if not value or NOT_SECRET_VALUE.fullmatch(value) or _REFERENCE.match(value):
        return False
    if _DOTTED.fullmatch(value) or PROSE.fullmatch(value):
        return False
    if "`" in value or "$(" in value or "://" in value:
        return False  # a command's output, or a URL (whose password other kinds read)
    return not _enum(others)


def _enum(names: Iterable[str]) -> bool:
    """True when enough names that are not secret names give one value to make it a setting
    shared by several (an enum), not a credential."""
    return len([n for n in names if not secret_name(n)]) >= _SHARED_BY


def _literals_in_code(candidates: list[tuple[int, str]]) -> Iterator[Found]:
    for number, line in candidates:
        if _COMMENT.match(line):
            continue
        for name, separator, raw in _pairs(line, _CODE_COMMENT):
            literal = raw[0] in "'\"" or (separator == "=" and f"{name}={raw}" in line)
            value = unquote(raw)
            if (
                literal
                and _CODE_NAME.search(name)
                and secret_name(name)
                and credential_shaped(value)
            ):
                yield Found(number, value, f"{name[:100]} assigned in code")


def credential_shaped(value: str) -> bool:
    """A literal that looks generated or chosen as a credential, not a word or a name.

    >>> [credential_shaped(v) for v in ("cfg-Zq81LmRt", "8f3a9c0d1e2b4a5f6e7d", "Sup3rSecret")]
    [True, True, True]
    >>> [credential_shaped(v) for v in ("TextInput", "geheim$parole", "hunter2", "a.b.Cde1")]
    [False, False, False, False]
    """
    if not 8 <= len(value) <= 1024 or any(c.isspace() for c in value):
        return False
    if _NAME_LIKE.fullmatch(value) or "://" in value or is_placeholder(value):
        return False
    if "." in value and all(_NAME_LIKE.fullmatch(part) for part in value.split(".")[:-1]):
        return False  # a dotted name (module.Class, a.b.c1)
    lower, upper = any(c.islower() for c in value), any(c.isupper() for c in value)
    digit, other = any(c.isdigit() for c in value), any(not c.isalnum() for c in value)
    if lower + upper + digit + other >= 3:
        return True
    return len(value) >= 16 and (lower or upper) and digit
