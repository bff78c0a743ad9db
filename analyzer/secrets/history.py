"""Shell and client history files: they record what was typed during the build.

- shell-history: a non-empty shell or client history file (value "history:<name>", line 0):
  it was never meant to ship.
- history-credential: lines of those files with a credential on the command line (mysql -pX,
  --password=, PASSWORD=, curl -u user:pass, sshpass -p, URLs with a password, SQL PASSWORD '').
  The image config's build steps and command lines are read the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzer.secrets.assignments import unquote
from analyzer.secrets.structure_formats import Found, Source

HISTORY_CREDENTIALS = {
    "mysql -p<password>": r"\b(?:mysql\w*|mariadb\w*)\b.*?\s-p(?P<v>[^\s-]\S*)",
    "--password option": r"--[\w-]*(?:pass(?:word)?|token|secret|api-?key)(?:=|\s+)"
    r"(?P<v>[^\s-]\S*)",
    "password variable": r"(?i)\b\w*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY)\w*=(?P<v>\S+)",
    "curl -u user:password": r"\b(?:curl|wget)\b.*?(?:\s-[A-Za-z]*u\s*|--user[=\s])"
    r"['\"]?[^\s:'\"]+:(?P<v>[^\s'\"]+)",
    "sshpass -p": r"\bsshpass\s+-p\s*(?P<v>\S+)",
    "redis-cli -a": r"\bredis-cli\b.*?\s-a\s+(?P<v>\S+)",
    "URL with a password": r"://[^\s:/@]+:(?P<v>[^\s@/]+)@",
    "SQL password": r"(?i)\b(?:PASSWORD|IDENTIFIED\s+BY)\s*(?:=\s*)?(?:PASSWORD\s*\(\s*)?"
    r"'(?P<v>[^']+)'",
    "docker login -p": r"\b(?:docker|podman|buildah|skopeo|helm)\b.*?\blogin\b.*?\s-p\s*"
    r"['\"]?(?P<v>[^\s'\"-][^\s'\"]*)",
    "password piped to --password-stdin": r"\becho\s+['\"]?(?P<v>[^\s'\"|$][^\s'\"|]*)['\"]?"
    r"\s*\|.*--password-stdin",
    "htpasswd -b": r"\bhtpasswd(?:\s+-\w+)*?\s+-\w*b\w*(?:\s+-\w+)*\s+\S+\s+\S+\s+"
    r"(?P<v>[^\s-]\S*)",
    "Authorization header": r"(?i)authorization:\s*(?:bearer|basic|token)\s+(?P<v>[^\s'\"]+)",
    "netrc password": r"\bmachine\s+\S+.*?\bpassword\s+(?P<v>[^\s'\"]+)",
}
_PATTERNS = [(label, re.compile(p)) for label, p in HISTORY_CREDENTIALS.items()]
_REDIS_AUTH = re.compile(r"(?i)^\s*AUTH\s+(?:\S+\s+)?(?P<v>\S+)\s*$")


def history_presence(src: Source) -> Iterator[Found]:
    """The file itself, when it is not empty."""
    if src.data.strip():
        yield Found(0, f"history:{src.name}", f"{src.name} with {len(src.lines)} lines")


def history_credentials(src: Source) -> Iterator[Found]:
    """Every credential of every command line (a line may chain several commands)."""
    for number, line in enumerate(src.lines, 1):
        values: dict[str, str] = {}  # value -> the first pattern that saw it
        for label, pattern in _PATTERNS:
            for found in pattern.finditer(line):
                values.setdefault(unquote(found.group("v")), label)
        if not values and src.name == ".rediscli_history" and (m := _REDIS_AUTH.match(line)):
            values[m.group("v")] = "redis AUTH"
        for value, label in values.items():
            yield Found(number, value, f"{label} in {src.name}")
