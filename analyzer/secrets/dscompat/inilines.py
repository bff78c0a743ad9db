"""detect-secrets' INI transformers, line for line the same output, much faster.

detect-secrets (transformers/config.py) turns an INI file into `key = "value"` lines placed at
the line each value was read from: it parses the file with configparser, then walks the file's
stripped lines to place every option, matching an option's first line with
`re.compile(r"^\\s*KEY[ :=]+VALUE")`, a pattern built from the option's own key and value.

Two ways to the same answer live here.

The fast path (`_one_pass`) reads a simple file in one pass, without configparser. It reads
each line as configparser's `_read` does, with configparser's own SECTCRE and OPTCRE's cut (blank,
full-line comment, continuation by indentation, section header, option), which gives every
option's key, values and their line numbers; with no "%" in a value and no [DEFAULT] section,
`items()` gives exactly these, in file order. Then it replays the walk in closed form. The walk
looks for an option's first line from the first non-blank, non-comment line after the
previous placed option's values, takes the first line its pattern matches, and gives the
other values to the following such lines, which are the option's continuation lines. So every
value lands on its own line exactly when the option's own line matches and none of the lines
the walk tests before it does: section headers and options without a value, the only lines
that can lie between. Those few lines are tested, not assumed. Where the pass meets a line
configparser raises on (a repeated section or option, an option before any section, a line it
cannot read), the answer is None at once: every line before was read as configparser reads
it, and configparser raises fatal errors at once, the others at the end of the file. Anything
else the pass cannot account for exactly (listed at `_simple_lines`) goes to the general path.

The general path (`_lines`) is detect-secrets' algorithm step for step (configparser with its
settings, the walk with its offsets, the "pragma: allowlist nextline secret" comments, the
quoting), except that the pattern match is decided by `first_line_matches` with string
operations that give the regex's answer, backtracking included, instead of a regex compile per
option (and a cache lookup per line):

- `^\\s*` takes a run of leading whitespace, giving back characters if the rest needs them;
- `KEY` and `VALUE` are literals (they were re.escape()d);
- `[ :=]+` takes a run of at least one of those characters, giving back all but one if
  VALUE needs them (a value may itself start with ":" or "=").

Tests compare both paths with detect-secrets' own transformers.
"""

from __future__ import annotations

import configparser
import io
import re
from collections.abc import Iterable, Iterator

from detect_secrets.transformers.config import (
    _construct_values_list,
    _is_allowlist_nextline_secret_comment,
)

_COMMENT = re.compile(r"\s*[;#]")
_SEPARATORS = " :="
# configparser and the walk cut lines at "\n" only, but str.splitlines() (detect-secrets'
# _construct_values_list) also cuts a value at \x0b, \x0c, \x1c-\x1e, \x85, \u2028 and \u2029.
# The rest of the unusual whitespace (\x1f, \xa0, \u2000...) is whitespace to str.strip() and to
# `\s` alike; it is declined all the same so that the fast path's argument is about spaces and
# tabs only (config files hardly ever hold any of these characters).
_UNUSUAL_WHITESPACE = re.compile(r"[^\S \t\n\r]")
# configparser's own section pattern (its OPTCRE, for the default delimiters, is `_read_option`)
_SECTCRE = configparser.ConfigParser.SECTCRE


def ini_lines(text: str, *, add_header: bool) -> list[str] | None:
    """What detect-secrets' ConfigFileTransformer (add_header=False) or
    EagerConfigFileTransformer (add_header=True) returns for `text`; None where it raises
    ParsingError. Most config files are answered by the one pass; the rest by detect-secrets'
    own algorithm (see the module docstring).

    >>> ini_lines("[db]\\npassword = 'hunter2'\\n", add_header=False)
    ['', 'password = "hunter2"']
    >>> ini_lines("no section here\\n", add_header=False) is None
    True
    """
    try:
        return _one_pass(text, add_header)
    except _Invalid:
        return None
    except _NotSimple:
        pass
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
        lines.append(_quoted(key, value))
    return lines


def _quoted(key: str, value: str) -> str:
    """detect-secrets' output line: its own quotes around the value, instead of any it had."""
    quoted = value[0] in {"'", '"'} and value[-1] == value[0]
    bare = value[1:-1] if quoted else value
    escaped = bare.replace('"', '\\"')
    return f'{key} = "{escaped}"'


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


# -- the fast path: one pass over a simple file ------------------------------------------------


class _NotSimple(Exception):
    """The file holds something the one pass does not account for exactly."""


class _Invalid(Exception):
    """configparser or IniFileParser raises on this file, whatever follows: the answer is None.

    Raised only where every line before was read as configparser reads it: configparser
    raises a fatal error at once, and a non-fatal one (a line it cannot read) at the end of
    the file, so once one is met the outcome no longer depends on the rest of the file.
    """


def _simple_lines(text: str, add_header: bool) -> list[str] | None:
    """What `ini_lines` returns for `text` when the file is simple; None when it is not.

    A file is not simple when it has (each is where configparser or the walk would do more
    than the one pass does):
    - "allowlist" anywhere: the walk outputs a "pragma: allowlist nextline secret" comment as
      itself wherever it meets one (the pragma regex needs that literal, lower-case word);
    - unusual whitespace (see _UNUSUAL_WHITESPACE);
    - a "%" in a value: BasicInterpolation may change the value, or raise;
    - a [DEFAULT] section: its options join every section's items(), in front of the section's;
    - an option whose values the walk would not place at its own lines (see the module
      docstring), e.g. a tab beside the delimiter, which `[ :=]+` does not take;
    - whatever makes detect-secrets raise ParsingError (then `ini_lines` is None at once, see
      _Invalid): an option before the first section header (without add_header), a line that
      is not blank, comment, section header, option or continuation, an empty option name, a
      repeated section or option (strict=True), no section at all.

    >>> _simple_lines("[db]\\nuser =\\npassword = 'hunter2'\\n", add_header=False)
    ['', '', 'password = "hunter2"']
    >>> _simple_lines("[db]\\npath = %(home)s/db\\n", add_header=False) is None
    True
    """
    try:
        return _one_pass(text, add_header)
    except (_NotSimple, _Invalid):
        return None


def _one_pass(text: str, add_header: bool) -> list[str]:
    """The fast path's lines; raises _NotSimple, or _Invalid where the answer is None."""
    if "allowlist" in text or _has_unusual_whitespace(text):
        raise _NotSimple
    # The same universal newlines as detect-secrets' file (a StringIO, or open())
    return _simple_read(io.StringIO(text, newline=None), add_header)


def _has_unusual_whitespace(text: str) -> bool:
    """Whether `text` has a character `_UNUSUAL_WHITESPACE` matches."""
    if text.isascii():  # a handful of memchr() scans instead of a regex over the text
        return any(character in text for character in "\x0b\x0c\x1c\x1d\x1e\x1f")
    return _UNUSUAL_WHITESPACE.search(text) is not None


def _simple_read(lines: Iterable[str], add_header: bool) -> list[str]:
    """configparser's `_read` on a simple file, each option placed as it ends (`_place`)."""
    out: list[str] = []
    passed: list[str] = []  # the lines the walk tests before the next option's own line
    # The eager transformer reads "[global]\n" + text: in a section from the first line
    sections = {"global"} if add_header else set()
    keys: set[str] | None = set() if add_header else None  # the current section's options
    option: _Option | None = None  # what a deeper indented line continues (optname)
    indent = 0  # indent_level: the indentation of the last header or option line
    for number, raw in enumerate(lines):
        stripped = raw.strip()
        if not stripped or stripped[0] in "#;":
            # configparser keeps nothing of a blank or comment line (a blank adds '' to the
            # value, which rstrip() and _construct_values_list drop); the walk skips it
            continue
        depth = len(raw) - len(raw.lstrip()) if raw[0] in " \t" else 0  # NONSPACECRE `\S`
        if option is not None:
            if depth > indent:
                if "%" in stripped:
                    raise _NotSimple  # BasicInterpolation
                option.more.append((number, stripped))  # the line stripped, as kept
                continue
            _place(option, passed, out)
            option = None
        indent = depth
        header = _SECTCRE.match(stripped) if stripped[0] == "[" else None
        if header is not None:
            keys = _new_section(header["header"], sections)
            passed.append(stripped)  # the walk tests a header line like any other
        elif keys is None:
            raise _Invalid  # MissingSectionHeaderError
        else:
            option = _read_option(number, stripped, keys)
    if option is not None:
        _place(option, passed, out)
    if not sections:
        raise _Invalid  # IniFileParser raises: not an INI file
    return out


def _new_section(name: str, sections: set[str]) -> set[str]:
    """Enter a section: an empty set for its option names."""
    if name == "DEFAULT":
        raise _NotSimple  # its options join every section's, and it may be repeated
    if name in sections:
        raise _Invalid  # DuplicateSectionError (strict)
    sections.add(name)
    return set()


class _Option:
    """An option as configparser reads it: key, its own stripped line, values with line index."""

    __slots__ = ("first", "key", "line", "more", "number")

    def __init__(self, key: str, line: str, number: int, first: str) -> None:
        self.key = key
        self.line = line
        self.number = number
        self.first = first
        """The value after the delimiter ('' too), read from line index `number`."""
        self.more: list[tuple[int, str]] = []
        """Each continuation line's value, with its line index."""


def _read_option(number: int, line: str, keys: set[str]) -> _Option:
    """The option on a (stripped) line that is not a section header, new in its section.

    OPTCRE's match, `(?P<option>.*?)\\s*(?P<vi>=|:)\\s*(?P<value>.*)$`, cuts the line at its
    first delimiter: the option is what comes before (rstripped, as configparser does), the
    value what follows (stripped)."""
    equals, colon = line.find("="), line.find(":")
    delimiter = equals if colon < 0 or 0 <= equals < colon else colon
    if delimiter < 0:
        raise _Invalid  # a line configparser cannot read: ParsingError
    key, value = line[:delimiter].rstrip(), line[delimiter + 1 :].strip()
    if not key or key in keys:
        raise _Invalid  # ParsingError (no name); DuplicateOptionError (strict)
    if "%" in value:
        raise _NotSimple  # BasicInterpolation
    keys.add(key)
    return _Option(key, line, number, value)


def _place(option: _Option, passed: list[str], out: list[str]) -> None:
    """detect-secrets' walk, replayed for an option that has ended: its values land at their
    own lines in `out`, or the file is not simple. `passed`: the lines the walk tests, in
    order, before this option's own line."""
    key, first, line = option.key, option.first, option.line
    if not first and not option.more:
        # No values (_construct_values_list gives []): the walk leaves this option at
        # once, and tests its line when it looks for the next ones
        passed.append(line)
        return
    # The walk's first-line pattern must match none of the passed lines and the own line. A
    # stripped line matches only if it starts with KEY (`^\s*` matches nothing there). An own
    # line is KEY, the delimiter with spaces or tabs around it, then VALUE: with no tab,
    # `[ :=]+` takes that run whole and VALUE follows.
    for before in passed:
        if before.startswith(key) and first_line_matches(before, key, first):
            raise _NotSimple
    if "\t" in line and not first_line_matches(line, key, first):
        raise _NotSimple
    # The continuation lines, the only lines before the next header or option line that the
    # walk does not skip, take the other values in order; the search for the next option
    # starts at that next line.
    passed.clear()
    if first:  # an empty first value is never output
        out.extend([""] * (option.number - len(out)))
        out.append(_quoted(key, first))
    for number, value in option.more:
        out.extend([""] * (number - len(out)))
        out.append(_quoted(key, value))
