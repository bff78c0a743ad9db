"""Installed Python distributions from their core metadata files.

``*.dist-info/METADATA`` (wheels, pip) and ``*.egg-info/PKG-INFO`` (setuptools, eggs) use the
same format, the Python Packaging "Core metadata specifications"
(packaging.python.org/en/latest/specifications/core-metadata/): RFC 822 style headers, then an
optional body after a blank line. This parser reads ``Name``, ``Version``, ``License-Expression``
(metadata 2.4, an SPDX expression) and ``License``. Setuptools wrote ``UNKNOWN`` for a missing
license; some projects put their whole license text in ``License``: only its first line is kept.
"""

from __future__ import annotations

from email.parser import HeaderParser

from analyzer.inventory.model import Package, purl


def parse_python_metadata(data: bytes) -> Package | None:
    """The distribution a METADATA or PKG-INFO file describes; None without a Name and Version.

    >>> meta = b"Metadata-Version: 2.1\\nName: Requests\\nVersion: 2.31.0\\nLicense: Apache 2.0\\n"
    >>> parse_python_metadata(meta).purl
    'pkg:pypi/requests@2.31.0'
    """
    headers = HeaderParser().parsestr(data.decode("utf-8", "replace"), headersonly=True)
    name = _header(headers.get("Name"))
    version = _header(headers.get("Version"))
    if not name or not version:
        return None
    return Package(
        name=name,
        version=version,
        kind="pypi",
        license=_license(headers.get("License-Expression"), headers.get("License")),
        purl=purl("pypi", name, version),
    )


def _header(value: object) -> str:
    """A header value as one stripped line (continuation lines joined)."""
    return " ".join(str(value).split()) if value is not None else ""


def _license(expression: object, license_field: object) -> str:
    """The SPDX expression when declared, else the first line of ``License``.

    >>> _license(None, "BSD 3-Clause License\\n        \\n        Copyright (c) 2010")
    'BSD 3-Clause License'
    >>> _license(None, "UNKNOWN")
    ''
    """
    if expression is not None and str(expression).strip():
        return _header(expression)
    lines = str(license_field or "").strip().splitlines()
    first = lines[0].strip() if lines else ""
    return "" if first == "UNKNOWN" else first
