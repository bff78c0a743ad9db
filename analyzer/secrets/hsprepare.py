"""Compile the secrets prefilter's Hyperscan databases once, into the installation.

    python -m analyzer.secrets.hsprepare

Run by the set-up scripts and by the offline bundle's installer, on the machine that will scan:
every later process loads the databases in milliseconds instead of compiling them (0.1-0.2 s
each) before its first file. Writes only under analyzer.secrets.hscache.installed_folder(),
each file whole or not at all, and removes the databases of earlier rule sets there; prints
the folder. Harmless to run again (a database already there and loadable is kept).
"""

from __future__ import annotations

import sys
from pathlib import Path

from analyzer.secrets import hscache, hsdb


def prepare() -> list[str]:
    """Compile (or find) the ASCII and the wide database of each pattern set of the default
    prefilter (its shapes, its line checks), and the structural readers' fixed databases
    (their content markers, those of binary files, the credential-assignment candidates);
    their files."""
    from analyzer.secrets.assignments import candidate_expressions  # noqa: PLC0415
    from analyzer.secrets.engine import SecretEngine  # noqa: PLC0415 - configures detect-secrets
    from analyzer.secrets.structure import BINARY_MARKERS, MARKERS  # noqa: PLC0415

    hs = hsdb.hyperscan_module()
    if hs is None:  # pragma: no cover - hyperscan is a dependency
        return []
    keys = SecretEngine().prefilter.database_keys
    written = [str(path) for key in keys for path in hsdb.prepare_installed(hs, key)]
    for fixed in (
        MARKERS.expressions(hs),
        BINARY_MARKERS.expressions(hs),
        candidate_expressions(hs),
    ):
        written.append(str(hsdb.prepare_installed_fixed(hs, fixed)))
    for stale in hscache.installed_folder().glob("hsdb-*.bin"):
        if str(stale) not in written:
            stale.unlink(missing_ok=True)
    return written


def main() -> int:
    """The command: prepare, then say where."""
    files = prepare()
    print(f"image-audit: pattern databases prepared in {hscache.installed_folder()}")
    return 0 if files and all(Path(name).is_file() for name in files) else 1


if __name__ == "__main__":
    sys.exit(main())
