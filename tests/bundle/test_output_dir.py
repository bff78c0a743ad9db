"""`scan --bundle DIR` writes the bundle into DIR whole, or not at all, and never anywhere else:
not through a symlink, not into the input, not mixed with a concurrent run, not half-way."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from analyzer.bundle import install, writer
from analyzer.bundle.install import publish
from analyzer.bundle.outdir import check_output
from analyzer.cli import main
from analyzer.errors import OutputError

REPO = Path(__file__).resolve().parents[2]


def scan(
    capsys: pytest.CaptureFixture[str], archive: Path, out: Path, *extra: str
) -> tuple[int, str]:
    """Exit code and stderr of `scan ARCHIVE --bundle OUT -q`."""
    capsys.readouterr()
    code = main(["scan", str(archive), "--bundle", str(out), "-q", "--format", "json", *extra])
    return code, capsys.readouterr().err


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under root (links not followed): relative name -> content hash or link text."""
    found = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[name] = "dir"
    return found


def verified(out: Path) -> bool:
    return main(["verify", str(out)]) == 0


def one_line_error(err: str) -> bool:
    return err.startswith("image-audit: error: ") and err.count("\n") == 1


def test_force_refuses_an_earlier_bundle_with_a_symlinked_report_json(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, outside = tmp_path / "evidence", tmp_path / "outside.txt"
    outside.write_text("not yours")
    assert scan(capsys, built["example"], out)[0] == 0
    (out / "report.json").unlink()
    (out / "report.json").symlink_to(outside)
    before = snapshot(out)
    code, err = scan(capsys, built["example"], out, "--force")
    assert code == 2 and one_line_error(err) and "report.json: a symbolic link" in err
    assert outside.read_text() == "not yours" and snapshot(out) == before


def test_force_refuses_an_earlier_bundle_with_a_symlinked_image_folder(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, elsewhere = tmp_path / "evidence", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "mine.txt").write_text("keep")
    assert scan(capsys, built["oci-multiarch"], out)[0] == 0
    folder = next(out.glob("image-1-*"))
    shutil.rmtree(folder)
    folder.symlink_to(elsewhere, target_is_directory=True)
    code, err = scan(capsys, built["oci-multiarch"], out, "--force")
    assert code == 2 and one_line_error(err) and "nothing was deleted" in err
    assert snapshot(elsewhere) == {"mine.txt": hashlib.sha256(b"keep").hexdigest()}
    assert folder.is_symlink()


def test_the_oci_layout_under_analysis_is_refused_as_output_even_with_force(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = shutil.copytree(built["oci-dir-zstd"], tmp_path / "layout", symlinks=True)
    before = snapshot(layout)
    code, err = scan(capsys, layout, layout, "--force")
    assert code == 2 and one_line_error(err)
    assert snapshot(layout) == before


def test_an_output_directory_inside_the_input_directory_is_refused(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = shutil.copytree(built["oci-dir-zstd"], tmp_path / "layout", symlinks=True)
    before = snapshot(layout)
    code, err = scan(capsys, layout, layout / "blobs" / "evidence")
    assert code == 2 and one_line_error(err) and "inside the input" in err
    assert snapshot(layout) == before


def test_an_earlier_bundle_holding_the_input_is_not_replaced(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "evidence"
    assert scan(capsys, built["example"], out)[0] == 0
    archive = Path(shutil.copy(built["example"], out / "image.tar"))
    before = snapshot(out)
    code, err = scan(capsys, archive, out, "--force")
    assert code == 2 and one_line_error(err) and "holds the input" in err
    assert snapshot(out) == before


def test_an_output_path_that_is_a_file_or_lies_under_one_is_one_line_exit_2(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "notes.txt"
    plain.write_text("mine")
    for out in (plain, plain / "evidence"):
        code, err = scan(capsys, built["example"], out, "--force")
        assert code == 2 and one_line_error(err) and str(plain) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_an_output_directory_that_is_a_symlink_is_refused(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target, link = tmp_path / "target", tmp_path / "link"
    target.mkdir()
    link.symlink_to(target, target_is_directory=True)
    code, err = scan(capsys, built["example"], link)
    assert code == 2 and one_line_error(err) and "symbolic link" in err
    assert list(target.iterdir()) == []


def test_an_output_location_that_cannot_be_written_is_refused_before_the_scan(
    built: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # chmod does not stop root, and a read-only mount needs privileges: the kernel's answer
    # (access(2) says EACCES or EROFS) is stood in for, only for this directory.
    parent = tmp_path / "read-only"
    parent.mkdir()
    access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode, **kw: Path(path) != parent and access(path, mode, **kw)
    )
    monkeypatch.setattr("analyzer.cli.scan_archive", pytest.fail)  # refused before the scan
    code, err = scan(capsys, built["example"], parent / "evidence")
    assert code == 2 and one_line_error(err) and f"cannot write in {parent}" in err
    assert list(parent.iterdir()) == []


def test_force_replaces_only_an_earlier_bundle(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "thesis.tex").write_text("years of work")
    code, err = scan(capsys, built["example"], tmp_path, "--force")
    assert code == 2 and one_line_error(err) and "not an earlier image-audit bundle" in err
    assert snapshot(tmp_path) == {"thesis.tex": hashlib.sha256(b"years of work").hexdigest()}


def test_force_does_not_take_two_files_named_like_a_bundles_for_a_bundle(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "thesis"
    (out / "sub").mkdir(parents=True)
    (out / "thesis.docx").write_text("years of work")
    (out / "sub" / "data.bin").write_text("measurements")
    (out / "SHA256SUMS").write_text("junk\n")
    (out / "custody.json").write_text("{}")
    before = snapshot(out)
    code, err = scan(capsys, built["example"], out, "--force")
    assert code == 2 and one_line_error(err)
    assert "not an earlier image-audit bundle as it was written" in err
    assert "nothing was deleted" in err
    assert snapshot(out) == before


def test_force_replaces_an_earlier_bundle_that_verifies(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "evidence"
    assert scan(capsys, built["oci-multiarch"], out)[0] == 0
    assert scan(capsys, built["example"], out, "--force") == (0, "")
    assert verified(out) and not list(out.glob("image-*"))


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ("add notes.txt", "notes.txt: not listed in SHA256SUMS"),
        ("edit report.md", "report.md: content changed since the bundle was written"),
        ("remove report.md", "report.md"),
    ],
)
def test_force_refuses_an_earlier_bundle_that_was_added_to_or_altered(
    change: str,
    said: str,
    built: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What the examiner added is not ours to delete, and an altered bundle is evidence of
    the alteration: either is left exactly as it is."""
    out = tmp_path / "evidence"
    assert scan(capsys, built["example"], out)[0] == 0
    verb, name = change.split()
    if verb == "remove":
        (out / name).unlink()
    else:
        with (out / name).open("a") as handle:
            handle.write("my own notes\n")
    before = snapshot(out)
    code, err = scan(capsys, built["example"], out, "--force")
    assert code == 2 and one_line_error(err) and said in err and "nothing was deleted" in err
    assert snapshot(out) == before


def test_a_file_added_to_the_earlier_bundle_during_the_scan_is_not_deleted(
    built: dict[str, Path], tmp_path: Path
) -> None:
    files = _render(built, tmp_path, "example")
    out = tmp_path / "render-example"
    claimed = check_output(out, force=True)  # before the long scan: the bundle verifies
    (out / "notes.txt").write_text("written while the scan ran")
    before = snapshot(out)
    with pytest.raises(OutputError, match=r"notes\.txt: not listed in SHA256SUMS"):
        publish(claimed, files)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["render-example"]


def test_missing_parents_of_the_output_directory_are_created(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cases" / "17" / "evidence"
    assert scan(capsys, built["example"], out)[0] == 0
    assert verified(out) and sorted(p.name for p in tmp_path.iterdir()) == ["cases"]


def test_a_renderer_that_fails_leaves_the_earlier_bundle_as_it_was(
    built: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "evidence"
    assert scan(capsys, built["example"], out)[0] == 0
    before = snapshot(out)
    render, calls = writer.report_html, []

    def fails_on_the_second_image(report: dict[str, Any]) -> str:
        calls.append(report)
        if len(calls) == 2:
            raise RuntimeError("renderer bug")
        return render(report)

    monkeypatch.setattr(writer, "report_html", fails_on_the_second_image)
    assert scan(capsys, built["oci-multiarch"], out, "--force")[0] == 3
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence"]


@pytest.mark.parametrize("failing_file", [1, 7, 13])
def test_a_write_that_fails_part_way_leaves_nothing_behind(
    failing_file: int,
    built: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "parent" / "evidence"
    create, calls = install._create, []

    def full_disk(folder: int, name: str, data: bytes) -> None:
        calls.append(name)
        if len(calls) == failing_file:
            raise OSError(28, "No space left on device")
        create(folder, name, data)

    monkeypatch.setattr(install, "_create", full_disk)
    code, err = scan(capsys, built["example"], out)
    assert code == 2 and one_line_error(err) and "No space left on device" in err
    assert list(tmp_path.iterdir()) == []  # not even the parent this run created


def test_an_interrupted_write_leaves_the_earlier_bundle_as_it_was(
    built: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "evidence"
    assert scan(capsys, built["example"], out)[0] == 0
    before = snapshot(out)

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(install, "_move_into_place", interrupted)
    assert scan(capsys, built["example"], out, "--force")[0] == 130
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence"]


def _small_file_limit() -> None:
    """In the child: files may not grow past 8 KiB (a full disk, for root too)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG from write() instead of a kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))


def test_a_full_disk_is_one_line_exit_2_and_leaves_nothing_behind(
    built: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "evidence"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analyzer",
            "scan",
            str(built["example"]),
            "--bundle",
            str(out),
            "-q",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_small_file_limit,
        check=False,
    )
    assert proc.returncode == 2 and one_line_error(proc.stderr), proc.stderr
    assert "too large" in proc.stderr and list(tmp_path.iterdir()) == []


def test_two_scans_at_once_into_one_empty_directory_leave_one_verified_bundle(
    built: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "evidence"
    out.mkdir()
    command = [
        sys.executable,
        "-m",
        "analyzer",
        "scan",
        str(built["example"]),
        "--bundle",
        str(out),
    ]
    runs = [
        subprocess.Popen(
            [*command, "-q"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    errors = [run.communicate(timeout=300)[1] for run in runs]
    results = sorted(zip((run.returncode for run in runs), errors, strict=True))
    assert [code for code, _ in results] == [0, 2]
    assert results[1][1].count(b"\n") == 1
    assert verified(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence"]


def _render(built: dict[str, Path], tmp_path: Path, name: str) -> dict[str, bytes]:
    """The files of a real bundle of fixture `name`, as the writer hands them to publish."""
    out = tmp_path / f"render-{name}"
    assert main(["scan", str(built[name]), "--bundle", str(out), "-q", "--format", "json"]) == 0
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def test_of_two_runs_that_found_the_same_empty_directory_the_second_is_refused(
    built: dict[str, Path], tmp_path: Path
) -> None:
    first, second = _render(built, tmp_path, "example"), _render(built, tmp_path, "oci-multiarch")
    out = tmp_path / "evidence"
    claims = [check_output(out, force=False), check_output(out, force=False)]
    publish(claims[0], first)
    with pytest.raises(OutputError, match="filled while this run scanned"):
        publish(claims[1], second)
    assert {name: (out / name).read_bytes() for name in first} == first
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "evidence",
        "render-example",
        "render-oci-multiarch",
    ]


def test_of_two_forced_runs_over_one_bundle_the_second_is_refused(
    built: dict[str, Path], tmp_path: Path
) -> None:
    first, second = _render(built, tmp_path, "example"), _render(built, tmp_path, "oci-multiarch")
    out = tmp_path / "render-example"
    claims = [check_output(out, force=True), check_output(out, force=True)]
    publish(claims[0], second)
    with pytest.raises(OutputError, match="was replaced while this run scanned"):
        publish(claims[1], first)
    assert snapshot(out) == snapshot(tmp_path / "render-oci-multiarch")


@pytest.mark.parametrize("force", [False, True])
def test_an_existing_output_directory_keeps_its_permissions(
    force: bool, built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "evidence"
    if force:
        assert scan(capsys, built["example"], out)[0] == 0
    else:
        out.mkdir()
    out.chmod(0o2750)
    assert scan(capsys, built["example"], out, *(["--force"] if force else []))[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o2750 and verified(out)


def test_a_mount_point_as_output_directory_is_refused_with_a_way_out(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    mount = Path("/dev/shm")  # an empty tmpfs mount point on most Linux systems
    if not (os.path.ismount(mount) and not any(mount.iterdir())):
        pytest.skip("needs an empty mount point at /dev/shm")
    code, err = scan(capsys, built["example"], mount)
    assert code == 2 and one_line_error(err) and "/dev/shm/evidence" in err
    assert list(mount.iterdir()) == [] and not list(Path("/dev").glob(".shm.image-audit-*"))


def nest(folder: Path, depth: int) -> None:
    """A chain of `depth` nested folders "d/d/d..." in `folder` (deeper than a path can name)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        below = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = below
    os.close(fd)


def test_force_refuses_an_earlier_bundle_holding_folders_nested_past_pythons_stack(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "evidence"
    assert scan(capsys, built["example"], out)[0] == 0
    nest(out, sys.getrecursionlimit() + 200)
    try:
        code, err = scan(capsys, built["example"], out, "--force")
        assert code == 2 and one_line_error(err) and "d: a folder holding no file" in err
        assert (out / "d").is_dir()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence"]
    finally:  # pytest's own clean-up is recursive
        subprocess.run(["rm", "-rf", str(tmp_path)], check=False)


def test_an_earlier_bundle_that_cannot_be_removed_is_one_line_saying_where_it_is(
    built: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "evidence"
    assert scan(capsys, built["example"], out)[0] == 0

    def refused(parent: int, name: str) -> None:
        raise OSError(13, "Permission denied", "previous/d")

    monkeypatch.setattr(install, "remove_tree", refused)
    code, err = scan(capsys, built["example"], out, "--force")
    assert code == 2 and one_line_error(err) and "remove it by hand" in err
    assert verified(out)  # the new bundle is in place all the same
    staging = [p for p in tmp_path.iterdir() if p.name != "evidence"]
    assert len(staging) == 1 and staging[0].name in err and (staging[0] / "previous").is_dir()


_SIGNALLED_SCAN = """
import os, signal, sys
from analyzer.bundle import install
from analyzer.cli import main

signum, at = int(sys.argv[1]), int(sys.argv[2])
# a terminal's Ctrl-C: a runner that starts jobs in the background starts them ignoring SIGINT
signal.signal(signal.SIGINT, signal.default_int_handler)
if sys.argv[3] == "nohup":
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
create, calls = install._create, []

def signalled(folder, name, data):
    calls.append(name)
    if len(calls) == at:
        os.kill(os.getpid(), signum)  # as `kill`, a CI timeout or a closed terminal would
    create(folder, name, data)

install._create = signalled
sys.exit(main(["scan", *sys.argv[4:], "-q", "--format", "json"]))
"""


def signalled_scan(signum: int, at: int, *argv: str, nohup: bool = False) -> tuple[int, str]:
    """Exit code and stderr of a scan that gets `signum` while writing its `at`-th file."""
    how = "nohup" if nohup else "-"
    proc = subprocess.run(
        [sys.executable, "-c", _SIGNALLED_SCAN, str(signum), str(at), how, *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return proc.returncode, proc.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_run_stopped_by_a_signal_while_writing_leaves_no_partial_bundle(
    signum: int, built: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "cases" / "evidence"
    code, err = signalled_scan(signum, 5, str(built["example"]), "--bundle", str(out))
    assert (code, err) == (128 + signum, "image-audit: interrupted\n")  # 130, 143, 129
    assert list(tmp_path.iterdir()) == []  # not even the parent this run created


def test_a_forced_run_stopped_by_sigterm_leaves_the_earlier_bundle_as_it_was(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "evidence"
    assert scan(capsys, built["example"], out)[0] == 0
    before = snapshot(out)
    argv = (str(built["example"]), "--bundle", str(out), "--force")
    assert signalled_scan(signal.SIGTERM, 9, *argv)[0] == 143
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence"]


def test_a_run_started_ignoring_sighup_keeps_ignoring_it_while_writing(
    built: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "evidence"
    argv = (str(built["example"]), "--bundle", str(out))
    assert signalled_scan(signal.SIGHUP, 3, *argv, nohup=True) == (0, "")
    assert verified(out)


def test_the_signal_handlers_are_restored_after_the_bundle_is_written(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = [signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGHUP)]
    assert scan(capsys, built["example"], tmp_path / "evidence")[0] == 0
    assert [signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGHUP)] == before
