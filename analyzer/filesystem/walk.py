"""Walk one layer blob exactly once: verify it, decompress it, list it, hash and dispatch content.

The blob is hashed as it streams (its digest), then decompressed (one thread) and hashed again
(its diff_id, another thread; an uncompressed blob is its own tar, so its one hash is both),
then parsed as tar. Each regular file's bytes are hashed and handed to the content sinks that
asked for them (deciding on a PendingFile; the file's Entry is built once its digest is
known); nothing is written anywhere and nothing is held beyond one chunk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterator, Sequence
from itertools import chain

from analyzer.archive.compression import Compression, decompressed_chunks, sniff_compression
from analyzer.archive.digest import StreamDigest
from analyzer.archive.pipeline import in_background
from analyzer.archive.tarheader import entry_units
from analyzer.archive.tarstream import DATA_TYPES, REGULAR_TYPES, TarHeader, TarStream
from analyzer.errors import ArchiveError, DamagedLayer, LimitExceeded
from analyzer.filesystem.budget import Budget, ImpliedDirs
from analyzer.filesystem.content import ContentConsumer, ContentSink, PendingFile
from analyzer.filesystem.model import Entry, EntryKind, LayerListing
from analyzer.filesystem.notes import Notes
from analyzer.filesystem.paths import normalize, whiteout
from analyzer.limits import Limits
from analyzer.text import quoted

__all__ = ["Budget", "walk_layer"]  # Budget lives in budget.py; readers know it from here

_KIND = {
    **dict.fromkeys(REGULAR_TYPES, EntryKind.FILE),
    "1": EntryKind.HARDLINK,
    "2": EntryKind.SYMLINK,
    "3": EntryKind.CHARDEV,
    "4": EntryKind.BLOCKDEV,
    "5": EntryKind.DIR,
    "6": EntryKind.FIFO,
    "S": EntryKind.FILE,
}
_EMPTY_DIGEST = hashlib.sha256().digest()
_NO_DEVICE = (0, 0)


class _Shared:
    """One object for the values many entries repeat: every Entry is held for the whole scan,
    and a digest (65 bytes) or an mtime (24) made anew for each of 550,000 entries costs
    49 MB. Bounded: only the empty file's digest and the last mtime are kept. (Modes are
    shared by the header parser already.)"""

    __slots__ = ("_mtime",)

    def __init__(self) -> None:
        self._mtime = 0.0

    def mtime(self, mtime: float) -> float:
        if mtime != self._mtime or not mtime:  # a zero keeps its sign: -0.0 == 0.0
            self._mtime = mtime  # entries of one layer mostly share one mtime
        return self._mtime

    @staticmethod
    def digest(digest: bytes) -> bytes:
        return _EMPTY_DIGEST if digest == _EMPTY_DIGEST else digest


class _IterReader:
    """Adapt an iterator of chunks to the read(n) interface decompressors want."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._rest = b""

    def read(self, n: int = -1) -> bytes:
        data = self._rest or next(self._chunks, b"")
        if n < 0 or len(data) <= n:
            self._rest = b""
            return data
        self._rest = data[n:]
        return data[:n]

    def drain(self) -> None:
        self._rest = b""
        for _ in self._chunks:
            pass


def _limited(chunks: Iterator[bytes], budget: Budget, what: str) -> Iterator[bytes]:
    layer_bytes = 0
    limits = budget.limits
    for chunk in chunks:
        layer_bytes += len(chunk)
        budget.total_bytes += len(chunk)
        if layer_bytes > limits.max_layer_bytes:
            raise LimitExceeded(
                f"{what}: uncompressed layer exceeds {limits.max_layer_bytes} bytes "
                "(a decompression bomb?); raise --max-layer-bytes to read it"
            )
        if budget.total_bytes > limits.max_total_bytes:
            raise LimitExceeded(
                f"{what}: uncompressed data exceeds {limits.max_total_bytes} bytes in total "
                "(a decompression bomb?); raise --max-bytes to read it"
            )
        yield chunk


def walk_layer(
    chunks: Iterator[bytes],
    what: str,
    budget: Budget,
    sinks: Sequence[ContentSink] = (),
    key: str = "",
    *,
    digest_algorithm: str = "sha256",
    diff_id_algorithm: str = "sha256",
) -> LayerListing:
    """Read one layer blob from `chunks` once and return what it holds.

    `what` names the layer in messages; `key` identifies it to the content sinks. The blob's
    digest is computed with `digest_algorithm` (the manifest's layer digest), the tar's with
    `diff_id_algorithm` (the config's diff_id): "sha256" or "sha512". A blob that cannot be
    decompressed or read as a tar is a DamagedLayer once it is hashed to its end.
    """
    blob, tar = StreamDigest(digest_algorithm), StreamDigest(diff_id_algorithm)
    raw = blob.tee(chunks)
    first = next(raw, b"")
    compression = sniff_compression(first)
    decoded = in_background(_decoded(chain([first], raw), compression, what, budget))
    if _one_hash(compression, blob, tar):
        tar, plain = blob, decoded  # the tar is the blob: one pass serves both digests
    else:  # hashed in a thread of its own: inflating and hashing a layer take a core between them
        plain = in_background(tar.tee(decoded))
    stream = TarStream(plain, what, max_header_bytes=budget.limits.max_header_bytes)
    notes = Notes()
    try:
        entries, whiteouts, opaque, members = _read_members(
            stream, (what, key), budget, sinks, notes
        )
        _check_end(stream, members, what, notes)
    except ArchiveError as error:
        raise _damaged(error, (plain, decoded), raw, blob) from None
    return LayerListing(
        digest=blob.digest,
        diff_id=tar.digest,
        compression=compression.value,
        compressed_size=blob.size,
        uncompressed_size=tar.size,
        entries=tuple(entries),
        whiteouts=tuple(whiteouts),
        opaque_dirs=tuple(opaque),
        notices=notes.final(),
        member_count=members,
        key=key,
    )


def _check_end(stream: TarStream, members: int, what: str, notes: Notes) -> None:
    """What the end of the tar says: not a tar at all, truncated, or global headers ignored;
    then read the padding after it, which counts in the digests too."""
    if members == 0 and not stream.ended_cleanly:
        raise ArchiveError(f"{what}: the layer is not a tar archive (or is empty)")
    if not stream.ended_cleanly:
        notes.add("the layer tar has no end-of-archive marker (it may be truncated)")
    if stream.global_headers:
        notes.add(
            f"{stream.global_headers} PAX global header(s) ignored, as container runtimes "
            "(Go's archive/tar) ignore them"
        )
    for _ in stream.drain():
        pass


def _damaged(
    error: ArchiveError,
    stages: tuple[Generator[bytes, None, None], ...],
    rest: Iterator[bytes],
    blob: StreamDigest,
) -> ArchiveError:
    """`error` as a DamagedLayer once the `rest` of the blob is hashed (streamed: its stored
    size bounds it), so that the reader can check the blob against its digest before blaming
    the decoder; `error` itself when the stored bytes could not be read to their end.

    Only a failed read comes here: a valid layer is hashed once, as it streams."""
    for stage in stages:  # each stops and joins its thread: none reads `rest` any more
        stage.close()
    for _ in rest:  # hashed by blob.tee on the way
        pass
    return DamagedLayer(error, blob.digest, blob.size) if blob.complete else error


def _one_hash(compression: Compression, blob: StreamDigest, tar: StreamDigest) -> bool:
    """True when one hash serves as both digests: the blob is its own tar, hashed alike."""
    return compression is Compression.NONE and blob.algorithm == tar.algorithm


def _decoded(
    chunks: Iterator[bytes], compression: Compression, what: str, budget: Budget
) -> Iterator[bytes]:
    """The layer's tar bytes from its (hashed) blob chunks (run in a worker thread)."""
    source = _IterReader(chunks)
    window = budget.limits.max_window_bytes
    yield from _limited(
        decompressed_chunks(source, compression, what, max_window=window), budget, what
    )
    source.drain()  # bytes after the compressed stream still belong to the blob's digest


def _read_members(
    stream: TarStream,
    names: tuple[str, str],
    budget: Budget,
    sinks: Sequence[ContentSink],
    notes: Notes,
) -> tuple[list[Entry], list[str], list[str], int]:
    entries: list[Entry] = []
    whiteouts: list[str] = []
    opaque: list[str] = []
    members = 0
    what, key = names
    implied = ImpliedDirs(budget, what)
    shared = _Shared()
    for header in stream:
        members += 1
        budget.charge_entry(what, entry_units(header))
        path = _checked_path(header, budget.limits, notes)
        if path == "/":
            continue
        marker = whiteout(path)
        if marker is not None:
            kind, target = marker
            if kind == "opaque":
                opaque.append(target)
            elif kind == "whiteout":
                whiteouts.append(target)
            else:
                notes.add(f"aufs metadata {path} ignored")
            continue
        implied.add(path, header.type == "5")
        if header.type in DATA_TYPES:  # a regular file: its Entry is built with its digest
            if sinks:
                pending = PendingFile(path, header.size, header.mode)
                digest = _with_content(stream, pending, key, sinks)
            else:
                digest = _digest(stream)
            entries.append(_entry(header, path, notes, shared, digest))
            continue
        entries.append(_entry(header, path, notes, shared))
    return entries, whiteouts, opaque, members


def _checked_path(header: TarHeader, limits: Limits, notes: Notes) -> str:
    longest = max(len(header.name), len(header.linkname))
    if longest > limits.max_path_length:
        raise LimitExceeded(
            f"tar entry {quoted(header.name)} has a name or link target of {longest} characters, "
            f"over the limit of {limits.max_path_length}; the layer is malformed or hostile"
        )
    path, escaped = normalize(header.name)
    if escaped:
        notes.add(f"entry {quoted(header.name)} points outside the image root; read as {path}")
    return path


def _digest(stream: TarStream) -> bytes:
    digest = hashlib.sha256()
    for view in stream.data_views():
        digest.update(view)
    return digest.digest()


def _entry(
    header: TarHeader, path: str, notes: Notes, shared: _Shared, digest: bytes = b""
) -> Entry:
    kind = _KIND.get(header.type, EntryKind.OTHER)
    if kind is EntryKind.FILE:  # the common case first: one test, no notice
        if header.type == "S":
            notes.add(f"{path} is a GNU sparse file; its stored bytes are scanned as they are")
        size = header.size
        digest = shared.digest(digest)
    else:
        size = 0
        if kind is EntryKind.OTHER:
            notes.add(f"{path} has unknown tar type {quoted(header.type)}; its data was skipped")
    link = header.linkname
    if kind is EntryKind.HARDLINK:
        link, escaped = normalize(link)
        if escaped:
            notes.add(f"hardlink {path} points outside the image root ({quoted(header.linkname)})")
    device = _NO_DEVICE
    if kind is EntryKind.CHARDEV or kind is EntryKind.BLOCKDEV:
        device = (header.devmajor, header.devminor)
    return Entry(
        path=path,
        kind=kind,
        mode=header.mode,  # one shared int object per mode already (tarheader._MODES)
        uid=header.uid,
        gid=header.gid,
        size=size,
        mtime=shared.mtime(header.mtime),
        uname=header.uname,
        gname=header.gname,
        link=link,
        digest=digest,
        xattrs=header.xattrs,
        device=device,
    )


def _with_content(
    stream: TarStream, pending: PendingFile, layer_digest: str, sinks: Sequence[ContentSink]
) -> bytes:
    """Stream one file's bytes to the sinks that asked for them; return its sha256."""
    consumers: list[ContentConsumer] = []
    for sink in sinks:
        consumer = sink.open(layer_digest, pending)
        if consumer is not None:
            consumers.append(consumer)
    if not consumers:
        return _digest(stream)
    digest = hashlib.sha256()
    for chunk in stream.data_views():  # no copy here: a consumer that keeps bytes copies them
        digest.update(chunk)
        for consumer in consumers:
            consumer.feed(chunk)
    raw = digest.digest()
    hexdigest = raw.hex()
    for consumer in consumers:
        consumer.close(hexdigest)
    return raw
