"""Verdicts per PCI requirement, from small hand-built scan documents: a requirement fails only
on a finding at a failing severity, passes only when every check it rests on ran, and otherwise
says why it was not assessed or why a person must judge it."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer.findings.evidence import evidence_of
from analyzer.findings.model import Severity, fingerprint
from analyzer.findings.pci import (
    CATEGORY_CONTROLS,
    CHECKED,
    REQUIREMENT_BASIS,
    REQUIREMENTS,
    SEVERITY_EFFECT,
    Check,
    Effect,
    fails,
)
from analyzer.findings.verdicts import Status, Verdict, image_verdicts, judge, verdict_line

MANIFEST = "sha256:" + "a" * 64
MANUAL = {"2.2.1", "7.2.1", "7.2.2", "12.5.1"}
"""Organisational practices: the image can fail them, never show them met."""


def finding(rule: str, severity: str, category: str, path: str = "") -> dict[str, Any]:
    """A finding as the scan document states it (only what verdicts read)."""
    return {
        "rule_id": rule,
        "severity": severity,
        "fingerprint": fingerprint(rule, path),
        "pci": list(CATEGORY_CONTROLS[category]),
        "path": path,
    }


def image(**changes: Any) -> dict[str, Any]:
    """An image of a scan in which every check ran and found nothing."""
    doc: dict[str, Any] = {
        "refs": ["registry.example.com/shop/app:1.2.3"],
        "manifest_digest": MANIFEST,
        "layers": [{"index": 0, "created_by": "ADD rootfs.tar /"}],
        "findings": [],
        "hidden_below_min_severity": 0,
        "os": {
            "id": "debian",
            "version_id": "12",
            "pretty_name": "Debian 12",
            "eol_status": "supported",
        },
        "packages": [{"name": "libc6", "kind": "deb"}],
        "signatures": [],
        "secret_scan": {"files_examined": 10, "oversized_files": 0},
        "trusted_registries": ["registry.example.com"],
    }
    doc.update(changes)
    return doc


def verdicts(doc: dict[str, Any]) -> dict[str, Verdict]:
    return {v.requirement: v for v in image_verdicts(doc)}


def statuses(doc: dict[str, Any]) -> dict[str, Status]:
    return {r: v.status for r, v in verdicts(doc).items()}


def test_every_mapped_requirement_has_a_verdict_basis() -> None:
    assert set(REQUIREMENT_BASIS) == set(REQUIREMENTS)
    assert {r for controls in CATEGORY_CONTROLS.values() for r in controls} <= set(REQUIREMENTS)
    assert [v.requirement for v in judge(evidence_of(image()))] == list(REQUIREMENTS)


def test_severity_table_fails_on_medium_and_above_and_covers_every_severity() -> None:
    assert set(SEVERITY_EFFECT) == set(Severity)
    assert [s for s in Severity if fails(s)] == [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM]
    assert SEVERITY_EFFECT[Severity.LOW] is Effect.OBSERVATION


def test_fully_checked_clean_image_passes_all_but_manual_practices_and_6_3_3() -> None:
    expected = {r: Status.PASS for r in REQUIREMENTS}
    expected.update({r: Status.MANUAL for r in MANUAL})
    expected["6.3.3"] = Status.NOT_ASSESSED
    assert statuses(image()) == expected
    assert all(
        v.reason is None and not v.failing
        for v in verdicts(image()).values()
        if v.status is Status.PASS
    )


@pytest.mark.parametrize("severity", ["critical", "high", "medium"])
@pytest.mark.parametrize("category", sorted(CATEGORY_CONTROLS))
def test_finding_at_a_failing_severity_fails_every_requirement_it_bears_on(
    severity: str, category: str
) -> None:
    bad = finding("IA-TEST", severity, category, "/x")
    judged = verdicts(image(findings=[bad]))
    for requirement in CATEGORY_CONTROLS[category]:
        assert judged[requirement].status is Status.FAIL
        assert judged[requirement].failing == (bad["fingerprint"],)
        assert judged[requirement].reason is None
    untouched = set(REQUIREMENTS) - set(CATEGORY_CONTROLS[category])
    assert all(judged[r].status is not Status.FAIL for r in untouched)


@pytest.mark.parametrize("severity", ["low", "info"])
@pytest.mark.parametrize("category", sorted(CATEGORY_CONTROLS))
def test_low_or_info_finding_alone_does_not_fail_and_is_counted_as_an_observation(
    severity: str, category: str
) -> None:
    judged = verdicts(image(findings=[finding("IA-TEST", severity, category, "/x")] * 2))
    assert statuses(image(findings=[finding("IA-TEST", severity, category)])) == statuses(image())
    for requirement in CATEGORY_CONTROLS[category]:
        assert dict(judged[requirement].observations)[Severity(severity)] == 2
        assert judged[requirement].failing == ()


def test_a_fail_lists_the_findings_behind_it_once_and_counts_the_rest_as_observations() -> None:
    root = finding("IA-USER-ROOT", "high", "privilege")
    setuid = finding("IA-SETUID", "medium", "privilege", "/bin/su")
    setgid = finding("IA-SETGID", "low", "privilege", "/bin/wall")
    verdict = verdicts(image(findings=[root, setuid, setuid, setgid]))["CG-12.3"]
    assert verdict.failing == (root["fingerprint"], setuid["fingerprint"])
    assert dict(verdict.observations) == {Severity.LOW: 1, Severity.INFO: 0}


@pytest.mark.parametrize("requirement", sorted(MANUAL))
def test_practice_an_image_cannot_show_is_manual_with_its_reason_yet_fails_on_evidence(
    requirement: str,
) -> None:
    verdict = verdicts(image())[requirement]
    assert verdict.status is Status.MANUAL and verdict.reason
    category = next(c for c, rs in CATEGORY_CONTROLS.items() if requirement in rs)
    assert statuses(image(findings=[finding("IA-X", "high", category)]))[requirement] is Status.FAIL


# ---- 6.3.3 and 6.3.2: vulnerabilities and inventory ---------------------------------------


@pytest.mark.parametrize("eol_status", ["supported", "unknown"])
def test_6_3_3_is_not_assessed_without_vulnerability_data(eol_status: str) -> None:
    os = {"id": "debian", "version_id": "12", "eol_status": eol_status}
    verdict = verdicts(image(os=os))["6.3.3"]
    assert verdict.status is Status.NOT_ASSESSED
    assert verdict.reason and "no vulnerability data was given" in verdict.reason


@given(
    findings=st.lists(
        st.tuples(st.sampled_from(sorted(CATEGORY_CONTROLS)), st.sampled_from(["low", "info"]))
    ),
    os=st.one_of(st.none(), st.sampled_from(["supported", "eol", "unknown"])),
    packages=st.booleans(),
)
def test_6_3_3_never_passes_whatever_else_was_found(
    findings: list[tuple[str, str]], os: str | None, packages: bool
) -> None:
    doc = image(
        findings=[finding("IA-T", s, c, str(i)) for i, (c, s) in enumerate(findings)],
        os=os and {"id": "debian", "version_id": "9", "eol_status": os},
        packages=[{"kind": "deb"}] if packages else [],
    )
    assert statuses(doc)["6.3.3"] is not Status.PASS


def test_6_3_3_fails_on_an_end_of_life_base_os() -> None:
    eol = finding("IA-OS-EOL", "high", "base-image", "/etc/os-release")
    os = {"id": "debian", "version_id": "9", "eol_status": "eol"}
    verdict = verdicts(image(findings=[eol], os=os))["6.3.3"]
    assert verdict.status is Status.FAIL and verdict.failing == (eol["fingerprint"],)


def test_6_3_2_with_zero_packages_is_not_assessed() -> None:
    verdict = verdicts(image(packages=[]))["6.3.2"]
    assert verdict.status is Status.NOT_ASSESSED
    assert verdict.reason and "no package database" in verdict.reason


def test_6_3_2_with_only_language_packages_is_not_assessed_and_says_what_was_found() -> None:
    verdict = verdicts(image(packages=[{"kind": "pypi"}, {"kind": "npm"}]))["6.3.2"]
    assert verdict.status is Status.NOT_ASSESSED
    assert verdict.reason and "only 2 Python or npm packages were found" in verdict.reason


@pytest.mark.parametrize("kind", ["deb", "apk", "rpm"])
def test_6_3_2_passes_with_packages_read_from_a_package_database(kind: str) -> None:
    assert statuses(image(packages=[{"kind": kind}]))["6.3.2"] is Status.PASS


# ---- CG-12.2: registry and signatures -------------------------------------------------------


def test_cg_12_2_on_a_legacy_docker_archive_is_not_assessed_not_failed() -> None:
    unsigned = finding("IA-UNSIGNED", "low", "provenance")
    verdict = verdicts(image(manifest_digest="", findings=[unsigned]))["CG-12.2"]
    assert verdict.status is Status.NOT_ASSESSED
    assert verdict.reason and "legacy docker-archive cannot carry signatures" in verdict.reason
    assert dict(verdict.observations)[Severity.LOW] == 1


def test_cg_12_2_is_not_assessed_when_no_trusted_registry_was_given() -> None:
    verdict = verdicts(image(trusted_registries=[]))["CG-12.2"]
    assert verdict.status is Status.NOT_ASSESSED
    assert verdict.reason and "no --trusted-registry was given" in verdict.reason
    assert statuses(image(refs=[]))["CG-12.2"] is Status.NOT_ASSESSED


def test_cg_12_2_fails_on_an_untrusted_registry_even_in_a_legacy_archive() -> None:
    untrusted = finding("IA-REGISTRY-UNTRUSTED", "medium", "provenance", "docker.io/x")
    assert statuses(image(manifest_digest="", findings=[untrusted]))["CG-12.2"] is Status.FAIL


def test_cg_12_2_passes_an_unsigned_oci_image_from_a_trusted_registry_with_an_observation() -> None:
    unsigned = finding("IA-UNSIGNED", "low", "provenance")
    verdict = verdicts(image(findings=[unsigned]))["CG-12.2"]
    assert verdict.status is Status.PASS
    assert dict(verdict.observations)[Severity.LOW] == 1


# ---- checks that did not or could not run ---------------------------------------------------


def test_unidentified_base_os_leaves_cg_12_1_not_assessed() -> None:
    verdict = verdicts(image(os=None))["CG-12.1"]
    assert verdict.status is Status.NOT_ASSESSED
    assert verdict.reason and "no base OS was identified" in verdict.reason


def test_base_os_missing_from_the_end_of_life_table_leaves_cg_12_1_not_assessed() -> None:
    os = {"id": "arch", "pretty_name": "Arch\x1b[2J Linux", "eol_status": "unknown"}
    verdict = verdicts(image(os=os))["CG-12.1"]
    assert verdict.status is Status.NOT_ASSESSED
    assert verdict.reason and "'Arch\\x1b[2J Linux'" in verdict.reason  # quoted, printable


def test_files_too_large_to_examine_leave_the_secrets_requirements_not_assessed() -> None:
    doc = image(secret_scan={"files_examined": 10, "oversized_files": 3})
    for requirement in ("CG-12.4", "8.6.2"):
        verdict = verdicts(doc)[requirement]
        assert verdict.status is Status.NOT_ASSESSED
        assert verdict.reason and "3 files were over --max-file-bytes" in verdict.reason
    secret = finding("IA-SECRET-AWS-KEY", "critical", "secrets", "/app/.env")
    doc["findings"] = [secret]
    assert statuses(doc)["CG-12.4"] is Status.FAIL  # what was found stays found


def test_archive_members_not_examined_leave_the_secrets_requirements_not_assessed() -> None:
    """An encrypted zip, a jar past the member bounds, a jar inside a jar: what they hold was
    not looked at, so no PASS says it was."""
    doc = image(secret_scan={"files_examined": 10, "archive_members_not_examined": 7})
    for requirement in ("CG-12.4", "8.6.2"):
        verdict = verdicts(doc)[requirement]
        assert verdict.status is Status.NOT_ASSESSED
        assert verdict.reason and "7 members of archive files" in verdict.reason
    doc["secret_scan"] = {"oversized_files": 1, "archive_members_not_examined": 1}
    reason = verdicts(doc)["CG-12.4"].reason or ""
    assert (
        "1 file was over --max-file-bytes" in reason
        and "; 1 member of archive files in the image (a jar, a .tar.gz) was not" in reason
    )
    doc["secret_scan"] = {"files_examined": 10, "archive_members_not_examined": 0}
    assert statuses(doc)["CG-12.4"] is Status.PASS


def test_requirement_whose_check_did_not_run_is_not_assessed() -> None:
    doc = image()
    for fact in ("os", "packages", "signatures", "secret_scan", "trusted_registries"):
        del doc[fact]
    judged = verdicts(doc)
    for requirement in ("CG-12.1", "CG-12.2", "CG-12.4", "6.3.2", "8.6.2"):
        assert judged[requirement].status is Status.NOT_ASSESSED, requirement
    assert judged["CG-12.3"].status is Status.PASS


def test_image_without_build_history_leaves_2_2_6_not_assessed() -> None:
    verdict = verdicts(image(layers=[{"index": 0, "created_by": ""}]))["2.2.6"]
    assert verdict.status is Status.NOT_ASSESSED
    assert verdict.reason and "no build history" in verdict.reason


def test_findings_left_out_by_a_high_min_severity_keep_requirements_from_passing() -> None:
    doc = image(hidden_below_min_severity=2, min_severity="high")
    assert Status.PASS not in statuses(doc).values()
    assert "2 findings were left out of this report (below --min-severity high)" in str(
        verdicts(doc)["CG-12.3"].reason
    )
    assert Status.PASS not in statuses(image(hidden_below_min_severity=2)).values()


@pytest.mark.parametrize("floor", ["medium", "low"])
def test_findings_left_out_below_the_failing_severities_cannot_change_a_pass(floor: str) -> None:
    doc = image(hidden_below_min_severity=5, min_severity=floor)
    assert statuses(doc) == statuses(image())


def test_findings_left_out_by_severity_that_could_not_fail_leave_a_pass_standing() -> None:
    hidden = {"critical": 0, "high": 0, "medium": 0, "low": 3, "info": 2}
    doc = image(
        hidden_below_min_severity=5,
        hidden_by_severity=hidden,
        severity_option="--severity critical,high,medium",
    )
    assert statuses(doc) == statuses(image())


def test_a_medium_finding_left_out_by_severity_keeps_requirements_from_passing() -> None:
    hidden = {"critical": 0, "high": 0, "medium": 1, "low": 0, "info": 0}
    doc = image(
        hidden_below_min_severity=1,
        hidden_by_severity=hidden,
        severity_option="--severity critical,high",
    )
    assert Status.PASS not in statuses(doc).values()
    reason = str(verdicts(doc)["CG-12.3"].reason)
    assert "1 finding was left out of this report (not among --severity critical,high)" in reason
    assert "scan without --severity" in reason


def test_a_verdict_states_as_checked_only_the_checks_that_ran() -> None:
    assert verdicts(image())["6.3.3"].checked == CHECKED[Check.BASE_OS]  # never vulnerabilities
    assert verdicts(image(os=None))["6.3.3"].checked == ""
    legacy = verdicts(image(manifest_digest="", trusted_registries=[]))["CG-12.2"]
    assert legacy.checked == ""
    assert verdicts(image(manifest_digest=""))["CG-12.2"].checked == CHECKED[Check.REGISTRY]
    both = verdicts(image())["CG-12.1"].checked
    assert both == f"{CHECKED[Check.SOFTWARE]}; {CHECKED[Check.BASE_OS]}"


# ---- the overall line -----------------------------------------------------------------------


def test_verdict_line_names_every_status_that_occurs() -> None:
    line = verdict_line(v.status for v in image_verdicts(image(packages=[])))
    assert line == "no requirement fails, 7 pass, 2 not assessed, 4 manual"
    assert verdict_line([Status.FAIL]) == "1 requirement fails"


LINE = re.compile(
    r"^(?:no requirement fails|(\d+) requirements? fails?)"
    r"(?:, (\d+) pass)?(?:, (\d+) not assessed)?(?:, (\d+) manual)?$"
)


@given(st.lists(st.sampled_from(list(Status))))
def test_verdict_line_counts_match_the_statuses(given_statuses: list[Status]) -> None:
    match = LINE.match(verdict_line(given_statuses))
    assert match is not None
    counts = Counter(given_statuses)
    expected = [counts[s] for s in (Status.FAIL, Status.PASS, Status.NOT_ASSESSED, Status.MANUAL)]
    assert [int(g or 0) for g in match.groups()] == expected
