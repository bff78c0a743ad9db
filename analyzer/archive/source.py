"""Open the input (tar file, compressed tar, or directory) and read its members by name.

The input is never extracted. A plain tar is indexed by seeking over member data; a compressed
tar is decompressed once to index it (small members are kept), and layers are later streamed in
the order they are stored so that a second pass is a single sequential read.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from analyzer.archive.compression import Compression, decompressed_chunks, sniff_compression
from analyzer.archive.directory import list_directory, regular_file_chunks
from analyzer.archive.identify import not_an_archive
from analyzer.archive.member import Member, normalize_member
from analyzer.archive.tarindex import index_tar
from analyzer.archive.tarstream import BLOCK, looks_like_tar
from analyzer.errors import ArchiveError, LimitExceeded, MissingBlob, UnsafeInput, UsageError
from analyzer.limits import Limits
from analyzer.text import quoted

__all__ = ["Archive", "Member", "normalize_member", "open_archive"]

MAX_UNSAFE = 20
"""Unsafe member names kept for notices (a hostile archive may have a million)."""


class Archive:
    """The input, indexed: members by name, and a way to stream any member's bytes."""

    def __init__(self, path: Path, kind: str, compression: Compression, limits: Limits) -> None:
        self.path = path
        self.kind = kind
        """"tar" or "directory"."""
        self.compression = compression
        """Compression wrapped around the whole tar (NONE for plain tars and directories)."""
        self.limits = limits
        self.members: dict[str, Member] = {}
        self.unsafe_names: list[str] = []
        """The first MAX_UNSAFE member names that are absolute or climb out of the archive;
        never used."""
        self.unsafe_dropped = 0
        """How many more such names there were."""
        self.truncated = False
        self.small_members: dict[str, bytes] = {}
        """Small files of a compressed input, kept while it was indexed (its JSON documents)."""
        self.identity: tuple[int, ...] | None = None
        """Device, inode, size and modification time of a file input when it was opened: the
        file is opened again for each pass, and must still be the same one (see `open`)."""

    def open(self) -> BinaryIO:
        """The input file, opened for reading: an ArchiveError if it is not the file that was
        indexed (replaced, or written to, since)."""
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 - returned to the caller's `with`
        except OSError as exc:
            raise self.changed(f"it cannot be opened again ({exc.strerror})") from None
        if self.identity is not None and _identity(os.fstat(handle.fileno())) != self.identity:
            handle.close()
            raise self.changed("it is not the file it was")
        return handle

    def changed(self, how: str) -> ArchiveError:
        """The error for an input that changed while it was being read."""
        return ArchiveError(
            f"{self.path}: the input changed while it was being read ({how}: replaced, "
            "truncated or written to); scan a copy nothing writes to"
        )

    def check_unchanged(self) -> None:
        """Raise `changed` if the input file is no longer the one indexed."""
        if self.identity is not None:
            try:
                now = _identity(os.stat(self.path))
            except OSError:
                now = ()
            if now != self.identity:
                raise self.changed("it is not the file it was")

    def note_unsafe(self, name: str) -> None:
        """Record a member name that is absolute or climbs out (kept up to MAX_UNSAFE)."""
        if len(self.unsafe_names) < MAX_UNSAFE:
            self.unsafe_names.append(name)
        else:
            self.unsafe_dropped += 1

    # -- reading -------------------------------------------------------------------------------

    def resolve(self, name: str) -> Member:
        """Find a member by name, following symlinks and hardlinks inside the archive."""
        wanted = normalize_member(name)
        if wanted is None:
            raise UnsafeInput(f"{self.path}: reference {quoted(name)} points outside the archive")
        for _ in range(self.limits.max_symlink_hops):
            member = self.members.get(wanted)
            if member is None:
                raise MissingBlob(
                    f"{self.path}: {quoted(name)} is referenced but not present in the archive; "
                    "the archive is incomplete or was edited"
                )
            if member.kind == "hardlink":
                wanted = self._link_target(member, relative=False)
            elif member.kind == "symlink":
                wanted = self._link_target(member, relative=True)
            else:
                return member
        raise LimitExceeded(f"{self.path}: {quoted(name)} is a chain of too many links")

    def _link_target(self, member: Member, *, relative: bool) -> str:
        base = posixpath.dirname(member.name) if relative else ""
        target = normalize_member(posixpath.normpath(posixpath.join(base, member.link)))
        if target is None or member.link.startswith("/"):
            raise UnsafeInput(
                f"{self.path}: archive member {quoted(member.name)} links to "
                f"{quoted(member.link)}, outside the archive; refusing to follow it"
            )
        return target

    def has(self, name: str) -> bool:
        """True when `name` exists (after following links) as a regular file."""
        try:
            return self.resolve(name).kind == "file"
        except (MissingBlob, UnsafeInput, LimitExceeded):
            return False

    def read_small(self, name: str, what: str) -> bytes:
        """Read a member that must be small (an index, manifest or config)."""
        member = self.resolve(name)
        if member.kind != "file":
            raise ArchiveError(f"{what}: {quoted(name)} is a {member.kind}, not a file")
        if member.size > self.limits.max_json_bytes:
            raise LimitExceeded(
                f"{what}: {quoted(name)} is {member.size} bytes, over the "
                f"{self.limits.max_json_bytes}-byte limit for a JSON document"
            )
        if member.name in self.small_members:
            return self.small_members[member.name]
        return b"".join(self.chunks(member))

    def chunks(self, member: Member) -> Iterator[bytes]:
        """Stream one member's bytes."""
        yield from self.stream_members([member])[0][1]

    def stream_members(self, members: Iterable[Member]) -> list[tuple[Member, Iterator[bytes]]]:
        """Pair each member with a stream of its bytes; consume them in the returned order.

        The order is storage order, so that a compressed input is decompressed only once. A
        member that is not a regular file (a directory, device, FIFO...) is an ArchiveError.
        """
        ordered = sorted(set(members), key=lambda m: (m.offset, m.name))
        for member in ordered:
            if member.kind != "file":
                raise ArchiveError(
                    f"{self.path}: {quoted(member.name)} is a {_KIND_WORDS[member.kind]}, not a "
                    "regular file, so it cannot be read as a blob; the archive is malformed"
                )
        if self.kind == "directory":
            return [(m, self._dir_chunks(m)) for m in ordered]
        if self.compression is Compression.NONE:
            return [(m, self._file_chunks(m)) for m in ordered]
        shared = self._tar_stream()
        return [(m, self._forward_chunks(shared, m)) for m in ordered]

    def _file_chunks(self, member: Member) -> Iterator[bytes]:
        with self.open() as handle:
            handle.seek(member.offset)
            left = member.size
            while left:
                chunk = handle.read(min(left, 1 << 20))
                if not chunk:
                    self.check_unchanged()
                    raise ArchiveError(
                        f"{self.path}: member {quoted(member.name)} is cut short; the archive is "
                        "truncated"
                    )
                left -= len(chunk)
                yield chunk

    def _tar_stream(self) -> _Forward:
        return _Forward(self.decompressed(), str(self.path), self)

    def _forward_chunks(self, stream: _Forward, member: Member) -> Iterator[bytes]:
        stream.skip_to(member.offset)
        yield from stream.take(member.size)

    def _dir_chunks(self, member: Member) -> Iterator[bytes]:
        yield from regular_file_chunks(self.path / member.name, member.size)

    def decompressed(self) -> Iterator[bytes]:
        """The decompressed tar stream of a compressed input, from its start. It may not
        exceed the byte limit for all layers (--max-bytes): the layers are inside it, so any
        archive whose layers fit also fits, and a decompression bomb stops there."""
        limit = self.limits.max_total_bytes
        produced = 0
        with self.open() as handle:
            chunks = decompressed_chunks(
                handle, self.compression, str(self.path), max_window=self.limits.max_window_bytes
            )
            for chunk in chunks:
                produced += len(chunk)
                if produced > limit:
                    raise LimitExceeded(
                        f"{self.path}: the {self.compression.value}-compressed archive unpacks "
                        f"to more than {limit} bytes (a decompression bomb?); raise --max-bytes "
                        "to read it"
                    )
                yield chunk


class _Forward:
    """A forward-only cursor over a decompressed stream, shared by consecutive member reads.

    The cursor is an index into the current chunk: taking a small member copies that member
    only, never the rest of the chunk (thousands of small members would make that quadratic)."""

    def __init__(self, chunks: Iterator[bytes], what: str, archive: Archive | None = None) -> None:
        self._archive = archive
        self._chunks = chunks
        self._what = what
        self._buf = b""
        self._at = 0  # index in self._buf of the next byte
        self._pos = 0  # stream offset of self._buf[0]

    def skip_to(self, offset: int) -> None:
        while self._pos + len(self._buf) < offset:
            self._pos += len(self._buf)
            self._buf = self._next()
        self._at = offset - self._pos

    def take(self, size: int) -> Iterator[bytes]:
        while size:
            if self._at == len(self._buf):
                self._pos += len(self._buf)
                self._buf, self._at = self._next(), 0
            piece = self._buf[self._at : self._at + size]
            self._at += len(piece)
            size -= len(piece)
            yield piece

    def _next(self) -> bytes:
        chunk = next(self._chunks, b"")
        if not chunk:
            if self._archive is not None:
                self._archive.check_unchanged()
            raise ArchiveError(f"{self._what}: the archive ends early; it is truncated")
        return chunk


def open_archive(path: Path, limits: Limits | None = None) -> Archive:
    """Open and index the input: a directory, a tar, or a tar wrapped in gzip/xz/bzip2/zstd."""
    limits = limits or Limits()
    try:
        info = path.stat()
    except OSError as exc:
        raise UsageError(f"{path}: cannot open ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        archive = Archive(path, "directory", Compression.NONE, limits)
        _index_directory(archive)
        return archive
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{path}: not a regular file or directory")
    head = _read_head(path)
    archive = Archive(path, "tar", sniff_compression(head), limits)
    archive.identity = _identity(info)
    _check_is_tar(archive, head)
    index_tar(archive)
    return archive


def _identity(info: os.stat_result) -> tuple[int, ...]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _read_head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(BLOCK)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None


def _check_is_tar(archive: Archive, head: bytes) -> None:
    if archive.compression is not Compression.NONE:
        inner = next(archive.decompressed(), b"")
        if looks_like_tar(inner[:BLOCK]):
            return
        raise not_an_archive(archive.path, inner, f"{archive.compression.value}-compressed ")
    if not looks_like_tar(head):
        raise not_an_archive(archive.path, head, "")


_KIND_WORDS = {
    "file": "file",
    "dir": "directory",
    "symlink": "symlink",
    "hardlink": "hardlink",
    "other": "special file (device, FIFO or socket)",
}


def _index_directory(archive: Archive) -> None:
    for listed in list_directory(archive.path, archive.limits):
        archive.members[listed.name] = Member(listed.name, listed.kind, listed.size, 0, listed.link)
