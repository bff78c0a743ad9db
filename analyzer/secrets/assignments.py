"""Secrets assigned to secret names: KEY=VALUE lines of .env files.

- dotenv: KEY=VALUE lines of .env files whose key names a secret (PASSWORD, TOKEN, API_KEY...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzer.secrets.structure_formats import Found, Source

SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY|(?<![a-z])(?:PWD|AUTH)(?![a-z])",
    re.I,
)
NOT_SECRET_NAME = re.compile(
    r"(?:^|_)(?:PATH|FILE|DIR|URL|URI|HOST|PORT|USER|USERNAME|NAME|ID|TYPE|ENABLED|TTL|TIMEOUT"
    r"|EXPIRY|EXPIRES|LENGTH|HEADER|ALGORITHM|ISSUER|PROVIDER|METHOD|MODE)$|^PWD$",
    re.I,
)
NOT_SECRET_VALUE = re.compile(r"(?i)true|false|yes|no|on|off|\d{1,4}")
_DOTENV = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$")


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
    """KEY=VALUE lines of a .env file whose key names a secret."""
    for number, line in enumerate(src.lines, 1):
        m = _DOTENV.match(line)
        if m is None or not SECRET_NAME.search(key := m.group(1)):
            continue
        value = m.group(2)
        value = unquote(value) if value[:1] in "'\"" else re.split(r"\s+#", value)[0]
        if not NOT_SECRET_NAME.search(key) and not NOT_SECRET_VALUE.fullmatch(value):
            yield Found(number, value, key[:100])
