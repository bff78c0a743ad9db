"""Python core metadata: METADATA and PKG-INFO files."""

from __future__ import annotations

import importlib.metadata
import sys
from email.parser import HeaderParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.inventory import parse_python_metadata
from analyzer.inventory.python import _header, _license

CLAIRCORE_LAYER = "claircore/python/testdata/layer-with-bad-version.tar"
CLAIRCORE_PKG_INFO = (
    "home/crozzy/.local/share/containers/storage/overlay/"
    "2a9c4b01098195eab2e73ffd80be07e7ce5a70d39f65c2d1aba726398868ab92/diff/mypackage.egg-info/PKG-INFO"
)

METADATA = b"""\
Metadata-Version: 2.1
Name: typing_extensions
Version: 4.9.0
Summary: Backported and Experimental Type Hints for Python 3.8+
License: PSF-2.0
Classifier: License :: OSI Approved :: Python Software Foundation License
Requires-Python: >=3.8

# Typing Extensions

Name: not-a-header
"""


def test_metadata_name_version_license_become_a_pypi_package() -> None:
    package = parse_python_metadata(METADATA)
    assert package is not None
    assert (package.name, package.version, package.license, package.kind) == (
        "typing_extensions",
        "4.9.0",
        "PSF-2.0",
        "pypi",
    )
    assert package.purl == "pkg:pypi/typing-extensions@4.9.0"


def test_license_expression_wins_over_license() -> None:
    data = b"Name: x\nVersion: 1\nLicense-Expression: MIT OR Apache-2.0\nLicense: see file\n"
    package = parse_python_metadata(data)
    assert package is not None and package.license == "MIT OR Apache-2.0"


def test_whole_license_text_is_cut_to_its_first_line() -> None:
    data = b"Name: x\nVersion: 1\nLicense: MIT License\n        \n        Copyright (c) 2020\n\n"
    package = parse_python_metadata(data)
    assert package is not None and package.license == "MIT License"


@pytest.mark.parametrize(
    "data", [b"", b"Name: x\n", b"Version: 1\n", b"\n\nName: x\nVersion: 1\n", b"\xff\xfe" * 500]
)
def test_metadata_without_name_or_version_is_not_a_package(data: bytes) -> None:
    assert parse_python_metadata(data) is None


def test_real_egg_info_with_bad_version_is_kept_as_written(realworld, member) -> None:
    package = parse_python_metadata(member(realworld / CLAIRCORE_LAYER, CLAIRCORE_PKG_INFO))
    assert package is not None
    assert (package.name, package.version, package.license) == ("mypackage", "xxx", "")


def test_real_installed_distributions_match_importlib_metadata() -> None:
    """Every dist-info and egg-info on this interpreter's path, checked against the stdlib."""
    seen = 0
    for entry in map(Path, sys.path):
        for metadata in [*entry.glob("*.dist-info/METADATA"), *entry.glob("*.egg-info/PKG-INFO")]:
            expected = importlib.metadata.PathDistribution(metadata.parent)
            package = parse_python_metadata(metadata.read_bytes())
            assert package is not None, metadata
            assert (package.name, package.version) == (expected.name, expected.version)
            seen += 1
    assert seen >= 10


def _reference(data: bytes) -> tuple[str, str, str] | None:
    """What the parser found when it read the headers with the standard library's parser."""
    headers = HeaderParser().parsestr(data.decode("utf-8", "replace"), headersonly=True)
    name, version = _header(headers.get("Name")), _header(headers.get("Version"))
    if not name or not version:
        return None
    return name, version, _license(headers.get("License-Expression"), headers.get("License"))


_WORDS = ("Name", "name", "Version", "License", "License-Expression", "From ", "X", "UNKNOWN")
_MARKS = (":", ": ", " ", "\t", "\n", "\r", "\r\n", "a", "1", "\u00e9", "\x00", "\x0c", "\x85")
_PIECES = st.sampled_from([*_WORDS, *_MARKS])


@settings(derandomize=True, max_examples=600, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_headers_are_read_exactly_as_the_email_parser_reads_them(text: str) -> None:
    data = text.encode()
    package = parse_python_metadata(data)
    assert _reference(data) == (
        (package.name, package.version, package.license) if package else None
    )


def test_bytes_that_are_not_utf8_are_kept_exact_in_the_purl() -> None:
    package = parse_python_metadata(b"Metadata-Version: 2.1\nName: caf\xe9\nVersion: 1\n")
    assert package is not None and package.purl == "pkg:pypi/caf%E9@1"
