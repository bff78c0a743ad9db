"""PAX extended headers: records parsed strictly, then applied over a header's ustar fields.

A record is "<length> <key>=<value>\\n" where the length counts the whole record; anything else
(a length of 0, past the data, with a sign or not a number; no key, "=" or newline) is an
ArchiveError. Sizes and ids must be plain decimal numbers; a time that is not a finite number is
ignored (the ustar time stays).
"""

from __future__ import annotations

import base64
import math

from analyzer.archive.tarheader import TarHeader
from analyzer.errors import ArchiveError
from analyzer.text import quoted

_PAX_LENGTH_DIGITS = 20
"""Digits of a PAX record length: 20 already allow a record longer than any archive."""
_PAX_NUMBER_DIGITS = 20
"""Digits of a PAX size, uid or gid: 20 hold any 64-bit value; more is hostile."""


def parse_pax(data: bytes, what: str) -> dict[str, bytes]:
    """Parse PAX extended header records ("<len> <key>=<value>\\n"); a record whose length
    is not a plain decimal number, runs past the data, or lacks its key, "=" or newline is an
    ArchiveError.

    >>> parse_pax(b"19 path=etc/passwd\\n", "x")
    {'path': b'etc/passwd'}
    """
    records: dict[str, bytes] = {}
    pos = 0
    while pos < len(data) and data[pos] != 0:  # some writers pad the data with NULs
        key, value, pos = _pax_record(data, pos, what)
        records[key] = value
    return records


def _pax_record(data: bytes, pos: int, what: str) -> tuple[str, bytes, int]:
    """The record starting at `pos`: its key, its value, and where the next record starts
    (always after `pos`, so a loop over records ends)."""
    space = data.find(b" ", pos, pos + _PAX_LENGTH_DIGITS + 1)
    digits = data[pos:space] if space > pos else b""
    end = pos + int(digits) if digits.isdigit() else -1  # isdigit: no sign, no "_", ASCII
    record = data[space + 1 : end] if space < end <= len(data) else b""
    key, equals, value = record[:-1].partition(b"=")
    if not (record.endswith(b"\n") and equals and key):
        raise ArchiveError(
            f"{what}: malformed PAX extended header record at byte {pos} of its header "
            f"({quoted(data[pos : pos + 40])}); the archive is damaged or hostile"
        )
    return key.decode("utf-8", "surrogateescape"), value, end


def apply_pax(header: TarHeader, pax: dict[str, bytes], what: str) -> TarHeader:
    """Apply PAX records (which override the ustar fields) to a header."""

    def text(key: str, default: str) -> str:
        return pax[key].decode("utf-8", "surrogateescape") if key in pax else default

    def number(key: str, default: int) -> int:
        if key not in pax:
            return default
        value = pax[key]
        if not value.isdigit() or len(value) > _PAX_NUMBER_DIGITS:  # no sign, no "_", ASCII
            raise ArchiveError(
                f"{what}: PAX record {key}={quoted(value, 40)} is not a plain decimal number; "
                "the archive is damaged or hostile"
            )
        return int(value)

    mtime = _pax_time(pax.get("mtime"), header.mtime)
    return header._replace(
        name=text("path", header.name),
        size=number("size", header.size),
        uid=number("uid", header.uid),
        gid=number("gid", header.gid),
        uname=text("uname", header.uname),
        gname=text("gname", header.gname),
        mtime=mtime,
        linkname=text("linkpath", header.linkname),
        xattrs=_xattrs(pax),
        pax=tuple(
            sorted(
                (k, v.decode("utf-8", "replace"))
                for k, v in pax.items()
                if k not in _PAX_KNOWN and "xattr." not in k
            )
        ),
    )


_PAX_KNOWN = frozenset(
    {"path", "linkpath", "size", "uid", "gid", "uname", "gname", "mtime", "atime", "ctime"}
)


def _pax_time(value: bytes | None, default: float) -> float:
    """A PAX time ("1700000000.5"); `default` when absent or not a finite number (a "nan" or
    "inf" would break every report that prints or sorts times).

    >>> _pax_time(b"1700000000.25", 0.0), _pax_time(b"inf", 7.0), _pax_time(b"1e999", 7.0)
    (1700000000.25, 7.0, 7.0)
    """
    if value is None or len(value) > _PAX_NUMBER_DIGITS * 2:
        return default
    try:
        parsed = float(value)
    except ValueError:
        return default
    return parsed if math.isfinite(parsed) else default


def _xattrs(pax: dict[str, bytes]) -> tuple[tuple[str, bytes], ...]:
    found: list[tuple[str, bytes]] = []
    for key, value in pax.items():
        if key.startswith("SCHILY.xattr."):
            found.append((key[len("SCHILY.xattr.") :], value))
        elif key.startswith("LIBARCHIVE.xattr."):
            try:
                found.append((key[len("LIBARCHIVE.xattr.") :], base64.b64decode(value + b"==")))
            except ValueError:
                continue
    return tuple(sorted(found))
