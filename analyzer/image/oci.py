"""Walk an OCI image layout (and Docker 25+ archives): index.json, nested indexes, manifests.

Images are listed depth-first in index order, one per platform manifest, each manifest digest
once. Manifests that are not runnable images (signatures, attestations, SBOMs, other artifacts)
are listed as artifacts and never read as layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from analyzer.errors import ManifestError, UnsupportedFormat
from analyzer.image.blobs import BlobStore
from analyzer.image.config import expect_object, layer_history, load_json, parse_config
from analyzer.image.model import Artifact, Image, Layer

INDEX_TYPES = frozenset(
    {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    }
)
MANIFEST_TYPES = frozenset(
    {
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    }
)
CONFIG_TYPES = frozenset(
    {
        "application/vnd.oci.image.config.v1+json",
        "application/vnd.docker.container.image.v1+json",
    }
)
FOREIGN_MARKERS = ("foreign", "nondistributable")
REF_ANNOTATIONS = ("io.containerd.image.name", "org.opencontainers.image.ref.name")


def is_layer_type(media_type: str) -> bool:
    """True for the media types of filesystem layers (tar, optionally gzip/zstd).

    >>> is_layer_type("application/vnd.oci.image.layer.v1.tar+zstd")
    True
    >>> is_layer_type("application/vnd.in-toto+json")
    False
    """
    return media_type.startswith(
        ("application/vnd.oci.image.layer.", "application/vnd.docker.image.rootfs.")
    )


@dataclass(frozen=True)
class _Manifest:
    """A manifest document together with the descriptor that led to it."""

    digest: str
    raw: bytes
    doc: dict[str, Any]
    desc: dict[str, Any]
    refs: tuple[str, ...]


@dataclass
class _Walk:
    blobs: BlobStore
    source_format: str
    max_depth: int
    tags_by_config: dict[str, tuple[str, ...]] = field(default_factory=dict)
    images: dict[str, Image] = field(default_factory=dict)
    artifacts: list[Artifact] = field(default_factory=list)
    below: dict[str, list[str]] = field(default_factory=dict)
    """For each manifest or index digest visited: the image manifests reached through it."""
    windows: list[str] = field(default_factory=list)


def walk_layout(
    blobs: BlobStore, source_format: str, max_depth: int, tags: dict[str, tuple[str, ...]]
) -> tuple[list[Image], list[Artifact]]:
    """Read index.json and everything it references."""
    walk = _Walk(blobs, source_format, max_depth, tags)
    if blobs.archive.has("oci-layout"):
        _check_layout_file(blobs)
    if not blobs.archive.has("index.json"):
        raise ManifestError(f"{blobs.archive.path}: index.json is missing or is not a file")
    raw = blobs.archive.read_small("index.json", "index.json")
    _walk_index(
        walk, expect_object(load_json(raw, "index.json"), "index.json"), "index.json", 0, ()
    )
    return list(walk.images.values()), walk.artifacts


def _check_layout_file(blobs: BlobStore) -> None:
    raw = blobs.archive.read_small("oci-layout", "oci-layout")
    doc = load_json(raw, "oci-layout")
    version = doc.get("imageLayoutVersion") if isinstance(doc, dict) else None
    if version != "1.0.0":
        blobs.notices.append(f"oci-layout declares imageLayoutVersion {version!r}, not '1.0.0'")


def _descriptor_refs(desc: dict[str, Any]) -> tuple[str, ...]:
    notes = desc.get("annotations") or {}
    if not isinstance(notes, dict):
        return ()
    return tuple(dict.fromkeys(str(notes[k]) for k in REF_ANNOTATIONS if notes.get(k)))


def _walk_index(
    walk: _Walk, doc: dict[str, Any], where: str, depth: int, refs: tuple[str, ...]
) -> list[str]:
    if depth > walk.max_depth:
        raise ManifestError(f"{where}: image indexes are nested more than {walk.max_depth} deep")
    manifests = doc.get("manifests")
    if manifests is None and "manifests" in doc:
        walk.blobs.notices.append(f"{where} has 'manifests': null")
        manifests = []
    if not isinstance(manifests, list):
        raise ManifestError(f"{where} has no 'manifests' list; it is not an image index")
    reached: list[str] = []
    for position, item in enumerate(manifests):
        desc = expect_object(item, f"{where} manifests[{position}]")
        where_item = f"{where} manifests[{position}]"
        reached += _visit(walk, desc, where_item, depth, refs + _descriptor_refs(desc))
    return reached


def _visit(
    walk: _Walk, desc: dict[str, Any], where: str, depth: int, refs: tuple[str, ...]
) -> list[str]:
    """Read one descriptor's target; return the image manifests reached through it."""
    digest = desc.get("digest")
    if not isinstance(digest, str):
        raise ManifestError(f"{where} has no digest")
    if digest in walk.below:  # listed again (maybe under another name): merge its names
        for image_digest in walk.below[digest]:
            image = walk.images[image_digest]
            walk.images[image_digest] = replace(image, refs=tuple(dict.fromkeys(image.refs + refs)))
        return walk.below[digest]
    walk.below[digest] = []
    size = desc.get("size") if isinstance(desc.get("size"), int) else None
    raw = walk.blobs.read(digest, size, f"manifest {digest} ({where})")
    doc = expect_object(load_json(raw, f"manifest {digest}"), f"manifest {digest}")
    media_type = str(desc.get("mediaType") or doc.get("mediaType") or "")
    if media_type in INDEX_TYPES or (not media_type and "manifests" in doc):
        walk.below[digest] = _walk_index(walk, doc, f"index {digest}", depth + 1, refs)
    elif media_type in MANIFEST_TYPES or (not media_type and "layers" in doc):
        if _manifest(walk, _Manifest(digest, raw, doc, desc, refs)):
            walk.below[digest] = [digest]
    else:
        walk.artifacts.append(_artifact(_Manifest(digest, raw, doc, desc, refs), media_type))
    return walk.below[digest]


def _manifest(walk: _Walk, found: _Manifest) -> bool:
    """Record an image (True) or an artifact (False)."""
    config = expect_object(found.doc.get("config"), f"manifest {found.digest} config")
    layers = found.doc.get("layers")
    if not isinstance(layers, list):
        raise ManifestError(f"manifest {found.digest} has no 'layers' list")
    layer_types = [str(d.get("mediaType", "")) for d in layers if isinstance(d, dict)]
    platform = found.desc.get("platform") or {}
    if (
        str(config.get("mediaType", "")) not in CONFIG_TYPES
        or found.doc.get("artifactType")
        or not all(is_layer_type(t) for t in layer_types)
        or (isinstance(platform, dict) and platform.get("os") == "unknown")
    ):
        walk.artifacts.append(_artifact(found, str(found.doc.get("mediaType", ""))))
        return False
    image = _image(walk, found, config, layers)
    if image is not None:
        walk.images[found.digest] = image
    return image is not None


def _image(
    walk: _Walk, found: _Manifest, config: dict[str, Any], layer_descs: list[Any]
) -> Image | None:
    digest = found.digest
    config_digest = str(config.get("digest"))
    size = config.get("size") if isinstance(config.get("size"), int) else None
    raw_config = walk.blobs.read(config_digest, size, f"config {config_digest}")
    parsed = parse_config(raw_config, f"config {config_digest}")
    if parsed.platform.os == "windows":
        walk.windows.append(digest)
        walk.blobs.notices.append(
            f"image {digest} is a Windows container image ({parsed.platform}); skipped, "
            "image-audit analyses Linux images only"
        )
        return None
    created_by, notice = layer_history(parsed, len(layer_descs))
    if notice:
        walk.blobs.notices.append(f"image {digest}: {notice}")
    if len(parsed.diff_ids) != len(layer_descs):
        raise ManifestError(
            f"manifest {digest} lists {len(layer_descs)} layers but its config has "
            f"{len(parsed.diff_ids)} diff_ids; the image is inconsistent"
        )
    layers = tuple(
        _layer(
            walk.blobs,
            expect_object(d, f"manifest {digest} layers[{i}]"),
            where=f"manifest {digest} layer {i}",
            index=i,
            diff_id=parsed.diff_ids[i],
            created_by=created_by[i],
        )
        for i, d in enumerate(layer_descs)
    )
    tags = walk.tags_by_config.get(config_digest, ())
    return Image(
        refs=tuple(dict.fromkeys(tags + found.refs)),
        platform=parsed.platform,
        manifest_digest=digest,
        config_digest=config_digest,
        config=parsed,
        layers=layers,
        source_format=walk.source_format,
        config_member=BlobStore.member_name(config_digest, "config"),
        manifest_member=BlobStore.member_name(digest, "manifest"),
        raw_config=raw_config,
        raw_manifest=found.raw,
    )


def _layer(
    blobs: BlobStore,
    desc: dict[str, Any],
    *,
    where: str,
    index: int,
    diff_id: str,
    created_by: str,
) -> Layer:
    digest = str(desc.get("digest"))
    media_type = str(desc.get("mediaType", ""))
    member = BlobStore.member_name(digest, where)
    if not blobs.archive.has(member) and any(m in media_type for m in FOREIGN_MARKERS):
        raise UnsupportedFormat(
            f"{where} is a foreign layer ({media_type}) that is not stored in the archive; "
            "such layers (Windows base layers) cannot be analysed offline"
        )
    size = desc.get("size")
    return Layer(
        index=index,
        digest=digest,
        media_type=media_type,
        member=member,
        size=size if isinstance(size, int) else -1,
        diff_id=diff_id,
        created_by=created_by,
    )


def _artifact(found: _Manifest, media_type: str) -> Artifact:
    doc, desc, refs = found.doc, found.desc, found.refs
    config = doc.get("config") if isinstance(doc.get("config"), dict) else {}
    layer_types = " ".join(
        str(d.get("mediaType", "")) for d in doc.get("layers") or [] if isinstance(d, dict)
    )
    artifact_type = str(
        doc.get("artifactType") or desc.get("artifactType") or (config or {}).get("mediaType") or ""
    )
    subject = doc.get("subject")
    text = " ".join((artifact_type, layer_types, *refs, str(desc.get("annotations")))).lower()
    return Artifact(
        digest=found.digest,
        media_type=media_type,
        artifact_type=artifact_type,
        kind=_artifact_kind(text),
        refs=refs,
        subject=str(subject.get("digest", "")) if isinstance(subject, dict) else "",
    )


def _artifact_kind(text: str) -> str:
    """Classify an artifact from its media types, annotations and tags.

    >>> _artifact_kind("application/vnd.dev.cosign.simplesigning.v1+json sha256-ab.sig")
    'signature'
    >>> _artifact_kind("application/vnd.in-toto+json attestation-manifest")
    'attestation'
    """
    if "spdx" in text or "cyclonedx" in text or ".sbom" in text or "syft" in text:
        return "sbom"
    if "in-toto" in text or "dsse" in text or "attestation" in text or ".att" in text:
        return "attestation"
    if "signature" in text or "simplesigning" in text or ".sig" in text or "notary" in text:
        return "signature"
    return "artifact"
