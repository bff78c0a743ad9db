"""Archives written by the real tools umoci and skopeo read as the image they hold.

umoci builds the example image step by step (fixtures.realtools): its own layer blobs, whiteouts
and config. skopeo then copies that layout into docker-archive, oci-archive and OCI layouts with
zstd, gzip -9, uncompressed and Docker-media-type layers. Every variant must give the same
diff_ids, the same final tree and the same provenance of deleted files; a changed byte must be
an error. `./scripts/test` installs umoci and skopeo with apt-get; without them these are skipped.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from analyzer import Change, DigestMismatch, EntryKind, read_archive
from analyzer.cli import main
from analyzer.reader import ImageView, ReadResult
from fixtures.catalog import build
from fixtures.example import example_image, fake_private_key
from fixtures.realtools import (
    BASE_TAG,
    EXTRA_TAG,
    SKOPEO_FORMATS,
    TAG,
    USER,
    skopeo_archives,
    tar_directory,
    umoci_layout,
)

needs_umoci = pytest.mark.skipif(
    shutil.which("umoci") is None, reason="umoci is not installed (./scripts/test installs it)"
)
needs_skopeo = pytest.mark.skipif(
    shutil.which("skopeo") is None or shutil.which("umoci") is None,
    reason="skopeo and umoci are not installed (./scripts/test installs them)",
)
SKOPEO_SAME_IMAGE = [
    name for name in SKOPEO_FORMATS if name not in ("oci-two-tags", "oci-two-images")
]
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def final_tree(view: ImageView) -> dict[str, tuple[str, str, str, str]]:
    return {
        path: (e.kind.value, oct(e.mode), e.sha256, e.link)
        for path in view.fs.paths()
        if (e := view.fs.get(path)) is not None
    }


def tagged(result: ReadResult, ref: str = TAG) -> ImageView:
    [view] = [v for v in result.images if ref in v.image.refs]
    return view


def diff_ids(view: ImageView) -> list[str]:
    return [listing.diff_id for listing in view.listings]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("real-tools")


@pytest.fixture(scope="module")
def layout(work: Path) -> Path:
    return umoci_layout(work)


@pytest.fixture(scope="module")
def umoci_view(layout: Path) -> ImageView:
    return tagged(read_archive(layout))


@pytest.fixture(scope="module")
def skopeo_out(layout: Path, work: Path) -> dict[str, Path]:
    return skopeo_archives(layout, work)


# umoci


@pytest.mark.slow
@needs_umoci
def test_umoci_layout_holds_the_base_and_the_full_image_sharing_the_base_layer(
    layout: Path,
) -> None:
    result = read_archive(layout)
    assert result.archive.kind == "directory"
    assert sorted(v.image.refs for v in result.images) == [(BASE_TAG,), (TAG,)]
    base, full = tagged(result, BASE_TAG), tagged(result, TAG)
    assert (len(base.image.layers), len(full.image.layers)) == (1, 4)
    assert base.image.layers[0].digest == full.image.layers[0].digest
    assert all(layer.digest_known for layer in full.image.layers)
    assert [lst.compression for lst in full.listings] == ["gzip"] * 4


@pytest.mark.slow
@needs_umoci
def test_umoci_writes_one_layer_per_build_step_with_its_history_line(
    umoci_view: ImageView,
) -> None:
    steps = [layer.created_by for layer in example_image().blob_layers]
    assert [layer.created_by for layer in umoci_view.image.layers] == steps
    assert diff_ids(umoci_view) == list(umoci_view.image.config.diff_ids)
    last = umoci_view.image.config.history[-1]
    assert (last.created_by, last.empty_layer) == (f"USER {USER}", True)


@pytest.mark.slow
@needs_umoci
def test_umoci_image_has_the_final_tree_of_the_example_built_by_our_writer(
    umoci_view: ImageView, work: Path
) -> None:
    [example] = build(work / "ours", ["example"])
    assert final_tree(umoci_view) == final_tree(read_archive(example).images[0])
    sh = umoci_view.fs.get("/bin/sh")
    assert sh is not None and sh.kind is EntryKind.HARDLINK and sh.link == "/bin/busybox"


@pytest.mark.slow
@needs_umoci
def test_file_deleted_through_a_umoci_whiteout_is_absent_and_recoverable_from_its_layer(
    umoci_view: ImageView,
) -> None:
    fs = umoci_view.fs
    assert fs.get("/app/id_rsa") is None
    assert umoci_view.listings[2].whiteouts == ("/app/id_rsa",)
    [removed] = [
        r for r in fs.removed() if r.version.entry and r.version.entry.path == "/app/id_rsa"
    ]
    assert (removed.how, removed.version.layer, removed.by_layer) == ("deleted", 1, 2)
    assert removed.version.entry is not None
    assert removed.version.entry.sha256 == hashlib.sha256(fake_private_key()).hexdigest()
    assert [(v.change, v.cause) for v in fs.history("/app/id_rsa")][-1] == (
        Change.DELETED,
        "whiteout",
    )


@pytest.mark.slow
@needs_umoci
def test_umoci_empties_a_directory_with_one_whiteout_per_file_not_an_opaque_marker(
    umoci_view: ImageView,
) -> None:
    cache_layer = umoci_view.listings[3]
    assert cache_layer.opaque_dirs == ()
    assert set(cache_layer.whiteouts) == {"/app/cache/session-1.tmp", "/app/cache/session-2.tmp"}
    assert umoci_view.fs.listdir("/app/cache") == ["fresh.txt"]
    history = umoci_view.fs.history("/app/cache/session-1.tmp")
    assert [(v.layer, v.change, v.cause) for v in history] == [
        (1, Change.ADDED, ""),
        (3, Change.DELETED, "whiteout"),
    ]


@pytest.mark.slow
@needs_umoci
def test_setuid_file_keeps_its_mode_and_the_layer_that_added_it(umoci_view: ImageView) -> None:
    helper = umoci_view.fs.get("/app/setuid-helper")
    assert helper is not None and helper.is_setuid and helper.mode == 0o4755
    assert [(v.layer, v.change) for v in umoci_view.fs.history("/app/setuid-helper")] == [
        (1, Change.ADDED)
    ]
    assert umoci_view.image.layers[1].created_by == "COPY app/ /app/ # buildkit"


@pytest.mark.slow
@needs_umoci
def test_umoci_config_sets_user_env_cmd_workdir_ports_and_labels(umoci_view: ImageView) -> None:
    config, spec = umoci_view.image.config, example_image()
    assert config.user == USER
    assert config.env == spec.env
    assert (config.cmd, config.working_dir) == (spec.cmd, spec.workdir)
    assert config.exposed_ports == spec.exposed_ports
    assert dict(config.labels) == dict(spec.labels)


@pytest.mark.slow
@needs_umoci
def test_a_tar_of_the_umoci_layout_reads_like_the_directory(layout: Path, work: Path) -> None:
    tarred = read_archive(tar_directory(layout, work / "umoci-layout.tar"))
    direct = read_archive(layout)
    assert tarred.archive.kind == "tar"
    digests = [(v.image.manifest_digest, tuple(diff_ids(v))) for v in direct.images]
    assert [(v.image.manifest_digest, tuple(diff_ids(v))) for v in tarred.images] == digests


@pytest.mark.slow
@needs_umoci
def test_ls_deleted_shows_which_umoci_layer_stored_and_which_deleted_each_file(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "ls", str(layout), "--deleted", "--format", "json")
    images = {tuple(doc["refs"]): doc for doc in json.loads(out)["images"]}
    removed = {r["path"]: r for r in images[(TAG,)]["removed"]}
    assert code == 0 and images[(BASE_TAG,)]["removed"] == []
    provenance = {p: (r["how"], r["stored_in_layer"], r["by_layer"]) for p, r in removed.items()}
    assert provenance == {
        "/app/id_rsa": ("deleted", 1, 2),
        "/app/config/.env": ("shadowed", 1, 2),
        "/app/cache/session-1.tmp": ("deleted", 1, 3),
        "/app/cache/session-2.tmp": ("deleted", 1, 3),
    }


@pytest.mark.slow
@needs_umoci
def test_scan_reports_the_umoci_setuid_file_under_its_rule_with_the_adding_layer(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "scan", str(layout), "--format", "json", "-q", "--jobs", "1")
    [image] = [doc for doc in json.loads(out)["images"] if TAG in doc["refs"]]
    findings = image["findings"]
    assert code == 0
    [setuid] = [f for f in findings if f["rule_id"] == "IA-SETUID"]
    assert (setuid["path"], setuid["layer_index"], setuid["present_in_final"]) == (
        "/app/setuid-helper",
        1,
        True,
    )
    [key] = [f for f in findings if f["path"] == "/app/id_rsa"]
    assert (key["rule_id"], key["recoverable"], key["present_in_final"]) == (
        "IA-SECRET-PRIVATE-KEY",
        True,
        False,
    )
    assert "IA-USER-ROOT" not in {f["rule_id"] for f in findings}  # umoci set USER app


@pytest.mark.slow
@needs_umoci
def test_ls_history_of_a_path_only_one_of_two_images_holds(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "ls", str(layout), "/app/setuid-helper", "--history", "--format", "json"
    )
    assert code == 0, err
    images = {tuple(doc["refs"]): doc for doc in json.loads(out)["images"]}
    steps = images[(TAG,)]["history"]
    assert [(s["layer"], s["change"]) for s in steps] == [(1, "added")]
    [base] = [doc for refs, doc in images.items() if refs != (TAG,)]
    assert base["absent"] is True and base["history"] == []


@pytest.mark.slow
@needs_umoci
def test_ls_of_a_path_only_one_of_two_images_holds_notes_the_other(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "ls", str(layout), "/app/setuid-helper")
    assert code == 0, err
    assert "-rwsr-xr-x" in out
    assert "/app/setuid-helper does not exist in the final filesystem of" in out
    code, _, err = run(capsys, "ls", str(layout), "/nowhere/at/all")
    assert code == 2 and err.count("does not exist") == 2 and "Traceback" not in err


# skopeo


@pytest.mark.slow
@needs_skopeo
@pytest.mark.parametrize("name", SKOPEO_SAME_IMAGE)
def test_skopeo_copy_keeps_the_diff_ids_final_tree_and_config_of_the_umoci_layout(
    name: str, skopeo_out: dict[str, Path], umoci_view: ImageView
) -> None:
    [view] = read_archive(skopeo_out[name]).images
    assert diff_ids(view) == diff_ids(umoci_view) == list(view.image.config.diff_ids)
    assert final_tree(view) == final_tree(umoci_view)
    assert (view.image.config.user, view.image.config.env) == (USER, example_image().env)
    removed = {
        (r.version.entry.path, r.version.layer, r.by_layer)
        for r in view.fs.removed()
        if r.version.entry is not None
    }
    assert ("/app/id_rsa", 1, 2) in removed


@pytest.mark.slow
@needs_skopeo
def test_skopeo_docker_archive_holds_one_image_under_both_tags_with_computed_digests(
    skopeo_out: dict[str, Path],
) -> None:
    result = read_archive(skopeo_out["docker-archive"])
    [view] = result.images
    assert view.image.source_format == "docker-archive"
    name = example_image().repo_tags[0].rpartition(":")[0]
    assert view.image.refs == (f"docker.io/{name}:{TAG}", f"docker.io/{EXTRA_TAG}")
    assert [lst.compression for lst in view.listings] == ["none"] * 4
    assert not any(layer.digest_known for layer in view.image.layers)


@pytest.mark.slow
@needs_skopeo
def test_skopeo_zstd_layers_are_read_and_verified(
    skopeo_out: dict[str, Path], umoci_view: ImageView
) -> None:
    result = read_archive(skopeo_out["oci-zstd"])
    [view] = result.images
    assert [lst.compression for lst in view.listings] == ["zstd"] * 4
    assert all(
        layer.media_type.endswith("+zstd") and layer.digest_known for layer in view.image.layers
    )
    assert [lst.digest for lst in view.listings] == [layer.digest for layer in view.image.layers]
    verified = {digest for _, digest in result.catalog.verified}
    assert {view.image.manifest_digest, view.image.config_digest} <= verified
    assert diff_ids(view) == diff_ids(umoci_view)


@pytest.mark.slow
@needs_skopeo
def test_skopeo_gzip_level_9_changes_every_blob_digest_but_no_diff_id(
    skopeo_out: dict[str, Path], umoci_view: ImageView
) -> None:
    [view] = read_archive(skopeo_out["oci-archive-gzip-9"]).images
    assert [lst.compression for lst in view.listings] == ["gzip"] * 4
    umoci_digests = {layer.digest for layer in umoci_view.image.layers}
    assert not umoci_digests & {layer.digest for layer in view.image.layers}
    assert diff_ids(view) == diff_ids(umoci_view)


@pytest.mark.slow
@needs_skopeo
def test_uncompressed_layers_skopeo_labels_gzip_are_read_by_their_magic_bytes(
    skopeo_out: dict[str, Path],
) -> None:
    [view] = read_archive(skopeo_out["oci-uncompressed"]).images
    assert {layer.media_type for layer in view.image.layers} == {
        "application/vnd.oci.image.layer.v1.tar+gzip"
    }
    assert [lst.compression for lst in view.listings] == ["none"] * 4
    assert [lst.digest for lst in view.listings] == diff_ids(view)


@pytest.mark.slow
@needs_skopeo
def test_oci_layout_with_docker_schema2_media_types_is_read(skopeo_out: dict[str, Path]) -> None:
    [view] = read_archive(skopeo_out["oci-docker-media-types"]).images
    manifest = json.loads(view.image.raw_manifest)
    assert manifest["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert {layer.media_type for layer in view.image.layers} == {DOCKER_LAYER_GZIP}
    assert [lst.compression for lst in view.listings] == ["gzip"] * 4


@pytest.mark.slow
@needs_skopeo
def test_two_tags_of_one_manifest_are_one_image_with_both_refs(
    skopeo_out: dict[str, Path],
) -> None:
    [view] = read_archive(skopeo_out["oci-two-tags"]).images
    assert sorted(view.image.refs) == sorted((TAG, EXTRA_TAG.rpartition(":")[2]))


@pytest.mark.slow
@needs_skopeo
def test_two_images_copied_into_one_layout_share_their_base_layer_read_once(
    skopeo_out: dict[str, Path],
) -> None:
    labels: list[str] = []
    result = read_archive(
        skopeo_out["oci-two-images"], progress=lambda d, t, lbl: labels.append(lbl)
    )
    assert sorted(v.image.refs for v in result.images) == [(BASE_TAG,), (TAG,)]
    base, full = tagged(result, BASE_TAG), tagged(result, TAG)
    assert base.image.layers[0].digest == full.image.layers[0].digest
    assert len({label for label in labels if label}) == 4  # 1 + 4 layers, the shared one once
    assert base.fs.get("/app") is None and full.fs.get("/app") is not None


def _layer_digest(path: Path, index: int) -> str:
    [view] = read_archive(path).images
    return view.image.layers[index].digest or view.listings[index].digest


@pytest.mark.slow
@needs_skopeo
@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("oci-uncompressed", "but the content hashes to"),
        ("docker-archive", "rootfs.diff_ids"),
        ("oci-archive", "but the content hashes to"),
    ],
)
def test_a_changed_byte_in_a_skopeo_written_layer_is_a_digest_error_exit_2(
    name: str,
    says: str,
    skopeo_out: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = skopeo_out[name]
    digest = _layer_digest(source, 1)
    copy = tmp_path / name
    if source.is_dir():
        shutil.copytree(source, copy)
        blob = copy / "blobs" / "sha256" / digest.removeprefix("sha256:")
        flip_byte(blob, blob.read_bytes().index(b"stale session 1"))
    elif name == "docker-archive":
        shutil.copy(source, copy)
        flip_byte(copy, copy.read_bytes().index(b"stale session 1"))
    else:  # a gzip blob inside a tar: change the gzip header's mtime, the stream stays valid
        shutil.copy(source, copy)
        with tarfile.open(copy) as tar:
            offset = tar.getmember(f"blobs/sha256/{digest.removeprefix('sha256:')}").offset_data
        flip_byte(copy, offset + 4)
    with pytest.raises(DigestMismatch, match=says):
        read_archive(copy)
    code, _, err = run(capsys, "inspect", str(copy))
    assert code == 2 and says in err and "Traceback" not in err


@pytest.mark.slow
@needs_skopeo
def test_a_changed_byte_in_a_skopeo_zstd_layer_is_an_error_exit_2_naming_the_layer(
    skopeo_out: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = _layer_digest(skopeo_out["oci-zstd"], 1)
    copy = shutil.copytree(skopeo_out["oci-zstd"], tmp_path / "zstd")
    blob = copy / "blobs" / "sha256" / digest.removeprefix("sha256:")
    flip_byte(blob, blob.stat().st_size // 2)
    code, _, err = run(capsys, "inspect", str(copy))
    assert code == 2 and digest in err and "Traceback" not in err
