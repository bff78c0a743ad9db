"""Which operating system an image is built on.

``/etc/os-release`` (or ``/usr/lib/os-release``) is specified by os-release(5)
(www.freedesktop.org/software/systemd/man/os-release.html): newline-separated ``KEY=value``
assignments compatible with shell syntax. Values may be quoted with double or single quotes, and
``$``, quotes, backslash and backtick must be escaped with a backslash as in the shell; lines
starting with ``#`` are comments. Variable expansion is explicitly not supported. When ``ID`` is
missing the default is ``linux``, and ``NAME`` and ``PRETTY_NAME`` default to ``Linux``.

Images older than os-release, or minimal ones without it, still carry ``/etc/alpine-release``
(one line, the full Alpine version) or ``/etc/debian_version`` (``12.4``, or ``trixie/sid`` on
testing and unstable, and on Ubuntu, which is why it is only a fallback).

Bytes that are not UTF-8 are kept as surrogates (``surrogateescape``, as the tar reader decodes
names), not replaced by U+FFFD: the names end up in evidence, which must say which bytes the file
holds (shown as ``\\xff``, exact in JSON and in hashes; see analyzer.text).
"""

from __future__ import annotations

import re

from analyzer.inventory.model import Notices, OsRelease, numbered_lines
from analyzer.text import quoted

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPABLE_IN_DOUBLE_QUOTES = '$`"\\'


def parse_os_release(data: bytes) -> OsRelease:
    """The identity an os-release file declares.

    >>> os = parse_os_release(b'ID=ubuntu\\nID_LIKE=debian\\nVERSION_ID="22.04"\\n')
    >>> (os.id, os.version_id, os.id_like)
    ('ubuntu', '22.04', ('debian',))
    >>> parse_os_release(b"NAME='Minimal'\\n").id
    'linux'
    """
    fields, notices = os_release_fields(data)
    return OsRelease(
        id=fields.get("ID", "") or "linux",
        version_id=fields.get("VERSION_ID", ""),
        version_codename=fields.get("VERSION_CODENAME", ""),
        pretty_name=fields.get("PRETTY_NAME", "") or "Linux",
        id_like=tuple(fields.get("ID_LIKE", "").split()),
        name=fields.get("NAME", "") or "Linux",
        notices=notices,
    )


def os_release_fields(data: bytes) -> tuple[dict[str, str], tuple[str, ...]]:
    """Every assignment in an os-release file, and notices for the lines that are not one.

    >>> os_release_fields(b'NAME="Foo \\\\"Bar\\\\""\\n# comment\\nbad line\\n')
    ({'NAME': 'Foo "Bar"'}, ("os-release line 3: not a KEY=value assignment: 'bad line'",))
    """
    fields: dict[str, str] = {}
    notices = Notices()
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    for line_no, raw in numbered_lines(text):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        if not equals or not _KEY.fullmatch(key):
            notices.bad_line("os-release", line_no, "not a KEY=value assignment", line)
            continue
        fields[key] = _unquote(value, line_no, notices)
    return fields, notices.final()


def _unquote(value: str, line_no: int, notices: Notices) -> str:
    """A value with shell quoting and escapes removed, leniently when the quoting is broken.

    >>> _unquote("'it''s'", 1, Notices())
    'its'
    >>> _unquote('"\\\\$x \\\\q"', 1, Notices())
    '$x \\\\q'
    >>> notices = Notices()
    >>> _unquote('"unterminated', 7, notices), notices.final()
    ('unterminated', ('os-release line 7: unbalanced quotes; value taken as written',))
    """
    words, quote = _shell_words(value)
    if quote:
        notices.add(f"os-release line {line_no}: unbalanced quotes; value taken as written")
    elif len(words) > 1:
        notices.add(f"os-release line {line_no}: unquoted whitespace in the value")
    return " ".join(words)


def _shell_words(value: str) -> tuple[list[str], str]:
    """Split like the POSIX shell (without expansion); also return an unclosed quote character.

    In double quotes a backslash escapes only ``$ ` " \\``; in single quotes nothing is escaped.
    """
    words: list[str] = []
    word: list[str] = []  # parts joined once: a value may be megabytes of words
    quote, chars = "", iter(value)
    for char in chars:
        if char == quote:
            quote = ""
        elif quote == "'":
            word.append(char)
        elif char == "\\":
            escaped = next(chars, "")
            keep = quote == '"' and escaped not in _ESCAPABLE_IN_DOUBLE_QUOTES
            word.append(("\\" if keep else "") + escaped)
        elif not quote and char in "\"'":
            quote = char
        elif not quote and char in " \t":
            _end_word(words, word)
        else:
            word.append(char)
    last = "".join(word)
    return ([*words, last] if last or not words else words), quote


def _end_word(words: list[str], word: list[str]) -> None:
    """Move the word being built, unless it is empty, to `words`."""
    if text := "".join(word):
        words.append(text)
    word.clear()


def parse_alpine_release(data: bytes) -> OsRelease:
    """The identity ``/etc/alpine-release`` implies.

    >>> os = parse_alpine_release(b"3.20.3\\n")
    >>> (os.id, os.version_id, os.pretty_name)
    ('alpine', '3.20.3', 'Alpine Linux v3.20')
    """
    version = _first_line(data)
    notices: tuple[str, ...] = ()
    if not re.fullmatch(r"\d\S*", version):  # not \d+(\.\d+)*\S*: quadratic backtracking
        notices = (f"alpine-release does not hold a version: {quoted(version, 60)}",)
        version = ""
    short = ".".join(version.split(".")[:2])
    pretty = f"Alpine Linux v{short}" if short else "Alpine Linux"
    return OsRelease(
        id="alpine", version_id=version, pretty_name=pretty, name="Alpine Linux", notices=notices
    )


def parse_debian_version(data: bytes) -> OsRelease:
    """The identity ``/etc/debian_version`` implies; no version for testing or unstable.

    >>> parse_debian_version(b"12.4\\n").version_id
    '12.4'
    >>> os = parse_debian_version(b"trixie/sid\\n")
    >>> (os.version_id, os.pretty_name)
    ('', 'Debian GNU/Linux trixie/sid')
    """
    release = _first_line(data)
    name = "Debian GNU/Linux"
    if re.fullmatch(r"\d+(\.\d+)*", release):
        major = release.split(".")[0]
        return OsRelease(id="debian", version_id=release, pretty_name=f"{name} {major}", name=name)
    notice = f"debian_version {quoted(release, 60)} is not a stable release number"
    pretty = f"{name} {release}".strip()
    return OsRelease(id="debian", pretty_name=pretty, name=name, notices=(notice,))


def _first_line(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape").strip().partition("\n")[0].strip()
