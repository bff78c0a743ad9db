"""`image-audit extract`: an investigator recovers the exact bytes of any version of a file
(a key deleted in a later layer too), with a custody record, and nothing else is written."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import tarfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from analyzer import cli
from analyzer import extract as extract_module
from analyzer.archive.source import open_archive
from analyzer.cli import main
from analyzer.extract import choose
from analyzer.image.loader import load_catalog
from fixtures.example import fake_elf, fake_private_key
from fixtures.formats import write_docker_archive
from fixtures.hostile_layers import write_archive_with_layer
from fixtures.secret_image import GITHUB_TOKEN
from fixtures.spec import FileSpec, ImageSpec, LayerSpec
from fixtures.tarwriter import END_OF_ARCHIVE, base256, raw_header, tar_bytes
from tests.conftest import REALWORLD


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


@pytest.mark.parametrize(
    ("layer", "whiteouts", "opaque"), [("2", ["/app/id_rsa"], []), ("3", [], ["/app/cache"])]
)
def test_a_layer_s_directory_comes_with_what_that_layer_deleted_under_it(
    built: dict[str, Path], tmp_path: Path, layer: str, whiteouts: list[str], opaque: list[str]
) -> None:
    """A tar holds what a layer added; what it deleted (whiteouts, opaque directories) is in
    the custody record, so the layer's whole change is on record."""
    dest = tmp_path / f"app{layer}.tar"
    assert extract(str(built["example"]), "/app", "-o", str(dest), "--layer", layer) == 0
    custody = json.loads(dest.with_name(dest.name + ".custody.json").read_text())
    deletes = custody["written"]["layer_deletes"]
    assert deletes == {"whiteouts": whiteouts, "opaque_dirs": opaque}


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


# -- hostile destinations, entries and disks (issue 13, third round) ---------------------------

REPO = Path(__file__).resolve().parents[1]


def _layered(tmp_path: Path, entries: tuple[FileSpec, ...]) -> Path:
    """An archive of the example base layer and one layer of `entries`."""
    return write_archive_with_layer(tmp_path / "image.tar", tar_bytes(entries), "none")


@pytest.mark.parametrize("name", ["a" * 250, "/"])
def test_a_dest_the_filesystem_cannot_name_is_refused_in_one_line_before_the_read(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """A 250-character DEST fits NAME_MAX but its custody record (13 characters longer) does
    not; `/` names no file at all."""
    dest = tmp_path / name if name != "/" else Path(name)
    assert extract(str(built["example"]), "/etc/os-release", "-o", str(dest)) == 2
    err = capsys.readouterr().err
    assert err.startswith("image-audit: error: ") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_dest_dash_is_refused_rather_than_written_as_a_file_called_dash(
    built: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`-o -` means stdout to scan; extract has a custody record to write beside the file and
    sends no raw bytes to a terminal, so it says so instead of creating ./- and ./-.custody.json."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as usage:
        extract(str(built["example"]), "/etc/os-release", "-o", "-")
    assert usage.value.code == 2
    err = capsys.readouterr().err
    assert "error: argument -o/--output: extract writes a file and its custody" in err
    assert list(tmp_path.iterdir()) == []
    assert extract(str(built["example"]), "/etc/os-release", "-o", "./-") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["-", "-.custody.json"]


def _file_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        """In the child: files may not grow past `limit` bytes (a full disk, for root too)."""
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG from write() instead of a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _extract_with_file_limit(limit: int, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analyzer", "extract", *argv, "-q"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_file_limit(limit),
        check=False,
    )


def test_a_full_disk_while_copying_is_one_line_exit_2_and_leaves_nothing(
    built: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    proc = _extract_with_file_limit(16, str(built["example"]), "/app", "-o", str(out / "app.tar"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "too large" in proc.stderr and list(out.iterdir()) == []


def test_a_forced_extract_that_cannot_write_its_custody_keeps_the_earlier_pair(
    tmp_path: Path,
) -> None:
    """DEST and DEST.custody.json describe each other: when the custody record cannot be
    written (the disk fills after the small file), the earlier DEST stays beside its record."""
    archive = _layered(tmp_path, (FileSpec("d", kind="dir"), FileSpec("d/f", b"hello\n")))
    out = tmp_path / "out"
    out.mkdir()
    (out / "f").write_bytes(b"earlier")
    (out / "f.custody.json").write_bytes(b'{"earlier": true}')
    proc = _extract_with_file_limit(256, str(archive), "/d/f", "-o", str(out / "f"), "--force")
    assert proc.returncode == 2 and "too large" in proc.stderr, proc.stderr
    assert (out / "f").read_bytes() == b"earlier"
    assert (out / "f.custody.json").read_bytes() == b'{"earlier": true}'
    assert sorted(p.name for p in out.iterdir()) == ["f", "f.custody.json"]


def test_a_device_number_too_large_for_a_tar_header_is_kept_in_pax_records(
    tmp_path: Path,
) -> None:
    """GNU base-256 lets a layer store any device number; the tar written for a directory
    keeps it in the records star and libarchive read instead of failing on it."""
    device = raw_header(
        b"dev/huge", typeflag=b"3", fields={329: base256(1 << 40, 8), 337: base256(-1, 8)}
    )
    layer = tar_bytes([FileSpec("dev", kind="dir")]).removesuffix(END_OF_ARCHIVE)
    archive = write_archive_with_layer(
        tmp_path / "image.tar", layer + device + END_OF_ARCHIVE, "none"
    )
    dest = tmp_path / "dev.tar"
    assert extract(str(archive), "/dev", "-o", str(dest)) == 0
    with tarfile.open(dest) as tar:
        member = tar.getmember("dev/huge")
    assert member.ischr()
    assert member.pax_headers["SCHILY.devmajor"] == str(1 << 40)
    assert member.pax_headers["SCHILY.devminor"] == "-1"


def test_a_hard_link_in_an_extracted_directory_names_its_own_target_and_reads_back(
    tmp_path: Path,
) -> None:
    """Members are named relative to the directory's parent (`lib/x` for /usr/lib/x). A hard
    link to a file outside the directory climbs out (`../opt/lib/x`), never naming another
    member; one to a file inside comes after its target, so a tar reader resolves it."""
    archive = _layered(
        tmp_path,
        (
            FileSpec("opt", kind="dir"),
            FileSpec("opt/lib", kind="dir"),
            FileSpec("opt/lib/x", b"outside bytes\n"),
            FileSpec("usr", kind="dir"),
            FileSpec("usr/lib", kind="dir"),
            FileSpec("usr/lib/z", b"inside bytes\n"),
            FileSpec("usr/lib/a", kind="hardlink", link="usr/lib/z"),
            FileSpec("usr/lib/x", b"a different file\n"),
            FileSpec("usr/lib/h", kind="hardlink", link="opt/lib/x"),
        ),
    )
    dest = tmp_path / "lib.tar"
    assert extract(str(archive), "/usr/lib", "-o", str(dest)) == 0
    with tarfile.open(dest) as tar:
        names = tar.getnames()
        assert tar.getmember("lib/h").linkname == "../opt/lib/x"
        assert tar.getmember("lib/a").linkname == "lib/z"
        linked = tar.extractfile("lib/a")
        assert linked is not None and linked.read() == b"inside bytes\n"
    assert names.index("lib/a") > names.index("lib/z")


@pytest.mark.parametrize("appears", ["dest", "custody"])
def test_a_dest_that_appears_during_the_read_is_not_replaced_without_force(
    built: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    appears: str,
) -> None:
    """Another extract to the same DEST finished while this one read the archive: without
    --force its file and custody record stay, as a pair, and this run writes nothing."""
    dest = tmp_path / "helper"
    other = {"dest": dest, "custody": tmp_path / "helper.custody.json"}[appears]

    def other_run_finishes(*args: Any) -> Any:
        other.write_bytes(b"the other run's")
        return choose(*args)

    monkeypatch.setattr(cli, "choose", other_run_finishes)
    assert extract(str(built["example"]), "/app/setuid-helper", "-o", str(dest)) == 2
    assert "appeared while this run read the archive" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == [other.name]
    assert other.read_bytes() == b"the other run's"


def test_messages_naming_the_image_s_links_and_tags_pass_its_redactor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token the scan recognises (in a .env) is not printed in full when a refused extract
    names a symlink's or hard link's target, or the tags of an archive's several images (when
    --image names none of them too)."""
    layer = LayerSpec(
        (
            FileSpec("app", kind="dir"),
            FileSpec("app/.env", f"GITHUB_TOKEN={GITHUB_TOKEN}\n".encode()),
            FileSpec(f"app/{GITHUB_TOKEN}", b"x"),
            FileSpec("app/l", kind="symlink", link=f"/run/{GITHUB_TOKEN}"),
            FileSpec("app/h", kind="hardlink", link=f"app/{GITHUB_TOKEN}"),
        )
    )
    one = ImageSpec(layers=(layer,), repo_tags=(f"leak/{GITHUB_TOKEN.lower()}:1",))
    two = replace(one, repo_tags=("other:1",), architecture="arm64")
    single = write_docker_archive([one], tmp_path / "one.tar")
    several = write_docker_archive([one, two], tmp_path / "two.tar")
    for archive, path in ((single, "/app/l"), (single, "/app/h"), (several, "/app/.env")):
        assert extract(str(archive), path, "-o", str(tmp_path / "x")) == 2
        err = capsys.readouterr().err
        assert GITHUB_TOKEN not in err and GITHUB_TOKEN.lower() not in err
        assert err.startswith("image-audit: error: ") and "ghp_" in err
    for choice in (("--image", "nope"), ("--image", "1", "--platform", "linux/arm64")):
        # refused before any layer is read: the tags pass the shape check of every message
        assert extract(str(several), "/app/.env", "-o", str(tmp_path / "x"), *choice) == 2
        err = capsys.readouterr().err
        assert GITHUB_TOKEN.lower() not in err and "'leak/ghp_... (40 chars" in err
    assert main(["diff", str(several), str(single), "-q"]) == 2
    err = capsys.readouterr().err
    assert "holds 2 images" in err and GITHUB_TOKEN.lower() not in err


def test_a_layer_that_stores_a_path_twice_gives_a_tar_with_both_copies(tmp_path: Path) -> None:
    """A tar may hold a path twice (the later one wins when unpacked): `--layer N` of the
    directory gives both members as the layer stored them, instead of refusing."""
    archive = _layered(
        tmp_path,
        (FileSpec("d", kind="dir"), FileSpec("d/f", b"first\n"), FileSpec("d/f", b"second\n")),
    )
    dest = tmp_path / "d.tar"
    assert extract(str(archive), "/d", "--layer", "1", "-o", str(dest)) == 0
    with tarfile.open(dest) as tar:
        copies = [tar.extractfile(m) for m in tar.getmembers() if m.name == "d/f"]
        assert [c.read() for c in copies if c is not None] == [b"first\n", b"second\n"]


def test_a_directory_someone_else_keeps_locked_is_an_error_not_a_hang(
    built: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(extract_module, "_LOCK_WAIT", 0.2)
    held = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert extract(str(built["example"]), "/etc/os-release", "-o", str(tmp_path / "x")) == 2
    finally:
        os.close(held)
    assert "stayed locked by another process" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_archive_of_several_images_is_refused_naming_them_and_the_option_that_chooses(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two images of one platform: the message numbers them and names --image (--platform
    could not choose); images of different platforms: --platform can, and is named too."""
    several = built["docker-legacy-multi"]
    assert extract(str(several), "/etc/os-release", "-o", str(tmp_path / "x")) == 2
    err = capsys.readouterr().err
    untagged = _config_digest(several, 2)[:19]
    assert err == (
        "image-audit: error: the archive holds 2 images: 1 'example/shop:latest' (linux/amd64), "
        f"2 '{untagged}' (linux/amd64); extract reads one: choose it with --image REF|DIGEST|N "
        "(a reference, a digest, or its number listed here)\n"
    )
    assert extract(str(built["oci-multiarch"]), "/etc/os-release", "-o", str(tmp_path / "x")) == 2
    err = capsys.readouterr().err
    assert err.endswith("or its number listed here) or --platform OS/ARCH\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("chosen", "number"),
    [
        pytest.param(lambda _: "example/shop:1.0", 1, id="tag"),
        pytest.param(lambda _: "docker.io/example/shop", 1, id="tag-as-docker-completes-it"),
        pytest.param(lambda _: "2", 2, id="number"),
        pytest.param(lambda archive: _config_digest(archive, 2)[:19], 2, id="short-digest"),
    ],
)
def test_image_chooses_by_tag_number_or_digest(
    built: dict[str, Path], tmp_path: Path, chosen: Callable[[Path], str], number: int
) -> None:
    several, dest = built["docker-legacy-multi"], tmp_path / "os-release"
    argv = ("/etc/os-release", "-o", str(dest), "--image", chosen(several))
    assert extract(str(several), *argv) == 0
    custody = json.loads((tmp_path / "os-release.custody.json").read_text())
    assert custody["image"]["config_digest"] == _config_digest(several, number)


def test_image_and_platform_together_choose_one_image_of_a_multi_arch_tag(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    multiarch, dest = str(built["oci-multiarch"]), str(tmp_path / "os-release")
    assert extract(multiarch, "/etc/os-release", "-o", dest, "--image", "latest") == 2
    err = capsys.readouterr().err
    assert err.startswith("image-audit: error: 'latest' names 2 images of the archive: 1 ")
    assert "(linux/arm64/v8); extract reads one: choose it with --image" in err
    assert err.endswith("or --platform OS/ARCH\n")
    argv = ("--image", "latest", "--platform", "linux/arm64")
    assert extract(multiarch, "/etc/os-release", "-o", dest, *argv) == 0
    custody = json.loads((tmp_path / "os-release.custody.json").read_text())
    assert custody["image"]["config_digest"] == _config_digest(built["oci-multiarch"], 2)


@pytest.mark.parametrize("chosen", ["example/shop:2.0", "3", "sha256:0123456789ab"])
def test_an_image_that_names_none_is_one_line_exit_2_before_anything_is_written(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], chosen: str
) -> None:
    several = str(built["docker-legacy-multi"])
    assert extract(several, "/etc/os-release", "-o", str(tmp_path / "x"), "--image", chosen) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"image-audit: error: '{chosen}' names no image of the archive, ")
    assert err.count("\n") == 1 and "1 'example/shop:latest' (linux/amd64), 2 '" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.realworld
def test_one_image_of_podman_s_docker_save_of_two_is_extracted_by_its_tag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """podman's `docker save` of example.com/empty:latest and example.com/empty/but:different,
    both linux/amd64: --platform cannot choose, --image can."""
    archive = str(REALWORLD / "images" / "podman" / "docker-two-images.tar.xz")
    dest = str(tmp_path / "empty")
    assert extract(archive, "/empty", "-o", dest, "--platform", "linux/amd64") == 2
    err = capsys.readouterr().err
    assert "1 'example.com/empty:latest' (linux/amd64), 2 'example.com/empty/but:different'" in err
    assert "choose it with --image" in err and "--platform OS" not in err
    assert extract(archive, "/empty", "-o", dest, "--image", "example.com/empty/but:different") == 0
    custody = json.loads((tmp_path / "empty.custody.json").read_text())
    assert custody["image"]["refs"] == ["example.com/empty/but:different"]
    assert custody["path"]["size"] == 0


def _config_digest(archive: Path, number: int) -> str:
    """The config digest of the archive's `number`th image (1 first)."""
    return load_catalog(open_archive(archive)).images[number - 1].config_digest
