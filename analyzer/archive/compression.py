"""Recognise compression by its magic bytes and decompress as a stream of chunks.

Nothing here trusts a file name or a media type: the first bytes decide. Multi-member gzip (as
estargz writes it), concatenated zstd frames and multi-stream xz/bzip2 are all read to the end.
"""

from __future__ import annotations

import bz2
import enum
import importlib
import lzma
import re
import types
import zlib
from collections.abc import Iterator
from typing import IO, Any, Protocol, cast

import zstandard

from analyzer.errors import CorruptStream, LimitExceeded, StreamEndsEarly
from analyzer.limits import Limits

CHUNK = 1 << 20
DEFAULT_WINDOW = Limits().max_window_bytes


class Compression(enum.Enum):
    """How a stream is compressed, as recognised from its first bytes."""

    NONE = "none"
    GZIP = "gzip"
    ZSTD = "zstd"
    XZ = "xz"
    BZIP2 = "bzip2"


_MAGIC: tuple[tuple[bytes, Compression], ...] = (
    (b"\x1f\x8b", Compression.GZIP),
    (b"\x28\xb5\x2f\xfd", Compression.ZSTD),
    (b"\xfd7zXZ\x00", Compression.XZ),
    (b"BZh", Compression.BZIP2),
)


def sniff_compression(head: bytes) -> Compression:
    """Name the compression whose magic number starts `head`.

    >>> sniff_compression(b"\\x1f\\x8b\\x08\\x00").value
    'gzip'
    >>> sniff_compression(b"\\x28\\xb5\\x2f\\xfd\\x00").value
    'zstd'
    >>> sniff_compression(b"etc/passwd\\x00").value
    'none'
    """
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return Compression.NONE


class Readable(Protocol):
    """The one method a byte source needs: read up to n bytes, b"" at the end."""

    def read(self, n: int, /) -> bytes: ...


def _load_gzip_library() -> types.ModuleType:
    """ISA-L decompresses gzip about 2.3x faster than zlib (see scripts/bench-read)."""
    try:
        return importlib.import_module("isal.isal_zlib")
    except ImportError:  # platforms without an isal wheel fall back to zlib
        return zlib


_GZIP_LIB = _load_gzip_library()
_ZLIB_TYPES = (type(zlib.decompressobj()), type(_GZIP_LIB.decompressobj()))
_GZIP_ERRORS: tuple[type[Exception], ...] = (zlib.error, cast(type[Exception], _GZIP_LIB.error))


_FIRST_PIECE = 4096
"""Input handed to a new member's decoder at first, doubling up to CHUNK while the member goes
on: a decoder copies the input it did not use (unused_data), so a stream of thousands of tiny
members must not copy a whole chunk per member (quadratic time)."""
_SMALL = 64 * 1024
"""Decoded chunks smaller than this are joined before they are handed on."""
_XZ_OVERHEAD = 1 << 20
"""Decoder memory besides the dictionary (liblzma needs tens of KiB)."""
_ERRORS: tuple[type[Exception], ...] = (
    *_GZIP_ERRORS,
    lzma.LZMAError,
    OSError,
    EOFError,
    ValueError,
)
_NOT_ZERO = re.compile(rb"[^\x00]")


def decompressed_chunks(
    source: Readable, kind: Compression, what: str, *, max_window: int = DEFAULT_WINDOW
) -> Iterator[bytes]:
    """Yield the decompressed bytes of `source` chunk by chunk, never holding it whole.

    `what` names the stream in error messages ("layer sha256:ab12..."). A stream whose xz
    dictionary or zstd window is over `max_window` bytes is refused (LimitExceeded) before the
    decoder allocates it; damaged data of any kind is a CorruptStream (StreamEndsEarly when the
    data runs out before the stream's end marker: cut short, or damaged there).
    """
    if kind is Compression.NONE:
        yield from _raw_chunks(source)
    elif kind is Compression.ZSTD:
        yield from _coalesced(_zstd_chunks(source, what, max_window))
    else:
        yield from _coalesced(_member_chunks(source, kind, what, max_window))


def decoded_pieces(
    source: Readable, kind: Compression, what: str, *, max_window: int = DEFAULT_WINDOW
) -> Iterator[bytes]:
    """`decompressed_chunks` of gzip, xz or bzip2 data, without joining small pieces: every
    byte decoded is handed on before an error is raised, so what a stream cut short holds is
    still read (an archive member's content)."""
    yield from _member_chunks(source, kind, what, max_window)


def _coalesced(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Yield `chunks` with small ones joined up to at least _SMALL bytes (and at most CHUNK): a
    stream of a million one-byte members must not become a million chunks for every consumer to
    handle one by one."""
    small: list[bytes] = []
    size = 0
    for chunk in chunks:
        if small and size + len(chunk) > CHUNK:  # every chunk stays within CHUNK
            yield b"".join(small)
            small.clear()
            size = 0
        if not small and len(chunk) >= _SMALL:
            yield chunk  # the usual case: decoders hand out up to CHUNK bytes at a time
            continue
        small.append(chunk)
        size += len(chunk)
        if size >= _SMALL:
            yield b"".join(small)
            small.clear()
            size = 0
    if small:
        yield b"".join(small)


def _raw_chunks(source: Readable) -> Iterator[bytes]:
    while chunk := source.read(CHUNK):
        yield chunk


def _zstd_chunks(source: Readable, what: str, max_window: int) -> Iterator[bytes]:
    reader = zstandard.ZstdDecompressor(max_window_size=max_window).stream_reader(
        cast(IO[bytes], source), read_size=CHUNK, read_across_frames=True, closefd=False
    )
    try:
        while chunk := reader.read(CHUNK):
            yield chunk
    except zstandard.ZstdError as exc:
        if "too much memory" in str(exc):
            raise LimitExceeded(
                f"{what}: the zstd data asks for a window over the {max_window}-byte limit for "
                "one decompressor (a frame written with --long or --ultra, or one that declares "
                "a huge size); the limit keeps memory bounded"
            ) from None
        raise CorruptStream(f"{what}: zstd data is corrupt ({exc})", "zstd") from None


class _Input:
    """Compressed bytes not yet decoded: the current chunk and an offset into it, so that
    handing a decoder a piece, and taking back what it left unused, copies nothing."""

    def __init__(self, source: Readable) -> None:
        self._source = source
        self._chunk = b""
        self._view = memoryview(self._chunk)
        self._offset = 0

    def available(self) -> bool:
        """True while input is left (the next chunk is read once this one is used up)."""
        if self._offset < len(self._chunk):
            return True
        self._chunk = self._source.read(CHUNK)
        self._view = memoryview(self._chunk)
        self._offset = 0
        return bool(self._chunk)

    def take(self, n: int) -> memoryview:
        """The next `n` bytes at most (a view, not a copy), counted as used."""
        piece = self._view[self._offset : self._offset + n]
        self._offset += len(piece)
        return piece

    def give_back(self, n: int) -> None:
        """The last `n` bytes taken were not used: they come next again."""
        self._offset -= n

    def skip_zeros(self) -> bool:
        """Skip zero bytes (padding after a member); True when any were skipped."""
        found = _NOT_ZERO.search(self._chunk, self._offset)
        end = found.start() if found else len(self._chunk)
        skipped, self._offset = end > self._offset, end
        return skipped


def _member_chunks(
    source: Readable, kind: Compression, what: str, max_window: int
) -> Iterator[bytes]:
    """Decode concatenated members (gzip members, xz or bzip2 streams) one after another.

    Output is produced at most CHUNK bytes at a time, so a decompression bomb costs time, never
    memory; zero padding between or after members is skipped, as gzip and xz do.
    """
    pending = _Input(source)
    decoder: Any = None
    step, head = _FIRST_PIECE, b""
    while pending.available():
        if decoder is None or decoder.eof:
            if decoder is not None and pending.skip_zeros():
                continue
            decoder, step = _new_decoder(kind, max_window), _FIRST_PIECE
        piece = pending.take(step)
        head = head if step > _FIRST_PIECE else bytes(piece[:64])  # a member's first bytes
        try:
            yield from _bounded_output(decoder, piece)
        except _ERRORS as exc:
            raise _decode_error(exc, kind, what, head, max_window) from None
        if decoder.eof:
            pending.give_back(len(decoder.unused_data))
        step = min(step * 2, CHUNK)
    if decoder is not None and not decoder.eof:
        raise StreamEndsEarly(
            f"{what}: {kind.value} stream ends before its end marker (the data is truncated or "
            "corrupt)",
            kind.value,
        )


def _new_decoder(kind: Compression, max_window: int) -> Any:
    if kind is Compression.GZIP:
        return _GZIP_LIB.decompressobj(16 + zlib.MAX_WBITS)
    if kind is Compression.XZ:  # memlimit: a declared 4 GiB dictionary must not be allocated
        return lzma.LZMADecompressor(memlimit=max_window + _XZ_OVERHEAD)
    return bz2.BZ2Decompressor()


def _decode_error(
    exc: Exception, kind: Compression, what: str, head: bytes, max_window: int
) -> Exception:
    """The AnalyzerError for a decoder's exception: a refused xz dictionary is a limit, the
    rest is damaged data."""
    if isinstance(exc, lzma.LZMAError) and "Memory usage limit" in str(exc):
        size = _xz_dictionary(head)
        declared = f"a {size}-byte dictionary" if size else "a dictionary"
        return LimitExceeded(
            f"{what}: the xz data declares {declared}, over the {max_window}-byte limit for one "
            "decompressor; the limit keeps memory bounded (xz -9 needs 64 MiB)"
        )
    return CorruptStream(f"{what}: {kind.value} data is corrupt ({exc})", kind.value)


def _xz_dictionary(head: bytes) -> int | None:
    """The LZMA2 dictionary size that the first block of an xz stream declares, when the
    block header is the usual one (one-byte filter ids and property sizes); else None.

    >>> _xz_dictionary(lzma.compress(b"x", preset=6)), _xz_dictionary(b"\\xfd7zXZ")
    (8388608, None)
    """
    block = head[12:]  # after the 12-byte stream header
    if len(block) < 2 or block[0] == 0:  # a zero size byte starts the index: no block
        return None
    flags, pos = block[1], 2
    for _ in range(bool(flags & 0x40) + bool(flags & 0x80)):  # skip the optional size fields
        while pos < len(block) and block[pos] & 0x80:
            pos += 1
        pos += 1
    for _ in range((flags & 3) + 1):
        if pos + 2 >= len(block) or block[pos] & 0x80 or block[pos + 1] & 0x80:
            return None
        if block[pos] == 0x21 and block[pos + 1] == 1:  # LZMA2: one byte of properties
            code = block[pos + 2]
            return (
                None
                if code > 40
                else 0xFFFFFFFF
                if code == 40
                else (2 | code & 1) << (code // 2 + 11)
            )
        pos += 2 + block[pos + 1]
    return None


def _bounded_output(decoder: Any, data: memoryview | bytes) -> Iterator[bytes]:
    """Feed `data` to `decoder`, yielding its output in pieces of at most CHUNK bytes."""
    if isinstance(decoder, _ZLIB_TYPES):
        while True:
            out = decoder.decompress(data, CHUNK)
            data = decoder.unconsumed_tail
            if out:
                yield out
            if decoder.eof or (not data and len(out) < CHUNK):
                return
    while True:
        out = decoder.decompress(data, CHUNK)
        data = b""
        if out:
            yield out
        if decoder.eof or decoder.needs_input:
            return
