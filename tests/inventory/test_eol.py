"""The offline end-of-life table and its lookups."""

from __future__ import annotations

import datetime
import json
from importlib import resources

import pytest

from analyzer.inventory import OsRelease, lookup_eol, parse_os_release
from analyzer.inventory.eol import load_eol_table

TODAY = datetime.date(2026, 11, 24)
CORPUS = "container-inspector/data/distro/os-release"


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    text = resources.files("analyzer.data").joinpath("eol.json").read_text(encoding="utf-8")
    loaded: dict[str, object] = json.loads(text)
    return loaded


def test_table_is_dated_sourced_and_every_row_is_complete(document) -> None:
    assert datetime.date.fromisoformat(document["generated"])
    assert "endoflife.date" in document["source"]
    distros = document["distros"]
    keys = set()
    for row in document["rows"]:
        assert row["distro"] in distros, row
        assert row["version"] and row["name"], row
        eol = datetime.date.fromisoformat(row["eol"])
        if "support_end" in row:
            assert datetime.date.fromisoformat(row["support_end"]) <= eol, row
        keys.add((row["distro"], row["version"]))
    assert len(keys) == len(document["rows"]), "duplicate rows"
    assert all(info["basis"] and info["source"] for info in distros.values())


@pytest.mark.parametrize(
    ("distro", "versions"),
    [
        ("debian", [str(v) for v in range(7, 14)]),
        ("ubuntu", [f"{y}.{m}" for y in range(14, 26) for m in ("04", "10")]),
        ("alpine", [f"3.{minor}" for minor in range(10, 23)]),
        ("rhel", ["7", "8", "9"]),
        ("centos", ["7", "8", "stream8", "stream9"]),
        ("rocky", ["8", "9"]),
        ("almalinux", ["8", "9"]),
        ("fedora", [str(v) for v in range(36, 44)]),
        ("amzn", ["2", "2023"]),
        ("sles", ["15", "15.1", "15.2", "15.3", "15.4", "15.5", "15.6"]),
        ("opensuse-leap", ["15.0", "15.1", "15.2", "15.3", "15.4", "15.5", "15.6"]),
    ],
)
def test_table_covers_the_releases_images_are_built_on(distro: str, versions: list[str]) -> None:
    rows = load_eol_table().rows
    assert [v for v in versions if (distro, v) not in rows] == []


@pytest.mark.parametrize(
    ("os", "version", "eol_date", "status"),
    [
        (OsRelease("alpine", "3.20.3"), "3.20", "2026-04-01", "eol"),
        (OsRelease("alpine", "3.22.1"), "3.22", "2027-05-01", "supported"),
        (OsRelease("debian", "12"), "12", "2028-06-30", "supported"),
        (OsRelease("debian", "12.4"), "12", "2028-06-30", "supported"),
        (OsRelease("debian", "10"), "10", "2024-06-30", "eol"),
        (OsRelease("ubuntu", "22.04"), "22.04", "2027-04-01", "supported"),
        (OsRelease("ubuntu", "20.04"), "20.04", "2025-05-31", "eol"),
        (OsRelease("rhel", "9.3"), "9", "2032-05-31", "supported"),
        (OsRelease("rhel", "7.9"), "7", "2024-06-30", "eol"),
        (OsRelease("centos", "8", name="CentOS Stream"), "stream8", "2024-05-31", "eol"),
        (OsRelease("centos", "8", name="CentOS Linux"), "8", "2021-12-31", "eol"),
        (OsRelease("rocky", "9.4"), "9", "2032-05-31", "supported"),
        (OsRelease("almalinux", "8.10"), "8", "2029-03-01", "supported"),
        (OsRelease("amzn", "2"), "2", "2026-06-30", "eol"),
        (OsRelease("amzn", "2023"), "2023", "2029-06-30", "supported"),
        (OsRelease("amzn", "2018.03"), "2018.03", "2023-12-31", "eol"),
        (OsRelease("sles", "15.6"), "15.6", "2025-12-31", "eol"),
        (OsRelease("opensuse-leap", "15.6"), "15.6", "2026-04-30", "eol"),
        (OsRelease("fedora", "43"), "43", "2026-12-09", "supported"),
        (OsRelease("distroless", "11"), "11", "2026-08-31", "eol"),
    ],
)
def test_version_id_maps_to_its_release_row(
    os: OsRelease, version: str, eol_date: str, status: str
) -> None:
    result = lookup_eol(os, TODAY)
    assert (result.version, result.eol_date, result.status) == (
        version,
        datetime.date.fromisoformat(eol_date),
        status,
    )


def test_distroless_is_looked_up_as_debian() -> None:
    assert lookup_eol(OsRelease("distroless", "12"), TODAY).distro == "debian"


def test_eol_day_itself_is_still_supported_and_the_next_day_is_not() -> None:
    os = OsRelease("debian", "11")
    assert lookup_eol(os, datetime.date(2026, 8, 31)).status == "supported"
    assert lookup_eol(os, datetime.date(2026, 9, 1)).status == "eol"


def test_source_names_the_support_phase_and_ignores_paid_support() -> None:
    source = lookup_eol(OsRelease("ubuntu", "22.04"), TODAY).source
    assert "standard security maintenance" in source
    assert "ESM" in source and "ignored" in source
    assert "endoflife.date/ubuntu" in source


def test_row_notes_such_as_unverified_dates_reach_the_source() -> None:
    assert "verify" in lookup_eol(OsRelease("rhel", "10.0"), TODAY).source


@pytest.mark.parametrize(
    ("os", "reason"),
    [
        (OsRelease("alpine", "3.99.0"), "no alpine 3.99 in the offline end-of-life table of "),
        (OsRelease("debian"), "no debian (no VERSION_ID) in the offline end-of-life table of "),
        (OsRelease("arch"), "the offline end-of-life table does not cover 'arch'"),
        (OsRelease("linuxmint", "21.3", id_like=("ubuntu",)), "does not cover 'linuxmint'"),
        (OsRelease("ubuntu", "jammy"), "no ubuntu VERSION_ID 'jammy' in the offline"),
    ],
)
def test_unknown_releases_say_why(os: OsRelease, reason: str) -> None:
    result = lookup_eol(os, TODAY)
    assert (result.status, result.eol_date) == ("unknown", None)
    assert reason in result.source


@pytest.mark.parametrize(
    ("path", "status", "version"),
    [
        ("debian/debian-11.txt", "eol", "11"),
        ("distroless/distroless-debian10.txt", "eol", "10"),
        ("redhat-ubi/rhel8_5-ubi.txt", "supported", "8"),
        ("rocky/rocky-8.4.txt", "supported", "8"),
        ("amazon/amazon-2.txt", "eol", "2"),
        ("ubuntu/ubuntu-20.04.txt", "eol", "20.04"),
        ("sles/sles15_1.txt", "eol", "15.1"),
        ("opensuse/opensuseleap-15.1.txt", "eol", "15.1"),
        ("alpine/alpine-3.8.txt", "eol", "3.8"),
        ("centos/centos-7.txt", "eol", "7"),
    ],
)
def test_real_os_release_files_resolve_to_table_rows(realworld, path, status, version) -> None:
    os = parse_os_release((realworld / CORPUS / path).read_bytes())
    result = lookup_eol(os, TODAY)
    assert (result.status, result.version) == (status, version)
