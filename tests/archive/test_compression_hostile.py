"""Hostile compressed streams: bounded decoder memory, linear time, and only clear errors."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
from collections.abc import Callable

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.archive.compression import Compression, decompressed_chunks
from analyzer.errors import ArchiveError, LimitExceeded
from fixtures.hostile_streams import xz_declaring_dictionary, zstd_with_window
from tests.bounded import run_bounded

PAYLOAD = bytes(range(256)) * 1000


def decode(data: bytes, kind: Compression, **options: int) -> bytes:
    return b"".join(decompressed_chunks(io.BytesIO(data), kind, "layer", **options))


def test_an_xz_stream_declaring_a_4_gib_dictionary_is_refused_naming_it() -> None:
    with pytest.raises(LimitExceeded, match="4294967295-byte dictionary"):
        decode(xz_declaring_dictionary(PAYLOAD), Compression.XZ)


def test_an_xz_dictionary_within_the_limit_is_read() -> None:
    packed = lzma.compress(PAYLOAD, preset=9)  # a 64 MiB dictionary, as `xz -9` writes
    assert decode(packed, Compression.XZ) == PAYLOAD
    with pytest.raises(LimitExceeded, match="67108864-byte dictionary"):
        decode(packed, Compression.XZ, max_window=32 << 20)


def test_a_zstd_window_over_the_limit_is_refused() -> None:
    packed = zstd_with_window(PAYLOAD * 40, 24)
    assert decode(packed, Compression.ZSTD, max_window=16 << 20) == PAYLOAD * 40
    with pytest.raises(LimitExceeded, match="window over the 1048576-byte limit"):
        decode(packed, Compression.ZSTD, max_window=1 << 20)


def test_a_zstd_frame_declaring_an_absurd_size_is_refused_as_such() -> None:
    """A single-segment frame's window is its declared content size: one that declares 2**62
    bytes is refused by the window limit, and the message names that cause too."""
    header = b"\x28\xb5\x2f\xfd" + b"\xe0" + (1 << 62).to_bytes(8, "little")
    raw_block = b"\x21\x00\x00" + b"x" * 4  # last block, raw, 4 bytes
    with pytest.raises(LimitExceeded, match="or one that declares a huge size"):
        decode(header + raw_block, Compression.ZSTD)


def test_xz_decoding_stays_inside_a_1_gib_address_space() -> None:
    outcome = run_bounded(
        """
        import io
        from analyzer.archive.compression import Compression, decompressed_chunks
        from fixtures.hostile_streams import xz_declaring_dictionary
        data = xz_declaring_dictionary(bytes(1 << 20))
        for _ in decompressed_chunks(io.BytesIO(data), Compression.XZ, "layer"):
            pass
        """
    )
    assert outcome.error == "LimitExceeded"


def test_many_tiny_members_decode_in_linear_time() -> None:
    """Each member's decoder used to copy the rest of a 1 MiB chunk: 5 s per MiB."""
    outcome = run_bounded(
        """
        import io
        from analyzer.archive.compression import Compression, decompressed_chunks
        from fixtures.hostile_streams import tiny_members
        for kind in ("gzip", "bzip2"):
            data = tiny_members(kind, 16 << 20)
            assert not b"".join(decompressed_chunks(io.BytesIO(data), Compression(kind), "x"))
        """,
        timeout=120,
    )
    assert outcome.line == "OK"


@pytest.mark.parametrize(
    ("kind", "pack"),
    [
        (Compression.GZIP, lambda b: gzip.compress(b, mtime=0)),
        (Compression.XZ, lzma.compress),
        (Compression.BZIP2, bz2.compress),
    ],
)
def test_zero_padding_between_and_after_members_is_skipped(
    kind: Compression, pack: Callable[[bytes], bytes]
) -> None:
    data = pack(b"one ") + bytes(1000) + pack(b"two") + bytes(4096)
    assert decode(data, kind) == b"one two"
    with pytest.raises(ArchiveError, match="corrupt"):
        decode(pack(b"one ") + b"not a member" * 4, kind)


STREAMS = {
    Compression.GZIP: gzip.compress(PAYLOAD[:3000], mtime=0),
    Compression.XZ: lzma.compress(PAYLOAD[:3000]),
    Compression.BZIP2: bz2.compress(PAYLOAD[:3000]),
    Compression.ZSTD: zstandard.ZstdCompressor().compress(PAYLOAD[:3000]),
}


@settings(derandomize=True, max_examples=300)
@given(
    st.sampled_from(sorted(STREAMS, key=lambda k: k.value)),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
    st.integers(0, 10_000),
    st.binary(max_size=64),
)
def test_damaged_streams_decode_or_raise_a_clear_error(
    kind: Compression, flips: list[tuple[int, int]], cut: int, tail: bytes
) -> None:
    data = bytearray(STREAMS[kind])
    for at, value in flips:
        data[at % len(data)] = value
    with contextlib.suppress(ArchiveError, LimitExceeded):
        decode(bytes(data[:cut]) + tail, kind, max_window=8 << 20)


@pytest.mark.parametrize("kind", [Compression.GZIP, Compression.BZIP2, Compression.ZSTD])
def test_one_byte_members_come_out_in_chunks_of_at_least_64_kib(kind: Compression) -> None:
    pack = {
        Compression.GZIP: lambda b: gzip.compress(b, mtime=0),
        Compression.BZIP2: bz2.compress,
        Compression.ZSTD: zstandard.ZstdCompressor().compress,
    }[kind]
    members = [pack(bytes([value])) for value in range(256)]
    payload = bytes(range(256)) * 800
    data = b"".join(members[value] for value in payload)
    chunks = list(decompressed_chunks(io.BytesIO(data), kind, "layer"))
    assert b"".join(chunks) == payload
    assert all(len(chunk) >= 64 << 10 for chunk in chunks[:-1])
