"""What an archive says about its images: platforms, configs, layers and their history."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Platform:
    """An image's target platform, as "os/architecture[/variant]"."""

    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        base = f"{self.os}/{self.architecture}"
        return f"{base}/{self.variant}" if self.variant else base

    @classmethod
    def parse(cls, text: str) -> Platform:
        """Parse "linux/arm64/v8".

        >>> str(Platform.parse("linux/arm64/v8"))
        'linux/arm64/v8'
        """
        parts = text.strip().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"{text!r} is not os/architecture[/variant]")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else "")

    def matches(self, wanted: Platform) -> bool:
        """True when this platform satisfies `wanted` (a wanted variant must match)."""
        return (
            self.os == wanted.os
            and self.architecture == wanted.architecture
            and (not wanted.variant or self.variant == wanted.variant)
        )


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One step of the image's build history (config.history[])."""

    created: str
    created_by: str
    empty_layer: bool
    comment: str = ""


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The runtime-relevant parts of an image config, plus the raw document."""

    user: str
    env: tuple[str, ...]
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    working_dir: str
    labels: tuple[tuple[str, str], ...]
    exposed_ports: tuple[str, ...]
    volumes: tuple[str, ...]
    healthcheck: tuple[str, ...] | None
    """The HEALTHCHECK test command, None when the image defines none."""
    created: str
    author: str
    diff_ids: tuple[str, ...]
    history: tuple[HistoryEntry, ...]
    platform: Platform
    os_version: str = ""


@dataclass(frozen=True, slots=True)
class Layer:
    """A layer as the manifest names it, before it is read."""

    index: int
    digest: str
    """Digest of the blob as stored (compressed or not); computed for legacy archives."""
    media_type: str
    member: str
    """Name of the blob inside the archive."""
    size: int
    """Size of the stored blob in bytes."""
    diff_id: str
    """Expected digest of the uncompressed tar, from config.rootfs.diff_ids ("" if absent)."""
    created_by: str
    """The history line that produced this layer ("" when history does not say)."""
    digest_known: bool = True
    """False for legacy archives, whose manifest names no blob digest (it is computed)."""


@dataclass(frozen=True, slots=True)
class Image:
    """One image (one platform) found in the archive."""

    refs: tuple[str, ...]
    """Tags or reference names the archive gives it (may be empty)."""
    platform: Platform
    manifest_digest: str
    """Digest of the manifest blob ("" for legacy docker archives, which store none)."""
    config_digest: str
    config: ImageConfig
    layers: tuple[Layer, ...]
    source_format: str
    """"docker-archive", "docker-archive (Docker 25+)" or "oci-layout"."""
    config_member: str
    manifest_member: str = ""
    raw_config: bytes = field(default=b"", repr=False)
    raw_manifest: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class Artifact:
    """A manifest that is not a runnable image: signature, SBOM, attestation, other artifact."""

    digest: str
    media_type: str
    artifact_type: str
    kind: str
    """"signature", "attestation", "sbom" or "artifact"."""
    refs: tuple[str, ...]
    subject: str
    """Digest of the manifest this artifact refers to ("" when none)."""


@dataclass(frozen=True, slots=True)
class ArchiveDocument:
    """A JSON document of the archive besides index.json, manifest.json and the images' own
    manifests and configs: a nested index, an artifact manifest, an artifact's JSON layer or a
    DSSE envelope's decoded payload (read and verified, for the secrets scan)."""

    name: str
    """How sources name it: "index sha256:...", "attestation manifest sha256:...",
    "attestation sha256:... layer sha256:...", "... layer sha256:... payload"."""
    raw: bytes = field(repr=False)
    subject: str = ""
    """Digest of the manifest it is about: an artifact's `subject`, or buildx's
    `vnd.docker.reference.digest` annotation on its descriptor ("" when it names none)."""
    entropy: bool = True
    """Whether high-entropy strings count as secrets in it: not in what artifacts carry, which
    is full of digests, checksums, commit ids, signatures and base64 payloads by design (token
    shapes, keywords and keys still count)."""


@dataclass(frozen=True, slots=True)
class Catalog:
    """Everything the archive's index and manifests describe."""

    source_format: str
    images: tuple[Image, ...]
    artifacts: tuple[Artifact, ...]
    notices: tuple[str, ...]
    verified: tuple[tuple[str, str], ...]
    """(what, digest) of every index, manifest, config and artifact JSON layer blob verified,
    once per digest."""
    documents: tuple[ArchiveDocument, ...] = ()
    """The nested indexes, artifact manifests and artifacts' JSON content read (OCI layouts)."""
