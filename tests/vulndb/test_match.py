"""Matching an inventory against hand-written records: each ecosystem's own version ordering
(dpkg epochs and tildes, rpm EVR, apk -rN, PEP 440, semver), release scoping, withdrawn records
and alias merging."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.vulndb import match_packages
from tests.vulndb.records import database, osv, secdb

ALIAS = ("CVE-2026-1",)
DEBIAN_12 = {"id": "debian", "version_id": "12", "codename": "bookworm"}


def package(kind: str, name: str, version: str, source: str = "") -> dict[str, object]:
    return {"kind": kind, "name": name, "version": version, "source": source, "layer": 1}


@pytest.mark.parametrize(
    ("installed", "affected"),
    [
        ("1:2.36-9", True),  # the epoch outranks the upstream version
        ("1:2.36-9+deb12u4", False),  # == fixed
        ("1:2.36-9+deb12u4~1", True),  # a tilde sorts before everything
        ("2.40-1", False),  # epoch 0: older than the range, which starts at 1:2.30-1
        ("1:2.37~rc1-1", False),
    ],
)
def test_debian_ranges_follow_dpkg_ordering(tmp_path: Path, installed: str, affected: bool) -> None:
    db = database(
        tmp_path,
        osv(
            "DSA-0001-1",
            "Debian:12",
            "glibc",
            [{"introduced": "1:2.30-1"}, {"fixed": "1:2.36-9+deb12u4"}],
        ),
    )
    found = match_packages(db, [package("deb", "libc6", installed, "glibc")], DEBIAN_12)
    assert bool(found.matches) is affected


def test_debian_record_is_looked_up_by_source_package_and_scoped_to_its_release(
    tmp_path: Path,
) -> None:
    db = database(
        tmp_path,
        osv("DSA-1", "Debian:11", "openssl", [{"introduced": "0"}, {"fixed": "1.1.1w-0+deb11u1"}]),
        osv("DSA-2", "Debian:12", "openssl", [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]),
    )
    libssl = package("deb", "libssl3", "3.0.9-1", "openssl")
    found = match_packages(db, [libssl], DEBIAN_12)
    assert [(m.id, m.fixed) for m in found.matches] == [("DSA-2", "3.0.11-1~deb12u2")]
    assert found.ecosystems == ["Debian 12"] and found.uncovered == []
    bullseye = {"id": "debian", "version_id": "11"}
    libssl11 = package("deb", "libssl1.1", "1.1.1n-0+deb11u3", "openssl")
    assert [m.id for m in match_packages(db, [libssl11, libssl], bullseye).matches] == ["DSA-1"]


def test_rpm_ranges_compare_epoch_version_release_and_find_the_source_rpm_name(
    tmp_path: Path,
) -> None:
    db = database(
        tmp_path,
        osv(
            "RLSA-2024:1",
            "Rocky Linux:9",
            "openssl",
            [{"introduced": "0"}, {"fixed": "1:3.0.7-25.el9_3"}],
        ),
    )
    rocky = {"id": "rocky", "version_id": "9.3"}
    older = package("rpm", "openssl-libs", "1:3.0.7-24.el9", "openssl-3.0.7-24.el9.src.rpm")
    newer = package("rpm", "openssl", "1:3.0.7-25.el9_3")
    no_epoch = package("rpm", "openssl", "3.0.9-1.el9")  # epoch 0 < 1: still affected
    found = match_packages(db, [older, newer, no_epoch], rocky)
    assert [m.package["version"] for m in found.matches] == ["1:3.0.7-24.el9", "3.0.9-1.el9"]


def test_last_affected_includes_that_version_and_no_later(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        osv(
            "GHSA-x",
            "npm",
            "lodash",
            [{"introduced": "4.0.0"}, {"last_affected": "4.17.20"}],
            range_type="SEMVER",
        ),
    )
    versions = ["3.10.1", "4.0.0", "4.17.20", "4.17.21"]
    found = match_packages(db, [package("npm", "lodash", v) for v in versions], None)
    assert [m.package["version"] for m in found.matches] == ["4.0.0", "4.17.20"]
    assert all(m.fixed == "" for m in found.matches)


def test_explicit_version_list_matches_without_ranges(tmp_path: Path) -> None:
    db = database(tmp_path, osv("PYSEC-1", "PyPI", "Foo.Bar", [], versions=("1.0", "1.1")))
    found = match_packages(db, [package("pypi", "foo_bar", v) for v in ("1.0", "1.2")], None)
    assert [m.package["version"] for m in found.matches] == ["1.0"]  # PEP 503 name


def test_withdrawn_records_are_ignored(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        osv("PYSEC-2", "PyPI", "foo", [{"introduced": "0"}], withdrawn="2026-01-01T00:00:00Z"),
    )
    assert match_packages(db, [package("pypi", "foo", "1.0")], None).matches == []


def test_records_sharing_an_alias_are_one_vulnerability(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        osv("PYSEC-3", "PyPI", "foo", [{"introduced": "0"}, {"fixed": "2.0"}], aliases=ALIAS),
        osv(
            "GHSA-aaaa", "PyPI", "foo", [{"introduced": "0"}, {"fixed": "2.1"}],
            aliases=ALIAS,
            severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        ),
    )  # fmt: skip
    [match] = match_packages(db, [package("pypi", "foo", "1.0")], None).matches
    assert match.id == "GHSA-aaaa" and match.aliases == ("CVE-2026-1", "PYSEC-3")
    assert match.fixed == "2.1" and match.score == 9.8


def test_secdb_release_scoping_and_fixing_version_zero(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        secdb("v3.11", {"openssl": {"1.1.1d-r3": ["CVE-2019-1551"], "0": ["CVE-2000-1"]}}),
        secdb("v3.10", {"openssl": {"1.1.1d-r0": ["CVE-2019-1547 XSA-1"]}}),
    )
    libssl = package("apk", "libssl1.1", "1.1.1d-r2", "openssl")
    on_311 = match_packages(db, [libssl], {"id": "alpine", "version_id": "3.11.5"})
    assert [(m.id, m.fixed) for m in on_311.matches] == [("CVE-2019-1551", "1.1.1d-r3")]
    on_310 = match_packages(db, [libssl], {"id": "alpine", "version_id": "3.10.4"})
    assert on_310.matches == []  # 1.1.1d-r2 is past 3.10's fix; 3.11's does not apply
    on_312 = match_packages(db, [libssl], {"id": "alpine", "version_id": "3.12.0"})
    assert on_312.uncovered == ["Alpine 3.12"]


def test_uncovered_ecosystems_are_named(tmp_path: Path) -> None:
    db = database(tmp_path, osv("PYSEC-4", "PyPI", "foo", [{"introduced": "0"}]))
    found = match_packages(
        db,
        [package("pypi", "foo", "1"), package("npm", "x", "1.0.0"), package("deb", "a", "1")],
        None,
    )
    assert found.ecosystems == ["PyPI", "npm", "deb packages (base OS not identified)"]
    assert found.uncovered == ["npm", "deb packages (base OS not identified)"]


def test_osv_alpine_and_ubuntu_records_are_release_scoped(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        osv(
            "ALPINE-CVE-1", "Alpine:v3.18", "openssl", [{"introduced": "0"}, {"fixed": "3.1.4-r1"}]
        ),
        osv(
            "UBUNTU-CVE-2",
            "Ubuntu:22.04:LTS",
            "openssl",
            [{"introduced": "0"}, {"fixed": "3.0.2-0ubuntu1.12"}],
        ),
    )
    libssl = package("apk", "libssl3", "3.1.4-r0", "openssl")
    alpine = match_packages(db, [libssl], {"id": "alpine", "version_id": "3.18.4"})
    assert [(m.id, m.fixed) for m in alpine.matches] == [("ALPINE-CVE-1", "3.1.4-r1")]
    assert match_packages(db, [libssl], {"id": "alpine", "version_id": "3.19.0"}).matches == []
    ubuntu_libssl = package("deb", "libssl3", "3.0.2-0ubuntu1.10", "openssl")
    jammy = match_packages(db, [ubuntu_libssl], {"id": "ubuntu", "version_id": "22.04"})
    assert [m.id for m in jammy.matches] == ["UBUNTU-CVE-2"]


def test_debian_source_version_is_compared_when_dpkg_records_one(tmp_path: Path) -> None:
    db = database(
        tmp_path,
        osv("DSA-9", "Debian:12", "rust-x", [{"introduced": "0"}, {"fixed": "1.5-2"}]),
    )
    # a binary built from source 1.5-1 carries its own version (a Rust binary's 0.3.1-1+b2)
    binary = package("deb", "x-tool", "0.3.1-1+b2", "rust-x") | {"source_version": "1.5-1"}
    fixed = package("deb", "x-tool", "0.3.1-1+b3", "rust-x") | {"source_version": "1.5-2"}
    found = match_packages(db, [binary, fixed], DEBIAN_12)
    assert [m.package["version"] for m in found.matches] == ["0.3.1-1+b2"]
