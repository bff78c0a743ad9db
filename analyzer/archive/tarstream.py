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

from collections.abc import Callable, Iterator

from analyzer.archive.pax import apply_pax, parse_pax
from analyzer.archive.tarheader import (
    BLOCK,
    DATA_TYPES,
    KNOWN_TYPES,
    REGULAR_TYPES,
    TarHeader,
    checksum_ok,
    field_int,
    looks_like_tar,
    parse_header,
)
from analyzer.errors import ArchiveError, LimitExceeded

__all__ = [  # the reader's vocabulary, re-exported from the modules that define it
    "BLOCK",
    "DATA_TYPES",
    "KNOWN_TYPES",
    "REGULAR_TYPES",
    "TarHeader",
    "TarStream",
    "looks_like_tar",
    "parse_pax",
]

_META_TYPES = frozenset("LKxgX")
_ZERO_BLOCK = bytes(BLOCK)


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
        if len(self._buf) - self._pos < n and not self._fill_to(n):
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
        """Make the buffer hold `n` unread bytes; False when the stream ends first. Chunks are
        gathered and joined once: appending each to the buffer would copy the buffer per chunk,
        quadratic for a 1 MiB header arriving in 1-byte chunks."""
        have = len(self._buf) - self._pos
        if have >= n:
            return True
        parts = [self._buf[self._pos :]]
        while have < n:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        self._buf, self._pos = b"".join(parts), 0
        return have >= n

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
            if not checksum_ok(block):
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
        size = field_int(block[124:136], self._what, at)
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
        header = parse_header(block, typeflag, self._what, at)
        if start != at:  # extended headers came first: the member starts at the first of them
            header = header._replace(offset=start)
        if local:
            header = apply_pax(header, local, self._what)
        if header.size < 0:
            raise ArchiveError(f"{self._what}: tar header at byte {at} has a negative size")
        return header
