"""The inventory data model: packages, parse results, OS identity, and package URLs.

Package URLs follow the package-url specification
(https://github.com/package-url/purl-spec, ``docs/standard/specification.md`` for the syntax and
``PURL-TYPES.rst`` / ``types/*.json`` for the per-type rules used here):

- components are percent-encoded as UTF-8; letters, digits, ``.-_~`` and ``:`` stay as they are;
- qualifiers are sorted by key and empty values are left out;
- ``deb``, ``apk`` and ``npm`` names and namespaces are lowercased, ``pypi`` names are lowercased
  with ``_`` replaced by ``-``; ``rpm`` names are case sensitive.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from analyzer.text import exact_bytes, quoted

PackageKind = Literal["deb", "apk", "rpm", "pypi", "npm"]

MAX_NOTICES = 20
"""Parsers keep at most this many notices per input, then one line saying how many more there were,
so a hostile file cannot turn into millions of report lines."""


@dataclass(frozen=True, slots=True)
class Package:
    """One installed package as its package database or metadata file records it."""

    name: str
    version: str
    """As the package manager prints it; for rpm ``[epoch:]version-release``."""
    kind: PackageKind
    arch: str = ""
    source: str = ""
    """The source package: dpkg ``Source``, apk origin (``o:``), rpm ``SOURCERPM``."""
    license: str = ""
    purl: str = ""
    source_version: str = ""
    """dpkg: the source package's version when dpkg records one (``Source: name (version)``,
    written when it differs from the binary's, e.g. after a binNMU); advisories are per source."""


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a package database yielded, and what in it could not be read."""

    packages: tuple[Package, ...]
    notices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OsRelease:
    """The identity of the operating system an image is built on (os-release(5) fields)."""

    id: str
    """``ID``: lowercase, e.g. "debian", "alpine", "rhel"."""
    version_id: str = ""
    """``VERSION_ID``: "12", "3.20.3", "22.04", "9.3"; empty for rolling releases."""
    version_codename: str = ""
    pretty_name: str = ""
    id_like: tuple[str, ...] = ()
    name: str = ""
    notices: tuple[str, ...] = ()
    """Lines of the file that could not be read."""


def purl(
    kind: str,
    name: str,
    version: str = "",
    namespace: str = "",
    qualifiers: Mapping[str, str] | None = None,
) -> str:
    """Build a canonical package URL.

    >>> purl("deb", "openssl", "3.0.11-1", "debian", {"distro": "debian-12", "arch": "amd64"})
    'pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12'
    >>> purl("npm", "Name", "1.0.0", "@Scope")
    'pkg:npm/%40scope/name@1.0.0'
    >>> purl("pypi", "Typing_Extensions", "4.9.0")
    'pkg:pypi/typing-extensions@4.9.0'
    >>> purl("deb", "libc6", "1:2.36-9+deb12u4")
    'pkg:deb/libc6@1:2.36-9%2Bdeb12u4'
    """
    name, namespace = _canonical_names(kind, name, namespace)
    text = f"pkg:{kind}/"
    if namespace:
        text += "/".join(_encode(part) for part in namespace.split("/") if part) + "/"
    text += _encode(name)
    if version:
        text += "@" + _encode(version)
    pairs = sorted((key, value) for key, value in (qualifiers or {}).items() if value)
    if pairs:
        text += "?" + "&".join(f"{key}={_encode(value)}" for key, value in pairs)
    return text


def distro_parts(distro: str) -> tuple[str, str]:
    """Split a ``--distro`` style string into (purl namespace, ``distro`` qualifier).

    The string is an os-release ``ID`` optionally followed by ``-VERSION_ID``; the qualifier is
    only set when a version is present.

    >>> distro_parts("debian-12")
    ('debian', 'debian-12')
    >>> distro_parts("debian")
    ('debian', '')
    >>> distro_parts("opensuse-leap-15.6")
    ('opensuse-leap', 'opensuse-leap-15.6')
    """
    match = re.fullmatch(r"(.+?)-(\d[^-]*)", distro)
    if match is None:
        return distro, ""
    return match.group(1), distro


class Notices:
    """The notices of one parse: the first ``MAX_NOTICES`` kept, the rest only counted, so a
    file of a million bad lines costs a counter, not a million strings.

    >>> notices = Notices()
    >>> for i in range(MAX_NOTICES + 3):
    ...     notices.add(f"n{i}")
    >>> notices.final()[-1]
    '... and 3 more notices like these'
    """

    __slots__ = ("_kept", "_more")

    def __init__(self) -> None:
        self._kept: list[str] = []
        self._more = 0

    def add(self, notice: str) -> None:
        """Record one notice (counted only once ``MAX_NOTICES`` are kept)."""
        if len(self._kept) < MAX_NOTICES:
            self._kept.append(notice)
        else:
            self._more += 1

    def bad_line(self, where: str, line_no: int, problem: str, line: str) -> None:
        """Record "<where> line <n>: <problem>: '<line>'" with the line quoted and cut; the
        message is only built when it is kept (a flood of bad lines costs a count each)."""
        if len(self._kept) < MAX_NOTICES:
            self._kept.append(f"{where} line {line_no}: {problem}: {quoted(line, 60)}")
        else:
            self._more += 1

    def final(self) -> tuple[str, ...]:
        """The kept notices, then one line saying how many more there were."""
        if not self._more:
            return tuple(self._kept)
        return (*self._kept, f"... and {self._more} more notices like these")


def numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) for each line of `text`, one at a time.

    Only ``\\n`` ends a line, as for dpkg, apk and the shell (``str.splitlines`` would also split
    on form feeds and Unicode separators inside a value); a ``\\r`` before it is dropped, so CRLF
    files read the same. A generator, so a file of millions of short lines is never held as a
    list of millions of strings.

    >>> list(numbered_lines("a\\r\\nb\\x0cc\\n\\nd"))
    [(1, 'a'), (2, 'b\\x0cc'), (3, ''), (4, 'd')]
    """
    for line_no, line in enumerate(io.StringIO(text, newline="\n"), start=1):
        yield line_no, line.removesuffix("\n").removesuffix("\r")


def _canonical_names(kind: str, name: str, namespace: str) -> tuple[str, str]:
    if kind in ("deb", "apk", "npm"):
        return name.lower(), namespace.lower()
    if kind == "pypi":
        return name.lower().replace("_", "-"), namespace
    return name, namespace


def _encode(component: str) -> str:
    # the bytes the text was read from: a name that was not UTF-8 (surrogateescape) or a lone
    # surrogate from JSON is percent-encoded as it was written instead of failing to encode
    return quote(exact_bytes(component), safe=":")
