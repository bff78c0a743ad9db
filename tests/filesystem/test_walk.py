"""One pass per layer: digests, listing, and content delivered to whoever asked for it."""

from __future__ import annotations

import gzip
import hashlib
import io
import random
import tarfile
import threading
from collections.abc import Callable, Iterator

import pytest
import zstandard

from analyzer.errors import ArchiveError, DamagedLayer
from analyzer.filesystem.model import Entry, EntryKind
from analyzer.filesystem.walk import Budget, walk_layer
from analyzer.limits import Limits
from fixtures.tarwriter import padded, raw_header

PASSWD = b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/false\n"


def layer_tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in [("etc/passwd", PASSWD), ("bin/tool", b"\x7fELF" + bytes(3000))]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        wh = tarfile.TarInfo("etc/.wh.shadow")
        tar.addfile(wh)
        link = tarfile.TarInfo("bin/alias")
        link.type = tarfile.LNKTYPE
        link.linkname = "bin/tool"
        tar.addfile(link)
    return out.getvalue()


def chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), 1000):
        yield data[start : start + 1000]


class Recorder:
    """A content sink that wants /etc/passwd only, and records what it was given."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.received = b""
        self.closed_with = ""

    def open(self, layer_digest: str, entry: Entry) -> Recorder | None:
        self.asked.append(entry.path)
        return self if entry.path == "/etc/passwd" else None

    def feed(self, chunk: memoryview) -> None:
        self.received += chunk

    def close(self, sha256: str) -> None:
        self.closed_with = sha256


def test_content_goes_to_the_sink_that_asked_for_it_during_the_single_pass() -> None:
    sink = Recorder()
    walk_layer(chunks(layer_tar()), "layer", Budget(Limits()), [sink], key="sha256:k")
    assert sink.asked == ["/etc/passwd", "/bin/tool"]  # asked once per regular file only
    assert sink.received == PASSWD
    assert sink.closed_with == hashlib.sha256(PASSWD).hexdigest()


def test_listing_carries_digests_sizes_and_every_file_hash() -> None:
    raw = layer_tar()
    packed = gzip.compress(raw, mtime=0)
    listing = walk_layer(chunks(packed), "layer", Budget(Limits()))
    assert listing.compression == "gzip"
    assert listing.digest == "sha256:" + hashlib.sha256(packed).hexdigest()
    assert listing.diff_id == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert (listing.compressed_size, listing.uncompressed_size) == (len(packed), len(raw))
    by_path = {e.path: e for e in listing.entries}
    assert by_path["/etc/passwd"].sha256 == hashlib.sha256(PASSWD).hexdigest()
    assert by_path["/bin/alias"].kind is EntryKind.HARDLINK
    assert by_path["/bin/alias"].link == "/bin/tool"
    assert listing.whiteouts == ("/etc/shadow",)
    assert listing.member_count == 4


def test_zstd_layer_is_recognised_by_its_magic_bytes() -> None:
    packed = zstandard.ZstdCompressor().compress(layer_tar())
    listing = walk_layer(chunks(packed), "layer", Budget(Limits()))
    assert listing.compression == "zstd" and len(listing.entries) == 3


def test_padding_after_the_tar_end_is_part_of_the_digest() -> None:
    raw = layer_tar() + bytes(10240)
    listing = walk_layer(chunks(raw), "layer", Budget(Limits()))
    assert listing.diff_id == "sha256:" + hashlib.sha256(raw).hexdigest()


def test_entries_share_the_values_they_repeat_and_keep_them_exact() -> None:
    """Every entry is held for the whole scan: 550,000 empty files must not hold 550,000
    copies of one digest, mode and mtime; a different value (a -0.0 mtime included) stays."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for i in range(300):
            info = tarfile.TarInfo(f"app/empty{i}")
            info.mode, info.mtime = 0o644, 1700000000.5
            tar.addfile(info)
        odd = tarfile.TarInfo("app/odd")
        odd.mode, odd.pax_headers = 0o4755, {"mtime": "-0"}
        tar.addfile(odd, io.BytesIO(b""))
    entries = walk_layer(chunks(out.getvalue()), "layer", Budget(Limits())).entries
    *empty, odd_entry = entries
    assert {e.sha256 for e in empty} == {hashlib.sha256().hexdigest()}
    assert len({id(e.digest) for e in empty}) == len({id(e.mode) for e in empty}) == 1
    assert len({id(e.mtime) for e in empty}) == 1 and empty[0].mtime == 1700000000.5
    assert (odd_entry.mode, str(odd_entry.mtime)) == (0o4755, "-0.0")


def test_sparse_files_and_unknown_types_are_listed_with_a_notice() -> None:
    """A GNU sparse file is a file whose stored bytes are hashed; a member of an unknown type
    is listed with its data skipped; each says so."""
    raw = (
        raw_header(b"var/sparse", typeflag=b"S", size=3)
        + padded(b"abc")
        + raw_header(b"dev/odd", typeflag=b"Z", size=5)
        + padded(b"12345")
        + bytes(1024)
    )
    listing = walk_layer(chunks(raw), "layer", Budget(Limits()))
    sparse, odd = listing.entries
    assert (sparse.kind, sparse.size, sparse.sha256) == (
        EntryKind.FILE,
        3,
        hashlib.sha256(b"abc").hexdigest(),
    )
    assert (odd.kind, odd.size, odd.digest) == (EntryKind.OTHER, 0, b"")
    first, second = listing.notices
    assert first.startswith("/var/sparse is a GNU sparse file")
    assert second.startswith("/dev/odd has unknown tar type") and "Z" in second


def not_a_tar() -> bytes:
    """Far more bytes than the pipeline reads ahead, that the tar reader refuses at once."""
    return b"no tar header here " * 64 + random.Random(0).randbytes(6 << 20)


def gzip_broken_at_the_start() -> bytes:
    packed = bytearray(gzip.compress(random.Random(0).randbytes(6 << 20), mtime=0))
    packed[12] ^= 0xFF  # inside the first deflate block
    return bytes(packed)


def decompressor_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "layer-decompress"]


@pytest.mark.parametrize(
    "blob",
    [
        pytest.param(not_a_tar, id="tar-refused"),
        pytest.param(lambda: gzip.compress(not_a_tar(), compresslevel=1, mtime=0), id="gzip-tar"),
        pytest.param(gzip_broken_at_the_start, id="gzip-refused"),
    ],
)
def test_a_layer_that_cannot_be_read_is_hashed_to_its_end_before_it_is_reported(
    blob: Callable[[], bytes],
) -> None:
    # the reader needs the digest of the whole blob to tell tampering from damage as published
    data = blob()
    pieces = (data[at : at + (64 << 10)] for at in range(0, len(data), 64 << 10))
    with pytest.raises(DamagedLayer) as raised:
        walk_layer(pieces, "layer", Budget(Limits()))
    damage = raised.value
    assert (damage.digest, damage.size) == ("sha256:" + hashlib.sha256(data).hexdigest(), len(data))
    assert str(damage) == str(damage.cause) and str(damage).startswith("layer: ")
    assert not decompressor_threads()


@pytest.mark.parametrize("packing", ["none", "gzip"])
def test_stored_bytes_that_cannot_be_read_are_reported_as_such(packing: str) -> None:
    tar = layer_tar()
    blob = gzip.compress(tar, mtime=0) if packing == "gzip" else tar

    def cut_short() -> Iterator[bytes]:
        yield blob[: len(blob) // 2]
        raise ArchiveError("image.tar: the archive ends early; it is truncated")

    with pytest.raises(ArchiveError, match="the archive ends early") as raised:
        walk_layer(cut_short(), "layer", Budget(Limits()))
    assert not isinstance(raised.value, DamagedLayer)
    assert not decompressor_threads()
