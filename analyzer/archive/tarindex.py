"""Index a tar input: list its members without extracting anything, within the limits.

A plain tar is indexed by seeking over member data; a compressed tar is decompressed once (small
members are kept, so the image's JSON documents need no second pass). Every member counts
against --max-entries (a long name or link counts more, as in a layer), and no name or link may
be longer than the path limit: each is held in memory for the whole read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from analyzer.archive.compression import Compression
from analyzer.archive.member import Member, normalize_member
from analyzer.archive.tarheader import REGULAR_TYPES, TarHeader, entry_units
from analyzer.archive.tarstream import TarStream
from analyzer.errors import ArchiveError, LimitExceeded
from analyzer.text import quoted

if TYPE_CHECKING:
    from analyzer.archive.source import Archive

_INDEX_READ = 64 * 1024
_CACHE_MEMBER = 1 << 20
_CACHE_TOTAL = 64 << 20
_KINDS = {"1": "hardlink", "2": "symlink", "5": "dir"}


def index_tar(archive: Archive) -> None:
    """Fill `archive.members` from its tar (plain or compressed), checking every limit."""
    header = archive.limits.max_header_bytes
    if archive.compression is Compression.NONE:
        with archive.open() as handle:
            size = os.fstat(handle.fileno()).st_size

            def skip(n: int) -> int:
                here = handle.tell()
                there = min(here + n, size)
                handle.seek(there)
                return there - here

            chunks = _read_chunks(handle)
            _collect(
                archive, TarStream(chunks, str(archive.path), max_header_bytes=header, skip=skip)
            )
    else:
        stream = TarStream(archive.decompressed(), str(archive.path), max_header_bytes=header)
        _collect(archive, stream, cache=True)


def _read_chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(_INDEX_READ):
        yield chunk


def _collect(archive: Archive, stream: TarStream, cache: bool = False) -> None:
    cached, units = 0, 0.0
    for header in stream:
        units += entry_units(header)
        _check_member(archive, header, units)
        name = normalize_member(header.name)
        if name is None:
            archive.note_unsafe(header.name)
            continue
        kind = "file" if header.type in REGULAR_TYPES else _KINDS.get(header.type, "other")
        archive.members[name] = Member(name, kind, header.size, header.data_offset, header.linkname)
        if cache and kind == "file" and header.size <= _CACHE_MEMBER and cached < _CACHE_TOTAL:
            archive.small_members[name] = b"".join(stream.data_chunks())
            cached += header.size
    archive.truncated = not stream.ended_cleanly
    if not archive.members and not archive.unsafe_names:
        raise ArchiveError(f"{archive.path}: the tar archive has no members")


def _check_member(archive: Archive, header: TarHeader, units: float) -> None:
    """The limits on the outer archive's members: how many (a long name or link counts as
    more, as in a layer: each is kept in memory for the whole read), and how long a name."""
    limits = archive.limits
    if units > limits.max_entries:
        raise LimitExceeded(
            f"{archive.path}: more than {limits.max_entries} members in the archive (a member "
            "counts once more per 512 bytes of a long name or link); not an image archive, or "
            "raise --max-entries if it really is one"
        )
    longest = max(len(header.name), len(header.linkname))
    if longest > limits.max_path_length:
        raise LimitExceeded(
            f"{archive.path}: member {quoted(header.name)} has a name or link target of "
            f"{longest} characters, over the limit of {limits.max_path_length}; the archive is "
            "malformed or hostile"
        )
