"""Package provenance in a scan: vendor content is info and bears on no requirement, every true
secret stays found, and every finding on a package's file says which package and whether the
file is as the package shipped it."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from analyzer.bundle.sarif import sarif_errors
from analyzer.bundle.tables import inventory_csv
from analyzer.cli import main
from analyzer.detectors import default_detectors
from analyzer.detectors.base import StreamingDetector
from analyzer.detectors.content import ContentStore
from analyzer.detectors.context import ImageContext, ScanOptions
from analyzer.detectors.packagefiles import FileOrigins
from analyzer.detectors.packages import origin_store
from analyzer.detectors.secrets import SecretDetector
from analyzer.detectors.wants import WantMatcher
from analyzer.filesystem.model import Version
from analyzer.findings.model import Finding, Severity
from analyzer.findings.verdicts import image_verdicts
from analyzer.inventory.ownership import Provenance
from analyzer.reader import ImageView, read_archive
from analyzer.scan import ImageReport, scan_archive
from analyzer.secrets.config import image_scrubber
from analyzer.views import scan_document
from fixtures import packaged
from fixtures.detector_cases import base, clean_image
from fixtures.formats import write_docker_archive
from fixtures.spec import FileSpec, LayerSpec
from tests.inventory.rpmfiles_content import FILES as RPM_FILES

RPMDB = Path(__file__).parents[1] / "inventory" / "data" / "rpmdb-files-rpm418.sqlite.gz"


@pytest.fixture(scope="module")
def dpkg_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return packaged.write_dpkg_image(tmp_path_factory.mktemp("dpkg") / "dpkg.tar")


@pytest.fixture(scope="module")
def dpkg_report(dpkg_archive: Path) -> ImageReport:
    [report] = scan_archive(dpkg_archive).images
    return report


def secrets_at(report: ImageReport, path: str) -> list[Finding]:
    return [f for f in report.findings if f.category == "secrets" and f.path == path]


def test_every_true_secret_beside_vendor_content_stays_at_medium_or_above(
    dpkg_report: ImageReport,
) -> None:
    for path, rule in packaged.TRUE.items():
        found = secrets_at(dpkg_report, path)
        assert [f.rule_id for f in found] == [rule], path
        assert found[0].severity.rank >= Severity.MEDIUM.rank, path
        assert "vendor" not in dict(found[0].details), path


def test_a_secret_in_an_unmodified_package_file_is_info_naming_the_package(
    dpkg_report: ImageReport,
) -> None:
    for path, package in packaged.VENDOR.items():
        [finding] = secrets_at(dpkg_report, path)
        details = dict(finding.details)
        assert finding.severity is Severity.INFO, path
        assert details["vendor"] == "true" and details["package"] == package
        assert details["modified"] == "false"
        assert f"vendor content: an unmodified file of package {package}" in finding.evidence


def test_vendor_content_bears_on_no_requirement_and_fails_none(
    dpkg_report: ImageReport,
) -> None:
    vendor = [f for f in dpkg_report.findings if dict(f.details).get("vendor") == "true"]
    assert len(vendor) == len(packaged.VENDOR) and all(f.pci == () for f in vendor)
    assert dict(dpkg_report.facts)["secret_scan"]["vendor_findings"] == len(packaged.VENDOR)


def test_an_image_whose_only_secret_looking_values_are_vendor_content_passes_cg_12_4(
    tmp_path: Path,
) -> None:
    owners = packaged.dpkg_image().layers[1]
    mine = {"app/keys.ini", "app/example.pem", "etc/vendorpkg/db.ini", "usr/bin/newgrp"}
    layer = LayerSpec(tuple(e for e in owners.entries if e.path not in mine), owners.created_by)
    archive = write_docker_archive([clean_image(base(), layer)], tmp_path / "vendor.tar")
    [image] = scan_document(scan_archive(archive))["images"]
    secrets = [f for f in image["findings"] if f["category"] == "secrets"]
    assert len(secrets) == 2 and all(f["details"]["vendor"] == "true" for f in secrets)
    verdicts = {v.requirement: v for v in image_verdicts(image)}
    for requirement in ("CG-12.4", "8.6.2"):
        assert verdicts[requirement].status.value == "pass", requirement
        assert dict(verdicts[requirement].observations)[Severity.INFO] == 0, requirement
    assert image["summary"]["info"] >= 2  # counted in the summary all the same


def test_findings_on_package_files_say_which_package_and_whether_modified(
    dpkg_report: ImageReport,
) -> None:
    setuid = {f.path: dict(f.details) for f in dpkg_report.findings if f.rule_id == "IA-SETUID"}
    assert setuid["/usr/bin/su"] == {"package": "login", "manager": "dpkg", "modified": "false"}
    assert setuid["/usr/bin/newgrp"]["modified"] == "true"  # not the bytes login shipped
    [edited] = secrets_at(dpkg_report, "/etc/vendorpkg/db.ini")
    assert dict(edited.details)["modified"] == "true"
    [wheel] = secrets_at(dpkg_report, f"/{packaged.SITE}/wheelpkg/_vectors.pem")
    details = dict(wheel.details)  # a RECORD names the distribution; a wheel may be the owner's
    assert (details["package"], details["manager"], details["modified"]) == (
        "wheelpkg",
        "python",
        "false",
    )
    assert "vendor" not in details and wheel.severity is Severity.CRITICAL
    [unowned] = secrets_at(dpkg_report, "/app/keys.ini")
    assert "package" not in dict(unowned.details)


def test_a_package_file_replaced_in_a_later_layer_is_judged_as_today(
    dpkg_report: ImageReport,
) -> None:
    [finding] = secrets_at(dpkg_report, "/usr/lib/vendorpkg/settings.py")
    assert finding.layer_index == 2 and finding.severity is Severity.MEDIUM
    assert dict(finding.details)["modified"] == "true"


def test_a_merged_usr_file_is_matched_to_the_path_dpkg_recorded(dpkg_archive: Path) -> None:
    """dpkg records /bin/vtool; the image stores /usr/bin/vtool with /bin -> usr/bin. In a scan
    its MD5 is not computed (no hit, not setuid, not in /etc): not verified, never a guess;
    `ls --history` asks for the MD5 of the subtree it shows, and then it is verified."""
    store = origin_store("/usr/bin")
    [view] = read_archive(dpkg_archive, sinks=[store]).images
    asked = FileOrigins.of(view, store).of_version(_final(view, "/usr/bin/vtool"))
    assert asked is not None and asked.provenance is Provenance.UNMODIFIED
    assert asked.owner is not None and asked.owner.package == "vendorpkg"
    scanned_view, origins = scanned(dpkg_archive)
    in_scan = origins.of_version(_final(scanned_view, "/usr/bin/vtool"))
    assert in_scan is not None and in_scan.provenance is Provenance.NOT_VERIFIED
    assert in_scan.owner == asked.owner


def _final(view: ImageView, path: str) -> Version:
    version = view.fs.final_version(path)
    assert version is not None
    return version


def scanned(archive: Path) -> tuple[ImageView, FileOrigins]:
    """What scan_archive does for one image, keeping the provenance it judged with (the
    secrets examiner adds the MD5 and SHA-1 of every file it found something in)."""
    detectors = default_detectors()
    store = ContentStore(WantMatcher([d.content for d in detectors]))
    sinks = [store, *(d.sink() for d in detectors if isinstance(d, StreamingDetector))]
    try:
        [view] = read_archive(archive, sinks=sinks).images
        engine = next(d.engine for d in detectors if isinstance(d, SecretDetector))
        scrub = image_scrubber(view.image, engine)
        ctx = ImageContext(view, store, ScanOptions(), scrub=scrub)
        for detector in detectors:
            list(detector.detect(ctx))
        return view, ctx.origins
    finally:
        for detector in detectors:
            if isinstance(detector, StreamingDetector):
                detector.close()


def inventory(archive: Path) -> dict[tuple[str, str], dict[str, str]]:
    """inventory.csv of a scanned image with the scan's provenance, by (path, layer)."""
    view, origins = scanned(archive)
    data = inventory_csv(view, str, origins.of_version)
    return {(r["path"], r["layer"]): r for r in csv.DictReader(io.StringIO(data.decode()))}


def test_inventory_csv_says_for_every_file_version_which_package_and_in_what_state(
    dpkg_archive: Path,
) -> None:
    rows = inventory(dpkg_archive)

    def cells(path: str, layer: int) -> tuple[str, str, str]:
        row = rows[path, str(layer)]
        return row["package"], row["manager"], row["provenance"]

    pem = "/usr/share/doc/vendorpkg/example.pem"
    assert cells(pem, 1) == ("vendorpkg", "dpkg", "unmodified")  # a hit: MD5 from the examiner
    assert cells("/etc/vendorpkg/keys.ini", 1) == ("vendorpkg", "dpkg", "unmodified")
    assert cells("/etc/vendorpkg/db.ini", 1) == ("vendorpkg", "dpkg", "modified")
    assert cells("/usr/bin/su", 1) == ("login", "dpkg", "unmodified")  # setuid: MD5 computed
    assert cells("/usr/bin/vtool", 1) == ("vendorpkg", "dpkg", "not-verified")
    assert cells("/usr/lib/vendorpkg/settings.py", 1) == ("vendorpkg", "dpkg", "not-verified")
    assert cells("/usr/lib/vendorpkg/settings.py", 2) == ("vendorpkg", "dpkg", "modified")
    assert cells(f"/{packaged.SITE}/wheelpkg/__init__.py", 2) == (
        "wheelpkg",
        "python",
        "unmodified",
    )
    assert cells("/app/keys.ini", 1) == ("", "", "unowned")
    assert cells("/etc", 0) == ("", "", "")  # a directory has no provenance


def test_without_provenance_the_inventory_columns_are_empty(dpkg_archive: Path) -> None:
    [view] = read_archive(dpkg_archive).images
    data = inventory_csv(view)
    assert all(
        (r["package"], r["manager"], r["provenance"]) == ("", "", "")
        for r in csv.DictReader(io.StringIO(data.decode()))
    )


def test_apk_sha1_records_make_a_vendor_key_info_and_leave_an_edited_file_found(
    tmp_path: Path,
) -> None:
    [report] = scan_archive(packaged.write_apk_image(tmp_path / "apk.tar")).images
    [key] = secrets_at(report, "/usr/share/vendorapk/example.pem")
    assert key.severity is Severity.INFO and dict(key.details)["package"] == "vendorapk"
    assert dict(key.details)["manager"] == "apk"
    [edited] = secrets_at(report, "/etc/vendorapk/db.ini")
    assert edited.severity is Severity.MEDIUM and dict(edited.details)["modified"] == "true"


def rpm_image(tmp_path: Path, edited: bytes) -> Path:
    """An image with a real rpmdb.sqlite (rpm 4.18), its packages' files, one of them edited."""
    files = {path: data for package in RPM_FILES.values() for path, data in package.items()}
    files["/etc/vendor-docs/app.ini"] = edited
    dirs = {p.rsplit("/", 1)[0] for p in [*files, "/var/lib/rpm/x"]}
    dirs |= {d.rsplit("/", i)[0] for d in dirs for i in range(1, d.count("/"))}
    entries = [FileSpec(d.lstrip("/"), kind="dir") for d in sorted(dirs) if d]
    entries += [FileSpec(p.lstrip("/"), data) for p, data in files.items()]
    entries.append(FileSpec("var/lib/rpm/rpmdb.sqlite", gzip.decompress(RPMDB.read_bytes())))
    layer = LayerSpec(tuple(entries), created_by="RUN dnf install -y vendor-docs old-digests")
    return write_docker_archive([clean_image(base(), layer)], tmp_path / "rpm.tar")


@pytest.mark.parametrize(
    ("edited", "severity"),
    [
        (RPM_FILES["vendor-docs"]["/etc/vendor-docs/app.ini"], Severity.INFO),
        (b"[app]\npassword = Ed9-Lq4Wz7Kp\n", Severity.MEDIUM),
    ],
)
def test_rpm_records_of_sha256_and_md5_decide_vendor_content_from_what_rpm_wrote(
    tmp_path: Path, edited: bytes, severity: Severity
) -> None:
    [report] = scan_archive(rpm_image(tmp_path, edited)).images
    for path in ("/usr/share/doc/vendor-docs/example.ini", "/usr/lib/old-digests/data.txt"):
        [finding] = secrets_at(report, path)  # SHA-256 and MD5 records
        assert finding.severity is Severity.INFO and dict(finding.details)["manager"] == "rpm"
    [config] = secrets_at(report, "/etc/vendor-docs/app.ini")  # a %config file
    assert config.severity is severity
    assert dict(config.details)["modified"] == ("false" if severity is Severity.INFO else "true")


def test_worker_processes_judge_vendor_content_as_one_process_does(
    dpkg_archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analyzer import scan  # noqa: PLC0415
    from analyzer.secrets import sink  # noqa: PLC0415

    [alone] = scan_archive(dpkg_archive, options=ScanOptions(workers=1)).images
    monkeypatch.setattr(scan, "POOL_FROM_BYTES", 0)  # a pool even for this small archive
    monkeypatch.setattr(sink, "PARALLEL_AFTER", 0)  # send every file to the pool
    [parallel] = scan_archive(dpkg_archive, options=ScanOptions(workers=2)).images
    assert parallel.findings == alone.findings
    assert any(dict(f.details).get("vendor") for f in parallel.findings)


def test_hostile_package_databases_give_notices_and_the_scan_goes_on(tmp_path: Path) -> None:
    md5 = "0" * 32
    flood = "".join(f"{md5}  usr/share/f{i}\n" for i in range(300_000)).encode()
    layer = LayerSpec(
        (
            FileSpec("var/lib/dpkg/info", kind="dir"),
            FileSpec("var/lib/dpkg/info/flood.md5sums", flood + b"junk\n" * 50),
            FileSpec("var/lib/dpkg/status", b"Package: p\nConffiles:\n /etc/x nothex\n"),
            FileSpec("lib/apk/db", kind="dir"),
            FileSpec("lib/apk/db/installed", b"P:a\nR:x\nZ:Q1!!\n"),
            FileSpec("var/lib/rpm", kind="dir"),
            FileSpec("var/lib/rpm/rpmdb.sqlite", b"SQLite format 3\x00" + bytes(100)),
            FileSpec("site/x-1.dist-info", kind="dir"),
            FileSpec("site/x-1.dist-info/RECORD", b'"' + b"x" * 200_000),
            FileSpec("app", kind="dir"),
            FileSpec("app/.env", b"DB_PASSWORD=Pw-4fT9xLq2Zr8Mn\n"),
        )
    )
    archive = write_docker_archive([clean_image(base(), layer)], tmp_path / "hostile.tar")
    result = scan_archive(archive)
    [report] = result.images
    [dotenv] = secrets_at(report, "/app/.env")
    assert dotenv.severity.rank >= Severity.MEDIUM.rank
    notices = "\n".join(result.notices)
    for what in ("flood.md5sums", "/var/lib/dpkg/status", "/lib/apk/db/installed", "RECORD"):
        assert what in notices, what
    assert "rpmdb.sqlite" in notices
    provenance = dict(report.facts)["file_provenance"]
    assert provenance["recorded_paths"] == 300_000 and provenance["complete"]


def test_a_report_with_vendor_content_validates_and_the_schema_holds_vendor_to_its_rules(
    dpkg_archive: Path, tmp_path: Path
) -> None:
    out = tmp_path / "bundle"
    assert main(["scan", str(dpkg_archive), "--bundle", str(out), "-q"]) == 0
    report = json.loads((out / "report.json").read_text())
    validator = jsonschema.Draft202012Validator(report_schema())
    validator.validate(report)
    assert sarif_errors(json.loads((out / "findings.sarif").read_text())) == []
    vendor = next(f for f in report["findings"] if f["details"].get("vendor") == "true")
    for forged in ({"pci": ["CG-12.4"]}, {"severity": "high"}, {"details": {"vendor": "true"}}):
        assert not validator.is_valid({**report, "findings": [{**vendor, **forged}]}), forged
    owned = next(f for f in report["findings"] if f["details"].get("modified") == "true")
    assert not validator.is_valid({**report, "findings": [{**owned, "pci": []}]})


def report_schema() -> dict[str, Any]:
    text = resources.files("analyzer.bundle").joinpath("schemas/report.schema.json").read_text()
    return dict(json.loads(text))


def test_distroless_status_d_md5sums_make_vendor_content(tmp_path: Path) -> None:
    key = packaged.VENDOR_KEY
    md5sums = f"{hashlib.md5(key).hexdigest()}  usr/share/doc/libssl3/test.pem\n".encode()
    layer = LayerSpec(
        (
            FileSpec("var/lib/dpkg/status.d", kind="dir"),
            FileSpec("var/lib/dpkg/status.d/libssl3", b"Package: libssl3\nVersion: 3.0.15\n"),
            FileSpec("var/lib/dpkg/status.d/libssl3.md5sums", md5sums),
            FileSpec("usr/share/doc/libssl3", kind="dir"),
            FileSpec("usr/share/doc/libssl3/test.pem", key),
        ),
        created_by="bazel build //base:static",
    )
    archive = write_docker_archive([clean_image(base(), layer)], tmp_path / "distroless.tar")
    [report] = scan_archive(archive).images
    [finding] = secrets_at(report, "/usr/share/doc/libssl3/test.pem")
    assert finding.severity is Severity.INFO
    assert dict(finding.details)["package"] == "libssl3" and finding.pci == ()
