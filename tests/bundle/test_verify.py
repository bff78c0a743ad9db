"""`verify` trusts nothing in a bundle: every damaged, malformed, linked or special piece is a
FAILED line and exit 1, never a traceback, a hang, or a read outside the bundle."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.bundle import readback
from analyzer.bundle.verify import verify_bundle
from analyzer.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pristine(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A bundle of the example image and one of the two-image archive, written once."""
    root = tmp_path_factory.mktemp("bundles")
    found = {}
    for name in ("example", "oci-multiarch"):
        out = root / name
        assert main(["scan", str(built[name]), "--bundle", str(out), "-q", "--format", "json"]) == 0
        found[name] = out
    return found


@pytest.fixture
def bundle(pristine: dict[str, Path], tmp_path: Path) -> Path:
    """A fresh copy of the example image's bundle to damage."""
    return Path(shutil.copytree(pristine["example"], tmp_path / "evidence", symlinks=True))


def resum(out: Path) -> None:
    """Rewrite SHA256SUMS over the regular files now there, as a forger would: only checks of
    the documents' content can then tell."""
    lines = sorted(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(out).as_posix()}\n"
        for p in out.rglob("*")
        if p.is_file() and not p.is_symlink() and p.name != "SHA256SUMS"
    )
    (out / "SHA256SUMS").write_text("".join(lines))


def verify(
    capsys: pytest.CaptureFixture[str], out: Path, archive: Path | None = None
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["verify", str(out), *([str(archive)] if archive else [])])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("name", ["custody.json", "index.json"])
def test_a_missing_custody_or_index_fails_verification(
    name: str,
    bundle: Path,
    built: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    (bundle / name).unlink()
    resum(bundle)
    code, out, err = verify(capsys, bundle, built["example"])
    assert code == 1 and err == ""
    assert f"FAILED {name}: missing" in out


@pytest.mark.parametrize("name", ["custody.json", "index.json"])
@pytest.mark.parametrize(
    "content",
    [b"{not json", b"\xff\xfe{}", b"[" * 100_000, b""],
    ids=["text", "utf16", "deep", "empty"],
)
def test_a_custody_or_index_that_is_not_json_fails_verification(
    name: str,
    content: bytes,
    bundle: Path,
    built: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    (bundle / name).write_bytes(content)
    resum(bundle)
    code, out, err = verify(capsys, bundle, built["example"])
    assert code == 1 and err == ""
    assert f"FAILED {name}: not a JSON document" in out


_OURS = {"name": "image-audit"}


@pytest.mark.parametrize(
    ("name", "doc"),
    [
        ("custody.json", []),
        ("custody.json", {"input": {"sha256": "0" * 64}}),
        ("custody.json", {"tool": {"name": "other"}, "input": {"sha256": "0" * 64}}),
        ("custody.json", {"tool": _OURS, "input": 5}),
        ("custody.json", {"tool": _OURS, "input": {"sha256": 7}}),
        ("custody.json", {"tool": _OURS, "input": {"sha256": "../../etc/passwd"}}),
        ("index.json", {}),
        ("index.json", {"images": []}),
        ("index.json", {"images": {"a": 1}}),
        ("index.json", {"images": [5]}),
        ("index.json", {"images": [{"folder": "."}]}),
        ("index.json", {"images": [{"config_digest": ["sha256:x"]}]}),
    ],
)
def test_a_custody_or_index_of_the_wrong_shape_fails_verification(
    name: str,
    doc: object,
    bundle: Path,
    built: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    (bundle / name).write_text(json.dumps(doc))
    resum(bundle)
    code, out, err = verify(capsys, bundle, built["example"])
    assert code == 1 and err == ""
    assert f"FAILED {name}: not what image-audit writes" in out


def test_a_sha256sums_that_is_not_utf8_fails_verification(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sums = bundle / "SHA256SUMS"
    sums.write_bytes(sums.read_bytes() + b"\xff\xfe  odd\n")
    code, out, err = verify(capsys, bundle)
    assert code == 1 and err == ""
    assert "FAILED SHA256SUMS: not UTF-8 text" in out


@pytest.mark.parametrize(
    ("line", "failure"),
    [
        ("garbage", "SHA256SUMS line 1: not '<sha256>  <name>'"),
        ("abc123  report.json", "SHA256SUMS line 1: not '<sha256>  <name>'"),
        (f"{'0' * 64} report.json", "SHA256SUMS line 1: not '<sha256>  <name>'"),
        (f"{'0' * 64}  ../outside.txt", "../outside.txt: path outside the bundle"),
        (f"{'0' * 64}  /etc/passwd", "/etc/passwd: path outside the bundle"),
        (f"{'0' * 64}  image/./x", "image/./x: path outside the bundle"),
        (f"{'0' * 64}  \x1b]0;owned\x07", "\\x1b]0;owned\\x07: missing"),
    ],
)
def test_a_malformed_sha256sums_line_is_a_failed_check(
    line: str, failure: str, bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sums = bundle / "SHA256SUMS"
    sums.write_text(line + "\n" + sums.read_text())
    code, out, err = verify(capsys, bundle)
    assert code == 1 and err == ""
    assert f"FAILED {failure}" in out and "\x1b" not in out


def test_a_file_listed_twice_is_a_failed_check(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sums = bundle / "SHA256SUMS"
    first = sums.read_text().splitlines(keepends=True)[0]
    sums.write_text(first + sums.read_text())
    code, out, _ = verify(capsys, bundle)
    assert code == 1 and f"FAILED {first.split('  ')[1].strip()}: listed twice" in out


def test_a_listed_file_replaced_by_a_symlink_is_not_followed(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside-report.json"
    shutil.move(bundle / "report.json", outside)  # same bytes: following it would pass
    (bundle / "report.json").symlink_to(outside)
    code, out, _ = verify(capsys, bundle)
    assert code == 1
    assert "FAILED report.json: a symbolic link, not a regular file" in out


def test_a_symlinked_image_folder_is_not_followed(
    pristine: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = Path(shutil.copytree(pristine["oci-multiarch"], tmp_path / "evidence"))
    folder = next(out.glob("image-1-*"))
    shutil.move(folder, tmp_path / "moved")  # the same files, outside the bundle
    folder.symlink_to(tmp_path / "moved", target_is_directory=True)
    code, stdout, _ = verify(capsys, out)
    assert code == 1
    assert (
        f"FAILED {folder.name}/report.json: '{folder.name}' on its path is not a folder" in stdout
    )
    assert f"FAILED {folder.name}: a symbolic link; a bundle holds only regular files" in stdout


def test_fifos_in_a_bundle_fail_verification_without_blocking(bundle: Path) -> None:
    (bundle / "report.json").unlink()
    os.mkfifo(bundle / "report.json")  # listed: opening it for reading would block
    os.mkfifo(bundle / "extra.pipe")  # not listed
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", "verify", str(bundle)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1 and proc.stderr == ""
    assert "FAILED report.json: a FIFO, not a regular file" in proc.stdout
    assert "FAILED extra.pipe: a FIFO; a bundle holds only regular files" in proc.stdout


def test_a_fifo_given_as_the_archive_fails_verification_without_blocking(
    bundle: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "image.tar"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", "verify", str(bundle), str(fifo)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1 and proc.stderr == ""
    assert "FAILED the archive cannot be read" in proc.stdout
    assert "not a regular file or directory" in proc.stdout


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("report.json", readback.MAX_FILE_BYTES + 1),
        ("custody.json", readback.MAX_DOCUMENT_BYTES + 1),
    ],
)
def test_an_absurdly_large_file_is_a_failed_check_not_a_long_read(
    name: str, size: int, bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.truncate(bundle / name, size)  # sparse: no disk used, nothing read
    code, out, err = verify(capsys, bundle)
    assert code == 1 and err == ""
    assert f"FAILED {name}: larger than any file image-audit writes" in out


def test_a_bundle_without_its_sha256sums_fails_verification(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (bundle / "SHA256SUMS").unlink()
    code, out, err = verify(capsys, bundle)
    assert code == 1 and err == ""
    assert "FAILED SHA256SUMS: missing; no file of the bundle can be checked" in out


def test_a_directory_that_is_no_bundle_at_all_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = verify(capsys, tmp_path)
    assert code == 2 and "is this an image-audit bundle?" in err and err.count("\n") == 1


def test_a_path_that_is_not_a_directory_is_one_line_exit_2(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = verify(capsys, bundle / "report.json")
    assert code == 2 and err.startswith("image-audit: error: ") and err.count("\n") == 1


def test_a_missing_archive_is_one_line_exit_2(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = verify(capsys, bundle, tmp_path / "nope.tar")
    assert code == 2 and "no such archive" in err and err.count("\n") == 1


_DOCUMENTS = ("SHA256SUMS", "custody.json", "index.json")


@settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=st.sampled_from(_DOCUMENTS), content=st.binary(max_size=300))
def test_any_bytes_in_a_bundle_document_fail_verification_without_a_crash(
    name: str, content: bytes, bundle: Path, built: dict[str, Path]
) -> None:
    original = (bundle / name).read_bytes()
    (bundle / name).write_bytes(content)
    try:
        checks = verify_bundle(bundle, built["example"])
    finally:
        (bundle / name).write_bytes(original)
    assert any(not ok for ok, _ in checks)
    assert all(line.isprintable() for _, line in checks)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=70),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=st.sampled_from(("custody.json", "index.json")),
    doc=_JSON | st.fixed_dictionaries({"input": _JSON, "images": st.lists(_JSON, max_size=3)}),
)
def test_any_json_as_custody_or_index_is_checked_without_a_crash(
    name: str, doc: object, bundle: Path, built: dict[str, Path]
) -> None:
    original = (bundle / name).read_bytes()
    (bundle / name).write_text(json.dumps(doc))
    resum(bundle)
    try:
        checks = verify_bundle(bundle, built["example"])
    finally:
        (bundle / name).write_bytes(original)
        resum(bundle)
    assert any(not ok for ok, _ in checks)  # no random document is this image's record
    assert all(line.isprintable() for _, line in checks)


def nest(folder: Path, depth: int, last: bytes | None = None) -> None:
    """A chain of `depth` nested folders "d/d/d..." in `folder`; file "f" at the bottom."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        below = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = below
    if last is not None:
        with open(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "wb") as handle:
            handle.write(last)
    os.close(fd)


def counted_opens(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every os.open from now on, by the name it opened."""
    opened: list[object] = []
    real = os.open

    def counting(path: object, *args: object, **kwargs: object) -> int:
        opened.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", counting)
    return opened


def test_an_added_chain_of_nested_folders_is_one_failed_line_and_is_not_walked(
    bundle: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    nest(bundle, 600)
    try:
        opened = counted_opens(monkeypatch)
        code, out, err = verify(capsys, bundle)
        monkeypatch.undo()
        assert code == 1 and err == ""
        assert [line for line in out.splitlines() if line.startswith("FAILED")] == [
            "FAILED d: a folder holding no file of SHA256SUMS (added later?)"
        ]
        assert len(opened) < 50
    finally:
        subprocess.run(["rm", "-rf", str(bundle / "d")], check=False)


def test_a_listed_file_at_the_bottom_of_deep_folders_is_verified_in_linear_opens(
    bundle: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    depth = 600  # d^2/2 = 180,000 opens when each folder was reopened from the top
    nest(bundle, depth, b"deep")
    try:
        name = "d/" * depth + "f"
        with (bundle / "SHA256SUMS").open("a") as sums:
            sums.write(f"{hashlib.sha256(b'deep').hexdigest()}  {name}\n")
        opened = counted_opens(monkeypatch)
        code, out, _ = verify(capsys, bundle)
        monkeypatch.undo()
        assert code == 0 and "/d/d/f\n" in out and out.endswith(" 0 failed\n")
        assert len(opened) < 3 * depth + 50
    finally:
        subprocess.run(["rm", "-rf", str(bundle / "d")], check=False)


def _scan_digest(capsys: pytest.CaptureFixture[str], archive: Path, out: Path) -> tuple[str, str]:
    """The bundle digest `scan --bundle` tells the examiner to record, and its stderr."""
    capsys.readouterr()
    assert main(["scan", str(archive), "--bundle", str(out), "--no-progress"]) == 0
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if "bundle digest" in line]
    return line.split("bundle digest ")[1].split(":")[0], err


def test_scan_prints_the_bundle_digest_the_sha256_of_sha256sums(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "evidence"
    digest, err = _scan_digest(capsys, built["example"], out)
    assert digest == hashlib.sha256((out / "SHA256SUMS").read_bytes()).hexdigest()
    assert "record it outside the bundle" in err
    code = main(["verify", str(out), "--expect-digest", digest.upper()])
    out_text = capsys.readouterr().out
    assert code == 0 and f"OK bundle digest {digest} as expected" in out_text


@pytest.mark.parametrize("written", ["sha256:{}", "SHA256:{}", "{}"], ids=str)
@pytest.mark.parametrize("case", [str.lower, str.upper], ids=["lower", "upper"])
def test_the_expected_digest_is_taken_with_or_without_sha256_prefix_as_ls_sha256_takes_it(
    written: str, case: Callable[[str], str], bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = hashlib.sha256((bundle / "SHA256SUMS").read_bytes()).hexdigest()
    code = main(["verify", str(bundle), "--expect-digest", written.format(case(digest))])
    assert code == 0 and f"OK bundle digest {digest} as expected" in capsys.readouterr().out


def test_a_file_edited_with_its_line_in_sha256sums_is_caught_only_by_the_recorded_digest(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whoever can edit the bundle can rewrite SHA256SUMS too: verify alone then shows only
    that the bundle agrees with itself, and says so; the digest recorded when it was written
    (outside the bundle) catches the edit."""
    out = tmp_path / "evidence"
    recorded, _ = _scan_digest(capsys, built["example"], out)
    (out / "report.md").write_text("# nothing to see here\n")
    resum(out)
    code, text, _ = verify(capsys, out)
    *_, note, verdict = text.splitlines()
    assert code == 0 and verdict.startswith("VERIFIED")
    assert "only that the bundle agrees with itself" in note
    code = main(["verify", str(out), "--expect-digest", recorded])
    text = capsys.readouterr().out
    assert code == 1 and f"is not the expected {recorded}" in text
    assert text.splitlines()[-1].startswith("NOT VERIFIED")


@pytest.mark.parametrize("given", ["abc", "g" * 64, "0" * 65, ""])
def test_an_expected_digest_that_is_not_a_sha256_is_a_usage_error(
    given: str, bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", str(bundle), "--expect-digest", given])
    err = capsys.readouterr().err
    assert code == 2 and "is not a sha256" in err and err.count("\n") == 1


def test_a_report_deleted_with_its_sha256sums_line_fails_verification(
    bundle: Path, pristine: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SHA256SUMS alone agreed with a bundle whose findings were deleted with their lines;
    every image index.json lists has its folder's reports and tables."""
    for name in ("report.json", "findings.csv"):
        (bundle / name).unlink()
    resum(bundle)
    code, out, _ = verify(capsys, bundle)
    assert code == 1
    assert "FAILED report.json: missing (every bundle has it)" in out
    assert "FAILED findings.csv: missing (every bundle has it)" in out
    two = Path(shutil.copytree(pristine["oci-multiarch"], tmp_path / "two", symlinks=True))
    folder = json.loads((two / "index.json").read_text())["images"][1]["folder"]
    shutil.rmtree(two / folder)
    resum(two)
    code, out, _ = verify(capsys, two)
    assert code == 1 and f"FAILED {folder}/report.json: missing" in out


def test_documents_that_disagree_with_each_other_fail_verification(
    pristine: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A report copied over another image's, or a custody record rewritten for another input:
    each file matches SHA256SUMS once it is rewritten, but the documents no longer agree."""
    two = Path(shutil.copytree(pristine["oci-multiarch"], tmp_path / "two", symlinks=True))
    first, second = (e["folder"] for e in json.loads((two / "index.json").read_text())["images"])
    shutil.copyfile(two / first / "report.json", two / second / "report.json")
    resum(two)
    code, out, _ = verify(capsys, two)
    assert code == 1 and f"FAILED {second}/report.json names image config" in out
    shutil.copyfile(
        pristine["oci-multiarch"] / second / "report.json", two / second / "report.json"
    )
    custody = json.loads((two / "custody.json").read_text())
    custody["input"]["sha256"] = "0" * 64
    (two / "custody.json").write_text(json.dumps(custody))
    resum(two)
    code, out, _ = verify(capsys, two)
    assert code == 1 and "FAILED index.json names input sha256" in out


def test_sha256sums_lists_the_files_in_the_order_of_their_names(
    pristine: dict[str, Path],
) -> None:
    """A changed file changes its own line, not the order of the listing (a diff of two
    bundles' SHA256SUMS shows what changed)."""
    for bundle in pristine.values():
        names = [
            line.split("  ", 1)[1] for line in (bundle / "SHA256SUMS").read_text().splitlines()
        ]
        assert names == sorted(names) and len(names) > 5
