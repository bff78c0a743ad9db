"""The files inside an archive file of the image, for the secrets examiner.

A Spring Boot jar carries `BOOT-INF/classes/application.properties`, a backup `.tar.gz` an SSH
key, a `creds.env.gz` an AWS key: the file itself is compressed bytes, and the credential is
in a member. So the members of zip-family archives (zip, jar, war, ear, whl, apk...), of tar
archives (plain or gzip, xz, bzip2 or zstd compressed) and of single compressed files (`.gz`,
`.xz`, `.bz2`, `.zst`) are examined as files of their own, recognised by their bytes: the first
ones, or for a file named .jar, .war, .ear or .zip a zip end record near its end (a Spring Boot
"fully executable" jar starts with a launch script). Every part of a compressed file is read, as
zcat, bzcat, xzcat and zstdcat do: concatenated gzip members, bzip2 and xz streams, zstd frames.

One level deep: a member that is itself an archive (a jar inside a fat jar's `BOOT-INF/lib`,
most often a third-party library) is examined as stored, its own members are not, and it is
counted apart (`Unread.nested`): a stated limit of the scan, where a member left unread by a
bound or an error is a check that could not be made. Compressed documentation under
/usr/share/man, /usr/share/doc and /usr/share/info (packaging tools compress every manual page
and changelog) is examined as stored too: opening those thousands of files would cost a Debian
image a tenth of its scan for text nobody writes a credential into. Hostile archives are
bounded: at most `MAX_MEMBERS` entries (directories too) and `MAX_BYTES` decompressed bytes per
archive, nor more than `MAX_RATIO` times its own size past `MIN_BYTES`, so that an image full
of small bombs costs what a hundred times its size costs (a compressed tar's decoded stream is
charged once); each member, and a single
compressed file's content, read up to `MAX_MEMBER_BYTES`; xz and zstd data needing a dictionary
or window over the layer reader's limit is not decoded. What is left unread, and an archive that
cannot be read (corrupt, encrypted members, cut short, an unknown compression, any error of a
reader), is counted with its reason, never an error.
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

import zstandard

from analyzer.archive.compression import (
    DEFAULT_WINDOW,
    Compression,
    decoded_pieces,
    sniff_compression,
)
from analyzer.errors import CorruptStream, LimitExceeded, StreamEndsEarly
from analyzer.text import quoted

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 16 << 20
MAX_BYTES = 256 << 20
MAX_RATIO = 100
"""Decompressed bytes an archive may give per byte of its own (past MIN_BYTES): real ones give
2-10 (jars, .tar.gz, .gz: 7 at most in 536 of a Debian system's), a decompression bomb
hundreds to millions. So reading the members of every archive of an image costs at most about
a hundred times the archives' own size, however many there are."""
MIN_BYTES = 64 << 10
"""What any archive may give, whatever its ratio (a small .gz of a repetitive file)."""
MAX_WINDOW = DEFAULT_WINDOW
"""The largest xz dictionary or zstd window decoded (the layer reader's limit)."""
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_ZIP_END = b"PK\x05\x06"
_ZIP_NAMES = (".jar", ".war", ".ear", ".zip")
_ZIP_END_REACH = 22 + 65535  # the end record and the longest comment after it
_DOCUMENTATION = re.compile(r"^/usr/share/(?:man|doc|info)/")
_ZSTD_PIECE = 64
"""Compressed zstd bytes handed to the decoder at a time: a zstd block of a few bytes may
decode to 128 KiB, so 64 bytes give at most a few MiB (the decoder has no output bound)."""


@dataclass
class Unread:
    """What one archive's members were not examined: how many, and why (each reason with the
    number of members it left unread, and the first member it names, if any)."""

    members: int = 0
    reasons: dict[str, tuple[int, str]] = field(default_factory=dict)
    nested: int = 0
    """Members that are archives themselves: examined as stored, not opened (one level deep)."""
    first_nested: str = ""

    def add_nested(self, name: str) -> None:
        self.nested += 1
        self.first_nested = self.first_nested or name

    def add(self, count: int, why: str, name: str = "") -> None:
        self.members += count
        before, first = self.reasons.get(why, (0, ""))
        self.reasons[why] = (before + count, first or name)

    @property
    def why(self) -> str:
        """The reasons, in the order met; each string of the archive quoted (printable)."""
        return " and ".join(
            why
            + (f" ({count:,} members)" if count > 1 else "")
            + (f", the first {quoted(name, 100)}" if count > 1 and name else "")
            + (f": {quoted(name, 100)}" if count == 1 and name else "")
            for why, (count, name) in self.reasons.items()
        )


@dataclass
class _Budget:
    left: int
    """Decompressed bytes the archive may still give."""
    limit: int
    """What it could give at first: MAX_BYTES, or less for a small archive (MAX_RATIO)."""
    members: int = 0
    """Entries met so far (directories and links too)."""
    unread: Unread = field(default_factory=Unread)


def is_archive(path: str, data: bytes) -> bool:
    """True when `members` would open the file: an archive or a compressed file, by its first
    bytes (or a zip's end record, see `_is_zip`), outside the compressed documentation trees.

    >>> is_archive("/app/app.jar", b"PK\\x03\\x04..."), is_archive("/app/a.txt", b"PK")
    (True, False)
    >>> is_archive("/usr/share/man/man1/ls.1.gz", b"\\x1f\\x8b\\x08")
    False
    """
    if _is_zip(path, data) or data[257:262] == b"ustar":
        return True
    return sniff_compression(data) is not Compression.NONE and not _DOCUMENTATION.match(path)


def _is_zip(path: str, data: bytes) -> bool:
    """A zip by its first bytes; or, named .jar, .war, .ear or .zip, by the end-of-central-
    directory record near its end, as unzip and Python's zipfile find it (a launch script or a
    self-extractor may come first).

    >>> _is_zip("/app/app.jar", b"#!/bin/sh\\nexit 0\\n" + b"PK\\x05\\x06" + bytes(18))
    True
    >>> _is_zip("/app/app.sh", b"#!/bin/sh\\nexit 0\\n" + b"PK\\x05\\x06" + bytes(18))
    False
    """
    if data.startswith(_ZIP):
        return True
    return path.lower().endswith(_ZIP_NAMES) and (
        data.rfind(_ZIP_END, max(len(data) - _ZIP_END_REACH, 0)) >= 0
    )


def members(path: str, data: bytes, unread: Unread) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of each regular member of the archive or compressed file `data` (see the
    module), within the bounds; `unread` counts what was left. No exception of a reader
    escapes: the member, or the rest of the archive, is counted with its reason.

    >>> import gzip
    >>> list(members("/app/creds.env.gz", gzip.compress(b"A=1\\n"), Unread()))
    [('creds.env', b'A=1\\n')]
    """
    limit = min(MAX_BYTES, max(MIN_BYTES, MAX_RATIO * len(data)))
    budget = _Budget(left=limit, limit=limit, unread=unread)
    try:
        if _is_zip(path, data):
            yield from _zip_members(data, budget)
        elif data[257:262] == b"ustar":
            yield from _tar_members(io.BytesIO(data), budget, None)
        else:
            yield from _compressed_members(path, data, budget)
    except MemoryError:
        unread.add(1, "the archive needs more memory than there is to be read")
    except Exception as exc:  # any reader's failure is the archive's, counted
        unread.add(1, f"the archive cannot be read to its end ({type(exc).__name__})")


def _zip_members(data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
        for at, info in enumerate(entries):
            budget.members += 1
            if _is_dir(info):
                continue
            if budget.members > MAX_MEMBERS or budget.left <= 0:
                rest = sum(1 for entry in entries[at:] if not _is_dir(entry))
                budget.unread.add(rest, _over(budget))
                return
            if info.flag_bits & 0x1:
                budget.unread.add(1, "a member is encrypted", info.filename)
                continue
            most = min(MAX_MEMBER_BYTES, budget.left)  # a member is decoded within the budget
            try:
                with archive.open(info) as member:
                    content = member.read(most + 1)
            except Exception as exc:  # MemoryError too: this member is unread
                budget.unread.add(1, f"a member cannot be read ({type(exc).__name__})")
                continue
            if len(content) > most:  # read in part: counted once, by the bound that cut it
                why = _IN_PART if most == MAX_MEMBER_BYTES else _over_bytes(budget)
                budget.unread.add(1, why, info.filename)
            yield from _member(info.filename, content[:most], budget, charge=True)


def _is_dir(info: zipfile.ZipInfo) -> bool:
    """ZipInfo.is_dir, which fails on an empty name."""
    return info.filename.endswith("/")


_IN_PART = f"a member over {MAX_MEMBER_BYTES >> 20} MiB is read in part"


def _over_bytes(budget: _Budget) -> str:
    if budget.limit < MAX_BYTES:
        return (
            f"it decompresses to over {MAX_RATIO} times its size (a decompression bomb?): "
            "the rest is not read"
        )
    return f"over {MAX_BYTES >> 20} MiB of decompressed content: the rest is not read"


def _over(budget: _Budget) -> str:
    if budget.members > MAX_MEMBERS:
        return f"over {MAX_MEMBERS:,} members"
    return _over_bytes(budget)


def _member(
    name: str, content: bytes, budget: _Budget, *, charge: bool
) -> Iterator[tuple[str, bytes]]:
    """One member read, charged to the budget (unless its bytes were charged as they were
    decoded); an archive inside the archive is examined as stored and counted as nested."""
    content = content[:MAX_MEMBER_BYTES]
    if charge:
        budget.left -= len(content)
    if is_archive("/" + name.lstrip("./"), content):
        budget.unread.add_nested(name)
    yield name, content


class _Decoded:
    """A compressed file's decoded bytes as a readable stream, each byte charged once to the
    archive's budget; a decoding error ends the stream and is kept in `error`, running over the
    budget ends it with `over` set."""

    def __init__(self, chunks: Iterator[bytes], budget: _Budget) -> None:
        self._chunks = chunks
        self._budget = budget
        self._chunk = b""
        self._offset = 0
        self.error: Exception | None = None
        self.over = False

    def read(self, n: int = -1) -> bytes:
        want = n if n >= 0 else MAX_BYTES
        parts: list[bytes] = []
        while want > 0:
            if self._offset >= len(self._chunk) and not self._pull():
                break
            piece = self._chunk[self._offset : self._offset + want]
            self._offset += len(piece)
            want -= len(piece)
            parts.append(piece)
        return b"".join(parts)

    def peek(self, n: int) -> bytes:
        """The next `n` bytes (fewer at the end), left to be read."""
        head = self.read(n)
        self._chunk, self._offset = head + self._chunk[self._offset :], 0
        return head

    def _pull(self) -> bool:
        if self.error is not None or self.over:
            return False
        try:
            chunk = next(self._chunks)
        except StopIteration:
            return False
        except Exception as exc:  # MemoryError too: the stream ends here
            self.error = exc
            return False
        if len(chunk) > self._budget.left:
            self.over, chunk = True, chunk[: max(self._budget.left, 0)]
        self._budget.left -= len(chunk)
        self._chunk, self._offset = chunk, 0
        return bool(chunk)

    def why(self) -> str:
        """Why the stream ended before its end, or ""."""
        if self.over:
            return _over_bytes(self._budget)
        if isinstance(self.error, StreamEndsEarly):
            return "its compressed stream is cut short (what it holds is examined)"
        if isinstance(self.error, LimitExceeded):
            return (
                f"its compressed data needs a dictionary or window over {MAX_WINDOW >> 20} MiB "
                "to be decoded (a limit that keeps memory bounded)"
            )
        if isinstance(self.error, CorruptStream):
            return f"its {self.error.compression} data is corrupt (what it holds is examined)"
        if self.error is not None:
            return f"the archive cannot be read to its end ({type(self.error).__name__})"
        return ""


def _compressed_members(path: str, data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    """A single compressed file's content (up to MAX_MEMBER_BYTES), or a compressed tar's
    members: every part of the compressed data, decoded as it is read."""
    kind = sniff_compression(data)
    if kind is Compression.NONE:
        return
    source = io.BytesIO(data)
    chunks = (
        _zstd_chunks(data)
        if kind is Compression.ZSTD
        else decoded_pieces(source, kind, quoted(path, 200), max_window=MAX_WINDOW)
    )
    stream = _Decoded(chunks, budget)
    try:
        if stream.peek(512)[257:262] == b"ustar":
            yield from _tar_members(cast(IO[bytes], stream), budget, stream)
        else:
            content = stream.read(MAX_MEMBER_BYTES + 1)
            if len(content) > MAX_MEMBER_BYTES:
                budget.unread.add(1, f"its content is read up to {MAX_MEMBER_BYTES >> 20} MiB")
            elif stream.why():
                budget.unread.add(1, stream.why())
            yield from _member(_single_name(path), content, budget, charge=False)
    except Exception as exc:  # a tar cut by the stream's end: name the cause
        why = stream.why() or f"the archive cannot be read to its end ({type(exc).__name__})"
        budget.unread.add(1, why)


def _zstd_chunks(data: bytes) -> Iterator[bytes]:
    """Every frame of zstd data decoded (as zstdcat does), in bounded pieces; data ending
    inside a frame is a StreamEndsEarly, as for the other compressions."""
    decoder = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW)
    frame = decoder.decompressobj()
    at = 0
    while at < len(data):
        if frame.eof:
            frame = decoder.decompressobj()
        piece = data[at : at + _ZSTD_PIECE]
        try:
            out = frame.decompress(piece)
        except zstandard.ZstdError as exc:
            if "too much memory" in str(exc) or "window" in str(exc).lower():
                raise LimitExceeded(f"zstd data needs a window over {MAX_WINDOW}") from None
            raise CorruptStream(f"zstd data is corrupt ({exc})", "zstd") from None
        at += len(piece) - len(frame.unused_data if frame.eof else b"")
        if out:
            yield out
    if not frame.eof:
        raise StreamEndsEarly("zstd stream ends before its end", "zstd")


def _tar_members(
    source: IO[bytes], budget: _Budget, stream: _Decoded | None
) -> Iterator[tuple[str, bytes]]:
    """The regular members of a tar: read from memory (each charged as read) or from a
    compressed file's stream (charged as decoded). Past a bound, the rest is counted (as far
    as the stream goes), none read; no entry is kept (a tar of 400,000 directories costs no
    memory)."""
    with tarfile.open(fileobj=source, mode="r:" if stream is None else "r|") as archive:
        while (info := archive.next()) is not None:
            cast(Any, archive).members.clear()
            budget.members += 1
            if not info.isreg():
                continue
            if budget.members > MAX_MEMBERS or (stream is None and budget.left <= 0):
                budget.unread.add(1, _over(budget))
                continue
            if info.size > MAX_MEMBER_BYTES:
                budget.unread.add(1, _IN_PART, info.name)
            member = archive.extractfile(info)
            if member is None:
                continue
            try:
                content = member.read(MAX_MEMBER_BYTES + 1)
            except Exception as exc:  # cut by the stream's end, or damaged
                why = stream.why() if stream is not None else ""
                budget.unread.add(1, why or f"a member cannot be read ({type(exc).__name__})")
                return
            yield from _member(info.name, content, budget, charge=stream is None)
    if stream is not None and stream.why():
        budget.unread.add(1, stream.why())


def _single_name(path: str) -> str:
    """The name a single compressed file's content had: its own without the compression's
    suffix.

    >>> _single_name("/app/creds.env.gz"), _single_name("/srv/dump.sql.zst"), _single_name("/x")
    ('creds.env', 'dump.sql', 'x')
    """
    name = path.rpartition("/")[2]
    for suffix in (".gz", ".xz", ".bz2", ".zst", ".tgz", ".z", ".Z"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
