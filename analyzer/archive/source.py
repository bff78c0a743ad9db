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
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from analyzer.archive.compression import Compression, decompressed_chunks, sniff_compression
from analyzer.archive.tarstream import BLOCK, REGULAR_TYPES, TarStream, looks_like_tar
from analyzer.errors import ArchiveError, LimitExceeded, MissingBlob, UnsafeInput, UsageError
from analyzer.limits import Limits

_INDEX_READ = 64 * 1024
_CACHE_MEMBER = 1 << 20
_CACHE_TOTAL = 64 << 20
_MAX_DIR_ENTRIES = 1_000_000


@dataclass(frozen=True, slots=True)
class Member:
    """One file in the input archive (not inside a layer)."""

    name: str
    """Normalized relative POSIX path, e.g. "blobs/sha256/ab12..."."""
    kind: str
    """"file", "dir", "symlink", "hardlink" or "other"."""
    size: int
    offset: int
    """Offset of the data in the (decompressed) tar stream; 0 for directory inputs."""
    link: str = ""


def normalize_member(name: str) -> str | None:
    """Normalize an archive member name; None when it is absolute or climbs out with "..".

    >>> normalize_member("./blobs//sha256/ab/")
    'blobs/sha256/ab'
    >>> normalize_member("../evil") is None
    True
    """
    if name.startswith("/"):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    return "/".join(parts)


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
        """Member names that are absolute or climb out of the archive; never used."""
        self.truncated = False
        self._cache: dict[str, bytes] = {}

    # -- reading -------------------------------------------------------------------------------

    def resolve(self, name: str) -> Member:
        """Find a member by name, following symlinks and hardlinks inside the archive."""
        wanted = normalize_member(name)
        if wanted is None:
            raise UnsafeInput(f"{self.path}: reference {name!r} points outside the archive")
        for _ in range(self.limits.max_symlink_hops):
            member = self.members.get(wanted)
            if member is None:
                raise MissingBlob(
                    f"{self.path}: {name!r} is referenced but not present in the archive; "
                    "the archive is incomplete or was edited"
                )
            if member.kind == "hardlink":
                wanted = self._link_target(member, relative=False)
            elif member.kind == "symlink":
                wanted = self._link_target(member, relative=True)
            else:
                return member
        raise LimitExceeded(f"{self.path}: {name!r} is a chain of too many links")

    def _link_target(self, member: Member, *, relative: bool) -> str:
        base = posixpath.dirname(member.name) if relative else ""
        target = normalize_member(posixpath.normpath(posixpath.join(base, member.link)))
        if target is None or member.link.startswith("/"):
            raise UnsafeInput(
                f"{self.path}: archive member {member.name!r} links to {member.link!r}, "
                "outside the archive; refusing to follow it"
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
            raise ArchiveError(f"{what}: {name!r} is a {member.kind}, not a file")
        if member.size > self.limits.max_json_bytes:
            raise LimitExceeded(
                f"{what}: {name!r} is {member.size} bytes, over the "
                f"{self.limits.max_json_bytes}-byte limit for a JSON document"
            )
        if member.name in self._cache:
            return self._cache[member.name]
        return b"".join(self.chunks(member))

    def chunks(self, member: Member) -> Iterator[bytes]:
        """Stream one member's bytes."""
        yield from self.stream_members([member])[0][1]

    def stream_members(self, members: Iterable[Member]) -> list[tuple[Member, Iterator[bytes]]]:
        """Pair each member with a stream of its bytes; consume them in the returned order.

        The order is storage order, so that a compressed input is decompressed only once.
        """
        ordered = sorted(set(members), key=lambda m: (m.offset, m.name))
        if self.kind == "directory":
            return [(m, self._dir_chunks(m)) for m in ordered]
        if self.compression is Compression.NONE:
            return [(m, self._file_chunks(m)) for m in ordered]
        shared = self._tar_stream()
        return [(m, self._forward_chunks(shared, m)) for m in ordered]

    def _file_chunks(self, member: Member) -> Iterator[bytes]:
        with open(self.path, "rb") as handle:
            handle.seek(member.offset)
            left = member.size
            while left:
                chunk = handle.read(min(left, 1 << 20))
                if not chunk:
                    raise ArchiveError(
                        f"{self.path}: member {member.name!r} is cut short; the archive is "
                        "truncated"
                    )
                left -= len(chunk)
                yield chunk

    def _tar_stream(self) -> _Forward:
        return _Forward(self._raw_chunks(), str(self.path))

    def _forward_chunks(self, stream: _Forward, member: Member) -> Iterator[bytes]:
        stream.skip_to(member.offset)
        yield from stream.take(member.size)

    def _dir_chunks(self, member: Member) -> Iterator[bytes]:
        path = self.path / member.name
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as exc:
            raise ArchiveError(f"{path}: cannot be read ({exc.strerror})") from None
        with os.fdopen(fd, "rb") as handle:
            while chunk := handle.read(1 << 20):
                yield chunk

    def _raw_chunks(self) -> Iterator[bytes]:
        """The decompressed tar stream of a compressed input, from its start."""
        with open(self.path, "rb") as handle:
            yield from decompressed_chunks(handle, self.compression, str(self.path))


class _Forward:
    """A forward-only cursor over a decompressed stream, shared by consecutive member reads."""

    def __init__(self, chunks: Iterator[bytes], what: str) -> None:
        self._chunks = chunks
        self._what = what
        self._buf = b""
        self._pos = 0  # stream offset of self._buf[0]

    def skip_to(self, offset: int) -> None:
        while self._pos + len(self._buf) < offset:
            self._pos += len(self._buf)
            self._buf = self._next()
        self._buf = self._buf[offset - self._pos :]
        self._pos = offset

    def take(self, size: int) -> Iterator[bytes]:
        while size:
            if not self._buf:
                self._buf = self._next()
            piece = self._buf[:size]
            self._buf = self._buf[len(piece) :]
            self._pos += len(piece)
            size -= len(piece)
            yield piece

    def _next(self) -> bytes:
        chunk = next(self._chunks, b"")
        if not chunk:
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
    _check_is_tar(archive, head)
    _index_tar(archive)
    return archive


def _read_head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(BLOCK)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None


def _check_is_tar(archive: Archive, head: bytes) -> None:
    if archive.compression is not Compression.NONE:
        inner = next(archive._raw_chunks(), b"")
        if looks_like_tar(inner[:BLOCK]):
            return
        raise _not_an_archive(archive.path, inner, f"{archive.compression.value}-compressed ")
    if not looks_like_tar(head):
        raise _not_an_archive(archive.path, head, "")


def _not_an_archive(path: Path, head: bytes, wrapper: str) -> Exception:
    from analyzer.errors import UnsupportedFormat  # noqa: PLC0415 (keeps the import list short)

    advice = (
        "expected the output of `docker save`, `podman save` or `skopeo copy` "
        "(a docker-archive or OCI image-layout tar or directory)"
    )
    known = _describe_json(head)
    if not head:
        what = "an empty file"
    elif head == bytes(len(head)):
        what = "an empty tar archive" if len(head) >= BLOCK else "zero bytes"
    elif known:
        what, advice = known
    else:
        what = f"{wrapper}{_describe(head)}"
    return UnsupportedFormat(f"{path}: this is {what}, not an image archive; {advice}")


def _describe(head: bytes) -> str:
    """What libmagic says the data is."""
    import magic  # noqa: PLC0415 (libmagic only loads when needed)

    try:
        return str(magic.from_buffer(head))
    except magic.MagicException:
        return "data of unknown type"


def _describe_json(head: bytes) -> tuple[str, str] | None:
    """Recognise an image JSON document given on its own: (what it is, what to do instead).

    >>> _describe_json(b'{"schemaVersion":2,"manifests":[')[0]
    'an OCI image index (index.json) on its own'
    """
    text = head.lstrip()[:_INDEX_READ].decode("utf-8", "replace")
    whole = "pass the whole archive (or image-layout directory) it belongs to"
    if text.startswith("[") and '"Config"' in text and '"Layers"' in text:
        return "a `docker save` manifest.json on its own", whole
    if not text.startswith("{"):
        return None
    if '"manifests"' in text:
        return "an OCI image index (index.json) on its own", whole
    if '"layers"' in text and '"config"' in text:
        return "a registry image manifest without its blobs", whole
    if '"rootfs"' in text or '"diff_ids"' in text:
        return "an image config on its own", whole
    return None


def _index_tar(archive: Archive) -> None:
    if archive.compression is Compression.NONE:
        with open(archive.path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size

            def skip(n: int) -> int:
                here = handle.tell()
                there = min(here + n, size)
                handle.seek(there)
                return there - here

            _collect(archive, TarStream(_read_chunks(handle), str(archive.path), skip=skip))
    else:
        _collect(archive, TarStream(archive._raw_chunks(), str(archive.path)), cache=True)


def _read_chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(_INDEX_READ):
        yield chunk


_KINDS = {"1": "hardlink", "2": "symlink", "5": "dir"}


def _collect(archive: Archive, stream: TarStream, cache: bool = False) -> None:
    cached = 0
    for header in stream:
        name = normalize_member(header.name)
        if name is None:
            archive.unsafe_names.append(header.name)
            continue
        kind = "file" if header.type in REGULAR_TYPES else _KINDS.get(header.type, "other")
        archive.members[name] = Member(name, kind, header.size, header.data_offset, header.linkname)
        if cache and kind == "file" and header.size <= _CACHE_MEMBER and cached < _CACHE_TOTAL:
            archive._cache[name] = b"".join(stream.data_chunks())
            cached += header.size
    archive.truncated = not stream.ended_cleanly
    if not archive.members and not archive.unsafe_names:
        raise ArchiveError(f"{archive.path}: the tar archive has no members")


def _index_directory(archive: Archive) -> None:
    root = archive.path
    count = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in sorted(dirnames) + sorted(filenames):
            count += 1
            if count > _MAX_DIR_ENTRIES:
                raise LimitExceeded(f"{root}: more than {_MAX_DIR_ENTRIES} files; not an image")
            full = Path(dirpath, name)
            rel = full.relative_to(root).as_posix()
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                archive.members[rel] = Member(rel, "symlink", 0, 0, os.readlink(full))
            elif stat.S_ISREG(info.st_mode):
                archive.members[rel] = Member(rel, "file", info.st_size, 0)
            elif stat.S_ISDIR(info.st_mode):
                archive.members[rel] = Member(rel, "dir", 0, 0)
            else:
                archive.members[rel] = Member(rel, "other", 0, 0)
