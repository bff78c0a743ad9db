"""pip's record of installed files: *.dist-info/RECORD, paths relative to site-packages."""

from __future__ import annotations

import base64
import hashlib

import pytest

from analyzer.inventory.pyrecord import distribution_name, parse_record

RECORD_PATH = "/usr/lib/python3.12/site-packages/PyJWT-2.8.0.dist-info/RECORD"


def hashed(data: bytes, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm, data).digest()
    return f"{algorithm}={base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def test_record_paths_are_relative_to_the_directory_holding_the_dist_info() -> None:
    data = (
        f"jwt/api_jwt.py,{hashed(b'a')},1\n"
        f'"jwt/with,comma.py",{hashed(b"b")},1\n'
        f"../../../bin/pyjwt,{hashed(b'c')},1\n"
        f"PyJWT-2.8.0.dist-info/RECORD,,\n"
        f"jwt/__pycache__/api_jwt.cpython-312.pyc,,\n"
    ).encode()
    recorded = parse_record(data, RECORD_PATH)
    assert [(f.path, f.algorithm, f.owner.package) for f in recorded.files] == [
        ("/usr/lib/python3.12/site-packages/jwt/api_jwt.py", "sha256", "PyJWT"),
        ("/usr/lib/python3.12/site-packages/jwt/with,comma.py", "sha256", "PyJWT"),
        ("/usr/bin/pyjwt", "sha256", "PyJWT"),
    ]
    assert recorded.files[0].digest == hashlib.sha256(b"a").digest()
    assert recorded.notices == ()


def test_sha512_hashes_are_read_and_unknown_or_broken_hashes_are_notices() -> None:
    data = (
        f"a.py,{hashed(b'a', 'sha512')},1\nb.py,md5=AAAA,1\nc.py,sha256=@@@,1\nd.py,sha256,1\n"
    ).encode()
    recorded = parse_record(data, RECORD_PATH)
    assert [(f.path.rsplit("/", 1)[-1], f.algorithm) for f in recorded.files] == [
        ("a.py", "sha512")
    ]
    assert len(recorded.notices) == 3
    assert recorded.notices[0] == f"{RECORD_PATH} line 2: unreadable hash"


def test_a_python_distribution_is_never_a_vendor_it_may_be_the_owner_s_own_wheel() -> None:
    [record] = parse_record(f"x.py,{hashed(b'x')},1\n".encode(), RECORD_PATH).files
    assert record.owner.manager == "python" and not record.owner.vendor


def test_the_distribution_is_named_after_its_dist_info_directory() -> None:
    assert distribution_name(RECORD_PATH) == "PyJWT"
    assert distribution_name("/s/.dist-info/RECORD") == "(unnamed)"


def test_a_field_too_long_for_csv_stops_the_read_with_a_notice() -> None:
    data = f"ok.py,{hashed(b'x')},1\n".encode() + b'"' + b"x" * 200_000 + b'",sha256=AA,1\n'
    recorded = parse_record(data, RECORD_PATH)
    assert [f.path.rsplit("/", 1)[-1] for f in recorded.files] == ["ok.py"]
    assert len(recorded.notices) == 1
    assert "the rest is not read" in recorded.notices[0]


@pytest.mark.parametrize("data", [b"", b"\xff" * 4096, b"\x00" * 100, b",,,\n" * 1000, b'"'])
def test_garbage_never_raises(data: bytes) -> None:
    parse_record(data, RECORD_PATH)
