"""findings.sarif: every finding is a schema-valid SARIF result a code-scanning tool can place."""

from __future__ import annotations

import copy
import io
import json
import urllib.request
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from analyzer.bundle.report import canonical_json
from analyzer.bundle.sarif import (
    FINGERPRINT_KEY,
    IMAGE_ROOT,
    LEVELS,
    image_path_uri,
    sarif_document,
    sarif_errors,
)
from analyzer.cli import main
from analyzer.scan import scan_archive
from analyzer.views import scan_document

VERSION = "9.9.9"


def rules_document() -> dict[str, Any]:
    """What `image-audit rules --format json` prints."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["rules", "--format", "json"]) == 0
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def scan_doc(built: dict[str, Path]) -> dict[str, Any]:
    return scan_document(scan_archive(built["example"]))


@pytest.fixture(scope="module")
def rules_doc() -> dict[str, Any]:
    return rules_document()


@pytest.fixture(scope="module")
def sarif(scan_doc: dict[str, Any], rules_doc: dict[str, Any]) -> dict[str, Any]:
    return sarif_document(scan_doc, rules_doc, VERSION)


def test_sarif_validates_against_the_oasis_schema(sarif: dict[str, Any]) -> None:
    assert sarif["version"] == "2.1.0"
    assert sarif_errors(sarif) == []


def test_validation_never_goes_to_the_network(
    sarif: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validation tried to fetch something")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    assert sarif_errors(sarif) == []


def test_one_run_per_image_with_the_tool_and_image_named(
    sarif: dict[str, Any], scan_doc: dict[str, Any]
) -> None:
    assert len(sarif["runs"]) == len(scan_doc["images"])
    run, image = sarif["runs"][0], scan_doc["images"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "image-audit" and driver["version"] == VERSION
    assert "informationUri" not in driver
    root = run["originalUriBaseIds"][IMAGE_ROOT]
    assert "uri" not in root and image["config_digest"] in root["description"]["text"]
    assert run["properties"]["config_digest"] == image["config_digest"]


def test_every_finding_is_a_result_with_its_rule_level_line_and_fingerprint(
    sarif: dict[str, Any], scan_doc: dict[str, Any]
) -> None:
    run, findings = sarif["runs"][0], scan_doc["images"][0]["findings"]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(findings) > 0
    for result, finding in zip(run["results"], findings, strict=True):
        assert result["ruleId"] == finding["rule_id"]
        assert rules[result["ruleIndex"]]["id"] == finding["rule_id"]
        assert result["level"] == LEVELS[finding["severity"]]
        assert result["message"]["text"] == finding["evidence"]
        assert result["partialFingerprints"] == {FINGERPRINT_KEY: finding["fingerprint"]}
        assert result["properties"]["recoverable"] == finding["recoverable"]
        region = result["locations"][0].get("physicalLocation", {}).get("region")
        assert region == ({"startLine": finding["line"]} if finding["line"] else None)


def test_rules_carry_help_pci_and_a_numeric_security_severity(
    sarif: dict[str, Any], scan_doc: dict[str, Any]
) -> None:
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(
        {f["rule_id"] for f in scan_doc["images"][0]["findings"]}
    )
    key = next(r for r in rules if r["id"] == "IA-SECRET-PRIVATE-KEY")
    assert key["defaultConfiguration"]["level"] == "error"
    assert key["properties"]["severity"] == "critical"
    assert float(key["properties"]["security-severity"]) >= 9.0
    assert "CG-12.4" in key["properties"]["pci"]
    assert "Fix:" in key["help"]["text"] and key["shortDescription"]["text"]


def test_a_deleted_secret_points_into_the_image_and_at_its_layer(sarif: dict[str, Any]) -> None:
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "IA-SECRET-PRIVATE-KEY")
    location = result["locations"][0]
    artifact = location["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "app/id_rsa", "uriBaseId": IMAGE_ROOT}
    assert location["logicalLocations"] == [
        {"name": "layer 1", "fullyQualifiedName": "example/shop:latest/layer/1", "kind": "module"}
    ]
    assert result["properties"]["present_in_final"] is False


def test_config_findings_have_no_physical_location(sarif: dict[str, Any]) -> None:
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "IA-USER-ROOT")
    (location,) = result["locations"]
    assert "physicalLocation" not in location
    assert location["logicalLocations"][0]["kind"] == "object"
    assert location["logicalLocations"][0]["fullyQualifiedName"].endswith("/config")


def test_the_same_scan_gives_the_same_bytes(
    scan_doc: dict[str, Any], rules_doc: dict[str, Any]
) -> None:
    first = canonical_json(sarif_document(scan_doc, rules_doc, VERSION))
    second = canonical_json(sarif_document(copy.deepcopy(scan_doc), rules_document(), VERSION))
    assert first == second


def test_a_result_without_a_message_fails_validation(sarif: dict[str, Any]) -> None:
    broken = copy.deepcopy(sarif)
    del broken["runs"][0]["results"][0]["message"]
    errors = sarif_errors(broken)
    assert errors and "'message' is a required property" in errors[0]


def test_an_unknown_level_fails_validation(sarif: dict[str, Any]) -> None:
    broken = copy.deepcopy(sarif)
    broken["runs"][0]["results"][0]["level"] = "critical"
    assert sarif_errors(broken)


def test_paths_become_relative_uris_escaped_where_needed() -> None:
    assert image_path_uri("/app/.env") == "app/.env"
    assert image_path_uri("/srv/a b?#.txt") == "srv/a%20b%3F%23.txt"


def test_a_path_that_is_not_utf8_becomes_a_uri_of_its_original_bytes(
    scan_doc: dict[str, Any], rules_doc: dict[str, Any]
) -> None:
    assert image_path_uri("/app/caf\udce9 \udcff") == "app/caf%E9%20%FF"
    doc = copy.deepcopy(scan_doc)
    doc["images"][0]["findings"][0]["path"] = "/app/\udcff\x1b[2J"
    sarif = sarif_document(doc, rules_doc, VERSION)
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/%FF%1B%5B2J"
    assert sarif_errors(sarif) == []
    canonical_json(sarif).decode("utf-8")  # written without crashing
