"""`vulndb import`: bad records are notices with a count, never a crash; hostile archives are
read in memory and never write outside the database folder."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
import zipfile
from pathlib import Path

import pytest

from analyzer.errors import UsageError
from analyzer.vulndb import import_sources, open_vulndb
from analyzer.vulndb.sources import MAX_DOCUMENT_BYTES
from tests.vulndb.records import osv

GOOD = osv("PYSEC-1", "PyPI", "foo", [{"introduced": "0"}, {"fixed": "2.0"}])


def test_bad_records_become_notices_and_the_good_ones_are_kept(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.json").write_text(json.dumps(GOOD))
    (src / "broken.json").write_text('{"id": "X", "affected": [')
    (src / "broken.yaml").write_text("id: [unclosed\n")
    (src / "not-utf8.json").write_bytes(b"\xff\xfe{")
    (src / "list.json").write_text("[1, 2]")
    (src / "eco.json").write_text(json.dumps(osv("X-1", "Nowhere", "foo", [])))
    bad_version = osv("X-2", "PyPI", "foo", [{"introduced": "0"}, {"fixed": "not a version!"}])
    (src / "version.json").write_text(json.dumps(bad_version))
    (src / "cvss.json").write_text(
        json.dumps(
            {**GOOD, "id": "X-3", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/junk"}]}
        )
    )
    summary = import_sources([src], tmp_path / "db")
    [source] = summary.sources
    assert source.records == 4  # good, eco (kept, no usable entry), version, cvss
    notices = "\n".join(summary.notices)
    expected = (
        "broken.json",
        "broken.yaml",
        "not-utf8.json",
        "unknown ecosystem 'Nowhere'",
        "'not a version!' does not parse",
        "CVSS vector",
        "neither an OSV record",
    )
    assert [e for e in expected if e not in notices] == []
    assert summary.rejected >= 6 and source.rejected == summary.rejected
    db = open_vulndb(tmp_path / "db")
    assert sorted(a.record.id for a in db.affected("pypi", "foo")) == ["PYSEC-1", "X-3"]


def test_yaml_osv_record_and_newest_modified_are_recorded(tmp_path: Path) -> None:
    record = tmp_path / "PYSEC-9.yaml"
    record.write_text(
        "id: PYSEC-9\nmodified: '2026-10-01T00:00:00Z'\naffected:\n- package: {ecosystem: PyPI, "
        "name: Foo_Bar}\n  ranges:\n  - type: ECOSYSTEM\n    events: [{introduced: '0'}]\n"
    )
    summary = import_sources([record], tmp_path / "db")
    assert summary.sources[0].newest == "2026-10-01T00:00:00Z"
    assert len(summary.sources[0].sha256) == 64
    assert [a.record.id for a in open_vulndb(tmp_path / "db").affected("pypi", "foo-bar")] == [
        "PYSEC-9"
    ]


def test_a_newer_copy_of_a_record_replaces_the_older(tmp_path: Path) -> None:
    old = osv("PYSEC-5", "PyPI", "foo", [{"introduced": "0"}], modified="2026-01-01T00:00:00Z")
    new = {**old, "modified": "2026-02-01T00:00:00Z", "withdrawn": "2026-02-01T00:00:00Z"}
    (tmp_path / "a.json").write_text(json.dumps(new))
    (tmp_path / "b.json").write_text(json.dumps(old))
    import_sources([tmp_path / "a.json", tmp_path / "b.json"], tmp_path / "db")
    [row] = open_vulndb(tmp_path / "db").affected("pypi", "foo")
    assert row.record.withdrawn


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_members_with_traversal_names_are_read_in_memory_only(tmp_path: Path) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    archive = _zip(
        work / "osv.zip",
        {
            "../../escaped.json": json.dumps(GOOD).encode(),
            "/tmp/absolute-vulndb-test.json": json.dumps({**GOOD, "id": "PYSEC-2"}).encode(),
        },
    )
    summary = import_sources([archive], work / "db")
    assert summary.sources[0].records == 2
    assert not (tmp_path / "escaped.json").exists()
    assert not Path("/tmp/absolute-vulndb-test.json").exists()
    assert sorted(p.name for p in (work / "db").iterdir()) == ["vulndb.sqlite"]


def test_tar_gz_with_traversal_and_oversized_member(tmp_path: Path) -> None:
    archive = tmp_path / "osv.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (("../../evil.json", json.dumps(GOOD).encode()),
                           ("big.json", b" " * (MAX_DOCUMENT_BYTES + 1))):  # fmt: skip
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    summary = import_sources([archive], tmp_path / "db")
    assert summary.sources[0].records == 1
    assert any("big.json: larger than" in n for n in summary.notices)
    assert not (tmp_path.parent / "evil.json").exists()


def test_zip_member_that_inflates_past_the_cap_is_skipped(tmp_path: Path) -> None:
    bomb = {
        "bomb.json": b"[" + b" " * (MAX_DOCUMENT_BYTES + 10),
        "good.json": json.dumps(GOOD).encode(),
    }
    archive = _zip(tmp_path / "bomb.zip", bomb)
    summary = import_sources([archive], tmp_path / "db")
    assert summary.sources[0].records == 1
    assert any("larger than" in n or "inflates" in n for n in summary.notices)


def test_scan_opens_the_database_read_only(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(json.dumps(GOOD))
    import_sources([tmp_path / "r.json"], tmp_path / "db")
    db = open_vulndb(tmp_path / "db")
    with pytest.raises(sqlite3.OperationalError):
        db._db.execute("DELETE FROM records")


def test_missing_or_foreign_database_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no vulnerability database"):
        open_vulndb(tmp_path)
    (tmp_path / "vulndb.sqlite").write_bytes(b"not sqlite" * 100)
    with pytest.raises(UsageError, match="not a vulnerability database"):
        open_vulndb(tmp_path)


def test_a_source_of_many_bad_records_keeps_few_notes_and_counts_them_all(tmp_path: Path) -> None:
    bad = [osv(f"X-{i}", "Nowhere", "foo", []) | {"affected": "not a list"} for i in range(10)]
    bad += [{"no": "id"}] * 5000
    (tmp_path / "many.json").write_text(json.dumps(bad))
    summary = import_sources([tmp_path / "many.json"], tmp_path / "db")
    assert summary.sources[0].rejected == 5000 and summary.sources[0].records == 10
    assert len(summary.notices) <= 50


def test_yaml_aliases_that_multiply_a_record_are_refused_quickly(tmp_path: Path) -> None:
    # 10 affected entries x 100 ranges x 1000 events through aliases: 10^6 events in 40 KB
    events = "[" + ", ".join(["{introduced: '0'}"] * 1000) + "]"
    ranges = "[" + ", ".join(["{type: ECOSYSTEM, events: *e}"] * 99) + "]"
    entry = "{package: {ecosystem: PyPI, name: foo}, ranges: *r}"
    bomb = (
        f"id: BOMB-1\nx: &e {events}\ny: &r [{{type: ECOSYSTEM, events: *e}}, "
        f"{ranges[1:-1]}]\naffected: [{', '.join([entry] * 10)}]\n"
    )
    (tmp_path / "bomb.yaml").write_text(bomb)
    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    summary = import_sources([tmp_path / "bomb.yaml", tmp_path / "good.json"], tmp_path / "db")
    assert [s.records for s in summary.sources] == [0, 1]
    assert any("BOMB-1: more than" in n for n in summary.notices)


def test_an_import_without_any_record_keeps_the_previous_database(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(json.dumps(GOOD))
    import_sources([tmp_path / "r.json"], tmp_path / "db")
    (tmp_path / "wrong.json").write_text('{"not": "a record"}')
    with pytest.raises(UsageError, match="nothing was written"):
        import_sources([tmp_path / "wrong.json"], tmp_path / "db")
    assert [a.record.id for a in open_vulndb(tmp_path / "db").affected("pypi", "foo")] == [
        "PYSEC-1"
    ]
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["vulndb.sqlite"]
    with pytest.raises(UsageError, match="no such file"):
        import_sources([tmp_path / "absent"], tmp_path / "new-db")
    assert not (tmp_path / "new-db").exists()
