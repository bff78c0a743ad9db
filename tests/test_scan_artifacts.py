"""Secrets in what an OCI archive's artifacts carry: attestations, SBOMs, signatures.

`docker buildx build --provenance=mode=max --build-arg GITHUB_TOKEN=...` writes the token into
the provenance attestation stored next to the image: the scan reports it as a secret of the
image the attestation is about, names the attestation as its source, and shows it in no
output. What cannot be read (a layer blob a referrer was copied without, one over the document
limit) is a notice; artifacts without secrets add no finding.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.detectors.context import ScanOptions
from analyzer.findings.model import Finding
from analyzer.limits import Limits
from analyzer.scan import ImageReport, scan_archive
from fixtures.attestations import (
    BUILD_ARG_TOKEN,
    DSSE,
    IN_TOTO,
    PAYLOAD_TOKEN,
    buildx_attestation,
    clean_artifacts,
    cosign_attestation,
)
from fixtures.detector_cases import base, clean_image
from fixtures.formats import write_oci_layout
from fixtures.imageconfig import go_json
from fixtures.spec import ArtifactSpec, ImageSpec
from fixtures.tarwriter import sha256_digest

AMD64 = clean_image(base())
ARM64 = replace(AMD64, architecture="arm64", variant="v8")


def layout(
    tmp_path: Path, *artifacts: ArtifactSpec, images: tuple[ImageSpec, ...] = (AMD64,)
) -> Path:
    return write_oci_layout(list(images), tmp_path / "layout.tar", extra_manifests=artifacts)


def secrets(report: ImageReport) -> list[Finding]:
    return [f for f in report.findings if f.rule_id.startswith("IA-SECRET")]


def source(finding: Finding) -> str:
    return dict(finding.details)["source"]


def layer_digest(artifact: ArtifactSpec) -> str:
    [(_, data)] = artifact.layers
    return sha256_digest(data)


def test_a_build_argument_in_buildx_provenance_is_reported_by_the_image_it_attests(
    tmp_path: Path,
) -> None:
    """Two platforms; the attestation of the second (named by buildx's
    `vnd.docker.reference.digest`) holds the token: that image reports it, the other not."""
    attestation = buildx_attestation(ARM64, {"GITHUB_TOKEN": BUILD_ARG_TOKEN}, about=1)
    archive = layout(tmp_path, attestation, images=(AMD64, ARM64))
    result = scan_archive(archive, options=ScanOptions(workers=1))
    amd64, arm64 = result.images
    assert secrets(amd64) == []
    [found] = secrets(arm64)
    [artifact] = result.read.catalog.artifacts
    assert artifact.kind == "attestation"
    assert source(found).startswith(f"ARCHIVE attestation {artifact.digest} layer sha256:")
    assert source(found).endswith(" predicate.invocation.parameters.args.build-arg:GITHUB_TOKEN")
    assert BUILD_ARG_TOKEN not in found.evidence
    assert BUILD_ARG_TOKEN not in result.archive_scrub(f"echo {BUILD_ARG_TOKEN}")


def test_a_build_argument_named_as_a_password_is_reported_by_its_name(tmp_path: Path) -> None:
    """A plain password has no shape of its own: its name says what it is, as for ENV."""
    password = "Rq7-build-Value-41xZ"
    archive = layout(tmp_path, buildx_attestation(AMD64, {"DB_PASSWORD": password}))
    [report] = scan_archive(archive, options=ScanOptions(workers=1)).images
    [found] = secrets(report)
    assert found.rule_id == "IA-SECRET-KEYWORD"
    assert source(found).endswith(".args.build-arg:DB_PASSWORD")
    assert password not in found.evidence and password not in report.scrub(password)


def test_a_build_argument_whose_name_says_secret_is_reported_whatever_its_value_looks_like(
    tmp_path: Path,
) -> None:
    """`NPM_TOKEN=<letters and digits>` has no token shape and the keyword plugin passes it
    by; an ENV entry of that name is reported by its name, and so is a build argument."""
    value = "abcDEF123ghiJKL456"
    args = {"NPM_TOKEN": value, "VERSION": "1.2.3", "API_TOKEN_FILE": "/run/secrets/api"}
    archive = layout(tmp_path, buildx_attestation(AMD64, args))
    [report] = scan_archive(archive, options=ScanOptions(workers=1)).images
    [found] = secrets(report)
    assert found.rule_id == "IA-SECRET-ENV"
    assert source(found).endswith(".args.build-arg:NPM_TOKEN")
    assert value not in found.evidence and value not in report.scrub(value)


def test_a_leaked_build_argument_appears_in_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = layout(tmp_path, buildx_attestation(AMD64, {"GITHUB_TOKEN": BUILD_ARG_TOKEN}))
    bundle = tmp_path / "bundle"
    main(["scan", str(archive), "-q", "--jobs", "1", "-f", "json", "--bundle", str(bundle)])
    out = capsys.readouterr().out
    assert BUILD_ARG_TOKEN not in out
    [image] = json.loads(out)["images"]
    assert any("ARCHIVE attestation" in f["evidence"] for f in image["findings"])
    written = [p for p in bundle.rglob("*") if p.is_file()]
    assert written and not any(BUILD_ARG_TOKEN.encode() in p.read_bytes() for p in written)


def test_a_token_in_the_payload_of_a_dsse_envelope_is_found(tmp_path: Path) -> None:
    """cosign's attestations are DSSE envelopes: the statement is base64 in `payload`."""
    archive = layout(tmp_path, cosign_attestation(AMD64, {"GITHUB_TOKEN": PAYLOAD_TOKEN}))
    [report] = scan_archive(archive, options=ScanOptions(workers=1)).images
    [found] = secrets(report)
    assert source(found).startswith("ARCHIVE attestation sha256:")
    assert source(found).endswith(
        " payload predicate.invocation.parameters.args.build-arg:GITHUB_TOKEN"
    )
    assert report.scrub(PAYLOAD_TOKEN) != PAYLOAD_TOKEN


def test_a_token_in_a_blob_of_an_image_spec_1_1_rc_artifact_manifest_is_found(
    tmp_path: Path,
) -> None:
    """ORAS 1.0 wrote attestations as image-spec 1.1.0-rc's artifact manifest
    (`application/vnd.oci.artifact.manifest.v1+json`): `blobs` instead of `layers`, no config.
    Its blobs are read as layers are, and the image its `subject` names reports the token."""
    attestation = replace(
        cosign_attestation(ARM64, {"GITHUB_TOKEN": PAYLOAD_TOKEN}), release_candidate=True, about=1
    )
    archive = layout(tmp_path, attestation, images=(AMD64, ARM64))
    result = scan_archive(archive, options=ScanOptions(workers=1))
    amd64, arm64 = result.images
    [artifact] = result.read.catalog.artifacts
    assert artifact.media_type == "application/vnd.oci.artifact.manifest.v1+json"
    assert artifact.kind == "attestation"
    assert secrets(amd64) == []
    [found] = secrets(arm64)
    assert source(found).startswith(f"ARCHIVE attestation {artifact.digest} layer sha256:")
    assert source(found).endswith(
        " payload predicate.invocation.parameters.args.build-arg:GITHUB_TOKEN"
    )
    assert PAYLOAD_TOKEN not in found.evidence
    assert not [n for n in result.notices if layer_digest(attestation) in n]


def test_a_dsse_payload_that_is_not_base64_is_a_notice(tmp_path: Path) -> None:
    envelope = go_json({"payloadType": IN_TOTO, "payload": "not base64!", "signatures": []})
    attestation = ArtifactSpec(artifact_type="", layers=((DSSE, envelope),))
    result = scan_archive(layout(tmp_path, attestation), options=ScanOptions(workers=1))
    [notice] = [n for n in result.notices if layer_digest(attestation) in n]
    assert "payload is not base64" in notice and "not examined for secrets" in notice


def test_an_attestation_whose_layer_blob_is_missing_is_a_notice_and_the_scan_succeeds(
    tmp_path: Path,
) -> None:
    """A referrer is often copied without its blobs: that is no reason to refuse the image."""
    attestation = buildx_attestation(AMD64, {"GITHUB_TOKEN": BUILD_ARG_TOKEN}, stored=False)
    archive = layout(tmp_path, attestation)
    result = scan_archive(archive, options=ScanOptions(workers=1))
    [notice] = [n for n in result.notices if layer_digest(attestation) in n]
    assert "not in the archive" in notice and "not examined for secrets" in notice
    assert secrets(result.images[0]) == []


def test_an_artifact_layer_over_the_document_limit_is_a_notice_and_is_not_read(
    tmp_path: Path,
) -> None:
    padding = {"NOTES": "x" * 20_000}
    attestation = buildx_attestation(AMD64, {"GITHUB_TOKEN": BUILD_ARG_TOKEN, **padding})
    archive = layout(tmp_path, attestation)
    limits = Limits(max_json_bytes=16_000)  # the image's own documents are a few KB
    result = scan_archive(archive, limits=limits, options=ScanOptions(workers=1))
    [notice] = [n for n in result.notices if layer_digest(attestation) in n]
    assert "over the 16,000-byte limit" in notice and "not examined for secrets" in notice
    assert layer_digest(attestation) not in {d for _, d in result.read.catalog.verified}
    assert secrets(result.images[0]) == []


def test_artifacts_without_secrets_add_no_secret_finding(tmp_path: Path) -> None:
    """Real attestations, SBOMs and signatures are full of digests, checksums, commit ids,
    base64 payloads and signatures: none of them is a secret."""
    archive = layout(tmp_path, *clean_artifacts(AMD64))
    result = scan_archive(archive, options=ScanOptions(workers=1))
    assert {a.kind for a in result.read.catalog.artifacts} == {"attestation", "sbom", "signature"}
    assert len(result.read.catalog.documents) == 9  # 4 manifests, 4 layers, 1 payload
    assert secrets(result.images[0]) == []
    assert not any("examined for secrets" in n for n in result.notices)
