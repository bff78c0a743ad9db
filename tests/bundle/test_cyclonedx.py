"""packages.cdx.json: the image's packages as a schema-valid, reproducible CycloneDX 1.5 BOM."""

from __future__ import annotations

import copy
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from analyzer.bundle.cyclonedx import (
    cyclonedx_document,
    cyclonedx_errors,
    license_choice,
    package_components,
)
from analyzer.bundle.report import canonical_json
from analyzer.image.label import split_ref
from analyzer.scan import scan_archive
from analyzer.views import scan_document
from fixtures.imported import write_imported_image
from tests.conftest import SHARED_ABSENT

ALPINE = Path("../shared/realworld/images/alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz")
SERIAL = "urn:uuid:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
TIMESTAMP = "2026-01-02T03:04:05Z"


def bom(scan_doc: dict[str, Any], **overrides: str) -> dict[str, Any]:
    args = {"serial": SERIAL, "timestamp": TIMESTAMP, "tool_version": "9.9.9", **overrides}
    return cyclonedx_document(scan_doc["images"][0], scan_doc["archive"], **args)


@pytest.fixture(scope="module")
def alpine_scan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not ALPINE.is_file():
        pytest.skip(SHARED_ABSENT)
    archive = write_imported_image(
        ALPINE, tmp_path_factory.mktemp("alpine") / "a.tar", "alpine:3.20.3"
    )
    return scan_document(scan_archive(archive))


@pytest.fixture(scope="module")
def alpine_bom(alpine_scan: dict[str, Any]) -> dict[str, Any]:
    return bom(alpine_scan)


def test_bom_validates_against_the_cyclonedx_schema(alpine_bom: dict[str, Any]) -> None:
    assert alpine_bom["specVersion"] == "1.5"
    assert cyclonedx_errors(alpine_bom) == []


def test_validation_never_goes_to_the_network(
    alpine_bom: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validation tried to fetch something")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    assert cyclonedx_errors(alpine_bom) == []


def test_the_image_is_the_described_container(
    alpine_bom: dict[str, Any], alpine_scan: dict[str, Any]
) -> None:
    image = alpine_bom["metadata"]["component"]
    config = alpine_scan["images"][0]["config_digest"]
    assert (image["type"], image["name"], image["version"]) == ("container", "alpine", "3.20.3")
    assert image["hashes"] == [{"alg": "SHA-256", "content": config.removeprefix("sha256:")}]
    names = {p["name"] for p in image["properties"]}
    assert {"image-audit:platform", "image-audit:config_digest"} <= names
    assert alpine_bom["metadata"]["tools"]["components"][0]["name"] == "image-audit"
    assert alpine_bom["serialNumber"] == SERIAL and alpine_bom["metadata"]["timestamp"] == TIMESTAMP


def test_every_package_appears_with_its_purl_layer_and_place(
    alpine_bom: dict[str, Any], alpine_scan: dict[str, Any]
) -> None:
    packages = alpine_scan["images"][0]["packages"]
    libraries = [c for c in alpine_bom["components"] if c["type"] == "library"]
    assert len(libraries) == len(packages) > 5
    by_purl = {c["purl"]: c for c in libraries}
    for package in packages:
        component = by_purl[package["purl"]]
        assert component["bom-ref"] == package["purl"]
        assert (component["name"], component["version"]) == (package["name"], package["version"])
        props = {p["name"]: p["value"] for p in component["properties"]}
        assert props["image-audit:layer"] == str(package["layer"])
        assert props["image-audit:found_in"] == package["found_in"]
    musl = next(c for c in libraries if c["name"] == "musl")
    assert musl["purl"].startswith("pkg:apk/alpine/musl@") and musl["licenses"]


def test_the_operating_system_is_a_component(alpine_bom: dict[str, Any]) -> None:
    (os_component,) = [c for c in alpine_bom["components"] if c["type"] == "operating-system"]
    assert (os_component["name"], os_component["version"]) == ("alpine", "3.20.3")
    refs = {d["ref"]: d.get("dependsOn", []) for d in alpine_bom["dependencies"]}
    assert os_component["bom-ref"] in refs[alpine_bom["metadata"]["component"]["bom-ref"]]


def test_the_same_inputs_give_the_same_bytes(alpine_scan: dict[str, Any]) -> None:
    shuffled = copy.deepcopy(alpine_scan)
    shuffled["images"][0]["packages"].reverse()
    assert canonical_json(bom(alpine_scan)) == canonical_json(bom(shuffled))


def test_an_image_without_packages_still_gives_a_valid_bom(built: dict[str, Path]) -> None:
    doc = bom(scan_document(scan_archive(built["example"])))
    assert cyclonedx_errors(doc) == []
    assert doc["metadata"]["component"]["name"] == "example/shop"


def test_a_broken_bom_fails_validation(alpine_bom: dict[str, Any]) -> None:
    missing_name = copy.deepcopy(alpine_bom)
    del missing_name["components"][1]["name"]
    assert any("'name' is a required property" in e for e in cyclonedx_errors(missing_name))
    assert cyclonedx_errors({**alpine_bom, "serialNumber": "not-a-urn"})
    bad_license = copy.deepcopy(alpine_bom)
    bad_license["components"][1]["licenses"] = [{"license": {"id": "Not-A-License"}}]
    assert cyclonedx_errors(bad_license)


def test_duplicate_purls_get_distinct_bom_refs() -> None:
    package = {"name": "six", "version": "1.16.0", "purl": "pkg:pypi/six@1.16.0", "layer": 1}
    twice = [
        {**package, "found_in": "/a/site-packages"},
        {**package, "found_in": "/b/site-packages"},
    ]
    refs = [c["bom-ref"] for c in package_components(twice)]
    assert refs[0] == "pkg:pypi/six@1.16.0" and len(set(refs)) == 2


def test_licenses_and_refs_are_read_as_spdx_and_name_tag() -> None:
    assert license_choice("Apache-2.0") == [{"license": {"id": "Apache-2.0"}}]
    assert license_choice("MIT OR GPL-2.0-only") == [{"expression": "MIT OR GPL-2.0-only"}]
    assert split_ref("example/shop:latest") == ("example/shop", "latest")


def test_a_reference_that_is_not_valid_unicode_still_gives_a_valid_bom(
    built: dict[str, Path],
) -> None:
    scan_doc = scan_document(scan_archive(built["oci-tar-gzip"]))
    scan_doc["images"][0]["refs"] = ["registry.example/app\ud800:v\udcff1"]
    document = bom(scan_doc)
    assert "app%ED%A0%80" in document["metadata"]["component"]["purl"]
    assert "tag=v%FF1" in document["metadata"]["component"]["purl"]
    assert cyclonedx_errors(document) == []
    canonical_json(document).decode("utf-8")


def test_a_tag_holding_a_redacted_secret_keeps_the_image_name(built: dict[str, Path]) -> None:
    scan_doc = scan_document(scan_archive(built["oci-tar-gzip"]))
    scan_doc["images"][0]["refs"] = ["leak/app:ghp_... (40 chars, sha256:db18eaa92aa0f18d)"]
    component = bom(scan_doc)["metadata"]["component"]
    assert component["name"] == "leak/app"
    assert component["version"] == "ghp_... (40 chars, sha256:db18eaa92aa0f18d)"
