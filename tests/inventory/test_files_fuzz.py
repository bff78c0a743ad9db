"""Fuzzing the readers of package file databases: mutated real inputs (md5sums, a status file
with conffiles, an apk database with checksums, a RECORD, an rpm database whose packages own
files) give records and a few printable one-line notices, never an exception.

The examples are few and fixed in CI (tests/conftest.py, profile "ci"); FUZZ_EXAMPLES and
FUZZ_RANDOM as in tests/test_fuzz_parsers.py hunt for more.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.inventory.apkfiles import parse_apk_files
from analyzer.inventory.dpkgfiles import parse_conffiles, parse_md5sums
from analyzer.inventory.model import MAX_NOTICES
from analyzer.inventory.ownership import Recorded
from analyzer.inventory.pyrecord import parse_record
from analyzer.inventory.rpm import BadHeader
from analyzer.inventory.rpmfiles import header_files, parse_rpmdb_files
from analyzer.text import printable
from tests.mutation import mutated

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MD5 = b"d41d8cd98f00b204e9800998ecf8427e"
MD5SUMS = MD5 + b"  usr/bin/true\n" + MD5 + b" *usr/share/doc/x y\n"
STATUS = b"Package: base-files\nStatus: install ok installed\nConffiles:\n /etc/issue " + MD5
STATUS += b"\n /etc/old " + MD5 + b" obsolete\n\nPackage: b\nConffiles:\n /etc/b newconffile\n"
APK = b"P:musl\nV:1\nF:lib\nR:ld-musl.so.1\nZ:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nR:x\n\nP:b\nF:etc\n"
RECORD = b'a/b.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n"c,d.py",,\n../../bin/x,sha'
RPMDB = gzip.decompress(
    (Path(__file__).parent / "data" / "rpmdb-files-rpm418.sqlite.gz").read_bytes()
)
_PIECES = [
    b"\n",
    b"\r\n",
    b" ",
    b"  ",
    b" *",
    b":",
    b"=",
    b",",
    b'"',
    b"\x00",
    b"\xff",
    b"\xe2\x80\xae",
]
_PIECES += [b"F:", b"R:", b"Z:Q1", b"Z:Q2", b"Conffiles:", b"sha256=", b"../", b"/", MD5]


def check(recorded: Recorded) -> None:
    """What every reader promises: absolute paths, few printable one-line notices."""
    assert all(f.path.startswith("/") for f in recorded.files)
    assert len(recorded.notices) <= MAX_NOTICES + 1
    assert all(n == printable(n) for n in recorded.notices), recorded.notices


def fuzz(seed: bytes, reader: Callable[[bytes], Recorded]) -> Callable[[], None]:
    @FUZZ
    @given(mutated([seed], _PIECES))
    def run(data: bytes) -> None:
        check(reader(data))

    return run


def test_md5sums_files_never_raise() -> None:
    fuzz(MD5SUMS, lambda data: parse_md5sums(data, "pkg\x1b[31m"))()


def test_conffiles_never_raise() -> None:
    fuzz(STATUS, parse_conffiles)()


def test_apk_checksums_never_raise() -> None:
    fuzz(APK, parse_apk_files)()


def test_record_files_never_raise() -> None:
    fuzz(RECORD, lambda data: parse_record(data, "/site/x\x07-1.dist-info/RECORD"))()


def test_rpm_databases_never_raise() -> None:
    fuzz(RPMDB, parse_rpmdb_files)()


@FUZZ
@given(st.binary(max_size=400))
def test_rpm_header_blobs_give_files_or_bad_header(blob: bytes) -> None:
    try:
        files = header_files(blob)
    except BadHeader:
        return
    assert all(f.path.startswith("/") for f in files)
