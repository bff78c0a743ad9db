"""IA-VULN end to end: fixture images scanned with hand-written records; the 6.3.3 verdict;
suppressions by vulnerability id; the data's sources and age in the report."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from analyzer.detectors.context import ScanOptions
from analyzer.findings.suppress import Suppression
from analyzer.findings.verdicts import Status, image_verdicts
from analyzer.scan import scan_archive
from analyzer.views import scan_document
from analyzer.vulndb import VulnDb
from fixtures.formats import write_docker_archive
from fixtures.spec import ImageSpec
from fixtures.vulnerable import apk_image, dpkg_image, python_image
from tests.vulndb.records import database, osv, secdb

TODAY = datetime.date(2026, 12, 6)
CRITICAL = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]


def scanned(tmp_path: Path, spec: ImageSpec, db: VulnDb, *suppress: Suppression) -> dict[str, Any]:
    archive = write_docker_archive([spec], tmp_path / "image.tar")
    options = ScanOptions(vuln_db=db, today=TODAY, suppressions=suppress)
    [image] = scan_document(scan_archive(archive, options=options))["images"]
    return image  # type: ignore[no-any-return]


def vulns(image: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in image["findings"] if f["rule_id"] == "IA-VULN"]


def verdict_633(image: dict[str, Any]) -> tuple[Status, str | None]:
    [verdict] = [v for v in image_verdicts(image) if v.requirement == "6.3.3"]
    return verdict.status, verdict.reason


def fixed_in(rid: str, ecosystem: str, name: str, fixed: str, **extra: Any) -> dict[str, Any]:
    return osv(rid, ecosystem, name, [{"introduced": "0"}, {"fixed": fixed}], **extra)


def pypi_db(tmp_path: Path) -> VulnDb:
    return database(
        tmp_path,
        osv("PYSEC-1", "PyPI", "foo", [{"introduced": "0"}, {"fixed": "2.0"}], severity=CRITICAL),
        osv("PYSEC-2", "PyPI", "bar", [{"introduced": "0"}], aliases=("CVE-2026-2",)),
    )


def test_finding_names_package_versions_purl_layer_and_cvss_severity(tmp_path: Path) -> None:
    image = scanned(tmp_path, python_image([("Foo", "1.5"), ("baz", "1.0")]), pypi_db(tmp_path))
    [finding] = vulns(image)
    assert finding["severity"] == "critical" and finding["layer_index"] == 1
    assert finding["path"].endswith("/Foo-1.5.dist-info/METADATA")
    details = finding["details"]
    assert (details["vulnerability"], details["installed"], details["fixed"]) == (
        "PYSEC-1",
        "1.5",
        "2.0",
    )
    assert details["purl"] == "pkg:pypi/foo@1.5" and details["score"] == "9.8"
    assert "fixed in 2.0; CVSS 9.8" in finding["evidence"]
    assert finding["pci"] == ["6.3.3"]
    assert verdict_633(image)[0] is Status.FAIL


def test_pass_when_the_data_covers_every_ecosystem_and_nothing_is_found(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        osv("PYSEC-1", "PyPI", "foo", [{"introduced": "0"}, {"fixed": "2.0"}]),
        osv("DSA-1", "Debian:12", "nothing", [{"introduced": "0"}]),
    )
    image = scanned(tmp_path, python_image([("foo", "2.0")]), db)
    assert vulns(image) == [] and image["vulnerabilities"]["uncovered"] == []
    assert verdict_633(image) == (Status.PASS, None)


def test_not_assessed_names_the_ecosystems_the_data_does_not_cover(tmp_path: Path) -> None:
    db = database(tmp_path, osv("DSA-1", "Debian:12", "nothing", [{"introduced": "0"}]))
    status, reason = verdict_633(scanned(tmp_path, python_image([("foo", "2.0")]), db))
    assert status is Status.NOT_ASSESSED and reason and "no records for PyPI" in reason


def test_unrated_vulnerability_without_a_fix_is_medium_and_leaves_633_not_assessed(
    tmp_path: Path,
) -> None:
    image = scanned(tmp_path, python_image([("bar", "0.1")]), pypi_db(tmp_path))
    [finding] = vulns(image)
    assert finding["severity"] == "medium" and finding["pci"] == []
    assert "no fixed version known; severity unknown" in finding["evidence"]
    status, reason = verdict_633(image)
    assert status is Status.NOT_ASSESSED and reason and "no fixed version yet" in reason


def test_suppression_by_vulnerability_alias(tmp_path: Path) -> None:
    accepted = Suppression("not reachable here", vulnerability="CVE-2026-*")
    image = scanned(tmp_path, python_image([("bar", "0.1")]), pypi_db(tmp_path), accepted)
    assert vulns(image) == []


def test_apk_package_older_than_the_secdb_fix_matches_by_origin(tmp_path: Path) -> None:
    db = database(tmp_path, secdb("v3.11", {"openssl": {"1.1.1d-r3": ["CVE-2019-1551"]}}))
    spec = apk_image([("libssl1.1", "1.1.1d-r2", "openssl"), ("musl", "1.1.24-r2", "musl")])
    image = scanned(tmp_path, spec, db)
    assert [(f["details"]["package"], f["details"]["fixed"]) for f in vulns(image)] == [
        ("libssl1.1", "1.1.1d-r3")
    ]
    assert vulns(image)[0]["created_by"].startswith("RUN apk add")


def test_the_report_names_the_data_and_warns_when_it_is_stale(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        osv("PYSEC-1", "PyPI", "foo", [{"introduced": "0"}], modified="2026-10-01T00:00:00Z"),
    )
    archive = write_docker_archive([python_image([("foo", "1")])], tmp_path / "image.tar")
    result = scan_archive(archive, options=ScanOptions(vuln_db=db, today=TODAY))
    [image] = scan_document(result)["images"]
    fact = image["vulnerabilities"]
    assert fact["newest_record"] == "2026-10-01T00:00:00Z" and fact["age_days"] == 66
    assert len(fact["sources"][0]["sha256"]) == 64
    assert any("66 days before this scan" in n for n in result.notices)


def test_without_vulnerability_data_633_says_how_to_give_it(tmp_path: Path) -> None:
    archive = write_docker_archive([python_image([("foo", "1")])], tmp_path / "image.tar")
    [image] = scan_document(scan_archive(archive))["images"]
    status, reason = verdict_633(image)
    assert status is Status.NOT_ASSESSED and reason and "--vuln-db" in reason


def test_debian_package_matches_by_source_with_epoch_and_tilde(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        fixed_in("DSA-5000-1", "Debian:12", "glibc", "2.36-9+deb12u4", severity=CRITICAL),
        fixed_in("DSA-5001-1", "Debian:11", "glibc", "2.31-13+deb11u7"),
        fixed_in("DSA-5002-1", "Debian:12", "shadow", "1:4.13+dfsg1-1+deb12u1"),
    )
    spec = dpkg_image(
        [
            ("libc6", "2.36-9+deb12u3", "glibc"),
            ("libc-bin", "2.36-9+deb12u4", "glibc"),
            ("login", "1:4.13+dfsg1-1", "shadow"),
            ("passwd", "1:4.13+dfsg1-1+deb12u1", "shadow"),
            ("zlib1g", "1:1.2.13.dfsg-1", "zlib"),
        ]
    )
    image = scanned(tmp_path, spec, db)
    assert sorted(
        (f["details"]["package"], f["details"]["vulnerability"]) for f in vulns(image)
    ) == [
        ("libc6", "DSA-5000-1"),
        ("login", "DSA-5002-1"),
    ]
    assert all(f["path"] == "/var/lib/dpkg/status" and f["layer_index"] == 1 for f in vulns(image))
    assert image["vulnerabilities"]["ecosystems"] == ["Debian 12"]
    assert verdict_633(image)[0] is Status.FAIL
