"""Hostile vulnerability data (issue 13, third round): a source that is not a file, a --to the
disk refuses, damaged zip members and records, and a database file crafted by whoever handed
over the folder. Each is one line and exit 2, or a note; never a hang, a crash or a change to
the data a scan was given."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.vulndb import import_sources, store
from fixtures.formats import write_docker_archive
from fixtures.vulnerable import python_image
from tests.vulndb.records import osv

REPO = Path(__file__).resolve().parents[2]
GOOD = osv("PYSEC-1", "PyPI", "foo", [{"introduced": "0"}, {"fixed": "2.0"}])


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("image-audit: error: ") and err.count("\n") == 1, err
    return err


def test_a_fifo_source_is_refused_at_once_and_nothing_is_created(tmp_path: Path) -> None:
    """Opening a FIFO waits for a writer that never comes (a device never ends): only files
    and folders are sources, checked before --to is created."""
    fifo = tmp_path / "records.json"
    os.mkfifo(fifo)
    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    command = ["vulndb", "import", str(tmp_path / "good.json"), str(fifo)]
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", *command, "--to", str(tmp_path / "db")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2 and "not a file, folder or archive" in proc.stderr, proc.stderr
    assert not (tmp_path / "db").exists()


@pytest.mark.parametrize("where", ["under-a-file", "dangling-link", "database-is-a-folder"])
def test_a_to_the_disk_refuses_is_one_line_exit_2_and_leaves_it_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    (tmp_path / "file").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    (tmp_path / "db" / "vulndb.sqlite").mkdir(parents=True)
    to = {
        "under-a-file": tmp_path / "file" / "db",
        "dangling-link": tmp_path / "link",
        "database-is-a-folder": tmp_path / "db",
    }[where]
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert main(["vulndb", "import", str(tmp_path / "good.json"), "--to", str(to)]) == 2
    assert "nothing was written" in _one_line_error(capsys)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


def test_an_import_that_fails_removes_the_folder_it_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "wrong.json").write_text('{"not": "a record"}')
    assert main(["vulndb", "import", str(tmp_path / "wrong.json"), "--to", str(tmp_path / "new")])
    assert not (tmp_path / "new").exists()


def _damaged_zip(path: Path) -> Path:
    """A zip of a good record and a deflated one whose compressed bytes were flipped."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("good.json", json.dumps(GOOD))
        archive.writestr("bad.json", json.dumps(osv("PYSEC-2", "PyPI", "bar", [])) * 50)
    data = bytearray(raw.getvalue())
    start = data.index(b"bad.json") + len(b"bad.json") + 20
    data[start : start + 40] = bytes(b ^ 0x5A for b in data[start : start + 40])
    path.write_bytes(bytes(data))
    return path


def test_a_damaged_zip_member_and_a_record_with_a_lone_surrogate_are_skipped_with_notes(
    tmp_path: Path,
) -> None:
    archive = _damaged_zip(tmp_path / "osv.zip")
    surrogate = tmp_path / "surrogate.json"
    surrogate.write_text(json.dumps(osv("PYSEC-\ud800", "PyPI", "foo", [{"introduced": "0"}])))
    summary = import_sources([archive, surrogate], tmp_path / "db")
    assert [s.records for s in summary.sources] == [1, 0]
    assert any("bad.json: cannot be read" in n for n in summary.notices)
    assert any("not Unicode; skipped" in n for n in summary.notices)


def _crafted(tmp_path: Path, script: str) -> Path:
    """A database imported for real, then edited by `script`."""
    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    import_sources([tmp_path / "good.json"], tmp_path / "db")
    db = sqlite3.connect(tmp_path / "db" / "vulndb.sqlite")
    db.executescript(script)
    db.commit()
    db.close()
    return tmp_path / "db"


CRAFTED = {
    "a recursive view that never ends": "DROP TABLE affected; CREATE VIEW affected AS "
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT 1 AS record, "
    "'pypi' AS ecosystem, '' AS release, 'foo' AS name, '[]' AS ranges, '[]' AS versions FROM c",
    "a missing table": "DROP TABLE sources",
    "a trigger": "CREATE TRIGGER t AFTER INSERT ON meta BEGIN SELECT 1; END",
    "a list that is not JSON": "UPDATE records SET aliases = 'not json'",
    "ranges nested past the recursion limit": "UPDATE affected SET ranges = '"
    + "[" * 100_000
    + "]" * 100_000
    + "'",
    "a score that is text": "UPDATE records SET score = 'high'",
    "a value of 20 MB": "UPDATE affected SET versions = '[\"' || hex(zeroblob(10000000)) || '\"]'",
}


@pytest.mark.parametrize("script", CRAFTED.values(), ids=CRAFTED.keys())
def test_a_crafted_database_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], script: str
) -> None:
    db = _crafted(tmp_path, script)
    archive = write_docker_archive([python_image([("foo", "1.0")])], tmp_path / "i.tar")
    assert main(["scan", str(archive), "--vuln-db", str(db), "-q"]) == 2
    assert "vulnerability database" in _one_line_error(capsys)


def test_a_scan_leaves_the_database_folder_as_it_was_even_for_a_wal_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database in WAL mode (not one import writes) opened read-only would get -wal and
    -shm files created beside it: it is opened immutable, so the folder is not touched."""
    db = _crafted(tmp_path, "PRAGMA journal_mode = WAL")
    before = sorted(p.name for p in db.iterdir())
    archive = write_docker_archive([python_image([("foo", "1.0")])], tmp_path / "i.tar")
    assert main(["scan", str(archive), "--vuln-db", str(db), "-q", "-f", "json"]) == 0
    assert "PYSEC-1" in capsys.readouterr().out
    assert sorted(p.name for p in db.iterdir()) == before == ["vulndb.sqlite"]


def test_sigterm_during_an_import_leaves_no_partial_database(tmp_path: Path) -> None:
    """A CI job's timeout or a `kill` ends a long import (the full OSV data takes minutes):
    the partial database and the folder the import created are removed."""
    records = [osv(f"X-{i}", "PyPI", f"p{i}", [{"introduced": "0"}]) for i in range(40_000)]
    (tmp_path / "many.json").write_text(json.dumps(records))
    to = tmp_path / "db"
    command = ["vulndb", "import", str(tmp_path / "many.json"), "--to", str(to)]
    run = subprocess.Popen(
        [sys.executable, "-m", "analyzer", *command], cwd=REPO, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not any(to.glob(".vulndb.sqlite.*.partial")) and time.monotonic() < deadline:
        time.sleep(0.01)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 128 + signal.SIGTERM, err
    assert not to.exists(), sorted(p.name for p in to.iterdir())


def test_an_import_cut_short_in_its_own_clean_up_still_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal can land while the import is already cleaning up (closing the database, so a
    journal or the partial file stays): the files of this import and the folder it created
    are removed all the same."""
    to = tmp_path / "db"

    def cut_short(paths: object, into: Path) -> None:
        into.mkdir()
        (into / f".vulndb.sqlite.{os.getpid()}.partial").write_bytes(b"half")
        (into / f".vulndb.sqlite.{os.getpid()}.partial-journal").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "_import_into", cut_short)
    (tmp_path / "one.json").write_text(json.dumps(GOOD))
    with pytest.raises(KeyboardInterrupt):
        import_sources([tmp_path / "one.json"], to)
    assert not to.exists()


def test_an_interrupted_import_leaves_another_imports_partial_file_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two imports into one folder: the one interrupted removes only its own partial file."""
    to = tmp_path / "db"
    to.mkdir()
    other = to / f".vulndb.sqlite.{os.getpid() + 1}.partial"
    other.write_bytes(b"the other import's")

    def cut_short(paths: object, into: Path) -> None:
        (into / f".vulndb.sqlite.{os.getpid()}.partial").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "_import_into", cut_short)
    (tmp_path / "one.json").write_text(json.dumps(GOOD))
    with pytest.raises(KeyboardInterrupt):
        import_sources([tmp_path / "one.json"], to)
    assert sorted(p.name for p in to.iterdir()) == [other.name]
