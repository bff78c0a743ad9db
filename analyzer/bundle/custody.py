"""Custody: what was examined, with what, by whom and when; and the input's own hash."""

from __future__ import annotations

import getpass
import hashlib
import os
import platform
import stat
import sys
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

from analyzer.archive.directory import list_directory
from analyzer.errors import UsageError
from analyzer.limits import Limits
from analyzer.text import exact_bytes, printable

_DEPENDENCIES = (
    "image-audit",
    "detect-secrets",
    "python-magic",
    "tabulate",
    "zstandard",
    "isal",
    "hyperscan",
    "PyYAML",
    "univers",
    "cvss",
)


def input_facts(path: Path, stop: threading.Event | None = None) -> dict[str, Any]:
    """Name, size and sha256 of the input; a directory is hashed as a sorted listing of
    "sha256  relative/path" lines (the same form as SHA256SUMS) over its regular files, with
    each name's exact bytes (a name that is not UTF-8 is hashed as it is on disk). `stop`:
    see file_sha256."""
    if path.is_dir():
        # listed without recursion (a layout holding 1,200 nested folders exhausted the stack
        # of Path.rglob), in the order sorted Paths have: part by part
        files = sorted(
            (listed.name for listed in list_directory(path, Limits()) if listed.kind == "file"),
            key=lambda name: name.split("/"),
        )
        lines = [f"{file_sha256(path / name, stop)}  {name}\n" for name in files]
        listing = exact_bytes("".join(lines))
        return {
            "name": path.name,
            "kind": "directory",
            "size": len(listing),
            "sha256": hashlib.sha256(listing).hexdigest(),
        }
    return {
        "name": path.name,
        "kind": "file",
        "size": path.stat().st_size,
        "sha256": file_sha256(path, stop),
    }


def file_sha256(path: Path, stop: threading.Event | None = None) -> str:
    """sha256 of a regular file, read in chunks (a FIFO or a device given as the archive is
    refused, never read: it could block or never end). `stop`: when set, the hashing ends
    at the next piece with HashingStopped."""
    digest = hashlib.sha256()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise UsageError(f"{printable(str(path))}: cannot open ({exc.strerror})") from None
    with os.fdopen(fd, "rb", buffering=0) as handle:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise UsageError(f"{printable(str(path))}: not a regular file or directory")
        # Read into one buffer in big pieces: the bundle hashes the input in a thread beside
        # Python work, and each piece costs a wait for the GIL (up to 5 ms) between the read
        # and the hash, which both let go of it. (A small file gets a small buffer.)
        buffer = memoryview(bytearray(min(_HASH_PIECE, max(status.st_size, 1 << 16))))
        while size := handle.readinto(buffer):
            if stop is not None and stop.is_set():
                raise HashingStopped(str(path))
            digest.update(buffer[:size])
    return digest.hexdigest()


_HASH_PIECE = 16 << 20


class HashingStopped(Exception):
    """file_sha256 was told to stop (its caller is ending on an error of its own)."""


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def source_sha256() -> str:
    """One digest of the code that ran: sha256 over "sha256  path" lines of every .py file of
    the analyzer package, sorted (the version number is the same for every commit; this tells
    two builds apart, checkout or installed)."""
    package = Path(__file__).resolve().parents[1]
    lines = sorted(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(package).as_posix()}\n"
        for p in package.rglob("*.py")
    )
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no name for this uid (a container's arbitrary uid)
        return str(os.getuid())


def custody_document(
    archive: Path,
    facts: dict[str, Any],
    *,
    command: list[str],
    times: tuple[str, str],
    who: dict[str, str],
    ruleset: dict[str, Any],
    vulnerability_data: dict[str, Any] | None = None,
    as_of: str = "",
) -> dict[str, Any]:
    """custody.json: the input, the tool and its versions, the ruleset, the command, the times
    (and `as_of`, the date findings were judged as of: see analyzer.clock), and the
    vulnerability data the scan matched against (its sources with their sha256 and the
    newest record), when it was given one."""
    data = {"vulnerability_data": vulnerability_data} if vulnerability_data else {}
    return {
        "input": {**facts, "path": str(archive), "absolute_path": os.path.abspath(archive)},
        "tool": {
            "name": "image-audit",
            "versions": {d: _version(d) for d in _DEPENDENCIES},
            "source_sha256": source_sha256(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        "host": {"name": platform.node(), "user": _user(), "working_directory": os.getcwd()},
        "ruleset": ruleset,
        "command_line": command,
        "started_utc": times[0],
        "finished_utc": times[1],
        "judged_as_of": as_of,
        "case": who.get("case", ""),
        "examiner": who.get("examiner", ""),
        **data,
    }
