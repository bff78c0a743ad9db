"""A compressed layer that cannot be read: its blob's digest decides what is reported.

A blob that does not hash to the digest its manifest names was changed after the manifest was
written (tampering, or damage in transit): that is the finding, whatever the decompressor then
says. A blob cut short of its declared size is truncated. Only a blob that is the one its
manifest names is reported by what is wrong inside it, as damage that predates the manifest.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from analyzer import ArchiveError, DigestMismatch, read_archive
from analyzer.cli import main
from analyzer.errors import CorruptStream
from fixtures.broken import app_layer_blob, flip_bit, write_damaged_layer
from fixtures.spec import LayerCompression
from fixtures.tarwriter import sha256_digest

Damage = Callable[[bytes], bytes]

GZIP_LENGTH_BYTE = -3
"""In the gzip trailer's length field: every decoder refuses a stream with it flipped."""
ZSTD_RESERVED_BIT = (4, 8)
"""The reserved bit of the zstd frame header descriptor: every decoder refuses it set."""
UNENDING = "gzip data is corrupt: its stream does not end within the blob"


def at(position: int, bit: int = 1) -> Damage:
    """A one-bit flip at `position` (negative: from the end): the blob keeps its size."""
    return lambda blob: flip_bit(blob, position, bit)


def middle(blob: bytes) -> bytes:
    return flip_bit(blob, len(blob) // 2)


def first_half(blob: bytes) -> bytes:
    return blob[: len(blob) // 2]


def unending_member_appended(blob: bytes) -> bytes:
    """The blob, whole, then a second gzip member cut before its end."""
    return blob + gzip.compress(bytes(range(256)) * 8, mtime=0)[:-20]


def read_error(archive: Path) -> ArchiveError:
    with pytest.raises(ArchiveError) as raised:
        read_archive(archive)
    return raised.value


@pytest.mark.parametrize(
    ("compression", "damage"),
    [
        pytest.param("gzip", at(12), id="gzip-deflate-start"),
        pytest.param("gzip", middle, id="gzip-middle"),
        pytest.param("gzip", at(-10), id="gzip-10-from-end"),  # the reviewer's "truncated" case
        pytest.param("gzip", at(GZIP_LENGTH_BYTE), id="gzip-trailer"),
        pytest.param("zstd", at(*ZSTD_RESERVED_BIT), id="zstd-frame-header"),
        pytest.param("zstd", at(12), id="zstd-block-start"),
        pytest.param("zstd", middle, id="zstd-middle"),
        pytest.param("zstd", at(-10), id="zstd-10-from-end"),
        pytest.param("zstd", at(-1), id="zstd-last-byte"),
    ],
)
def test_a_bit_flipped_compressed_layer_is_a_digest_mismatch_naming_both_digests(
    tmp_path: Path, compression: LayerCompression, damage: Damage
) -> None:
    intact = app_layer_blob(compression)
    archive = write_damaged_layer(tmp_path / "image.tar", compression, damage)
    error = read_error(archive)
    assert isinstance(error, DigestMismatch), str(error)
    assert (error.expected, error.actual) == (intact.digest, sha256_digest(damage(intact.blob)))
    assert f"expected {error.expected} but the content hashes to {error.actual}" in str(error)
    assert "truncated" not in str(error)


@pytest.mark.parametrize(
    ("compression", "damage", "failure"),
    [
        pytest.param("gzip", at(GZIP_LENGTH_BYTE), "gzip data is corrupt (", id="gzip"),
        pytest.param("zstd", at(*ZSTD_RESERVED_BIT), "zstd data is corrupt (", id="zstd"),
        pytest.param("gzip", unending_member_appended, UNENDING, id="gzip-unending"),
    ],
)
def test_the_digest_mismatch_adds_that_the_layer_cannot_be_decompressed_either(
    tmp_path: Path, compression: LayerCompression, damage: Damage, failure: str
) -> None:
    archive = write_damaged_layer(tmp_path / "image.tar", compression, damage)
    error = read_error(archive)
    assert isinstance(error, DigestMismatch)
    assert f"after it was written; reading it fails too: {failure}" in str(error)
    assert "truncated" not in str(error)


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_a_blob_shorter_than_its_declared_size_is_reported_as_truncated(
    tmp_path: Path, compression: LayerCompression
) -> None:
    size = len(app_layer_blob(compression).blob)
    archive = write_damaged_layer(tmp_path / "image.tar", compression, first_half)
    error = read_error(archive)
    assert not isinstance(error, DigestMismatch)
    declared = f"is truncated: it has {size // 2} of the {size} bytes its manifest declares"
    assert declared in str(error)


@pytest.mark.parametrize(
    ("compression", "damage", "says"),
    [
        pytest.param("gzip", at(GZIP_LENGTH_BYTE), "gzip data is corrupt (Error ", id="gzip"),
        pytest.param(
            "zstd", at(*ZSTD_RESERVED_BIT), "zstd data is corrupt (zstd decompress error", id="zstd"
        ),
        pytest.param("gzip", lambda blob: blob[:-20], UNENDING, id="gzip-unending"),
    ],
)
def test_a_blob_that_matches_its_digest_but_cannot_be_decompressed_is_damaged_as_published(
    tmp_path: Path, compression: LayerCompression, damage: Damage, says: str
) -> None:
    # the manifest names the damaged blob: no byte of it changed since, none is missing, so
    # even a stream that runs out of data is not called truncated
    archive = write_damaged_layer(tmp_path / "image.tar", compression, damage, before_manifest=True)
    error = read_error(archive)
    assert isinstance(error, CorruptStream)
    assert says in str(error)
    assert str(error).endswith("; the blob matches its digest (the damage predates the manifest)")
    assert "truncated" not in str(error)


def test_the_cli_reports_a_flipped_gzip_layer_as_a_digest_error_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    intact = app_layer_blob("gzip")
    archive = write_damaged_layer(tmp_path / "image.tar", "gzip", at(-10))
    assert main(["inspect", str(archive)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("image-audit: error: ") and err.count("\n") == 1
    assert f"expected {intact.digest} but the content hashes to sha256:" in err
