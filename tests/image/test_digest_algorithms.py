"""Blobs are verified with the algorithm their digest names: sha256 or sha512, the two the OCI
image spec registers; any other algorithm is refused by name, never compared with a sha256."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analyzer import (
    AnalyzerError,
    DigestMismatch,
    ManifestError,
    UnsupportedFormat,
    read_archive,
)
from analyzer import reader as reader_module
from analyzer.archive.source import open_archive
from analyzer.image.loader import load_catalog
from fixtures.documents import OciDocuments, dumps
from fixtures.example import example_image
from fixtures.oci import blob_path
from fixtures.outer import write_tar_archive
from fixtures.sha512 import sha512_content, sha512_digest, write_sha512_layout
from fixtures.tarwriter import sha256_digest


@pytest.fixture(scope="module")
def sha512_layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    image = example_image(compression="gzip")
    return write_sha512_layout(image, tmp_path_factory.mktemp("sha512") / "oci-sha512.tar")


def test_sha512_manifest_and_config_are_verified_with_sha512(sha512_layout: Path) -> None:
    catalog = load_catalog(open_archive(sha512_layout))
    [image] = catalog.images
    verified = {digest for _, digest in catalog.verified}
    assert {image.manifest_digest, image.config_digest} <= verified
    assert all(d.startswith("sha512:") and len(d) == 135 for d in verified)
    assert all(layer.digest.startswith("sha512:") for layer in image.layers)
    assert all(layer.diff_id.startswith("sha512:") for layer in image.layers)
    assert image.config_member.startswith("blobs/sha512/")


def test_sha512_layout_reads_as_the_same_image_as_sha256(sha512_layout: Path) -> None:
    [view] = read_archive(sha512_layout).images
    assert [listing.digest for listing in view.listings] == [
        layer.digest for layer in view.image.layers
    ]
    assert view.fs.get("/app/id_rsa") is None and view.fs.get("/bin/busybox") is not None


def test_tampered_sha512_config_is_caught(tmp_path: Path) -> None:
    content = sha512_content(example_image())
    [name] = [n for n in content.names() if content.data(n).startswith(b'{"architecture"')]
    content.add_file(name, content.data(name).replace(b'"os":"linux"', b'"os":"Linux"'))
    with pytest.raises(DigestMismatch, match=r"expected sha512:.* hashes to sha512:"):
        load_catalog(open_archive(write_tar_archive(content, tmp_path / "a.tar")))


def test_tampered_sha512_layer_is_caught(tmp_path: Path) -> None:
    content = sha512_content(example_image())
    [layer] = [n for n in content.names() if b"print('shop')" in content.data(n)]
    content.add_file(layer, content.data(layer).replace(b"print('shop')", b"print('sh0p')"))
    with pytest.raises(DigestMismatch, match="expected sha512:"):
        read_archive(write_tar_archive(content, tmp_path / "a.tar"))


class Stop(AnalyzerError):
    """Raised by the spy once it has seen the first walk_layer call."""


def test_reader_hashes_each_layer_with_the_algorithms_its_manifest_and_config_name(
    sha512_layout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def spy(chunks: Iterator[bytes], what: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        raise Stop("seen")

    monkeypatch.setattr(reader_module, "walk_layer", spy)
    with pytest.raises(Stop):
        read_archive(sha512_layout)
    assert calls[0]["digest_algorithm"] == "sha512"
    assert calls[0]["diff_id_algorithm"] == "sha512"


def test_unregistered_digest_algorithm_is_refused_by_name(tmp_path: Path) -> None:
    docs = OciDocuments.of(example_image())
    index = docs.index.replace(b'"digest":"sha256:', b'"digest":"blake3:')
    path = write_tar_archive(docs.with_documents(index=index).content(), tmp_path / "a.tar")
    with pytest.raises(ManifestError, match="digest algorithm 'blake3' is not supported"):
        load_catalog(open_archive(path))


def test_sha512_name_with_a_sha256_length_is_refused(tmp_path: Path) -> None:
    docs = OciDocuments.of(example_image())
    index = docs.index.replace(b'"digest":"sha256:', b'"digest":"sha512:')
    path = write_tar_archive(docs.with_documents(index=index).content(), tmp_path / "a.tar")
    with pytest.raises(ManifestError, match="not a valid sha512 digest"):
        load_catalog(open_archive(path))


def test_layer_checked_with_different_algorithms_by_two_images_is_refused_clearly(
    tmp_path: Path,
) -> None:
    docs = OciDocuments.of(example_image())
    config = json.loads(docs.config)
    config["rootfs"]["diff_ids"] = [sha512_digest(layer.blob) for layer in docs.layers]
    other_config = dumps(config)
    other_manifest = docs.manifest.replace(
        f'"digest":"{sha256_digest(docs.config)}","size":{len(docs.config)}'.encode(),
        f'"digest":"{sha256_digest(other_config)}","size":{len(other_config)}'.encode(),
    )
    index = json.loads(docs.index)
    entry = index["manifests"][0]
    index["manifests"].append(
        entry | {"digest": sha256_digest(other_manifest), "size": len(other_manifest)}
    )
    content = docs.with_documents(index=dumps(index)).content()
    for data in (other_config, other_manifest):
        content.add_file(blob_path(sha256_digest(data)), data)
    with pytest.raises(UnsupportedFormat, match="a sha256 digest and a sha512 diff_id by another"):
        read_archive(write_tar_archive(content, tmp_path / "a.tar"))
