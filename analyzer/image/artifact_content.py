"""The JSON an artifact carries (attestations, SBOMs, signatures), read for the secrets scan.

Build provenance is a real way secrets leak from builds: `docker buildx --provenance=mode=max`
records every build argument (`"build-arg:GITHUB_TOKEN": "ghp_..."`) in an in-toto statement
stored as a layer of an attestation manifest; cosign stores its attestations as DSSE envelopes,
whose `payload` is the statement in base64; SBOMs are SPDX or CycloneDX JSON. So every layer
of an artifact manifest whose media type says JSON is read here (the `blobs` of image-spec
1.1.0-rc's artifact manifest alike), each blob once, through the BlobStore (verified against
its digest and declared size, like every document), and a DSSE envelope's payload is decoded.

What cannot be read is a notice, never an error (the images are what the archive is read for):
a layer blob absent from the archive (a referrer copied without its blobs, as registries allow),
one over `Limits.max_json_bytes` (not read at all), layers past `Limits.max_artifact_bytes` in
all, content that is not a JSON document, a payload that is not base64. A blob that is there
but does not match its digest is the same error as for any other blob.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from analyzer.errors import LimitExceeded, ManifestError
from analyzer.image.blobs import BlobStore
from analyzer.image.document import parse_document
from analyzer.image.fields import Fields
from analyzer.image.model import ArchiveDocument, Artifact
from analyzer.text import quoted

REFERENCE_DIGEST = "vnd.docker.reference.digest"
"""The annotation buildx puts on an attestation manifest's index descriptor: the manifest of
the image it attests (its attestation manifests have no `subject`)."""
_NAMED = 5
"""Missing layer blobs a notice names one by one."""


def carried(manifest: Fields) -> list[Fields]:
    """The blob descriptors an artifact manifest carries: its `layers`, or the `blobs` of the
    artifact manifest (`application/vnd.oci.artifact.manifest.v1+json`) of image-spec
    1.1.0-rc2/rc3, which ORAS 1.0 wrote and the 1.1.0 release dropped."""
    layers = manifest.children("layers")
    return layers if layers is not None else manifest.children("blobs") or []


@dataclass
class ArtifactContent:
    """Reads what artifact manifests carry, each layer blob once, within the archive's limits."""

    blobs: BlobStore
    held: int = 0
    """Bytes read (and decoded) so far, held for the scan."""
    _read: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)
    """Layer digest -> its documents: ("", the blob) and (" payload", a DSSE payload)."""

    def documents(
        self, artifact: Artifact, raw: bytes, found: Fields, desc: Fields
    ) -> list[ArchiveDocument]:
        """The artifact manifest `found` (`raw`, reached through the index descriptor
        `desc`), its JSON layers and their DSSE payloads, tied to the manifest it is about."""
        notes = desc.string_map("annotations")
        subject = artifact.subject or notes.get(REFERENCE_DIGEST, "")
        name = f"{artifact.kind} {artifact.digest}"
        manifest = f"{artifact.kind} manifest {artifact.digest}"
        documents = [ArchiveDocument(manifest, raw, subject, entropy=False)]
        missing: list[str] = []
        for layer in carried(found):
            if "json" not in layer.text("mediaType").lower():
                continue
            digest = layer.digest("digest")
            if not self.blobs.archive.has(BlobStore.member_name(digest, name)):
                missing.append(digest)
                continue
            what = f"{name} layer {digest}"
            read = self._read.get(digest)
            if read is None:
                read = self._read[digest] = self._contents(layer, digest, what)
            documents += [
                ArchiveDocument(what + part, data, subject, entropy=False) for part, data in read
            ]
        if missing:
            self.blobs.notices.append(_missing_notice(name, missing))
        return documents

    def _contents(self, layer: Fields, digest: str, what: str) -> list[tuple[str, bytes]]:
        """The layer's bytes and its DSSE payload, when they are JSON within the limits."""
        limits = self.blobs.archive.limits
        declared = layer.size("size")
        size = (
            declared
            if declared is not None
            else self.blobs.member(BlobStore.member_name(digest, what), what).size
        )
        shown = f"{what} ({quoted(layer.text('mediaType'), 60)})"
        if size > limits.max_json_bytes:
            return self._unread(
                f"{shown} is {size:,} bytes, over the {limits.max_json_bytes:,}-byte limit for "
                "a JSON document"
            )
        if self.held + size > limits.max_artifact_bytes:
            return self._unread(
                f"{shown} would take the artifacts' JSON layers read past the "
                f"{limits.max_artifact_bytes:,}-byte limit for them in all"
            )
        raw = self.blobs.read(digest, declared, what)
        self.held += len(raw)
        value = self._parsed(raw, what)
        if value is None:
            return []
        return [("", raw), *self._payload(value, what)]

    def _payload(self, value: Any, what: str) -> list[tuple[str, bytes]]:
        envelope = dsse_payload(value)
        if envelope is None:
            return []
        payload_type, payload = envelope
        raw = decoded_base64(payload)
        if raw is None:
            return self._unread(
                f"{what} is a DSSE envelope ({quoted(payload_type, 60)}) whose payload is not "
                "base64"
            )
        self.held += len(raw)
        return [] if self._parsed(raw, f"{what} payload") is None else [(" payload", raw)]

    def _parsed(self, raw: bytes, what: str) -> Any:
        """The JSON value of `raw` under the documents' policy, or None with a notice."""
        try:
            document = parse_document(raw, what)
        except (ManifestError, LimitExceeded) as exc:
            # it matched its digest: it was written so (regclient's test artifacts say +json
            # of plain text), not corrupted
            self._unread(exc.message.removesuffix("; the archive is corrupt or was edited"))
            return None
        self.blobs.notices.extend(document.notices())
        return document.value

    def _unread(self, why: str) -> list[tuple[str, bytes]]:
        self.blobs.notices.append(f"{why}; it was not examined for secrets")
        return []


def _missing_notice(name: str, missing: list[str]) -> str:
    shown = ", ".join(missing[:_NAMED])
    more = f" and {len(missing) - _NAMED} more" if len(missing) > _NAMED else ""
    return (
        f"{name}: JSON layer blob(s) {shown}{more} are not in the archive (a referrer is often "
        "copied without its blobs); they were not examined for secrets"
    )


def dsse_payload(value: Any) -> tuple[str, str] | None:
    """The (payloadType, payload) of a DSSE envelope, or of a Sigstore bundle's
    `dsseEnvelope`; None for any other document.

    >>> dsse_payload({"payloadType": "application/vnd.in-toto+json", "payload": "e30="})
    ('application/vnd.in-toto+json', 'e30=')
    >>> dsse_payload({"_type": "https://in-toto.io/Statement/v1"}) is None
    True
    """
    if isinstance(value, dict) and isinstance(value.get("dsseEnvelope"), dict):
        value = value["dsseEnvelope"]
    if not isinstance(value, dict):
        return None
    payload_type, payload = value.get("payloadType"), value.get("payload")
    if isinstance(payload_type, str) and isinstance(payload, str):
        return payload_type, payload
    return None


def decoded_base64(text: str) -> bytes | None:
    """`text` decoded as base64, standard or URL-safe, padded or not (DSSE accepts both);
    None when it is not base64.

    >>> decoded_base64("eyJhIjoxfQ"), decoded_base64("not base64!")
    (b'{"a":1}', None)
    """
    standard = text.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except binascii.Error:
        return None
