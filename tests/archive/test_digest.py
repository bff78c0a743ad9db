"""Digests: the algorithms the OCI image-spec registers, each with its exact hex length, and the
layer walk computing blob and tar digests with the algorithms the manifest and config use."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.archive.digest import parse_digest
from analyzer.errors import ManifestError, UnsupportedFormat
from analyzer.filesystem.walk import Budget, walk_layer
from analyzer.limits import Limits


@pytest.mark.parametrize(
    ("value", "algorithm"), [("sha256:" + "0a" * 32, "sha256"), ("sha512:" + "f1" * 64, "sha512")]
)
def test_registered_digests_are_accepted(value: str, algorithm: str) -> None:
    assert parse_digest(value, "manifest") == (algorithm, value.split(":")[1])


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("sha512:" + "a" * 64, "expected sha512:<128 lowercase hex digits>"),
        ("sha256:" + "a" * 128, "expected sha256:<64 lowercase hex digits>"),
        ("sha256:" + "A" * 64, "expected sha256:<64 lowercase hex digits>"),
        ("md5:" + "a" * 32, "'md5', which the OCI image-spec does not register"),
        ("sha384:" + "a" * 96, "'sha384', which the OCI image-spec does not register"),
        ("sha256", "not a valid digest"),
        ("SHA256:" + "a" * 64, "not a valid digest"),
        (":" + "a" * 64, "not a valid digest"),
        (None, "not a valid digest"),
    ],
)
def test_other_digests_are_refused_saying_why(value: object, says: str) -> None:
    with pytest.raises(ManifestError, match=says):
        parse_digest(value, "manifest")


def test_a_registered_algorithm_this_build_cannot_verify_is_named() -> None:
    with pytest.raises(UnsupportedFormat, match="blake3, which the OCI image-spec registers"):
        parse_digest("blake3:" + "a" * 64, "manifest")


@settings(derandomize=True, max_examples=300)
@given(st.text(max_size=150) | st.builds(lambda a, h: f"{a}:{h}", st.text(max_size=8), st.text()))
def test_any_value_is_a_digest_or_a_clear_error(value: str) -> None:
    try:
        algorithm, encoded = parse_digest(value, "manifest")
    except (ManifestError, UnsupportedFormat) as exc:
        assert len(str(exc)) < 400  # a hostile value is quoted, cut to a short excerpt
    else:
        assert f"{algorithm}:{encoded}" == value


def layer_tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("etc/motd")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    return out.getvalue()


def digest(algorithm: str, data: bytes) -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize(
    ("blob_algorithm", "tar_algorithm"),
    [("sha512", "sha512"), ("sha256", "sha512"), ("sha512", "sha256"), ("sha256", "sha256")],
)
def test_layer_digests_use_the_algorithms_of_the_manifest_and_config(
    compressed: bool, blob_algorithm: str, tar_algorithm: str
) -> None:
    tar = layer_tar()
    blob = gzip.compress(tar, mtime=0) if compressed else tar
    listing = walk_layer(
        iter([blob]),
        "layer",
        Budget(Limits()),
        digest_algorithm=blob_algorithm,
        diff_id_algorithm=tar_algorithm,
    )
    assert listing.digest == digest(blob_algorithm, blob)
    assert listing.diff_id == digest(tar_algorithm, tar)


def test_a_layer_walk_refuses_an_unregistered_algorithm() -> None:
    with pytest.raises(ManifestError, match="'md5'"):
        walk_layer(iter([layer_tar()]), "layer", Budget(Limits()), digest_algorithm="md5")
