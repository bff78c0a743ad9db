"""Look-alikes no package database vouches for: hex tables holding token shapes and a Python
distribution's README (METADATA, PKG-INFO) are low; the same values where secrets live stay
found at their rule's severity."""

from __future__ import annotations

import pytest

from analyzer.findings.model import Finding, Severity
from analyzer.scan import scan_archive
from fixtures.detector_cases import base, clean_image
from fixtures.formats import write_docker_archive
from fixtures.spec import FileSpec, LayerSpec

CP949 = b"# Encoding file: cp949, multi-byte\nM\n003F 0 125\n81\n" + (
    b"0000AC02AC03AC05AC06AC0BAC0CAC0DAC0EAC0FAC18AC1EAC1FAC21AC22AC23\n"
    b"0000CAA8CAA9CAAACAABCAACCAADCAAECAAFCAB0CAB1CAB2CAB3CAB4CAB5CAB6\n"
)
"""Rows as in Tcl's encoding/cp949.enc: "ACCAADCAAECAAFCAB0" has an AWS key id's shape."""
CP874 = b"# Encoding file: cp874, single-byte\nS\n003F 0 1\n00\n" + (
    b"20AC008100820083008420260086008700880089008A008B008C008D008E008F\n"
)
"""Tcl's encoding/cp874.enc: "AC" + 32 digits has a Twilio SID's shape."""
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzb21lIjoicGF5bG9hZCJ9."
    "4twFt5NiznN84AWoo1d7KO1T_yoc0Z6XOpOVswacPZg"
)
"""The example token of PyJWT's README (its PKG-INFO on every Debian system)."""
PKG_INFO = f"Metadata-Version: 2.1\nName: PyJWT\n\n>>> encoded\n    {JWT}\n".encode()
TWILIO_SID = "AC" + "4f9e2b7c1d8a6e3f0b5c9d2a7e1f4b8c"
AWS_KEY_ID = "AKIA" + "Q7XZ4RT2MWK5PLN3"
DIST = "usr/lib/python3/dist-packages"
ENCODINGS = "usr/share/tcltk/tcl8.6/encoding"


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    dirs = ("usr/share", "usr/share/tcltk", "usr/share/tcltk/tcl8.6", ENCODINGS, "usr/lib")
    dirs += ("usr/lib/python3", DIST, f"{DIST}/PyJWT-2.6.0.egg-info", "app")
    entries = [FileSpec(d, kind="dir") for d in dirs]
    entries += [
        FileSpec(f"{ENCODINGS}/cp949.enc", CP949),
        FileSpec(f"{ENCODINGS}/cp874.enc", CP874),
        FileSpec(f"{DIST}/PyJWT-2.6.0.egg-info/PKG-INFO", PKG_INFO),
        FileSpec("app/.env", f"TWILIO_ACCOUNT_SID={TWILIO_SID}\n".encode()),
        FileSpec("app/token.txt", f"session: {JWT}\n".encode()),
        FileSpec("app/dump.txt", f"00AB{AWS_KEY_ID}00CD\n".encode()),
    ]
    layer = LayerSpec(tuple(entries), created_by="RUN apt-get install -y tcl python3-jwt")
    archive = write_docker_archive(
        [clean_image(base(), layer)], tmp_path_factory.mktemp("hex") / "hex.tar"
    )
    [report] = scan_archive(archive).images
    return [f for f in report.findings if f.category == "secrets"]


def at(findings: list[Finding], path: str) -> list[Finding]:
    return [f for f in findings if f.path == path]


@pytest.mark.parametrize("name", ["cp949.enc", "cp874.enc"])
def test_token_shapes_inside_a_hex_table_are_low_not_dropped(
    findings: list[Finding], name: str
) -> None:
    found = at(findings, f"/{ENCODINGS}/{name}")
    assert found and all(f.severity is Severity.LOW for f in found)
    assert all("a hex table" in f.evidence for f in found)


def test_a_distribution_readme_s_example_token_is_low(findings: list[Finding]) -> None:
    found = at(findings, f"/{DIST}/PyJWT-2.6.0.egg-info/PKG-INFO")
    assert found and all(f.severity is Severity.LOW for f in found)


@pytest.mark.parametrize("path", ["/app/.env", "/app/token.txt", "/app/dump.txt"])
def test_the_same_shapes_where_secrets_live_stay_at_medium_or_above(
    findings: list[Finding], path: str
) -> None:
    found = at(findings, path)
    assert found and max(f.severity.rank for f in found) >= Severity.MEDIUM.rank, path
