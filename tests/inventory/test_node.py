"""npm package.json files.

The shared real-world images contain no Node.js packages; the real-data test reads the
package.json files of the npm installed on this machine (its bundled node_modules), skipping when
there is none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.inventory import parse_package_json

NPM_ROOT = Path("/usr/lib/node_modules/npm")


def test_package_json_becomes_an_npm_package() -> None:
    data = b'{"name": "@babel/core", "version": "7.24.0", "license": "MIT", "main": "index.js"}'
    package = parse_package_json(data)
    assert package is not None
    assert (package.name, package.version, package.license, package.kind) == (
        "@babel/core",
        "7.24.0",
        "MIT",
        "npm",
    )
    assert package.purl == "pkg:npm/%40babel/core@7.24.0"


@pytest.mark.parametrize(
    ("license_fields", "expected"),
    [
        ({"license": "(MIT OR Apache-2.0)"}, "(MIT OR Apache-2.0)"),
        ({"license": {"type": "ISC", "url": "https://example.invalid"}}, "ISC"),
        ({"licenses": [{"type": "MIT"}, {"type": "GPL-2.0"}]}, "MIT OR GPL-2.0"),
        ({"licenses": ["BSD-3-Clause", 7]}, "BSD-3-Clause"),
        ({"license": ["odd"]}, ""),
        ({}, ""),
    ],
)
def test_every_license_form_is_read(license_fields: dict[str, object], expected: str) -> None:
    data = json.dumps({"name": "x", "version": "1.0.0", **license_fields}).encode()
    package = parse_package_json(data)
    assert package is not None and package.license == expected


@pytest.mark.parametrize(
    "data",
    [
        b'{"type": "module"}',
        b'{"name": "x"}',
        b'{"version": "1.0.0"}',
        b'{"name": "", "version": "1.0.0"}',
        b'{"name": "x", "version": 1}',
        b"[1, 2]",
        b"not json",
        b"\xff\xfe\x00",
        b"[" * 100_000,
        b"",
    ],
)
def test_files_that_are_not_installed_packages_give_none(data: bytes) -> None:
    assert parse_package_json(data) is None


@pytest.mark.skipif(not NPM_ROOT.is_dir(), reason="needs npm's bundled node_modules")
def test_real_npm_node_modules_are_inventoried() -> None:
    found, declared = [], 0
    for path in sorted(NPM_ROOT.rglob("package.json")):
        document = json.loads(path.read_bytes())
        name, version = document.get("name"), document.get("version")
        declared += isinstance(name, str) and isinstance(version, str)
        package = parse_package_json(path.read_bytes())
        if package is not None:
            assert (package.name, package.version) == (document["name"], document["version"])
            found.append(package)
    assert len(found) == declared > 50
    assert any(p.name.startswith("@") and p.purl.startswith("pkg:npm/%40") for p in found)


def test_lone_surrogates_in_a_name_are_percent_encoded_not_a_crash() -> None:
    package = parse_package_json(b'{"name": "@sc\\ud800/x\\udfff", "version": "1.0"}')
    assert package is not None
    assert package.purl == "pkg:npm/%40sc%ED%A0%80/x%ED%BF%BF@1.0"


@pytest.mark.parametrize(
    "data",
    [b"[" * 100_000, b'{"name": "a", "version": ' + b"1" * 10_000 + b"}", b"\xff\xfe{}", b""],
)
def test_json_that_cannot_be_read_is_not_a_package(data: bytes) -> None:
    assert parse_package_json(data) is None
