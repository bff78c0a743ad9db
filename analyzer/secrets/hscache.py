"""Compiled Hyperscan databases kept on disk: prepared at install time, or an opt-in cache.

Compiling the prefilter's databases takes 0.1-0.2 s each (ASCII, and wide for other text) in
every process that needs them. Two places spare that, each keyed by everything a database is
compiled from (the expressions and their flags, the hyperscan module's version and the
machine):
- the installation's own folder (`installed_folder()`, under sys.prefix), filled once by
  `python -m analyzer.secrets.hsprepare`, which the set-up scripts and the offline bundle's
  installer run; a scan only ever reads it;
- the folder IMAGE_AUDIT_CACHE_DIR names, when set: read, and written with what was compiled.
IMAGE_AUDIT_NO_PREPARED=1 ignores the installation's folder (to measure a cold start, or to
rule the prepared databases out).
Without either, nothing is written anywhere: image-audit writes only where it is told to. A
database file that cannot be read or loaded (another Hyperscan build, another CPU, a
truncated file) is compiled anew; a folder that cannot be written is no error (the database
stays in memory).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

CACHE_VARIABLE = "IMAGE_AUDIT_CACHE_DIR"
NO_PREPARED_VARIABLE = "IMAGE_AUDIT_NO_PREPARED"
_FORMAT = 2


def load_database(hs: Any, blob: bytes) -> Any:
    """A serialized database, ready to scan (its scratch space allocated)."""
    database = hs.loadb(blob, hs.HS_MODE_BLOCK)
    database.scratch = hs.Scratch(database)
    return database


def installed_folder() -> Path:
    """The installation's prepared databases (see the module)."""
    return Path(sys.prefix) / "share" / "image-audit" / "hsdb"


def cache_file(hs: Any, ident: Any) -> Path | None:
    """Where the database compiled from `ident` (JSON: its expressions and their flags) is
    cached, or None when no cache is set."""
    folder = os.environ.get(CACHE_VARIABLE, "")
    return Path(folder) / file_name(hs, ident) if folder else None


def installed_file(hs: Any, ident: Any) -> Path | None:
    """Where the installation keeps the database compiled from `ident`, if it has it; None
    when IMAGE_AUDIT_NO_PREPARED is set."""
    if os.environ.get(NO_PREPARED_VARIABLE):
        return None
    return installed_folder() / file_name(hs, ident)


def file_name(hs: Any, ident: Any) -> str:
    """The database's file name: a digest of all it was compiled from, with the hyperscan
    version and the machine."""
    whole = [_FORMAT, ident, _version(hs), platform.machine()]
    digest = hashlib.sha256(json.dumps(whole).encode()).hexdigest()
    return f"hsdb-{digest[:40]}.bin"


def _version(hs: Any) -> str:
    return str(getattr(hs, "__version__", "unknown"))


def load(hs: Any, path: Path, accepted: set[int]) -> Any | None:
    """The cached database, `accepted` narrowed to the shapes it holds; None when there is
    none that loads (then nothing is changed)."""
    try:
        header, blob = path.read_bytes().split(b"\n", 1)
        held = {int(index) for index in json.loads(header)}
        database = load_database(hs, blob)
    except (OSError, ValueError, TypeError, hs.error):
        return None
    if not held <= accepted:
        return None
    accepted.intersection_update(held)
    return database


def store(hs: Any, path: Path, database: Any, accepted: set[int]) -> None:
    """Keep `database` (over the shapes `accepted`) in the cache, written whole or not at all
    (a new file renamed over the name); a cache that cannot be written is left alone."""
    data = json.dumps(sorted(accepted)).encode() + b"\n" + hs.dumpb(database)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
