"""A secret in a hard-linked file: reported at each of its names, and in the final filesystem
while any name is, whichever name a later layer deletes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.findings.model import Finding
from analyzer.scan import scan_archive
from fixtures.formats import write_docker_archive
from fixtures.hard_links import (
    ALIAS,
    LINKED_TOKEN,
    ORIG,
    deleting,
    linked_secret_image,
)
from fixtures.spec import FileSpec, LayerSpec

LINKED_SHA256 = hashlib.sha256(LINKED_TOKEN.encode()).hexdigest()


def linked_findings(tmp_path: Path, *later: LayerSpec) -> list[Finding]:
    """The findings of LINKED_TOKEN in the image with `later` layers."""
    archive = write_docker_archive([linked_secret_image(*later)], tmp_path / "linked.tar")
    [report] = scan_archive(archive).images
    return [f for f in report.findings if dict(f.details).get("secret_sha256") == LINKED_SHA256]


def findings_of(tmp_path: Path, *later: LayerSpec) -> dict[str, Finding]:
    """linked_findings by path, when no path holds the secret twice."""
    found = linked_findings(tmp_path, *later)
    by_path = {f.path: f for f in found}
    assert len(by_path) == len(found), "one finding per name"
    return by_path


def test_a_hard_link_is_reported_at_its_own_path_with_its_target_s_secret(
    tmp_path: Path,
) -> None:
    found = findings_of(tmp_path)
    assert set(found) == {ORIG, ALIAS}
    alias = found[ALIAS]
    assert alias.rule_id == found[ORIG].rule_id == "IA-SECRET-DOTENV"
    assert alias.layer_index == 0 and alias.present_in_final and not alias.recoverable
    assert "hard link to /app/orig.env" in alias.evidence
    assert "also in the final filesystem as /app/alias.env" in found[ORIG].evidence


def test_a_secret_stays_in_the_final_filesystem_when_a_hard_link_survives_its_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deleting one name of a file leaves the file: an auditor must not read that it is gone."""
    found = findings_of(tmp_path, deleting(ORIG))
    alias, orig = found[ALIAS], found[ORIG]
    assert alias.present_in_final and not alias.recoverable
    assert orig.present_in_final and not orig.recoverable
    assert "removed_in_layer" not in dict(orig.details)
    assert (
        "deleted in layer 1 (whiteout), but still in the final filesystem as /app/alias.env"
        in orig.evidence
    )
    assert main(["scan", str(tmp_path / "linked.tar"), "-f", "json", "-q"]) == 0
    out = capsys.readouterr().out
    assert LINKED_TOKEN not in out
    [image] = json.loads(out)["images"]
    assert all(f["present_in_final"] for f in image["findings"] if f["path"] in (ORIG, ALIAS))


def test_a_secret_is_gone_from_the_final_filesystem_once_every_name_is_deleted(
    tmp_path: Path,
) -> None:
    found = findings_of(tmp_path, deleting(ORIG, ALIAS))
    assert set(found) == {ORIG, ALIAS}
    for finding in found.values():
        assert not finding.present_in_final and finding.recoverable
        assert dict(finding.details)["removed_in_layer"] == "1"
        assert "deleted in layer 1 (whiteout)" in finding.evidence
        assert "still recoverable from layer 0's tar" in finding.evidence


def test_a_hard_linked_secret_is_removed_by_the_layer_that_deletes_its_last_name(
    tmp_path: Path,
) -> None:
    found = findings_of(tmp_path, deleting(ORIG), deleting(ALIAS))
    orig = found[ORIG]
    assert not orig.present_in_final and orig.recoverable
    assert dict(orig.details)["removed_in_layer"] == "2"
    assert "its hard links (/app/alias.env) were gone by layer 2" in orig.evidence
    assert dict(found[ALIAS].details)["removed_in_layer"] == "2"


def test_a_hard_link_made_in_a_later_layer_keeps_the_lower_layer_s_file(tmp_path: Path) -> None:
    link = LayerSpec((FileSpec("srv/copy.env", kind="hardlink", link="app/orig.env"),))
    found = findings_of(tmp_path, link, deleting(ORIG, ALIAS))
    assert found["/srv/copy.env"].layer_index == 1 and found["/srv/copy.env"].present_in_final
    assert found[ORIG].present_in_final and found[ALIAS].present_in_final
    assert "still in the final filesystem as /srv/copy.env" in found[ALIAS].evidence


def test_a_file_a_layer_stores_again_under_a_linked_name_is_not_the_linked_file(
    tmp_path: Path,
) -> None:
    """A new file at the link's path (same bytes, no link) is another file, reported on its
    own: the linked file keeps only its first name, and is gone when that name is."""
    again = FileSpec("app/alias.env", f"GITHUB_TOKEN={LINKED_TOKEN}\n".encode())
    found = {
        (f.path, f.layer_index): f
        for f in linked_findings(tmp_path, LayerSpec((again,)), deleting(ORIG))
    }
    assert set(found) == {(ORIG, 0), (ALIAS, 0), (ALIAS, 1)}
    for name in (ORIG, ALIAS):
        assert not found[name, 0].present_in_final and found[name, 0].recoverable
    assert dict(found[ORIG, 0].details)["removed_in_layer"] == "2"
    assert "its hard links (/app/alias.env) were gone by layer 2" in found[ORIG, 0].evidence
    assert found[ALIAS, 1].present_in_final


def test_a_hard_link_replaced_by_a_new_file_leaves_its_target_holding_the_linked_file(
    tmp_path: Path,
) -> None:
    again = FileSpec("app/alias.env", b"DEBUG=false\n")
    found = findings_of(tmp_path, LayerSpec((again,)))
    assert found[ORIG].present_in_final and "also in the final" not in found[ORIG].evidence
    alias = found[ALIAS]
    assert alias.present_in_final and "removed_in_layer" not in dict(alias.details)
    assert (
        "replaced in layer 1, but still in the final filesystem as /app/orig.env" in alias.evidence
    )
