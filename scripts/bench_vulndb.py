"""Benchmark `vulndb import` and matching on synthetic records in the published OSV schema.

Each record affects one package of one of 20,000 names per ecosystem with an ECOSYSTEM range
(introduced 0 or a version, fixed a later one) and a few explicit versions; the packages are
10,000 installed versions of names drawn from the same pools, so that about half have records.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tempfile
import time
import zipfile
from pathlib import Path

from analyzer.vulndb import import_sources, match_packages, open_vulndb

ECOSYSTEMS = (("PyPI", "pypi"), ("npm", "npm"), ("Debian:12", "deb"))


def _version(rng: random.Random, kind: str) -> str:
    major, minor, patch = rng.randint(0, 9), rng.randint(0, 20), rng.randint(0, 30)
    return (
        f"{major}.{minor}.{patch}-{rng.randint(1, 5)}"
        if kind == "deb"
        else f"{major}.{minor}.{patch}"
    )


def records_zip(count: int, names: int, rng: random.Random) -> bytes:
    """`count` OSV records in one zip, one JSON file each."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(count):
            ecosystem, kind = ECOSYSTEMS[index % 3]
            low, high = sorted((_version(rng, kind), _version(rng, kind)))
            record = {
                "id": f"BENCH-{index}",
                "modified": "2026-11-30T00:00:00Z",
                "aliases": [f"CVE-2026-{index}"],
                "affected": [
                    {
                        "package": {"ecosystem": ecosystem, "name": f"pkg{rng.randrange(names)}"},
                        "ranges": [
                            {"type": "ECOSYSTEM", "events": [{"introduced": low}, {"fixed": high}]}
                        ],
                        "versions": [low],
                    }
                ],
            }
            archive.writestr(f"{ecosystem}/BENCH-{index}.json", json.dumps(record))
    return buffer.getvalue()


def packages(count: int, names: int, rng: random.Random) -> list[dict[str, object]]:
    """`count` installed packages of the same name pools."""
    found = []
    for index in range(count):
        kind = ECOSYSTEMS[index % 3][1]
        name = f"pkg{rng.randrange(names)}"
        found.append({"kind": kind, "name": name, "version": _version(rng, kind), "source": name})
    return found


def main() -> None:
    """Print import and matching times."""
    parser = argparse.ArgumentParser(prog="scripts/bench-vulndb")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--packages", type=int, default=10_000)
    parser.add_argument("--names", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(18)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "osv.zip")
        source.write_bytes(records_zip(args.records, args.names, rng))
        started = time.perf_counter()
        summary = import_sources([source], Path(folder, "db"))
        imported = time.perf_counter() - started
        size = Path(folder, "db", "vulndb.sqlite").stat().st_size
        db = open_vulndb(Path(folder, "db"))
        inventory = packages(args.packages, args.names, rng)
        started = time.perf_counter()
        result = match_packages(db, inventory, {"id": "debian", "version_id": "12"})
        matched = time.perf_counter() - started
    print(f"records          {summary.sources[0].records:,}")
    print(f"import           {imported:.1f} s, database {size / 1e6:.1f} MB")
    print(f"packages         {len(inventory):,}")
    print(f"matching         {matched:.2f} s ({len(result.matches):,} matches)")


if __name__ == "__main__":
    main()
