"""Real advisory data (../shared/realworld/osv, see its PROVENANCE.txt) against fixture images
and two real Alpine images; every expected match was worked out by hand from the records.

PyPA (vulns/<name>/PYSEC-*.yaml at 3ccb6125):
- accesscontrol: PYSEC-2021-335 (CVE-2021-32807, GHSA-qcx9-j53g-ccgf) and PYSEC-2021-370
  (CVE-2021-32811, GHSA-qcx9-j53g-ccgf, GHSA-g4gq-j4p2-j8fr), both ECOSYSTEM 4.0 <= v < 4.3 and
  5.0 <= v < 5.2: they share an alias, so 4.2 has one merged vulnerability; 4.3 none.
- werkzeug: PYSEC-2023-221 (0 <= v < 2.3.8, 3.0.0 <= v < 3.0.1, CVSS 3.1 A:H = 7.5 high); the six
  others are fixed at or before 2.2.3. 3.0.0 has that one, 3.0.1 none.
- redis: PYSEC-2023-45 (4.2.0-4.3.6, 4.4.0-4.4.3, 4.5.0-4.5.3), PYSEC-2023-46 (4.2.0-4.4.4,
  4.5.0-4.5.4), PYSEC-2023-73 (every version, withdrawn). 4.4.3 has PYSEC-2023-46 only; 4.4.4 none;
  2.10.6 none (only the withdrawn record lists it).

Alpine secdb v3.10 main: busybox fixes at 1.30.1-r2 (CVE-2019-5747) and 1.29.3-r10
(CVE-2018-20679, CVE-2019-5747); musl 1.1.22-r3 (CVE-2019-14697); openssl 1.1.1d-r0
(CVE-2019-1547, -1549, -1563). The real alpine-310 image has busybox 1.30.1-r3, musl 1.1.22-r3,
openssl 1.1.1d-r2: nothing; alpine-311 (busybox 1.31.1-r9, musl 1.1.24-r2, openssl 1.1.1d-r3,
v3.11's newest openssl fix is 1.1.1d-r3 for CVE-2019-1551): nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analyzer.detectors.context import ScanOptions
from analyzer.scan import scan_archive
from analyzer.views import scan_document
from analyzer.vulndb import VulnDb, import_sources, open_vulndb
from analyzer.vulndb.store import ImportSummary
from fixtures.formats import write_docker_archive
from fixtures.spec import ImageSpec
from fixtures.vulnerable import apk_image, python_image
from tests.conftest import REALWORLD

pytestmark = pytest.mark.realworld
OSV = REALWORLD / "osv"
ALPINE = REALWORLD / "images" / "trivy-images" / "fanal-test-testdata"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[ImportSummary, VulnDb]:
    out = tmp_path_factory.mktemp("vulndb")
    sources = [OSV / "pypa-advisory-database.tar.gz", OSV / "alpine-secdb" / "v3.10",
               OSV / "alpine-secdb" / "v3.11"]  # fmt: skip
    summary = import_sources(sources, out)
    return summary, open_vulndb(out)


def found(db: VulnDb, archive: Path) -> tuple[list[tuple[str, ...]], dict[str, Any]]:
    [image] = scan_document(scan_archive(archive, options=ScanOptions(vuln_db=db)))["images"]
    matches = sorted(
        (
            f["details"]["package"],
            f["details"]["installed"],
            f["details"]["vulnerability"],
            f["details"]["fixed"],
            f["severity"],
        )
        for f in image["findings"]
        if f["rule_id"] == "IA-VULN"
    )
    return matches, image


def build(tmp_path: Path, spec: ImageSpec) -> Path:
    return write_docker_archive([spec], tmp_path / "image.tar")


def test_pypa_database_imports_every_record_but_two_with_unparseable_versions(
    imported: tuple[ImportSummary, VulnDb],
) -> None:
    summary, _ = imported
    pypa = summary.sources[0]
    assert pypa.records == 2661 and pypa.newest == "2024-10-09T12:05:48.156835Z"
    assert pypa.rejected == 2  # PYSEC-2021-371 '0.2.0-n653', PYSEC-2019-125 '2019-09-12'
    assert any("PYSEC-2021-371" in n for n in summary.notices)


def test_python_distributions_below_the_fixes_match(
    imported: tuple[ImportSummary, VulnDb], tmp_path: Path
) -> None:
    dists = [("AccessControl", "4.2"), ("Werkzeug", "3.0.0"), ("redis", "4.4.3")]
    matches, image = found(imported[1], build(tmp_path, python_image(dists)))
    assert matches == [
        ("AccessControl", "4.2", "PYSEC-2021-335", "4.3", "medium"),  # no CVSS vector
        ("Werkzeug", "3.0.0", "PYSEC-2023-221", "3.0.1", "high"),
        ("redis", "4.4.3", "PYSEC-2023-46", "4.4.4", "medium"),
    ]
    [access] = [f for f in image["findings"] if f["details"].get("package") == "AccessControl"]
    assert access["details"]["aliases"] == (
        "CVE-2021-32807, CVE-2021-32811, GHSA-g4gq-j4p2-j8fr, GHSA-qcx9-j53g-ccgf, PYSEC-2021-370"
    )


def test_python_distributions_at_the_fixes_and_withdrawn_only_do_not_match(
    imported: tuple[ImportSummary, VulnDb], tmp_path: Path
) -> None:
    dists = [("AccessControl", "4.3"), ("Werkzeug", "3.0.1"), ("redis", "4.4.4")]
    assert found(imported[1], build(tmp_path, python_image(dists)))[0] == []
    withdrawn_only = build(tmp_path, python_image([("redis", "2.10.6")]))
    assert found(imported[1], withdrawn_only)[0] == []


@pytest.mark.parametrize("name", ["alpine-310", "alpine-311"])
def test_real_alpine_images_patched_to_the_snapshot_have_no_match(
    imported: tuple[ImportSummary, VulnDb], name: str
) -> None:
    matches, image = found(imported[1], ALPINE / f"{name}.tar.gz")
    assert matches == []
    release = f"Alpine 3.{name[-2:]}"
    assert image["vulnerabilities"]["ecosystems"] == [release]
    assert image["vulnerabilities"]["uncovered"] == []


def test_older_apk_packages_match_the_secdb_fixes_of_their_release(
    imported: tuple[ImportSummary, VulnDb], tmp_path: Path
) -> None:
    packages = [
        ("busybox", "1.30.1-r1", "busybox"),
        ("musl", "1.1.22-r2", "musl"),
        ("libcrypto1.1", "1.1.1c-r0", "openssl"),
        ("zlib", "1.2.11-r1", "zlib"),
    ]
    matches, _ = found(imported[1], build(tmp_path, apk_image(packages, "3.10.3")))
    assert matches == [
        ("busybox", "1.30.1-r1", "CVE-2019-5747", "1.30.1-r2", "medium"),
        ("libcrypto1.1", "1.1.1c-r0", "CVE-2019-1547", "1.1.1d-r0", "medium"),
        ("libcrypto1.1", "1.1.1c-r0", "CVE-2019-1549", "1.1.1d-r0", "medium"),
        ("libcrypto1.1", "1.1.1c-r0", "CVE-2019-1563", "1.1.1d-r0", "medium"),
        ("musl", "1.1.22-r2", "CVE-2019-14697", "1.1.22-r3", "medium"),
    ]
