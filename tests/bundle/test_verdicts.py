"""Verdicts from real scans of fixture images, as report.json, report.md and report.html state
them: the same verdicts everywhere, an overall line whose counts match the table, and the
findings behind every fail."""

from __future__ import annotations

import copy
import datetime
import io
import json
import re
import zipfile
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from analyzer.bundle.html import report_html
from analyzer.bundle.report import report_markdown
from analyzer.cli import main
from analyzer.detectors.context import ScanOptions
from analyzer.findings.model import Severity
from analyzer.findings.pci import fails
from analyzer.findings.verdicts import Status, image_verdicts, verdict_line
from analyzer.scan import scan_archive
from analyzer.views import scan_document
from fixtures.catalog import signature_artifact
from fixtures.detector_cases import DPKG_STATUS, base, clean_image
from fixtures.formats import write_docker_archive, write_oci_layout
from fixtures.spec import FileSpec, ImageSpec
from tests.bundle.test_html import parse

TODAY = datetime.date(2026, 1, 15)
OS_RELEASE = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'


def debian_image() -> ImageSpec:
    """A clean, labelled, non-root image with a supported base OS and a dpkg database."""
    files = (
        FileSpec("etc/os-release", OS_RELEASE),
        FileSpec("var/lib/dpkg/", kind="dir"),
        FileSpec("var/lib/dpkg/status", DPKG_STATUS),
    )
    return clean_image(base(*files))


def scanned(archive: Path, **options: Any) -> dict[str, Any]:
    """The first image of the scan document of a real scan."""
    result = scan_archive(archive, options=ScanOptions(today=TODAY, **options))
    image: dict[str, Any] = scan_document(result)["images"][0]
    return image


def statuses(image: dict[str, Any]) -> dict[str, str]:
    return {v.requirement: v.status.value for v in image_verdicts(image)}


@pytest.fixture(scope="module")
def bundle(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("verdicts")
    assert main(["scan", str(built["example"]), "--bundle", str(out), "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def report(bundle: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((bundle / "report.json").read_text())
    return doc


def test_example_verdicts_fail_on_its_findings_and_say_what_was_not_assessed(
    report: dict[str, Any],
) -> None:
    judged = {r["requirement"]: r for r in report["requirements"]}
    assert {r: v["status"] for r, v in judged.items()} == {
        "CG-12.1": "pass",  # busybox (low) and the base OS (info) are observations
        "CG-12.2": "not-assessed",
        "CG-12.3": "fail",
        "CG-12.4": "fail",
        "2.2.1": "manual",
        "2.2.4": "pass",
        "2.2.6": "pass",
        "6.3.2": "not-assessed",
        "6.3.3": "not-assessed",
        "7.2.1": "fail",
        "7.2.2": "fail",
        "8.6.2": "fail",
        "12.5.1": "manual",
    }
    assert "legacy docker-archive cannot carry signatures" in judged["CG-12.2"]["reason"]
    assert "no package database" in judged["6.3.2"]["reason"]
    assert "no vulnerability data" in judged["6.3.3"]["reason"]
    assert judged["CG-12.2"]["observations"] == {"low": 0, "info": 0}  # no IA-UNSIGNED there


def test_every_fail_names_reported_findings_at_a_failing_severity(report: dict[str, Any]) -> None:
    by_fingerprint = {f["fingerprint"]: f for f in report["findings"]}
    fails_seen = 0
    for verdict in report["requirements"]:
        for fp in verdict["findings"]:
            assert verdict["requirement"] in by_fingerprint[fp]["pci"]
            assert fails(Severity(by_fingerprint[fp]["severity"]))
            fails_seen += 1
        assert bool(verdict["findings"]) == (verdict["status"] == "fail")
    assert fails_seen > 0


def test_report_json_verdicts_are_the_scan_documents_verdicts(
    built: dict[str, Path], report: dict[str, Any]
) -> None:
    image = scanned(built["example"])
    assert statuses(image) == {r["requirement"]: r["status"] for r in report["requirements"]}


def test_image_with_a_dpkg_database_and_supported_os_passes_inventory_and_base_image(
    tmp_path: Path,
) -> None:
    archive = write_oci_layout([debian_image()], tmp_path / "debian.tar")
    judged = statuses(scanned(archive))
    assert judged["6.3.2"] == "pass"
    assert judged["CG-12.1"] == "pass"
    assert judged["CG-12.3"] == judged["CG-12.4"] == judged["8.6.2"] == "pass"
    assert judged["6.3.3"] == "not-assessed"
    assert judged["CG-12.2"] == "not-assessed"  # no --trusted-registry


def test_same_image_without_a_package_database_is_not_pass_for_6_3_2(tmp_path: Path) -> None:
    archive = write_oci_layout([clean_image()], tmp_path / "bare.tar")
    image = scanned(archive)
    assert image["packages"] == []
    assert statuses(image)["6.3.2"] == "not-assessed"
    assert statuses(image)["CG-12.1"] == "not-assessed"  # no os-release: base OS unknown


def test_end_of_life_base_os_fails_6_3_3_and_cg_12_1(tmp_path: Path) -> None:
    old = b'PRETTY_NAME="Debian GNU/Linux 9 (stretch)"\nID=debian\nVERSION_ID="9"\n'
    spec = clean_image(base(FileSpec("etc/os-release", old)))
    judged = statuses(scanned(write_oci_layout([spec], tmp_path / "old.tar")))
    assert judged["6.3.3"] == judged["CG-12.1"] == "fail"


def test_clean_docker_archive_is_not_assessed_for_cg_12_2_not_failed(tmp_path: Path) -> None:
    archive = write_docker_archive([debian_image()], tmp_path / "legacy.tar")
    image = scanned(archive, trusted_registries=("registry.example.com",))
    [verdict] = [v for v in image_verdicts(image) if v.requirement == "CG-12.2"]
    assert verdict.status is Status.NOT_ASSESSED
    assert verdict.reason and "legacy docker-archive" in verdict.reason


def test_reference_from_an_untrusted_registry_fails_cg_12_2(tmp_path: Path) -> None:
    archive = write_oci_layout([debian_image()], tmp_path / "debian.tar")
    image = scanned(archive, trusted_registries=("registry.corp",))
    assert statuses(image)["CG-12.2"] == "fail"


def test_signed_image_from_a_trusted_registry_passes_cg_12_2(tmp_path: Path) -> None:
    spec = debian_image()
    archive = write_oci_layout(
        [spec], tmp_path / "signed.tar", extra_manifests=(signature_artifact(spec),)
    )
    image = scanned(archive, trusted_registries=("registry.example.com",))
    assert image["signatures"]
    assert statuses(image)["CG-12.2"] == "pass"


def test_high_min_severity_turns_no_pass_into_a_claim(built: dict[str, Path]) -> None:
    image = scanned(built["example"], min_severity=Severity.HIGH)
    assert image["hidden_below_min_severity"] > 0
    assert "pass" not in statuses(image).values()


# ---- the overall line and the table in report.md and report.html ----------------------------


def counted(line: str) -> Counter[str]:
    """The counts an overall line states, by status value."""
    counts: Counter[str] = Counter()
    for number, label in re.findall(
        r"(\d+) (?:requirements? )?(fails?|pass|not assessed|manual)", line
    ):
        counts[label.replace("fails", "fail").replace(" ", "-")] = int(number)
    return counts


def test_report_md_opens_with_the_overall_line_matching_its_table(bundle: Path) -> None:
    lines = (bundle / "report.md").read_text().splitlines()
    assert lines[0].startswith("# Image audit: ") and lines[1] == ""
    overall = lines[2].strip("*")
    assert overall == "5 requirements fail, 3 pass, 3 not assessed, 2 manual"
    rows = [line.split(" | ")[1] for line in lines if re.match(r"\| (CG-)?\d", line)]
    table = Counter(r.lower().replace(" ", "-") for r in rows)
    assert counted(overall) == table and sum(table.values()) == 13


def test_report_md_names_the_rules_behind_every_fail(bundle: Path, report: dict[str, Any]) -> None:
    text = (bundle / "report.md").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| CG-12.3 |"))
    assert "| FAIL | 3 findings: IA-USER-ROOT, IA-FILECAP, IA-SETUID |" in row


def test_report_html_opens_with_the_overall_line_and_links_every_fail_to_its_findings(
    report: dict[str, Any],
) -> None:
    page = report_html(report)
    elements = parse(page)
    header = page.index('<header id="image">')
    assert header < page.index('<p id="verdict-line">') < page.index('id="identity"')
    line = verdict_line(Status(r["status"]) for r in report["requirements"])
    assert f'<p id="verdict-line">{line}</p>' in page
    rows = elements.having("tr", class_="requirement")
    assert counted(line) == Counter(r["data-status"] for r in rows)
    finding_ids = {a["id"]: a for a in elements.having("tr", class_="finding")}
    links = [a["href"] for a in elements.having("a") if (a.get("href") or "").startswith("#f")]
    expected = sum(
        len([f for f in report["findings"] if f["fingerprint"] in set(r["findings"])])
        for r in report["requirements"]
    )
    assert len(links) == expected > 0
    assert all(str(href)[1:] in finding_ids for href in links)
    assert all(fails(Severity(finding_ids[str(h)[1:]]["data-severity"] or "")) for h in links)


def test_report_html_shows_why_a_requirement_was_not_assessed(report: dict[str, Any]) -> None:
    hostile = copy.deepcopy(report)
    hostile["requirements"][1]["reason"] = "<script>alert(1)</script>"
    page = report_html(hostile)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "legacy docker-archive cannot carry signatures" in report_html(report)


# ---- Markdown safety --------------------------------------------------------------------------


def gfm_cells(row: str) -> list[str]:
    """The cells of a GitHub-flavoured Markdown table row: a backslash escapes the next
    character, any other pipe separates cells."""
    cells, cell, chars = [], "", iter(row.strip()[1:-1])
    for char in chars:
        if char == "\\":
            cell += char + next(chars, "")
        elif char == "|":
            cells.append(cell.strip())
            cell = ""
        else:
            cell += char
    return [*cells, cell.strip()]


def test_names_from_the_archive_cannot_forge_markdown_rows_or_columns(
    report: dict[str, Any],
) -> None:
    hostile = copy.deepcopy(report)
    forged = "/x | critical | IA-FAKE |\n| critical | IA-FORGED | /y \\"
    hostile["findings"][0] = {**hostile["findings"][0], "path": forged, "evidence": "<img src=x>"}
    hostile["notices"] = ["bad\n## Forged heading"]
    text = report_markdown(hostile)
    rows = [line for line in text.splitlines() if line.startswith("| critical |")]
    assert len(rows) == 1
    cells = gfm_cells(rows[0])
    assert len(cells) == 6 and "IA-FORGED" in cells[2]
    assert not re.search(r"(?<!\\)<img", text) and "\\<img src=x>" in text
    assert not [line for line in text.splitlines() if line.startswith("## Forged")]


# ---- report.json schema ---------------------------------------------------------------------


def schema() -> dict[str, Any]:
    text = resources.files("analyzer.bundle").joinpath("schemas/report.schema.json").read_text()
    doc: dict[str, Any] = json.loads(text)
    return doc


def test_schema_accepts_the_real_report_and_rejects_a_verdict_that_contradicts_itself(
    report: dict[str, Any],
) -> None:
    validator = jsonschema.Draft202012Validator(schema())
    validator.validate(report)
    passed = next(i for i, r in enumerate(report["requirements"]) if r["status"] == "pass")
    failed = next(i for i, r in enumerate(report["requirements"]) if r["status"] == "fail")
    unassessed = next(
        i for i, r in enumerate(report["requirements"]) if r["status"] == "not-assessed"
    )
    broken = [
        (passed, {"findings": report["requirements"][failed]["findings"]}),
        (failed, {"findings": []}),
        (unassessed, {"reason": None}),
        (passed, {"reason": "because"}),
        (passed, {"status": "not-assessable"}),
    ]
    for index, change in broken:
        doc = copy.deepcopy(report)
        doc["requirements"][index] = {**doc["requirements"][index], **change}
        assert not validator.is_valid(doc), change


def test_schema_observation_keys_are_the_severities_that_never_fail() -> None:
    verdict = schema()["$defs"]["verdict"]["properties"]["observations"]
    assert set(verdict["required"]) == {s.value for s in Severity if not fails(s)}


def test_report_schema_version_is_2(report: dict[str, Any]) -> None:
    assert report["schema_version"] == 2


def _with_archive(tmp_path: Path, name: str, data: bytes) -> Path:
    image = clean_image(base(FileSpec("etc/os-release", OS_RELEASE), FileSpec(f"app/{name}", data)))
    return write_docker_archive([image], tmp_path / "archive-member.tar")


def _zip(members: dict[str, bytes], password: bytes = b"") -> bytes:
    """A zip; with a password, its members are flagged encrypted (what an examiner cannot read)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = bytearray(buffer.getvalue())
    if password:  # set the encrypted bit (0x1) in every local and central header
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = data.find(signature)
            while at >= 0:
                data[at + offset] |= 1
                at = data.find(signature, at + 4)
    return bytes(data)


def test_an_encrypted_archive_in_the_image_leaves_the_secrets_requirements_not_assessed(
    tmp_path: Path,
) -> None:
    """Members that could not be read were not looked at: no PASS says they were."""
    image = scanned(_with_archive(tmp_path, "backup.zip", _zip({"a.env": b"A=1\n"}, b"pw")))
    assert image["secret_scan"]["archive_members_not_examined"] == 1
    judged = {v.requirement: v for v in image_verdicts(image)}
    for requirement in ("CG-12.4", "8.6.2"):
        assert judged[requirement].status is Status.NOT_ASSESSED
        assert "1 member of archive files in the image" in (judged[requirement].reason or "")


def test_a_library_jar_inside_a_fat_jar_is_the_scans_stated_scope_not_a_gap(
    tmp_path: Path,
) -> None:
    """A Spring Boot jar's BOOT-INF/lib/*.jar are examined as stored, not opened (one level
    deep, as the checked text says): counted and noticed, and the verdict still passes."""
    fat = _zip({"BOOT-INF/lib/dep.jar": _zip({"dep/Dep.class": b"\xca\xfe\xba\xbe"})})
    result = scan_archive(_with_archive(tmp_path, "app.jar", fat), options=ScanOptions(today=TODAY))
    image = scan_document(result)["images"][0]
    assert image["secret_scan"]["nested_archives_not_opened"] == 1
    assert image["secret_scan"]["archive_members_not_examined"] == 0
    assert statuses(image)["CG-12.4"] == statuses(image)["8.6.2"] == "pass"
    [notice] = [n for n in result.notices if "inside an archive file" in n]
    assert "'/app/app.jar' ('BOOT-INF/lib/dep.jar')" in notice
