"""`-o FILE` writes exactly what stdout would have shown into FILE, replaced whole, never through
a symlink, never the input or a directory (the evidence bundle is `--bundle DIR`)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.bundle import outfile
from analyzer.cli import main
from analyzer.vulndb import import_sources
from fixtures.leaky_image import SECRETS, write_leaky_image
from tests.vulndb.records import osv


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> bool:
    return err.startswith("image-audit: error: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["scan", "--jobs", "1", "-f", "json"],
        ["scan", "--jobs", "1", "-f", "sarif"],
        ["scan", "--jobs", "1"],
        ["inspect", "-f", "json"],
        ["ls", "--deleted"],
    ],
    ids=" ".join,
)
def test_output_file_holds_exactly_what_stdout_shows_and_stdout_stays_empty(
    argv: list[str], built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = [argv[0], str(built["example"]), *argv[1:], "-q"]
    _, shown, _ = run(capsys, *command)
    code, out, err = run(capsys, *command, "-o", str(tmp_path / "report"))
    assert code == 0 and out == "" and err == ""
    assert (tmp_path / "report").read_text("utf-8") == shown


def test_rules_can_be_written_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, shown, _ = run(capsys, "rules", "-f", "json")
    assert run(capsys, "rules", "-f", "json", "-o", str(tmp_path / "rules.json"))[:2] == (0, "")
    assert (tmp_path / "rules.json").read_text("utf-8") == shown


def test_a_status_line_names_the_file_unless_quiet(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    code, _, err = run(capsys, "inspect", str(built["example"]), "-f", "json", "-o", str(out))
    assert code == 0 and err == f"image-audit: json report written to {out}\n"


def test_an_existing_directory_is_refused_with_a_pointer_to_bundle(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "scan", str(built["example"]), "-o", str(tmp_path))
    assert code == 2 and out == "" and one_line_error(err) and "--bundle DIR" in err
    assert list(tmp_path.iterdir()) == []


def test_a_device_is_refused_with_the_way_to_discard_the_report(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """-o writes a regular file, replaced whole; /dev/null is not one (nor is a disk)."""
    code, out, err = run(capsys, "scan", str(built["example"]), "-o", os.devnull)
    assert code == 2 and out == "" and one_line_error(err)
    assert "leave out -o and send stdout to /dev/null" in err


def test_a_format_name_after_dash_o_is_refused_with_the_fix(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "image.tar", "-o", "json"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "use -f json" in err and "./json" in err


def test_a_symlink_is_never_written_through(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    (tmp_path / "report.json").symlink_to(target)
    code, _, err = run(capsys, "rules", "-o", str(tmp_path / "report.json"))
    assert code == 2 and one_line_error(err) and "symbolic link" in err
    assert target.read_text() == "keep me" and (tmp_path / "report.json").is_symlink()


def test_an_existing_file_is_replaced_whole_keeping_its_permissions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "rules.txt"
    report.write_text("old " * 100_000)
    report.chmod(0o640)
    assert run(capsys, "rules", "-o", str(report))[0] == 0
    assert report.read_text("utf-8").startswith("rule ")
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["rules.txt"]


def test_a_write_that_fails_leaves_the_old_file_and_no_partial_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "rules.txt"
    report.write_text("old")

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outfile.os, "rename", full_disk)
    code, _, err = run(capsys, "rules", "-o", str(report))
    assert code == 2 and one_line_error(err) and "nothing was written" in err
    assert report.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["rules.txt"]


def test_an_interrupted_write_leaves_no_partial_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(outfile.os, "fsync", interrupted)
    assert run(capsys, "rules", "-o", str(tmp_path / "rules.txt"))[0] == 130
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_write_stopped_by_a_signal_leaves_no_partial_file(signum: int, tmp_path: Path) -> None:
    stopped = (
        "import os, sys; from analyzer.cli import main; fsync = os.fsync\n"
        "def signalled(fd):\n"
        f"    os.kill(os.getpid(), {int(signum)}); fsync(fd)\n"
        "os.fsync = signalled\n"
        "sys.exit(main(['rules', '-o', sys.argv[1]]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", stopped, str(tmp_path / "rules.txt")],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (128 + signum, "image-audit: interrupted\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_ls_stopped_by_a_signal_while_its_listing_is_made_leaves_the_old_file(
    fmt: str, tmp_path: Path
) -> None:
    """ls writes the listing of a huge image while it makes it; a SIGTERM in the middle (the
    third path) is an interrupted run that leaves FILE as it was and nothing beside it."""
    archive = write_leaky_image(tmp_path / "leaky.tar")
    report = tmp_path / "listing.txt"
    report.write_text("old")
    stopped = (
        "import os, sys; from analyzer import listing; from analyzer.cli import main\n"
        "entry_document, made = listing.entry_document, []\n"
        "def signalled(entry):\n"
        f"    made.append(1); len(made) == 3 and os.kill(os.getpid(), {int(signal.SIGTERM)})\n"
        "    return entry_document(entry)\n"
        "listing.entry_document = signalled\n"
        "sys.exit(main(['ls', '-q', '-f', sys.argv[2], sys.argv[1], '-o', sys.argv[3]]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", stopped, str(archive), fmt, str(report)],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (128 + signal.SIGTERM, "image-audit: interrupted\n")
    assert report.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leaky.tar", "listing.txt"]


def test_the_input_itself_is_refused(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "image.tar"
    archive.write_bytes(built["example"].read_bytes())
    before = archive.read_bytes()
    code, _, err = run(capsys, "inspect", str(archive), "-o", str(archive))
    assert code == 2 and one_line_error(err) and "is the input" in err
    assert archive.read_bytes() == before


@pytest.mark.parametrize("which", ["old", "new", "suppressions", "vuln-db"])
def test_every_input_of_the_command_is_refused_not_only_the_first(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    """`diff OLD NEW -o OLD` replaced the old image with the report (only an `archive` was
    compared); the suppression file and the vulnerability database are inputs too."""
    old, new = tmp_path / "old.tar", tmp_path / "new.tar"
    old.write_bytes(built["example"].read_bytes())
    new.write_bytes(built["docker-legacy"].read_bytes())
    (tmp_path / "accepted.toml").write_text("")
    (tmp_path / "r.json").write_text(json.dumps(osv("PYSEC-1", "PyPI", "foo", [])))
    import_sources([tmp_path / "r.json"], tmp_path / "db")
    argv = {
        "old": ["diff", str(old), str(new), "-o", str(old)],
        "new": ["diff", str(old), str(new), "-o", str(new)],
        "suppressions": ["scan", str(old), "--suppressions", str(tmp_path / "accepted.toml")],
        "vuln-db": ["scan", str(old), "--vuln-db", str(tmp_path / "db")],
    }[which]
    target = {
        "suppressions": tmp_path / "accepted.toml",
        "vuln-db": tmp_path / "db" / "vulndb.sqlite",
    }
    if which in target:
        argv += ["-o", str(target[which])]
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    code, _, err = run(capsys, *argv)
    assert code == 2 and one_line_error(err) and "input" in err, err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_a_file_inside_an_input_directory_is_refused(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    layout = built["oci-dir-zstd"]
    code, _, err = run(capsys, "inspect", str(layout), "-o", str(layout / "report.txt"))
    assert code == 2 and "inside the input" in err and not (layout / "report.txt").exists()


def test_a_file_inside_the_bundle_directory_is_refused_before_the_scan(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "evidence"
    argv = ["scan", str(built["example"]), "--bundle", str(bundle)]
    code, _, err = run(capsys, *argv, "-o", str(bundle / "scan.txt"))
    assert code == 2 and one_line_error(err) and "inside the bundle directory" in err
    assert not bundle.exists()


@pytest.mark.parametrize("bundle", ["report.json", "report.json/evidence", "report.json/a/b"])
def test_a_bundle_directory_at_or_under_the_report_file_is_refused_before_the_scan(
    bundle: str,
    built: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the bundle would create FILE as a directory, the -o write would then fail: a failed run
    # must not leave a complete bundle behind
    monkeypatch.setattr("analyzer.cli.scan_archive", pytest.fail)  # refused before the scan
    argv = ["scan", str(built["example"]), "-q", "--bundle", str(tmp_path / bundle)]
    code, _, err = run(capsys, *argv, "-o", str(tmp_path / "report.json"))
    assert code == 2 and one_line_error(err) and "report file" in err
    assert list(tmp_path.iterdir()) == []


def test_a_bundle_under_the_report_file_named_through_a_symlinked_parent_is_refused(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    argv = ["scan", str(built["example"]), "-q", "--bundle", str(tmp_path / "link/r.json/b")]
    code, _, err = run(capsys, *argv, "-o", str(tmp_path / "real" / "r.json"))
    assert code == 2 and one_line_error(err)
    assert list((tmp_path / "real").iterdir()) == []


def test_a_missing_parent_directory_is_refused_before_the_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "rules", "-o", str(tmp_path / "no" / "such" / "rules.txt"))
    assert code == 2 and one_line_error(err) and "not an existing directory" in err


def test_a_fifo_is_refused_and_never_opened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "rules", "-o", str(fifo))  # opening it would block
    assert code == 2 and "not a regular file" in err and stat.S_ISFIFO(fifo.lstat().st_mode)


def test_an_unwritable_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root may write anywhere")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, _, err = run(capsys, "rules", "-o", str(locked / "rules.txt"))
    assert code == 2 and "cannot write in" in err


@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
def test_no_secret_reaches_the_report_file(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = write_leaky_image(tmp_path / "leaky.tar")
    report = tmp_path / f"report.{fmt}"
    argv = ["scan", str(archive), "--jobs", "1", "-q", "-f", fmt, "-o", str(report), "--wide"]
    assert run(capsys, *argv)[0] == 0
    text = report.read_text("utf-8")
    assert "leak/app:" in text and not [s for s in SECRETS if s in text]


def test_dash_is_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "-f", "json", "-o", "-")
    assert code == 0 and out.startswith("{") and not Path("-").exists()
