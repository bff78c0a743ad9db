"""A streaming, bounded tar reader used for the outer archive and for every layer.

Why not `tarfile`: in stream mode it keeps every member in a list (memory grows with the entry
count), stops silently on a truncated archive, and reads extended headers of any size into memory.
Forensic input needs the opposite: bounded memory, every anomaly surfaced, every byte accounted for.
This reader parses ustar, GNU (long names, base-256 numbers) and PAX (local headers,
`SCHILY.xattr.*` and `LIBARCHIVE.xattr.*` extended attributes; global headers are checked and
counted, not applied, as in Go's archive/tar that container runtimes use). Every number is checked
where it is used and every header consumes at least one block, so hostile input ends in an
ArchiveError, never a loop.
"""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Callable, Iterator
from typing import NamedTuple

from analyzer.errors import ArchiveError, LimitExceeded
from analyzer.text import quoted

BLOCK = 512

REGULAR_TYPES = frozenset("0\x007")
DATA_TYPES = REGULAR_TYPES | {"S"}
KNOWN_TYPES = REGULAR_TYPES | frozenset("123456S")
_META_TYPES = frozenset("LKxgX")
_ZERO_BLOCK = bytes(BLOCK)
_PAX_LENGTH_DIGITS = 20
_PAX_NUMBER_DIGITS = 20
"""Digits of a PAX size, uid or gid: 20 hold any 64-bit value; more is hostile."""
"""Digits of a PAX record length: 20 already allow a record longer than any archive."""


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


_NAMES_CACHE: dict[bytes, str] = {}
_MODES = tuple(range(0o10000))
"""One shared int object per permission value: the filesystem keeps a mode per path."""
_OWNERS: dict[int, int] = {}
_MTIMES: dict[int, float] = {}
_SHARED_LIMIT = 65536


def _shared_owner(value: int) -> int:
    """uids/gids repeat on every entry: share one int object per value (bounded)."""
    shared = _OWNERS.get(value)
    if shared is None:
        shared = value
        if len(_OWNERS) < _SHARED_LIMIT:
            _OWNERS[value] = value
    return shared


def _shared_mtime(value: int) -> float:
    """Timestamps repeat within a layer (one per package or build step): share one float
    object per value (bounded) instead of one per path."""
    shared = _MTIMES.get(value)
    if shared is None:
        shared = float(value)
        if len(_MTIMES) < _SHARED_LIMIT:
            _MTIMES[value] = shared
    return shared


def _field_str(raw: bytes) -> str:
    return raw.partition(b"\x00")[0].decode("utf-8", "surrogateescape")


def _owner_name(raw: bytes) -> str:
    """User/group names repeat on every entry: share one string object per name."""
    name = _NAMES_CACHE.get(raw)
    if name is None:
        name = _field_str(raw)
        if len(_NAMES_CACHE) < 4096:  # bounded: a hostile tar may invent a name per entry
            _NAMES_CACHE[raw] = name
    return name


def _field_int(raw: bytes, what: str, offset: int) -> int:
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


def _checksum_ok(block: bytes) -> bool:
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
    return len(head) >= BLOCK and _checksum_ok(head[:BLOCK]) and head[:BLOCK] != bytes(BLOCK)


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


class TarStream:
    """Iterate the members of a tar given as chunks; read each member's data as it streams.

    Data of a member not read by the caller is skipped when the next header is requested. After
    iteration `ended_cleanly` tells whether the end-of-archive marker was seen.
    """

    def __init__(
        self,
        chunks: Iterator[bytes],
        what: str,
        *,
        max_header_bytes: int = 1 << 20,
        skip: Callable[[int], int] | None = None,
    ) -> None:
        self._chunks = chunks
        self._what = what
        self._max_header = max_header_bytes
        self._skip = skip
        self._buf = b""
        self._pos = 0
        self._offset = 0  # stream offset of self._buf[self._pos]
        self._remaining = 0  # data bytes of the current member not yet consumed
        self._padding = 0
        self.ended_cleanly = False
        self.global_headers = 0
        """PAX global headers seen (checked, then ignored as container runtimes ignore them)."""

    @property
    def offset(self) -> int:
        """Bytes of the tar stream consumed so far."""
        return self._offset

    def _fill(self) -> bool:
        chunk = next(self._chunks, b"")
        if not chunk:
            return False
        self._buf = self._buf[self._pos :] + chunk if self._pos < len(self._buf) else chunk
        self._pos = 0
        return True

    def _take(self, n: int) -> bytes:
        while len(self._buf) - self._pos < n:
            if not self._fill():
                got = len(self._buf) - self._pos
                raise ArchiveError(
                    f"{self._what}: tar data ends after {self._offset + got} bytes, in the middle "
                    "of a member; the archive is truncated"
                )
        out = self._buf[self._pos : self._pos + n]
        self._pos += n
        self._offset += n
        return out

    def _discard(self, n: int) -> None:
        while n:
            available = len(self._buf) - self._pos
            if available:
                used = min(n, available)
                self._pos += used
                self._offset += used
                n -= used
                continue
            if self._skip is not None:
                skipped = self._skip(n)
                self._offset += skipped
                n -= skipped
                if not n:
                    return
            if not self._fill():
                raise ArchiveError(
                    f"{self._what}: tar data ends after {self._offset} bytes, in the middle of a "
                    "member; the archive is truncated"
                )

    def read_data(self, n: int = 1 << 20) -> bytes:
        """Read up to `n` bytes of the current member's data; b"" once it is all read."""
        if self._remaining <= 0:
            return b""
        n = self._available(n)
        out = self._buf[self._pos : self._pos + n]
        self._advance(n)
        return out

    def data_chunks(self) -> Iterator[bytes]:
        """Yield the rest of the current member's data."""
        while chunk := self.read_data():
            yield chunk

    def data_views(self) -> Iterator[memoryview]:
        """Yield the rest of the current member's data as views into the read buffer, without
        copying it out as data_chunks() does (each view keeps its immutable buffer alive)."""
        while self._remaining > 0:
            n = self._available(self._remaining)
            yield memoryview(self._buf)[self._pos : self._pos + n]
            self._advance(n)

    def _available(self, n: int) -> int:
        """How many of the member's next `n` bytes the buffer holds (refilled when empty)."""
        if self._pos >= len(self._buf) and not self._fill():
            raise ArchiveError(
                f"{self._what}: tar data ends after {self._offset} bytes, in the middle of a "
                "member; the archive is truncated"
            )
        return min(n, self._remaining, len(self._buf) - self._pos)

    def _advance(self, n: int) -> None:
        self._pos += n
        self._offset += n
        self._remaining -= n

    def drain(self) -> Iterator[bytes]:
        """Yield whatever follows the end-of-archive marker (padding), so digests see it."""
        if self._pos < len(self._buf):
            rest = self._buf[self._pos :]
            self._offset += len(rest)
            self._pos = len(self._buf)
            yield rest
        for chunk in self._chunks:
            self._offset += len(chunk)
            yield chunk

    def __iter__(self) -> Iterator[TarHeader]:
        while True:
            self._discard(self._remaining + self._padding)
            self._remaining = self._padding = 0
            header = self._next_header()
            if header is None:
                return
            if header.type in DATA_TYPES or header.type not in KNOWN_TYPES:
                self._remaining = header.size
                self._padding = -header.size % BLOCK
            yield header

    def _read_block(self) -> bytes | None:
        if len(self._buf) - self._pos < BLOCK and not self._fill_to(BLOCK):
            if len(self._buf) == self._pos:
                return None
            if self._offset == 0:
                raise ArchiveError(
                    f"{self._what}: not a tar archive (only {len(self._buf)} bytes of data)"
                )
            raise ArchiveError(
                f"{self._what}: tar data ends inside a header at byte {self._offset}; "
                "the archive is truncated"
            )
        return self._take(BLOCK)

    def _fill_to(self, n: int) -> bool:
        while len(self._buf) - self._pos < n:
            if not self._fill():
                return False
        return True

    def _next_header(self) -> TarHeader | None:
        start = self._offset
        local: dict[str, bytes] = {}
        meta_bytes = 0  # extended header data read for this one member, bounded as a whole
        while True:  # every pass consumes at least one block: the loop always advances
            block = self._read_block()
            if block is None:
                return None  # no end marker: the caller decides whether that matters
            if block == _ZERO_BLOCK:
                self.ended_cleanly = True
                return None
            if not _checksum_ok(block):
                if self._offset == BLOCK:
                    raise ArchiveError(f"{self._what}: not a tar archive (no valid tar header)")
                raise ArchiveError(
                    f"{self._what}: corrupt tar header at byte {self._offset - BLOCK} "
                    "(checksum mismatch); the data is damaged or is not a tar archive"
                )
            typeflag = chr(block[156]) if block[156] else "0"
            if typeflag not in _META_TYPES:
                return self._build(block, typeflag, local, start)
            meta_bytes += self._read_meta(block, typeflag, local, meta_bytes)

    def _read_meta(self, block: bytes, typeflag: str, local: dict[str, bytes], earlier: int) -> int:
        """Read one extended header ('x', 'g', 'L', 'K', 'X') into `local`; return its size.

        Global ('g') headers are read and checked, then set aside: Go's archive/tar, which
        Docker, containerd and podman read layers with, does not apply them to later members,
        so neither do we (the filesystem is what a container would see)."""
        at = self._offset - BLOCK
        size = _field_int(block[124:136], self._what, at)
        if size < 0:
            raise ArchiveError(
                f"{self._what}: extended tar header at byte {at} declares a negative size "
                f"({size}); the archive is damaged or hostile"
            )
        if earlier + size > self._max_header:
            raise LimitExceeded(
                f"{self._what}: an extended tar header of {earlier + size} bytes at byte {at} "
                f"exceeds the limit of {self._max_header} bytes; the archive is malformed or "
                "hostile"
            )
        data = self._take(size)
        self._discard(-size % BLOCK)
        if typeflag == "L":
            local["path"] = data.split(b"\x00", 1)[0]
        elif typeflag == "K":
            local["linkpath"] = data.split(b"\x00", 1)[0]
        elif typeflag == "g":
            parse_pax(data, self._what)
            self.global_headers += 1
        else:
            local.update(parse_pax(data, self._what))
        return size

    def _build(self, block: bytes, typeflag: str, local: dict[str, bytes], start: int) -> TarHeader:
        at = self._offset - BLOCK
        what = self._what
        name = _field_str(block[0:100])
        if block[257:263] == b"ustar\x00" and block[345] != 0:  # POSIX ustar name prefix
            name = _field_str(block[345:500]) + "/" + name
        device = typeflag in ("3", "4")
        header = TarHeader(
            name=name,
            type=typeflag,
            size=_field_int(block[124:136], what, at),
            mode=_MODES[_field_int(block[100:108], what, at) & 0o7777],
            uid=_shared_owner(_field_int(block[108:116], what, at)),
            gid=_shared_owner(_field_int(block[116:124], what, at)),
            uname=_owner_name(block[265:297]),
            gname=_owner_name(block[297:329]),
            mtime=_shared_mtime(_field_int(block[136:148], what, at)),
            linkname=_field_str(block[157:257]) if block[157] else "",
            devmajor=_field_int(block[329:337], what, at) if device else 0,
            devminor=_field_int(block[337:345], what, at) if device else 0,
            offset=start,
            data_offset=self._offset,
        )
        if local:
            header = _with_pax(header, local, what)
        if header.size < 0:
            raise ArchiveError(f"{what}: tar header at byte {at} has a negative size")
        return header


def _with_pax(header: TarHeader, pax: dict[str, bytes], what: str) -> TarHeader:
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
