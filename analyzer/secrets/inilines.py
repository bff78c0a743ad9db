"""detect-secrets' INI transformers, line for line the same output, without a regex per value.

detect-secrets (transformers/config.py) turns an INI file into `key = "value"` lines placed at
the line each value was read from. To find that line it walks the file's stripped lines and
matches the first line of every option with `re.compile(r"^\\s*KEY[ :=]+VALUE")`, a pattern
built from the option's own key and value: a regex compile per option (and a cache lookup per
line), which is most of its time on a config file. Here the same match is decided with string
operations that give the same answer, backtracking included:

- `^\\s*` takes a run of leading whitespace, giving back characters if the rest needs them;
- `KEY` and `VALUE` are literals (they were re.escape()d);
- `[ :=]+` takes a run of at least one of those characters, giving back all but one if
  VALUE needs them (a value may itself start with ":" or "=").

Everything else (configparser with its settings, the line walk with its offsets, the
"pragma: allowlist nextline secret" comments, the quoting) is detect-secrets' algorithm,
reproduced step for step; tests compare the output with detect-secrets' own transformers.
"""

from __future__ import annotations

import configparser
import io
import re
from collections.abc import Iterator

from detect_secrets.transformers.config import (
    _construct_values_list,
    _is_allowlist_nextline_secret_comment,
)

_COMMENT = re.compile(r"\s*[;#]")
_SEPARATORS = " :="


def ini_lines(text: str, *, add_header: bool) -> list[str] | None:
    """What detect-secrets' ConfigFileTransformer (add_header=False) or
    EagerConfigFileTransformer (add_header=True) returns for `text`; None where it raises
    ParsingError.

    >>> ini_lines("[db]\\npassword = 'hunter2'\\n", add_header=False)
    ['', 'password = "hunter2"']
    >>> ini_lines("no section here\\n", add_header=False) is None
    True
    """
    try:
        return _lines(text, add_header)
    except configparser.Error:
        return None


def _lines(text: str, add_header: bool) -> list[str]:
    lines: list[str] = []
    options = _Options(text, add_header)
    for key, value, line_number in options:
        while len(lines) < line_number - 1:
            lines.append("")
        if options.pragmas and _is_allowlist_nextline_secret_comment(value):
            lines.append(value)
            continue
        quoted = value[0] in {"'", '"'} and value[-1] == value[0]
        bare = value[1:-1] if quoted else value
        escaped = bare.replace('"', '\\"')
        lines.append(f'{key} = "{escaped}"')
    return lines


def first_line_matches(line: str, key: str, value: str) -> bool:
    """`re.match(r"^\\s*" + re.escape(key) + "[ :=]+" + re.escape(value), line)`, without
    compiling a pattern per (key, value).

    >>> first_line_matches("token ==value", "token", "=value"), first_line_matches("a b", "a", "c")
    (True, False)
    """
    spaces = len(line) - len(line.lstrip())
    return any(
        _after_key_matches(line, start + len(key), value)
        for start in range(spaces, -1, -1)
        if line.startswith(key, start)
    )


def _after_key_matches(line: str, at: int, value: str) -> bool:
    run = at
    while run < len(line) and line[run] in _SEPARATORS:
        run += 1
    return any(line.startswith(value, end) for end in range(run, at, -1))


class _Options:
    """detect-secrets' IniFileParser: (key, value, line number) of every option value."""

    def __init__(self, text: str, add_header: bool) -> None:
        self.parser = configparser.ConfigParser()
        self.parser.optionxform = str  # type: ignore[assignment,method-assign]
        content = io.StringIO(text, newline=None).read()
        self.parser.read_string("[global]\n" + content if add_header else content)
        self.lines = [line.strip() for line in io.StringIO(text, newline=None).readlines()]
        self.start = 0
        """detect-secrets drops the lines before each option's last value (`self.lines =
        self.lines[n:]`, copying the rest each time); here they are skipped by index."""
        self.pragmas = "allowlist" in text
        """Whether a "pragma: allowlist nextline secret" comment can be in the file at all
        (detect-secrets' regex needs that word): if not, no line or value is checked for one."""

    def __iter__(self) -> Iterator[tuple[str, str, int]]:
        if not self.parser.sections():
            raise configparser.Error  # not an INI file, however leniently parsed
        for section in self.parser:
            for key, values in self.parser.items(section):
                for value, number in self._values_and_lines(key, values):
                    if value:
                        yield key, value, number

    def _values_and_lines(self, key: str, values: str) -> list[tuple[str, int]]:
        wanted = _construct_values_list(values)
        if not wanted:
            return []
        index = 0
        found: list[tuple[str, int]] = []
        lines, start, pragmas = self.lines, self.start, self.pragmas
        for at in range(start, len(lines)):
            line = lines[at]
            if pragmas and _is_allowlist_nextline_secret_comment(line):
                found.append((line, at + 1))
                continue
            if not line or _COMMENT.match(line):
                continue
            if index == 0:  # only the first line carries the key
                if first_line_matches(line, key, wanted[0]):
                    found.append((wanted[0], at + 1))
                    index = 1
                continue
            if index == len(wanted):  # every value placed: later options start from here
                self.start = at if at > start else start + 1
                break
            found.append((wanted[index], at + 1))
            index += 1
        else:
            self.start = len(lines)
        return found
