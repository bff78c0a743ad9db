"""apk's record of installed files: F:/R:/Z: lines, checked against Alpine's own minirootfs."""

from __future__ import annotations

import base64
import hashlib
import tarfile
from pathlib import Path

import pytest

from analyzer.inventory.apkfiles import parse_apk_files

MINIROOTFS = "alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz"


def q1(data: bytes) -> str:
    return "Q1" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def q2(data: bytes) -> str:
    return "Q2" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_each_file_takes_the_directory_before_it_and_the_checksum_after_it() -> None:
    db = (
        f"P:musl\nV:1\nF:lib\nR:ld-musl.so.1\nZ:{q1(b'a')}\nR:libc.so\nZ:{q2(b'b')}\n"
        f"F:usr/share/doc\nR:README\nZ:{q1(b'c')}\n\nP:other\nR:top\nZ:{q1(b'd')}\n"
    ).encode()
    files = parse_apk_files(db).files
    assert [(f.path, f.algorithm, f.owner.package) for f in files] == [
        ("/lib/ld-musl.so.1", "sha1", "musl"),
        ("/lib/libc.so", "sha256", "musl"),
        ("/usr/share/doc/README", "sha1", "musl"),
        ("/top", "sha1", "other"),
    ]
    assert files[0].digest == hashlib.sha1(b"a").digest()


def test_a_file_without_a_checksum_and_a_checksum_without_a_file_are_skipped() -> None:
    db = f"P:p\nF:etc\nR:nosum\nR:summed\nZ:{q1(b'x')}\nZ:{q1(b'y')}\n".encode()
    assert [f.path for f in parse_apk_files(db).files] == ["/etc/summed"]


def test_a_checksum_that_is_not_q1_or_q2_is_a_notice() -> None:
    db = b"P:p\nF:etc\nR:a\nZ:Q1notbase64!!\nR:b\nZ:X9AAAA\nR:c\nZ:Q1AAAA\n"
    recorded = parse_apk_files(db)
    assert recorded.files == ()
    assert len(recorded.notices) == 3
    assert recorded.notices[0] == "apk installed line 4: not a Q1/Q2 checksum: 'Q1notbase64!!'"


@pytest.mark.parametrize("data", [b"", b"\xff" * 4096, b"R:x\nZ:Q1\n" * 1000, b"F:" * 10_000])
def test_garbage_never_raises(data: bytes) -> None:
    parse_apk_files(data)


def test_every_alpine_minirootfs_file_matches_apk_s_record_but_the_edited_shadow(
    realworld: Path,
) -> None:
    with tarfile.open(realworld / MINIROOTFS) as tar:
        contents = {
            "/" + m.name.removeprefix("./"): tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }
    recorded = parse_apk_files(contents["/lib/apk/db/installed"])
    files = [f for f in recorded.files if f.path in contents]
    assert recorded.notices == ()
    assert len(files) > 70  # busybox, musl, libcrypto3, ...
    edited = {f.path for f in files if hashlib.sha1(contents[f.path]).digest() != f.digest}
    assert edited == {"/etc/shadow"}  # the rootfs build sets root's password field after install
    assert {f.owner.package for f in files} >= {"busybox", "musl", "alpine-baselayout"}
