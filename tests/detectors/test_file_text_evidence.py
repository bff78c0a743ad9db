"""Text that detectors read from files in the image keeps the bytes that are not UTF-8: evidence
shows them as visible escapes (`\\xff`), never as U+FFFD, which would hide which bytes the file
holds."""

from __future__ import annotations

import pytest

from analyzer.findings.model import Finding
from analyzer.scan import scan_archive
from analyzer.text import printable
from fixtures.detector_cases import PASSWD, base, clean_image
from fixtures.formats import write_docker_archive
from fixtures.spec import FileSpec


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Finding]:
    layer = base(
        FileSpec("etc/sudoers", b"\xffapp ALL=(ALL) NOPASSWD: ALL\n"),
        FileSpec("etc/apt", kind="dir"),
        FileSpec("etc/apt/sources.list", b"deb http://mirror.ex\xffample/debian bookworm main\n"),
        FileSpec("usr/bin/pip3", b"#!/usr/bin/py\xfethon3\nexec true\n", mode=0o755),
        passwd=PASSWD + b"r\xffoot:x:0:0::/root:/bin/sh\n",
        shadow=b"root:*:19000:0:99999:7:::\n\xfeuser::19000::::::\n",
    )
    archive = write_docker_archive([clean_image(layer)], tmp_path_factory.mktemp("bytes") / "i.tar")
    [report] = scan_archive(archive).images
    return {f.rule_id: f for f in report.findings}


@pytest.mark.parametrize(
    ("rule", "shown"),
    [
        ("IA-UID0-ACCOUNT", "account 'r\\xffoot' has uid 0"),
        ("IA-EMPTY-PASSWORD", "account '\\xfeuser' has an empty password field"),
        ("IA-SUDO-NOPASSWD", "sudoers rule: \\xffapp "),
        ("IA-INSECURE-SOURCE", "line 1: deb http://mirror.ex\\xffample/debian"),
        ("IA-PKGMGR", "(py\\xfethon3 script)"),
    ],
)
def test_bytes_that_are_not_utf8_are_shown_as_escapes_in_evidence(
    findings: dict[str, Finding], rule: str, shown: str
) -> None:
    evidence = printable(findings[rule].evidence)
    assert shown in evidence
    assert "\ufffd" not in evidence
