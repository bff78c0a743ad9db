"""Every supported archive format yields the same verified images and the same filesystem."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import Change, EntryKind, read_archive
from analyzer.reader import ImageView

SAME_IMAGE_FORMATS = [
    "docker-legacy",
    "docker-legacy-links",
    "docker-legacy-root-layers",
    "docker25",
    "oci-tar-gzip",
    "oci-tar-uncompressed",
    "oci-dir-zstd",
    "oci-sha512",
    "docker-legacy.tar.gz",
    "docker-legacy.tar.xz",
    "docker-legacy.tar.bz2",
    "docker-legacy.tar.zst",
]


def final_tree(view: ImageView) -> dict[str, tuple[str, str, str, str]]:
    return {
        path: (e.kind.value, oct(e.mode), e.sha256, e.link)
        for path in view.fs.paths()
        if (e := view.fs.get(path)) is not None
    }


@pytest.fixture(scope="module")
def reference(built: dict[str, Path]) -> ImageView:
    return read_archive(built["docker-legacy"]).images[0]


@pytest.mark.parametrize("name", [n for n in SAME_IMAGE_FORMATS if n != "docker-legacy-links"])
def test_every_format_rebuilds_the_same_final_filesystem(
    name: str, built: dict[str, Path], reference: ImageView
) -> None:
    [view] = read_archive(built[name]).images
    assert final_tree(view) == final_tree(reference)
    assert [layer.diff_id for layer in view.listings] == list(view.image.config.diff_ids)


def test_oci_layers_are_verified_against_manifest_digests(built: dict[str, Path]) -> None:
    result = read_archive(built["oci-tar-gzip"])
    [view] = result.images
    assert all(layer.digest_known for layer in view.image.layers)
    assert [lst.compression for lst in view.listings] == ["gzip"] * len(view.listings)
    verified = {digest for _, digest in result.catalog.verified}
    assert view.image.manifest_digest in verified and view.image.config_digest in verified


def test_zstd_layers_are_recognised_and_read(built: dict[str, Path]) -> None:
    [view] = read_archive(built["oci-dir-zstd"]).images
    assert {lst.compression for lst in view.listings} == {"zstd"}


def test_secret_deleted_in_a_later_layer_stays_recoverable(built: dict[str, Path]) -> None:
    [view] = read_archive(built["example"]).images
    assert view.fs.get("/app/id_rsa") is None
    [removed] = [r for r in view.fs.removed() if r.version.entry.path == "/app/id_rsa"]  # type: ignore[union-attr]
    assert removed.how == "deleted" and removed.version.layer == 1 and removed.by_layer == 2


def test_setuid_file_and_links_are_kept_with_their_metadata(built: dict[str, Path]) -> None:
    [view] = read_archive(built["example"]).images
    helper = view.fs.get("/app/setuid-helper")
    assert helper is not None and helper.is_setuid
    sh = view.fs.get("/bin/sh")
    assert sh is not None and sh.kind is EntryKind.HARDLINK and sh.link == "/bin/busybox"
    busybox = view.fs.get("/bin/busybox")
    assert busybox is not None and sh.sha256 == busybox.sha256


def test_opaque_directory_hides_lower_cache_files(built: dict[str, Path]) -> None:
    [view] = read_archive(built["example"]).images
    assert view.fs.listdir("/app/cache") == ["fresh.txt"]
    history = view.fs.history("/app/cache/session-1.tmp")
    assert [(v.change, v.cause) for v in history] == [
        (Change.ADDED, ""),
        (Change.DELETED, "opaque"),
    ]


def test_multi_arch_index_yields_one_image_per_platform(built: dict[str, Path]) -> None:
    result = read_archive(built["oci-multiarch"])
    assert [str(v.image.platform) for v in result.images] == ["linux/amd64", "linux/arm64/v8"]
    only_arm = read_archive(built["oci-multiarch"], platform="linux/arm64")
    assert [str(v.image.platform) for v in only_arm.images] == ["linux/arm64/v8"]


def test_nested_index_is_followed(built: dict[str, Path]) -> None:
    assert len(read_archive(built["oci-nested-index"]).images) == 2


def test_signatures_and_sboms_are_listed_as_artifacts_not_images(built: dict[str, Path]) -> None:
    result = read_archive(built["oci-with-signature"])
    assert len(result.images) == 1
    kinds = sorted(a.kind for a in result.catalog.artifacts)
    assert kinds == ["sbom", "signature"]


def test_layers_shared_by_two_images_are_read_once(built: dict[str, Path]) -> None:
    calls: list[tuple[int, int, str]] = []
    result = read_archive(built["oci-multiarch"], progress=lambda *call: calls.append(call))
    members = [layer.member for v in result.images for layer in v.image.layers]
    assert len(set(members)) < len(members), "the fixture's platforms should share layer blobs"
    labels = {label for _, _, label in calls if label}
    assert len(labels) == len(set(members))  # each blob read once, as "layer i/n"
    done = [d for d, _, _ in calls]
    assert done == sorted(done) and done[0] == 0 and done[-1] == calls[-1][1]  # up to the total
