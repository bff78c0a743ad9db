"""Installed npm packages from ``node_modules/**/package.json``.

The fields are those of npm's package.json documentation (docs.npmjs.com/cli/configuring-npm/
package-json): ``name`` (``@scope/name`` for scoped packages), ``version`` and ``license`` (an SPDX
expression; older packages used ``{"type": ...}`` or a ``licenses`` list of such objects, read
here as alternatives joined with ``OR``). A package.json without a name or version is not an
installed package (test fixtures, workspace roots, nested ``{"type": "module"}`` files).
"""

from __future__ import annotations

import json
from typing import Any

from analyzer.inventory.model import Package, purl


def parse_package_json(data: bytes) -> Package | None:
    """The package a package.json declares; None when it is not JSON or lacks name or version.

    >>> parse_package_json(b'{"name": "@types/node", "version": "20.1.0", "license": "MIT"}').purl
    'pkg:npm/%40types/node@20.1.0'
    """
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    name, version = document.get("name"), document.get("version")
    if not (
        isinstance(name, str) and name.strip() and isinstance(version, str) and version.strip()
    ):
        return None
    name, version = name.strip(), version.strip()
    namespace, _, short = name.rpartition("/")
    return Package(
        name=name,
        version=version,
        kind="npm",
        license=_license(document),
        purl=purl("npm", short, version, namespace),
    )


def _license(document: dict[str, Any]) -> str:
    """The declared license, whatever form it takes.

    >>> _license({"license": {"type": "MIT"}})
    'MIT'
    >>> _license({"licenses": [{"type": "MIT"}, {"type": "Apache-2.0"}]})
    'MIT OR Apache-2.0'
    """
    value = document.get("license")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return _license_type(value)
    listed = document.get("licenses")
    if isinstance(listed, list):
        return " OR ".join(filter(None, (_license_type(item) for item in listed)))
    return ""


def _license_type(item: object) -> str:
    if isinstance(item, dict) and isinstance(item.get("type"), str):
        return str(item["type"]).strip()
    return item.strip() if isinstance(item, str) else ""
