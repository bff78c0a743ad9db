"""Fixture builders write deterministic, consistent (or deliberately broken) archives.

A tiny independent reader here checks every well-formed scenario: each referenced blob exists
and matches its digest, and each config's diff_ids are the sha256 of the uncompressed layers.
The `built` fixture (every scenario, built once per session) comes from tests/conftest.py.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import posixpath
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import zstandard

from fixtures import broken, hostile
from fixtures.catalog import HOSTILE, SCENARIOS, WELL_FORMED, build
from fixtures.tarwriter import MTIME

LAYER_DECOMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "application/vnd.oci.image.layer.v1.tar": lambda data: data,
    "application/vnd.oci.image.layer.v1.tar+gzip": gzip.decompress,
    "application/vnd.oci.image.layer.v1.tar+zstd": lambda data: (
        zstandard.ZstdDecompressor().decompressobj().decompress(data)
    ),
}
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@dataclass
class Archive:
    """Outer archive members: file contents, symlink targets and (for tars) the TarInfos."""

    files: dict[str, bytes] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    infos: list[tarfile.TarInfo] = field(default_factory=list)
    truncated: bool = False

    def read(self, name: str) -> bytes:
        """Content of `name`, following in-archive symlinks (docker's repeated layers)."""
        seen = 0
        while name in self.links and seen < 10:
            name = posixpath.normpath(posixpath.join(posixpath.dirname(name), self.links[name]))
            seen += 1
        return self.files[name]

    def json(self, name: str) -> Any:
        return json.loads(self.read(name))


def unwrap(raw: bytes) -> bytes:
    """Undo an outer gzip/xz/bzip2/zstd wrapper, recognised by its magic bytes."""
    if raw.startswith(b"\x1f\x8b"):
        return gzip.decompress(raw)
    if raw.startswith(b"\xfd7zXZ"):
        return lzma.decompress(raw)
    if raw.startswith(b"BZh"):
        return bz2.decompress(raw)
    if raw.startswith(b"\x28\xb5\x2f\xfd"):
        return zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    return raw


def tar_infos(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        return tar.getmembers()


def members(tar: tarfile.TarFile, archive: Archive) -> Iterator[tarfile.TarInfo]:
    """The tar's members; a premature end marks the archive truncated instead of raising."""
    while True:
        try:
            info = tar.next()
        except tarfile.ReadError:
            archive.truncated = True
            return
        if info is None:
            return
        yield info


def read_member(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    """A member's content; what is there of it when the archive is truncated."""
    member = tar.extractfile(info)
    assert member is not None
    try:
        return member.read()
    except tarfile.ReadError:
        return b"<truncated>"


def open_archive(path: Path) -> Archive:
    archive = Archive()
    if path.is_dir():
        for item in sorted(path.rglob("*")):
            name = item.relative_to(path).as_posix()
            if item.is_symlink():
                archive.links[name] = str(item.readlink())
            elif item.is_file():
                archive.files[name] = item.read_bytes()
        return archive
    with tarfile.open(fileobj=io.BytesIO(unwrap(path.read_bytes())), mode="r:") as tar:
        for info in members(tar, archive):
            archive.infos.append(info)
            if info.issym():
                archive.links[info.name] = info.linkname
            elif info.isfile():
                archive.files[info.name] = read_member(tar, info)
    return archive


def sha(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def blob(archive: Archive, descriptor: dict[str, Any]) -> bytes:
    """The blob a descriptor names (under blobs/<algorithm>/), checked against its digest and
    size."""
    algorithm, _, hexdigest = descriptor["digest"].partition(":")
    data = archive.read(f"blobs/{algorithm}/{hexdigest}")
    assert sha(data, algorithm) == descriptor["digest"]
    assert len(data) == descriptor["size"]
    return data


def check_layers(config: dict[str, Any], layers: list[bytes]) -> None:
    """diff_ids are the uncompressed layers' digests, and every layer is a readable tar."""
    diff_ids = config["rootfs"]["diff_ids"]
    pairs = zip(layers, diff_ids, strict=True)
    assert diff_ids == [sha(layer, d.partition(":")[0]) for layer, d in pairs]
    for layer in layers:
        tar_infos(layer)


def walk_oci(archive: Archive, descriptor: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Check the descriptor's blob (recursively) and yield every image manifest found."""
    document = json.loads(blob(archive, descriptor))
    if descriptor["mediaType"] == INDEX:
        for child in document["manifests"]:
            yield from walk_oci(archive, child)
        return
    config = json.loads(blob(archive, document["config"]))
    layers = [blob(archive, layer) for layer in document["layers"]]
    if document["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json":
        uncompressed = [
            LAYER_DECOMPRESSORS[desc["mediaType"]](data)
            for desc, data in zip(document["layers"], layers, strict=True)
        ]
        check_layers(config, uncompressed)
        yield document


def check_docker_manifest(archive: Archive) -> int:
    items = archive.json("manifest.json")
    for item in items:
        config_bytes = archive.read(item["Config"])
        assert sha(config_bytes).split(":")[1] in item["Config"]
        check_layers(json.loads(config_bytes), [archive.read(name) for name in item["Layers"]])
        assert item["RepoTags"] is None or item["RepoTags"]
    if "repositories" in archive.files:
        for tags in archive.json("repositories").values():
            assert all(isinstance(top, str) and len(top) == 64 for top in tags.values())
    return len(items)


def check_consistent(archive: Archive) -> int:
    """Check every reference in the archive; return how many images were found."""
    images = 0
    if "manifest.json" in archive.files:
        images += check_docker_manifest(archive)
    if "index.json" in archive.files:
        assert archive.read("oci-layout") == b'{"imageLayoutVersion":"1.0.0"}'
        index = archive.json("index.json")
        images += sum(1 for desc in index["manifests"] for _ in walk_oci(archive, desc))
    return images


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every path under `root` with its bytes (files) or link target (symlinks)."""
    result: dict[str, bytes | str] = {}
    for item in sorted(root.rglob("*")):
        key = item.relative_to(root).as_posix()
        if item.is_symlink():
            result[key] = "-> " + str(item.readlink())
        elif item.is_file():
            result[key] = item.read_bytes()
    return result


def test_every_scenario_is_byte_identical_when_built_twice(
    built: dict[str, Path], tmp_path: Path
) -> None:
    assert list(built) == list(SCENARIOS)
    again = build(tmp_path)
    first_root = next(iter(built.values())).parent
    assert [path.name for path in again] == [path.name for path in built.values()]
    assert snapshot(tmp_path) == snapshot(first_root)


@pytest.mark.parametrize("name", list(WELL_FORMED))
def test_well_formed_scenario_references_only_existing_blobs_with_right_digests(
    built: dict[str, Path], name: str
) -> None:
    archive = open_archive(built[name])
    assert check_consistent(archive) >= 1
    assert all(info.mtime == MTIME and info.uname == "" for info in archive.infos)


def test_wrapped_archives_decompress_to_the_plain_legacy_archive(built: dict[str, Path]) -> None:
    plain = built["docker-legacy"].read_bytes()
    for suffix in ("gz", "xz", "bz2", "zst"):
        assert unwrap(built[f"docker-legacy.tar.{suffix}"].read_bytes()) == plain


def test_docker_archives_share_identical_layers_as_real_docker_does(
    built: dict[str, Path],
) -> None:
    links = open_archive(built["docker-legacy-links"])
    layers = links.json("manifest.json")[0]["Layers"]
    assert layers[-1] in links.links
    assert links.links[layers[-1]] == "../" + layers[-2]
    multi = open_archive(built["docker-legacy-multi"])
    first, second = multi.json("manifest.json")
    assert first["RepoTags"] == ["example/shop:latest", "example/shop:1.0"]
    assert second["RepoTags"] is None
    # Same base layer, but a top layer's legacy ID covers the image config, so the IDs differ.
    assert multi.read(second["Layers"][0]) == multi.read(first["Layers"][0])
    root = open_archive(built["docker-legacy-root-layers"]).json("manifest.json")
    assert all("/" not in name and name.endswith(".tar") for name in root[0]["Layers"])


def layers_of(archive: Archive) -> list[bytes]:
    """Uncompressed layer tars of the first image (docker manifest.json or OCI index)."""
    if "manifest.json" in archive.files:
        return [archive.read(name) for name in archive.json("manifest.json")[0]["Layers"]]
    index = archive.json("index.json")
    manifest = json.loads(blob(archive, index["manifests"][0]))
    return [LAYER_DECOMPRESSORS[d["mediaType"]](blob(archive, d)) for d in manifest["layers"]]


def test_example_image_carries_every_ingredient_of_the_demo(built: dict[str, Path]) -> None:
    archive = open_archive(built["example"])
    item = archive.json("manifest.json")[0]
    config = archive.json(item["Config"])
    assert item["RepoTags"] == ["example/shop:latest"]
    assert "User" not in config["config"]
    assert [h.get("empty_layer", False) for h in config["history"]].count(False) == 4
    infos = {info.name: info for layer in layers_of(archive) for info in tar_infos(layer)}
    assert infos["bin/sh"].islnk() and infos["bin/sh"].linkname == "bin/busybox"
    assert infos["app/setuid-helper"].mode == 0o4755
    assert {"app/id_rsa", "app/.wh.id_rsa", "app/cache/.wh..wh..opq"} <= set(infos)
    assert infos["app/current-env"].issym()
    assert "SCHILY.xattr.security.capability" in infos["app/bin/tool"].pax_headers


def test_multiarch_and_nested_indexes_hold_amd64_and_arm64_v8(built: dict[str, Path]) -> None:
    for name in ("oci-multiarch", "oci-nested-index"):
        archive = open_archive(built[name])
        manifests = list(walk_oci(archive, archive.json("index.json")["manifests"][0]))
        configs = [json.loads(blob(archive, m["config"])) for m in manifests]
        assert [(c["architecture"], c.get("variant")) for c in configs] == [
            ("amd64", None),
            ("arm64", "v8"),
        ]


def test_signature_and_sbom_artifacts_point_at_the_image(built: dict[str, Path]) -> None:
    archive = open_archive(built["oci-with-signature"])
    image, *artifacts = archive.json("index.json")["manifests"]
    assert [a["artifactType"] for a in artifacts] == [
        "application/vnd.dev.cosign.simplesigning.v1+json",
        "application/spdx+json",
    ]
    for artifact in artifacts:
        assert json.loads(blob(archive, artifact))["subject"]["digest"] == image["digest"]


def all_layer_infos(path: Path) -> list[tarfile.TarInfo]:
    return [info for layer in layers_of(open_archive(path)) for info in tar_infos(layer)]


def check_traversal(path: Path) -> None:
    assert any(info.name.startswith("../") for info in all_layer_infos(path))


def check_absolute(path: Path) -> None:
    assert any(info.name.startswith("/") for info in all_layer_infos(path))


def check_symlink_escape(path: Path) -> None:
    infos = {info.name: info for info in all_layer_infos(path)}
    assert infos["etc/evil"].issym() and infos["etc/evil"].linkname == "../../../../etc/shadow"
    assert "app/up/pwned.txt" in infos


def check_symlink_loop(path: Path) -> None:
    links = {i.name: i.linkname for i in all_layer_infos(path) if i.issym()}
    assert links["loop/a"] == "b" and links["loop/b"] == "a" and links["loop/self"] == "self"
    assert sum(name.startswith("chain/l") for name in links) == hostile.SYMLINK_CHAIN_LENGTH


def check_hardlink(path: Path) -> None:
    infos = all_layer_infos(path)
    names = {info.name for info in infos}
    targets = [info.linkname for info in infos if info.islnk()]
    assert any(t.startswith("../") for t in targets)
    assert "app/does-not-exist" in targets and "app/does-not-exist" not in names


def check_devices(path: Path) -> None:
    infos = all_layer_infos(path)
    assert any(i.ischr() for i in infos) and any(i.isblk() for i in infos)
    assert any(i.isfifo() for i in infos)


def check_duplicate(path: Path) -> None:
    names = [info.name for info in all_layer_infos(path)]
    assert names.count("etc/passwd") == 3  # base layer, then twice in the hostile layer


def check_pax_huge(path: Path) -> None:
    infos = all_layer_infos(path)
    assert any(len(i.pax_headers.get("comment", "")) == hostile.HUGE_PAX_SIZE for i in infos)
    assert any(len(i.name) > 4096 for i in infos)
    assert path.stat().st_size < 100_000


def gzip_layer(path: Path) -> bytes:
    archive = open_archive(path)
    manifest = json.loads(blob(archive, archive.json("index.json")["manifests"][0]))
    gz = [d for d in manifest["layers"] if d["mediaType"].endswith("+gzip")]
    return blob(archive, gz[0])


def check_bomb_gzip(path: Path) -> None:
    data = gzip_layer(path)
    assert len(data) < 200_000
    assert int.from_bytes(data[-4:], "little") > hostile.BOMB_FILE_SIZE  # gzip ISIZE
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|gz") as tar:
        members = [tar.next(), tar.next()]
    assert members[1] is not None and members[1].size == hostile.BOMB_FILE_SIZE


def check_bomb_entries(path: Path) -> None:
    raw = gzip.decompress(gzip_layer(path))
    assert len(raw) == (hostile.BOMB_ENTRY_COUNT + 2) * 512
    last = tarfile.TarInfo.frombuf(raw[-3 * 512 : -2 * 512], "utf-8", "strict")  # checksum ok
    assert last.name == f"many/f{hostile.BOMB_ENTRY_COUNT - 1:06d}"


def check_truncated(path: Path) -> None:
    archive = open_archive(path)
    infos = archive.infos
    assert archive.truncated and archive.files[infos[-1].name] == b"<truncated>"
    assert "manifest.json" not in {info.name for info in infos}
    assert infos[-1].offset_data + infos[-1].size > path.stat().st_size


def check_digest_mismatch(path: Path) -> None:
    archive = open_archive(path)
    blobs = {n: d for n, d in archive.files.items() if n.startswith("blobs/sha256/")}
    assert any(sha(data) != "sha256:" + n.rsplit("/", 1)[1] for n, data in blobs.items())


def check_diffid_mismatch(path: Path) -> None:
    archive = open_archive(path)
    item = archive.json("manifest.json")[0]
    diff_ids = archive.json(item["Config"])["rootfs"]["diff_ids"]
    assert diff_ids != [sha(archive.read(name)) for name in item["Layers"]]


def check_missing_blob(path: Path) -> None:
    archive = open_archive(path)
    manifest = json.loads(blob(archive, archive.json("index.json")["manifests"][0]))
    missing = [
        d for d in manifest["layers"] if "blobs/sha256/" + d["digest"][7:] not in archive.files
    ]
    assert len(missing) == 1


def check_bad_json(name: str) -> Callable[[Path], None]:
    def check(path: Path) -> None:
        with pytest.raises(ValueError):
            open_archive(path).json(name)

    return check


def check_layer_not_tar(path: Path) -> None:
    archive = open_archive(path)
    item = archive.json("manifest.json")[0]
    layer = archive.read(item["Layers"][1])
    assert layer == broken.NOT_A_TAR
    assert sha(layer) == archive.json(item["Config"])["rootfs"]["diff_ids"][1]
    with pytest.raises(tarfile.ReadError):
        tar_infos(layer)


def check_empty_tar(path: Path) -> None:
    assert open_archive(path).infos == []


def check_bare_rootfs(path: Path) -> None:
    names = {info.name for info in open_archive(path).infos}
    assert {"etc/passwd", "bin/busybox"} <= names
    assert not names & {"manifest.json", "index.json"}


def check_single_layer(path: Path) -> None:
    names = {info.name for info in open_archive(path).infos}
    assert "app/cache/.wh..wh..opq" in names and "manifest.json" not in names


def check_oci_blob_symlink(path: Path) -> None:
    archive = open_archive(path)
    assert any(target.startswith("../") for target in archive.links.values())


def check_outer_traversal(path: Path) -> None:
    archive = open_archive(path)
    assert "../evil" in archive.files
    del archive.files["../evil"]
    assert check_consistent(archive) == 1


HOSTILE_CHECKS: dict[str, Callable[[Path], None]] = {
    "hostile-traversal": check_traversal,
    "hostile-absolute": check_absolute,
    "hostile-symlink-escape": check_symlink_escape,
    "hostile-symlink-loop": check_symlink_loop,
    "hostile-hardlink": check_hardlink,
    "hostile-devices": check_devices,
    "hostile-duplicate": check_duplicate,
    "hostile-pax-huge": check_pax_huge,
    "hostile-bomb-gzip": check_bomb_gzip,
    "hostile-bomb-entries": check_bomb_entries,
    "hostile-truncated": check_truncated,
    "hostile-digest-mismatch": check_digest_mismatch,
    "hostile-diffid-mismatch": check_diffid_mismatch,
    "hostile-missing-blob": check_missing_blob,
    "hostile-bad-manifest-json": check_bad_json("manifest.json"),
    "hostile-bad-index-json": check_bad_json("index.json"),
    "hostile-layer-not-tar": check_layer_not_tar,
    "hostile-empty-tar": check_empty_tar,
    "hostile-bare-rootfs": check_bare_rootfs,
    "hostile-single-layer": check_single_layer,
    "hostile-oci-blob-symlink": check_oci_blob_symlink,
    "hostile-outer-traversal": check_outer_traversal,
}


def test_every_hostile_scenario_has_a_check_and_every_check_a_scenario() -> None:
    assert set(HOSTILE_CHECKS) == set(HOSTILE)
    assert not set(HOSTILE) & set(WELL_FORMED)
    assert all(name.startswith("hostile-") for name in HOSTILE)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_scenario_contains_what_its_name_claims(built: dict[str, Path], name: str) -> None:
    HOSTILE_CHECKS[name](built[name])


def test_hostile_entry_scenarios_are_otherwise_consistent(built: dict[str, Path]) -> None:
    for name in ("hostile-traversal", "hostile-hardlink", "hostile-bomb-gzip", "hostile-pax-huge"):
        assert check_consistent(open_archive(built[name])) == 1
