"""Walk an OCI image layout (and Docker 25+ archives): index.json, nested indexes, manifests.

Images are listed depth-first in index order, one per platform manifest, each manifest digest
once. Manifests that are not runnable images (signatures, attestations, SBOMs, other artifacts)
are listed as artifacts and never read as layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from analyzer.errors import ManifestError, UnsupportedFormat
from analyzer.image.artifact_content import ArtifactContent, carried
from analyzer.image.blobs import BlobStore
from analyzer.image.document import Document
from analyzer.image.fields import Fields
from analyzer.image.model import ArchiveDocument, Artifact, Image, Layer
from analyzer.image.names import NameGraph
from analyzer.text import quoted

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


@dataclass(frozen=True, slots=True)
class _Manifest:
    """A manifest document together with the descriptor that first led to it."""

    digest: str
    raw: bytes
    doc: Fields
    desc: Fields


@dataclass
class _Walk:
    blobs: BlobStore
    source_format: str
    max_depth: int
    tags_by_config: dict[str, tuple[str, ...]] = field(default_factory=dict)
    images: dict[str, Image] = field(default_factory=dict)
    """Image manifest digest -> image (its names are added once the walk is done)."""
    artifacts: list[tuple[_Manifest, str]] = field(default_factory=list)
    indexes: list[ArchiveDocument] = field(default_factory=list)
    """The nested index blobs read, for the secrets scan."""
    graph: NameGraph = field(default_factory=NameGraph)


def walk_layout(
    blobs: BlobStore, source_format: str, max_depth: int, tags: dict[str, tuple[str, ...]]
) -> tuple[list[Image], list[Artifact], list[ArchiveDocument]]:
    """Read index.json and everything it references, each blob once: the images, the
    artifacts, and the other documents read (nested indexes, artifact manifests and the JSON
    they carry, see `analyzer.image.artifact_content`) for the secrets scan."""
    walk = _Walk(blobs, source_format, max_depth, tags)
    if blobs.archive.has("oci-layout"):
        _check_layout_file(blobs)
    if not blobs.archive.has("index.json"):
        raise ManifestError(f"{blobs.archive.path}: index.json is missing or is not a file")
    index = blobs.named_document("index.json")
    _walk_index(walk, Fields.of(index.value, "index.json"), 0, None)
    names = walk.graph.names_below()
    images = [
        replace(image, refs=tuple(dict.fromkeys((*tags.get(image.config_digest, ()), *names[d]))))
        for d, image in walk.images.items()
    ]
    artifacts = [_artifact(found, kind, names[found.digest]) for found, kind in walk.artifacts]
    content = ArtifactContent(blobs)
    documents = list(walk.indexes)
    for artifact, (found, _) in zip(artifacts, walk.artifacts, strict=True):
        documents += content.documents(artifact, found.raw, found.doc, found.desc)
    return images, artifacts, documents


def _check_layout_file(blobs: BlobStore) -> None:
    doc = blobs.named_document("oci-layout").value
    version = doc.get("imageLayoutVersion") if isinstance(doc, dict) else None
    if version != "1.0.0":
        blobs.notices.append(
            f"oci-layout declares imageLayoutVersion {quoted(version)}, not '1.0.0'"
        )


def _descriptor_refs(desc: Fields) -> tuple[str, ...]:
    notes = desc.string_map("annotations")
    return tuple(notes[k] for k in REF_ANNOTATIONS if notes.get(k))


def _walk_index(walk: _Walk, doc: Fields, depth: int, parent: str | None) -> None:
    if depth > walk.max_depth:
        raise ManifestError(
            f"{doc.document}: image indexes are nested more than {walk.max_depth} deep"
        )
    manifests = doc.children("manifests")
    if manifests is None:
        if "manifests" not in doc.data:
            raise ManifestError(f"{doc.document} has no 'manifests' list; it is not an image index")
        walk.blobs.notices.append(f"{doc.document} has 'manifests': null")
    for desc in manifests or ():
        digest = desc.digest("digest")
        first = walk.graph.link(parent, digest, _descriptor_refs(desc))
        document = walk.blobs.document(  # read once; listed again, only its size is compared
            digest, desc.size("size"), f"manifest {digest} ({desc.document} {desc.path})"
        )
        if first:
            _visit(walk, desc, document, depth)
            walk.graph.done(digest)


def _visit(walk: _Walk, desc: Fields, document: Document, depth: int) -> None:
    """Record what a descriptor's target (read for the first time) is, and walk below it."""
    digest = desc.digest("digest")
    what = f"manifest {digest}"
    doc = Fields.of(document.value, what)
    media_type = desc.text("mediaType") or doc.text("mediaType")
    found = _Manifest(digest, document.raw, doc, desc)
    if media_type in INDEX_TYPES or (not media_type and "manifests" in doc.data):
        walk.indexes.append(ArchiveDocument(f"index {digest}", document.raw))
        _walk_index(walk, Fields(doc.data, f"index {digest}"), depth + 1, digest)
    elif media_type in MANIFEST_TYPES or (not media_type and "layers" in doc.data):
        _manifest(walk, found)
    else:
        walk.artifacts.append((found, media_type))


def _manifest(walk: _Walk, found: _Manifest) -> None:
    """Record an image, or an artifact when the manifest does not describe a runnable image."""
    config = Fields.of(found.doc.data.get("config"), found.doc.document, "config")
    layers = found.doc.bound("layers", walk.blobs.archive.limits.max_config_items).children(
        "layers"
    )
    if layers is None:
        raise ManifestError(f"{found.doc.document} has no 'layers' list")
    platform = found.desc.child("platform")
    if (
        config.text("mediaType") not in CONFIG_TYPES
        or found.doc.text("artifactType")
        or not all(is_layer_type(d.text("mediaType")) for d in layers)
        or (platform is not None and platform.text("os") == "unknown")
    ):
        walk.artifacts.append((found, found.doc.text("mediaType")))
        return
    image = _image(walk, found, config, layers)
    if image is not None:
        walk.images[found.digest] = image


def _image(
    walk: _Walk, found: _Manifest, config: Fields, layer_descs: list[Fields]
) -> Image | None:
    digest = found.digest
    config_digest = config.digest("digest")
    loaded = walk.blobs.config(config_digest, config.size("size"), f"config {config_digest}")
    if loaded.config.platform.os == "windows":
        shown = quoted(str(loaded.config.platform), 60)
        walk.blobs.notices.append(
            f"image {digest} is a Windows container image ({shown}); skipped, "
            "image-audit analyses Linux images only"
        )
        return None
    if len(loaded.config.diff_ids) != len(layer_descs):
        raise ManifestError(
            f"manifest {digest} lists {len(layer_descs)} layers but its config has "
            f"{len(loaded.config.diff_ids)} diff_ids; the image is inconsistent"
        )
    if loaded.history_notice:
        walk.blobs.notices.append(f"image {digest}: {loaded.history_notice}")
    layers = tuple(
        _layer(walk.blobs, desc, index, loaded.config.diff_ids[index], loaded.created_by[index])
        for index, desc in enumerate(layer_descs)
    )
    return Image(
        refs=(),
        platform=loaded.config.platform,
        manifest_digest=digest,
        config_digest=config_digest,
        config=loaded.config,
        layers=layers,
        source_format=walk.source_format,
        config_member=BlobStore.member_name(config_digest, "config"),
        manifest_member=BlobStore.member_name(digest, "manifest"),
        raw_config=loaded.raw,
        raw_manifest=found.raw,
    )


def _layer(blobs: BlobStore, desc: Fields, index: int, diff_id: str, created_by: str) -> Layer:
    digest = desc.digest("digest")
    media_type = desc.text("mediaType")
    member = BlobStore.member_name(digest, desc.document)
    if not blobs.archive.has(member) and any(m in media_type for m in FOREIGN_MARKERS):
        raise UnsupportedFormat(
            f"{desc.document} layer {index} is a foreign layer ({quoted(media_type)}) that is "
            "not stored in the archive; such layers (Windows base layers) cannot be analysed "
            "offline"
        )
    size = desc.size("size")
    return Layer(
        index=index,
        digest=digest,
        media_type=media_type,
        member=member,
        size=-1 if size is None else size,
        diff_id=diff_id,
        created_by=created_by,
    )


def _artifact(found: _Manifest, media_type: str, refs: tuple[str, ...]) -> Artifact:
    doc, desc = found.doc, found.desc
    config = doc.child("config")
    layer_types = " ".join(d.text("mediaType") for d in carried(doc))
    artifact_type = (
        doc.text("artifactType")
        or desc.text("artifactType")
        or (config.text("mediaType") if config else "")
    )
    subject = doc.child("subject")
    notes = " ".join(f"{k} {v}" for k, v in desc.string_map("annotations").items())
    text = " ".join((artifact_type, layer_types, *refs, notes)).lower()
    return Artifact(
        digest=found.digest,
        media_type=media_type,
        artifact_type=artifact_type,
        kind=_artifact_kind(text),
        refs=refs,
        subject=subject.text("digest") if subject else "",
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
