"""Detectors on real images from public projects (../shared/realworld), checked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.findings.model import Finding, Severity
from analyzer.scan import scan_archive
from fixtures.imported import write_imported_image
from tests.conftest import shared_cases

pytestmark = pytest.mark.realworld  # every test here reads ../shared/realworld

IMAGES = Path("../shared/realworld/images")
BUSYBOX = sorted(IMAGES.glob("busybox-official/*/*.oci-layout.tar"))
ALPINE_ROOTFS = sorted(IMAGES.glob("alpine-minirootfs/*.tar.gz"))


def findings(archive: Path) -> list[Finding]:
    [report] = scan_archive(archive).images
    return list(report.findings)


def by_rule(found: list[Finding], rule: str) -> dict[str, Finding]:
    return {f.path: f for f in found if f.rule_id == rule}


def test_dockle_setuid_setgid_and_a_bit_set_then_cleared() -> None:
    found = findings(IMAGES / "dockle/symbolic.tar")
    setuid = by_rule(found, "IA-SETUID")
    assert setuid["/app/suid.txt"].present_in_final and setuid["/app/suid.txt"].layer_index == 3
    once = setuid["/app/once-suid.txt"]
    assert not once.present_in_final and once.layer_index == 7
    assert "cleared in layer 8" in once.evidence and "chmod u+s" in once.created_by
    gid = by_rule(found, "IA-SETGID")["/app/gid.txt"]
    assert gid.present_in_final and gid.layer_index == 5
    assert "IA-USER-ROOT" in {f.rule_id for f in found}


@pytest.mark.parametrize("archive", shared_cases(BUSYBOX, lambda p: p.parent.name))
def test_busybox_is_one_finding_and_its_dpkg_applet_is_no_package_manager(archive: Path) -> None:
    found = findings(archive)
    [busybox] = [f for f in found if f.rule_id == "IA-BUSYBOX"]
    assert "dpkg" in busybox.evidence and "rpm" in busybox.evidence
    assert "not the distro tools" in busybox.evidence
    assert not {"IA-PKGMGR", "IA-SHELL", "IA-NETTOOL"} & {f.rule_id for f in found}


def test_alpine_minirootfs_has_apk_busybox_and_no_empty_passwords(tmp_path: Path) -> None:
    rootfs = IMAGES / "alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz"
    archive = write_imported_image(rootfs, tmp_path / "alpine.tar", "alpine:3.20.3")
    found = findings(archive)
    assert set(by_rule(found, "IA-PKGMGR")) == {"/sbin/apk"}
    assert set(by_rule(found, "IA-BUSYBOX")) == {"/bin/busybox"}
    # Alpine locks every account with "!" or "*": nothing is password-less.
    assert by_rule(found, "IA-EMPTY-PASSWORD") == {}
    assert by_rule(found, "IA-SHELL") == {}  # /bin/sh is a BusyBox applet


def test_old_busybox_base_with_a_passwordless_root_is_reported() -> None:
    found = findings(IMAGES / "dive/test-docker-image.tar")
    empty = by_rule(found, "IA-EMPTY-PASSWORD")["/etc/shadow"]
    assert "'root'" in empty.evidence and empty.layer_index == 0


def _readable_cases() -> list[object]:
    from tests.realworld_cases import CASES  # noqa: PLC0415 - the hand-checked archive list

    return [pytest.param(case.path, id=case.path) for case in CASES if not case.error]


@pytest.mark.slow
@pytest.mark.parametrize("relative", _readable_cases())
def test_every_readable_real_archive_scans_with_every_detector(relative: str) -> None:
    """Every archive the reader accepts also gets through every detector (secrets included):
    no detector may stop on what real tools wrote, and every finding names a known rule."""
    from analyzer.detectors import default_detectors  # noqa: PLC0415

    known = {rule.id for detector in default_detectors() for rule in detector.rules}
    result = scan_archive(IMAGES / relative)
    assert result.images
    for report in result.images:
        assert {f.rule_id for f in report.findings} <= known


def serious_secrets(found: list[Finding]) -> list[str]:
    """Secret findings at medium or above, as "path: evidence" for a readable failure."""
    return [
        f"{f.path}: {f.evidence}"
        for f in found
        if f.category == "secrets" and f.severity.rank >= Severity.MEDIUM.rank
    ]


@pytest.mark.parametrize("archive", shared_cases(BUSYBOX, lambda p: p.parent.name))
def test_official_busybox_has_no_secret_at_medium_or_above(archive: Path) -> None:
    """busybox:glibc ships `passwd: files` in /etc/nsswitch.conf: a database name, no
    finding at all (detect-secrets' keyword plugin guesses a password there)."""
    found = findings(archive)
    assert serious_secrets(found) == []
    assert [f.rule_id for f in found if f.path == "/etc/nsswitch.conf"] == []


@pytest.mark.parametrize("rootfs", shared_cases(ALPINE_ROOTFS, lambda p: p.name))
def test_alpine_has_no_secret_at_medium_or_above(rootfs: Path, tmp_path: Path) -> None:
    """Alpine's openssl.cnf prompts for `A challenge password` and configures the Insta Demo
    CA with `secret = pass:insta`: a prompt and a documented demo credential."""
    archive = write_imported_image(rootfs, tmp_path / "alpine.tar", "alpine:rootfs")
    assert serious_secrets(findings(archive)) == []


@pytest.mark.slow
@pytest.mark.parametrize("relative", _readable_cases())
def test_no_real_archive_has_a_secret_at_medium_or_above(relative: str) -> None:
    """None of the public projects' test images holds a credential: whatever is reported in
    them is below medium."""
    for report in scan_archive(IMAGES / relative).images:
        assert serious_secrets(list(report.findings)) == []
