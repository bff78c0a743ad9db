"""`image-audit extract`: an investigator recovers the exact bytes of any version of a file
(a key deleted in a later layer too), with a custody record, and nothing else is written."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tarfile
from pathlib import Path

import pytest

from analyzer.cli import main
from fixtures.example import fake_elf, fake_private_key


def extract(*argv: str) -> int:
    return main(["extract", *argv, "-q"])


def test_a_key_deleted_in_a_later_layer_is_recovered_byte_for_byte_with_custody(
    built: dict[str, Path], tmp_path: Path
) -> None:
    dest = tmp_path / "id_rsa"
    assert extract(str(built["example"]), "/app/id_rsa", "-o", str(dest), "--layer", "1") == 0
    assert dest.read_bytes() == fake_private_key()
    custody = json.loads((tmp_path / "id_rsa.custody.json").read_text())
    sha256 = hashlib.sha256(fake_private_key()).hexdigest()
    assert custody["path"]["sha256"] == custody["written"]["sha256"] == sha256
    assert custody["path"]["present_in_final"] is False
    assert custody["layer"]["index"] == 1 and custody["layer"]["diff_id"].startswith("sha256:")
    assert custody["image"]["refs"] == ["example/shop:latest"]
    archive = built["example"]
    assert custody["archive"] == {
        "name": archive.name,
        "kind": "file",
        "size": archive.stat().st_size,
        "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["id_rsa", "id_rsa.custody.json"]


def test_a_path_not_in_the_final_filesystem_names_the_layers_that_hold_it(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert extract(str(built["example"]), "/app/id_rsa", "-o", str(tmp_path / "k")) == 2
    err = capsys.readouterr().err
    assert "layer 1 (added), layer 2 (deleted)" in err and "--layer" in err
    assert list(tmp_path.iterdir()) == []  # nothing written, no staging left


def test_a_setuid_file_is_written_without_the_bit_and_custody_says_so(
    built: dict[str, Path], tmp_path: Path
) -> None:
    dest = tmp_path / "helper"
    assert extract(str(built["example"]), "/app/setuid-helper", "-o", str(dest)) == 0
    assert dest.read_bytes() == fake_elf("setuid-helper")
    assert not os.stat(dest).st_mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX)
    custody = json.loads((tmp_path / "helper.custody.json").read_text())
    assert custody["path"]["mode"] == "4755"
    assert "setuid" in custody["written"]["not_applied"]


def test_a_directory_is_written_as_a_tar_of_its_subtree(
    built: dict[str, Path], tmp_path: Path
) -> None:
    dest = tmp_path / "app.tar"
    assert extract(str(built["example"]), "/app", "-o", str(dest)) == 0
    with tarfile.open(dest) as tar:
        names = set(tar.getnames())
        assert "app/setuid-helper" in names and "app/id_rsa" not in names  # the final tree
        helper = tar.getmember("app/setuid-helper")
        assert helper.mode == 0o4755  # recorded in the tar, applied nowhere
        data = tar.extractfile(helper)
        assert data is not None and data.read() == fake_elf("setuid-helper")


def test_the_layer_that_stored_a_directory_gives_what_that_layer_held(
    built: dict[str, Path], tmp_path: Path
) -> None:
    dest = tmp_path / "app1.tar"
    assert extract(str(built["example"]), "/app", "-o", str(dest), "--layer", "1") == 0
    with tarfile.open(dest) as tar:
        member = tar.extractfile("app/id_rsa")
        assert member is not None and member.read() == fake_private_key()


def test_an_existing_dest_is_refused_unless_forced(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "helper"
    dest.write_bytes(b"earlier")
    argv = [str(built["example"]), "/app/setuid-helper", "-o", str(dest)]
    assert extract(*argv) == 2
    assert "use --force" in capsys.readouterr().err and dest.read_bytes() == b"earlier"
    assert extract(*argv, "--force") == 0
    assert dest.read_bytes() == fake_elf("setuid-helper")


def test_a_dest_that_is_a_symlink_is_never_written_through(
    built: dict[str, Path], tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.write_bytes(b"keep")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "helper").symlink_to(outside)
    argv = [str(built["example"]), "/app/setuid-helper", "-o", str(tmp_path / "out" / "helper")]
    assert extract(*argv) == 2
    assert extract(*argv, "--force") == 2
    assert outside.read_bytes() == b"keep"


def test_a_symlink_in_the_image_holds_no_bytes_to_extract(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert extract(str(built["example"]), "/app/current-env", "-o", str(tmp_path / "x")) == 2
    assert "symbolic link to /app/config/.env" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_path_that_climbs_out_stays_inside_the_image_and_dest_is_only_what_o_names(
    built: dict[str, Path], tmp_path: Path
) -> None:
    """PATH names a file in the image: `..` cannot climb out of it, and nothing is ever
    written where PATH points on the host."""
    dest = tmp_path / "passwd"
    assert extract(str(built["example"]), "../../../etc/passwd", "-o", str(dest)) == 0
    custody = json.loads((tmp_path / "passwd.custody.json").read_text())
    assert custody["path"]["path"] == "/etc/passwd"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["passwd", "passwd.custody.json"]


def test_a_layer_index_out_of_range_is_a_usage_error(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [str(built["example"]), "/app/id_rsa", "-o", str(tmp_path / "k")]
    assert extract(*argv, "--layer", "9") == 2
    assert "--layer 9: the image has layers 0 to 3" in capsys.readouterr().err
    assert extract(*argv, "--layer", "-1") == 2
    assert list(tmp_path.iterdir()) == []


def test_the_root_is_the_whole_final_tree_as_a_tar(built: dict[str, Path], tmp_path: Path) -> None:
    dest = tmp_path / "root.tar"
    assert extract(str(built["example"]), "/", "-o", str(dest)) == 0
    with tarfile.open(dest) as tar:
        names = set(tar.getnames())
    assert {"app/setuid-helper", "bin/busybox", "etc/os-release"} <= names
    assert "app/id_rsa" not in names and "." not in names
