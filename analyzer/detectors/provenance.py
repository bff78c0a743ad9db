"""IA-UNSIGNED, IA-REGISTRY-UNTRUSTED: where the image comes from, and whether it is signed.

What it finds:
- IA-UNSIGNED: no signature travels with the image in this archive: no cosign
  `sha256-<digest>.sig` manifest and no OCI referrer of kind signature whose subject is the
  image's manifest. (Signatures are reported as present, not verified.) Legacy `docker save`
  archives cannot carry signatures at all: there it is no finding, and CG-12.2 is reported as
  not assessed from the archive.
- IA-REGISTRY-UNTRUSTED: with `--trusted-registry`, references that name any other registry
  (Docker Hub for unqualified names like `alpine:3.20`).

Why it matters: container guidance 12.2 asks for base images from a registry the organisation
controls and for provenance that can be checked; an unsigned image from a public registry can
carry anything.

Fix: mirror base images into your own registry, sign images in CI (cosign, notation) and keep
the signatures with the image (`skopeo copy --all`, `oras`), verify them before deployment.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.detectors.base import NOTHING
from analyzer.detectors.context import ImageContext
from analyzer.findings.model import Finding, Rule, Severity

UNSIGNED = Rule(
    "IA-UNSIGNED",
    "No signature in the archive",
    "provenance",
    Severity.LOW,
    "Without a signature nobody can check who built the image.",
    "Sign images in CI and keep signatures with the image.",
)
UNTRUSTED = Rule(
    "IA-REGISTRY-UNTRUSTED",
    "Image from an untrusted registry",
    "provenance",
    Severity.MEDIUM,
    "Images from registries you do not control can change under you or carry malware.",
    "Mirror and pin images in a registry you control.",
)


def registry_of(reference: str) -> str | None:
    """The registry a reference names (docker.io for short names); None for a bare tag.

    >>> registry_of("alpine:3.20"), registry_of("ghcr.io/org/app:1"), registry_of("latest")
    ('docker.io', 'ghcr.io', None)
    >>> registry_of("localhost:5000/app")
    'localhost:5000'
    """
    name = reference.split("@", 1)[0]
    first, slash, _ = name.partition("/")
    if not slash:
        return "docker.io" if ":" in name else None
    if "." in first or ":" in first or first == "localhost":
        return first
    return "docker.io"


def signatures_of(ctx: ImageContext) -> list[str]:
    """Digests of signature artifacts that belong to this image."""
    manifest = ctx.image.manifest_digest
    if not manifest:
        return []
    cosign_tag = manifest.replace(":", "-") + ".sig"
    return [
        a.digest
        for a in ctx.artifacts
        if a.kind == "signature"
        and (a.subject == manifest or any(r.endswith(cosign_tag) for r in a.refs))
    ]


class ProvenanceDetector:
    """Signatures and registry origin."""

    rules = (UNSIGNED, UNTRUSTED)

    content = NOTHING

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """Signature presence, then registry origin when a trusted list was given."""
        found = signatures_of(ctx)
        ctx.facts["signatures"] = found
        trusted = ctx.options.trusted_registries
        ctx.facts["trusted_registries"] = list(trusted)
        # A legacy docker-archive has no manifest digest a signature could name: that says
        # nothing about the image (CG-12.2 is not assessed there), so it is no finding.
        if not found and ctx.image.manifest_digest:
            evidence = f"no signature for manifest {ctx.image.manifest_digest}"
            yield ctx.finding(UNSIGNED, key="signature", evidence=evidence)
        if not trusted:
            return
        for reference in ctx.image.refs:
            registry = registry_of(reference)
            if registry is not None and registry not in trusted:
                yield ctx.finding(
                    UNTRUSTED,
                    key=reference,
                    evidence=f"{reference} comes from {registry}, not from {', '.join(trusted)}",
                )
