"""Compression is recognised by content, every member is read, and output stays bounded."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma

import pytest
import zstandard

from analyzer.archive.compression import CHUNK, Compression, decompressed_chunks, sniff_compression
from analyzer.errors import CorruptStream, StreamEndsEarly

PAYLOAD = b"layer bytes " * 10_000


@pytest.mark.parametrize(
    ("kind", "packed"),
    [
        (Compression.GZIP, gzip.compress(PAYLOAD, mtime=0)),
        (Compression.ZSTD, zstandard.ZstdCompressor().compress(PAYLOAD)),
        (Compression.XZ, lzma.compress(PAYLOAD)),
        (Compression.BZIP2, bz2.compress(PAYLOAD)),
        (Compression.NONE, PAYLOAD),
    ],
)
def test_each_compression_is_sniffed_and_decoded(kind: Compression, packed: bytes) -> None:
    assert sniff_compression(packed[:8]) is kind
    assert b"".join(decompressed_chunks(io.BytesIO(packed), kind, "x")) == PAYLOAD


def test_multi_member_gzip_as_estargz_writes_it_is_read_to_the_end() -> None:
    packed = gzip.compress(b"first ", mtime=0) + gzip.compress(b"second", mtime=0)
    assert b"".join(decompressed_chunks(io.BytesIO(packed), Compression.GZIP, "x")) == (
        b"first second"
    )


def test_concatenated_zstd_frames_are_read_to_the_end() -> None:
    cctx = zstandard.ZstdCompressor()
    packed = cctx.compress(b"one ") + cctx.compress(b"two")
    assert b"".join(decompressed_chunks(io.BytesIO(packed), Compression.ZSTD, "x")) == b"one two"


def test_decompression_bomb_output_arrives_in_bounded_chunks() -> None:
    bomb = gzip.compress(bytes(64 << 20), compresslevel=9, mtime=0)
    assert len(bomb) < 200_000
    sizes = [len(c) for c in decompressed_chunks(io.BytesIO(bomb), Compression.GZIP, "x")]
    assert max(sizes) <= CHUNK and sum(sizes) == 64 << 20


@pytest.mark.parametrize("kind", [Compression.GZIP, Compression.XZ, Compression.BZIP2])
def test_a_stream_that_runs_out_before_its_end_is_an_error_saying_so(kind: Compression) -> None:
    # zstd's stream reader ends quietly on a cut frame; a truncated zstd layer is caught by the
    # blob digest and by the tar reader instead (tested with whole archives). The decoder
    # cannot tell a cut stream from one damaged near its end: the reader decides which, for a
    # layer, from the blob's size and digest.
    packers = {
        Compression.GZIP: lambda b: gzip.compress(b, mtime=0),
        Compression.XZ: lzma.compress,
        Compression.BZIP2: bz2.compress,
    }
    noise = bytes(range(256)) * 2000
    packed = packers[kind](noise)[:-200]
    with pytest.raises(StreamEndsEarly, match=r"stream ends before its end marker") as raised:
        b"".join(decompressed_chunks(io.BytesIO(packed), kind, "layer"))
    assert raised.value.compression == kind.value


@pytest.mark.parametrize(
    ("kind", "packed"),
    [
        (Compression.GZIP, gzip.compress(PAYLOAD, mtime=0)),
        (Compression.ZSTD, zstandard.ZstdCompressor(write_checksum=True).compress(PAYLOAD)),
    ],
)
def test_damaged_compressed_data_is_called_corrupt_not_truncated(
    kind: Compression, packed: bytes
) -> None:
    damaged = packed[:-1] + bytes([packed[-1] ^ 1])  # the stream's checksum no longer matches
    with pytest.raises(CorruptStream, match=f"^layer: {kind.value} data is corrupt ") as raised:
        b"".join(decompressed_chunks(io.BytesIO(damaged), kind, "layer"))
    assert not isinstance(raised.value, StreamEndsEarly)
    assert "truncated" not in str(raised.value)
