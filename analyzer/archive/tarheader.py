"""One tar header block: its fields as ustar and GNU write them, checked where they are used.

Numbers are octal digits (nothing else: no sign, no "_") or GNU base-256. A header is built once
per member, so the values that repeat on every entry (modes, owners, names, times) are shared
objects instead of one per path.
"""

from __future__ import annotations

import sys
import zlib
from typing import NamedTuple

from analyzer.errors import ArchiveError
from analyzer.text import quoted

BLOCK = 512

REGULAR_TYPES = frozenset("0\x007")
DATA_TYPES = REGULAR_TYPES | {"S"}
KNOWN_TYPES = REGULAR_TYPES | frozenset("123456S")


class TarHeader(NamedTuple):
    """One member header, with GNU and PAX extensions already applied.

    Immutable like the rest of the data model; a NamedTuple rather than a frozen dataclass
    because one is built per tar member and it builds about 3x faster."""

    name: str
    """Name exactly as stored (not normalized); undecodable bytes kept as surrogates."""
    type: str
    """The tar typeflag: '0' file, '1' hardlink, '2' symlink, '3'/'4' devices, '5' dir, '6' fifo."""
    size: int
    """Bytes of data that follow the header (0 for links, dirs and devices)."""
    mode: int
    uid: int
    gid: int
    uname: str
    gname: str
    mtime: float
    linkname: str
    devmajor: int
    devminor: int
    offset: int
    """Offset of this member's first header (including extended headers) in the stream."""
    data_offset: int
    xattrs: tuple[tuple[str, bytes], ...] = ()
    pax: tuple[tuple[str, str], ...] = ()
    """PAX records other than the well-known fields and xattrs (e.g. GNU.sparse.*)."""


_MODES = tuple(range(0o10000))
"""One shared int object per permission value: the filesystem keeps a mode per path."""
_OWNERS: dict[int, int] = {}
_SHARED_LIMIT = 65536
_MODE_OWNERS: dict[bytes, tuple[int, int, int]] = {}
_MTIMES: dict[bytes, float] = {}
_OWNER_NAMES: dict[bytes, tuple[str, str]] = {}
_RAW_LIMIT = 4096
"""Raw fields remembered per cache: a layer repeats a few dozen, a hostile tar may invent one per
entry."""


def _shared_owner(value: int) -> int:
    """uids/gids repeat on every entry: share one int object per value (bounded)."""
    shared = _OWNERS.get(value)
    if shared is None:
        shared = value
        if len(_OWNERS) < _SHARED_LIMIT:
            _OWNERS[value] = value
    return shared


def _mode_owner(raw: bytes, what: str, at: int) -> tuple[int, int, int]:
    """Mode, uid and gid from their raw fields (header bytes 100-124). A layer repeats a few
    combinations on every entry, so each is parsed once: one lookup instead of three
    field_int() calls."""
    known = _MODE_OWNERS.get(raw)
    if known is None:
        known = (
            _MODES[field_int(raw[0:8], what, at) & 0o7777],
            _shared_owner(field_int(raw[8:16], what, at)),
            _shared_owner(field_int(raw[16:24], what, at)),
        )
        if len(_MODE_OWNERS) < _RAW_LIMIT:
            _MODE_OWNERS[raw] = known
    return known


def _mtime(raw: bytes, what: str, at: int) -> float:
    """Timestamps repeat within a layer (one per package or build step): parse each raw field
    once and share one float object per value (bounded) instead of one per path."""
    mtime = _MTIMES.get(raw)
    if mtime is None:
        mtime = float(field_int(raw, what, at))
        if len(_MTIMES) < _SHARED_LIMIT:
            _MTIMES[raw] = mtime
    return mtime


def _field_str(raw: bytes) -> str:
    return raw.partition(b"\x00")[0].decode("utf-8", "surrogateescape")


def _owner_names(raw: bytes) -> tuple[str, str]:
    """User and group names (header bytes 265-329) repeat on every entry: share one pair of
    strings per raw pair (bounded)."""
    names = _OWNER_NAMES.get(raw)
    if names is None:
        names = (_field_str(raw[:32]), _field_str(raw[32:]))
        if len(_OWNER_NAMES) < _RAW_LIMIT:
            _OWNER_NAMES[raw] = names
    return names


def field_int(raw: bytes, what: str, offset: int) -> int:
    """A number field: octal digits (padded with spaces or NULs) or GNU base-256; anything
    else is an ArchiveError naming the header at byte `offset`."""
    if raw[0] & 0x80:  # GNU base-256: big-endian, 0xff marks a negative number
        value = int.from_bytes(raw[1:], "big")
        return value - (1 << (8 * (len(raw) - 1))) if raw[0] == 0xFF else value
    text = raw.partition(b"\x00")[0].strip()
    if not text:
        return 0
    if text.isdigit():  # int() alone would also take a sign, "_" separators and whitespace
        try:
            return int(text, 8)
        except ValueError:  # an 8 or a 9
            pass
    raise ArchiveError(
        f"{what}: corrupt tar header at byte {offset} (number field {quoted(text, 24)}); "
        "the data is damaged or is not a tar archive"
    )


def _byte_sum(block: bytes) -> int:
    """sum(block) for a 512-byte block, from zlib's Adler-32 of each half: its low 16 bits are
    1 + the bytes' sum modulo 65521, and a half sums to at most 256 * 255 = 65280, so the
    modulo never applies (ten times faster than sum(), which makes an int per byte).

    >>> block = bytes(range(256)) * 2
    >>> _byte_sum(block) == sum(block) and _byte_sum(bytes([255]) * 512) == 512 * 255
    True
    """
    return (zlib.adler32(block[:256]) & 0xFFFF) + (zlib.adler32(block[256:]) & 0xFFFF) - 2


def checksum_ok(block: bytes) -> bool:
    stored = block[148:156].partition(b"\x00")[0].strip()
    try:
        expected = int(stored, 8)
    except ValueError:
        return False
    unsigned = _byte_sum(block) - sum(block[148:156]) + 8 * 32
    if expected == unsigned:
        return True
    # Some old tars summed signed bytes (a byte over 127 counts 256 less); only worth
    # computing when the usual sum disagrees.
    high = sum(1 for b in block[:148] + block[156:] if b > 127)
    return expected == unsigned - 256 * high


def looks_like_tar(head: bytes) -> bool:
    """True when `head` starts with a valid tar header block.

    >>> looks_like_tar(b"hello" * 200)
    False
    """
    return len(head) >= BLOCK and checksum_ok(head[:BLOCK]) and head[:BLOCK] != bytes(BLOCK)


def parse_header(block: bytes, typeflag: str, what: str, at: int) -> TarHeader:
    """The ustar/GNU fields of the header block found at byte `at` of the stream (PAX records
    are applied afterwards; `offset` is the caller's to correct when extended headers came
    first)."""
    name = _field_str(block[0:100])
    if block[257:263] == b"ustar\x00" and block[345] != 0:  # POSIX ustar name prefix
        name = _field_str(block[345:500]) + "/" + name
    # Numbers are checked in this order (a header with several corrupt ones names the size).
    # Mode/uid/gid, mtime and owner names repeat on nearly every entry: parsed once per raw
    # value, from bounded caches (parse_header: 5.3 -> 3.3 us per header).
    size = field_int(block[124:136], what, at)
    mode, uid, gid = _mode_owner(block[100:124], what, at)
    mtime = _mtime(block[136:148], what, at)
    uname, gname = _owner_names(block[265:329])
    linkname = _field_str(block[157:257]) if block[157] else ""
    devmajor = devminor = 0
    if typeflag in ("3", "4"):
        devmajor = field_int(block[329:337], what, at)
        devminor = field_int(block[337:345], what, at)
    return TarHeader(
        name=name,
        type=typeflag,
        size=size,
        mode=mode,
        uid=uid,
        gid=gid,
        uname=uname,
        gname=gname,
        mtime=mtime,
        linkname=linkname,
        devmajor=devmajor,
        devminor=devminor,
        offset=at,
        data_offset=at + BLOCK,
    )


PER_ENTRY = 512
"""Bytes of names, links or attributes that count as one more entry against --max-entries."""
_COVERED = sys.getsizeof("x" * 64) + sys.getsizeof("")
"""Bytes of name and link that an entry's own count covers: a 64-character name, no link.
Measured over a whole scan, an entry holds about 1.1 KB plus 1.3 bytes per character of its
name; charging only past 256 characters let 740,000 names of 250 characters take 1.1 GB."""


def names_cost(name: str, link: str = "") -> float:
    """The entries' worth of memory that `name` and `link` take beyond what one entry covers:
    1/512 of an entry per byte they hold in memory past a 64-character name (a character of
    non-ASCII text takes 2 or 4 bytes).

    >>> names_cost("usr/lib/x86_64-linux-gnu/libc.so.6"), names_cost("d" * 576)
    (0.0, 1.0)
    """
    extra = sys.getsizeof(name) + sys.getsizeof(link) - _COVERED
    return extra / PER_ENTRY if extra > 0 else 0.0


def entry_units(header: TarHeader) -> float:
    """How many entries one member counts as against the entry limit: one, plus the share of
    an entry that its name and link target take past 64 characters, plus one per 512 bytes of
    extended attributes (each is kept for the whole scan).

    >>> short = TarHeader("etc/passwd", "0", 0, 0, 0, 0, "", "", 0.0, "", 0, 0, 0, 512)
    >>> entry_units(short), entry_units(short._replace(name="d" * 576))
    (1, 2.0)
    """
    name, link = header.name, header.linkname
    cost: float = 1
    if len(name) + len(link) > 64:
        cost += names_cost(name, link)
    if header.xattrs:
        cost += sum(len(key) + len(value) for key, value in header.xattrs) // PER_ENTRY
    return cost
