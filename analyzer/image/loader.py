"""Decide what kind of archive this is (by content) and build its Catalog of images."""

from __future__ import annotations

from analyzer.archive.source import Archive
from analyzer.errors import ManifestError, UnsupportedFormat
from analyzer.image.blobs import BlobStore
from analyzer.image.docker import read_legacy, tags_by_config
from analyzer.image.model import ArchiveDocument, Artifact, Catalog
from analyzer.image.oci import walk_layout
from analyzer.text import quoted

_ROOTFS_DIRS = ("etc", "bin", "usr", "lib", "sbin", "var", "home", "root", "opt", "app")


def load_catalog(archive: Archive) -> Catalog:
    """Read the archive's index/manifests/configs (verifying each) into a Catalog."""
    blobs = BlobStore(archive)
    kind = _archive_kind(archive)
    artifacts: list[Artifact] = []
    documents: list[ArchiveDocument] = []
    if kind == "docker-archive":
        images = read_legacy(blobs)
    else:
        tags = tags_by_config(blobs) if kind != "oci-layout" else {}
        images, artifacts, documents = walk_layout(
            blobs, kind, archive.limits.max_index_depth, tags
        )
        if not images and kind != "oci-layout":
            blobs.notices.append("index.json lists no image; images were read from manifest.json")
            images = read_legacy(blobs)
    if not images:
        raise ManifestError(
            f"{archive.path}: the index lists no runnable image "
            f"({len(artifacts)} non-image artifacts); nothing to analyse"
        )
    notices = [
        f"archive member {quoted(n)} has an unsafe path and was ignored"
        for n in archive.unsafe_names
    ]
    if archive.unsafe_dropped:
        notices.append(
            f"... and {archive.unsafe_dropped} more archive members with unsafe paths were ignored"
        )
    if archive.truncated:
        notices.append("the archive has no tar end-of-archive marker; it may be truncated")
    return Catalog(
        source_format=kind,
        images=tuple(images),
        artifacts=tuple(artifacts),
        notices=tuple(notices + blobs.notices),
        verified=tuple(blobs.verified),
        documents=tuple(documents),
    )


def _archive_kind(archive: Archive) -> str:
    index = archive.members.get("index.json")
    if index is not None and index.kind != "file" and not archive.has("index.json"):
        raise ManifestError(f"{archive.path}: index.json is a {index.kind}, not a file")
    has_index = archive.has("index.json")
    has_manifest = archive.has("manifest.json")
    if has_index and has_manifest:
        return "docker-archive (Docker 25+)"
    if has_index:
        return "oci-layout"
    if has_manifest:
        return "docker-archive"
    raise UnsupportedFormat(f"{archive.path}: {_describe_contents(archive)}")


def _describe_contents(archive: Archive) -> str:
    names = list(archive.members)
    expected = (
        "expected a `docker save` archive (manifest.json) or an OCI image layout (index.json)"
    )
    if archive.has("oci-layout"):
        return f"it has an oci-layout file but no index.json; {expected}"
    if archive.has("repositories") and any(n.endswith("/json") for n in names):
        return (
            "it is a pre-Docker-1.10 `docker save` archive without manifest.json, which is "
            f"not supported; {expected}"
        )
    tops = {n.split("/", 1)[0] for n in names}
    if "Files" in tops and ("Hives" in tops or "UtilityVM" in tops or len(tops) == 1):
        return "it looks like a Windows container layer (Files/ and Hives/), which is not supported"
    if any("/.wh." in f"/{n}" for n in names):
        return f"it looks like a single image layer (it has whiteout files); {expected}"
    if tops & set(_ROOTFS_DIRS):
        return (
            "it looks like a root filesystem tar (a single layer or `docker export` output), "
            f"not an image archive; {expected}"
        )
    what = "a directory" if archive.kind == "directory" else "a tar archive"
    if not names and archive.unsafe_names:
        count = len(archive.unsafe_names) + archive.unsafe_dropped
        return (
            f"it is {what} whose {count} member(s) all have names outside the archive "
            f"(absolute or with `..`, such as {quoted(archive.unsafe_names[0])}), which are "
            f"never read; {expected}"
        )
    if not names:
        return f"it is an empty {what[2:]}; {expected}"
    return f"it is {what} without manifest.json or index.json; {expected}"
