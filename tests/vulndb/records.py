"""Hand-written vulnerability records in the published schemas (OSV, Alpine secdb)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from analyzer.vulndb import VulnDb, import_sources, open_vulndb


def osv(
    rid: str,
    ecosystem: str,
    name: str,
    events: list[dict[str, str]],
    *,
    aliases: tuple[str, ...] = (),
    versions: tuple[str, ...] = (),
    range_type: str = "ECOSYSTEM",
    modified: str = "2026-11-30T00:00:00Z",
    **extra: Any,
) -> dict[str, Any]:
    """One OSV record affecting one package."""
    return {
        "schema_version": "1.6.0",
        "id": rid,
        "modified": modified,
        "aliases": list(aliases),
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [{"type": range_type, "events": events}],
                "versions": list(versions),
            }
        ],
        **extra,
    }


def secdb(release: str, packages: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    """An Alpine secdb document (the JSON form secdb.alpinelinux.org publishes)."""
    return {
        "distroversion": release,
        "reponame": "main",
        "archs": ["x86_64"],
        "packages": [{"pkg": {"name": n, "secfixes": fixes}} for n, fixes in packages.items()],
    }


def database(tmp_path: Path, *documents: dict[str, Any]) -> VulnDb:
    """A database imported from `documents`, each written as its own JSON file."""
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    for index, document in enumerate(documents):
        (src / f"{index:04}.json").write_text(json.dumps(document))
    import_sources([src], tmp_path / "db")
    return open_vulndb(tmp_path / "db")
