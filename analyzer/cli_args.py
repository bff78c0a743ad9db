"""The command line's grammar: commands, options and their parsing (no behaviour here)."""

from __future__ import annotations

import argparse
import os
import re
from decimal import Decimal
from pathlib import Path

from analyzer import __version__
from analyzer.findings.model import Severity
from analyzer.limits import Limits
from analyzer.text import quoted

_DEFAULTS = Limits()


MAX_NUMBER = 1 << 62
"""The largest size or count accepted on the command line (4 EiB): anything larger is a typo."""
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
_SIZE = re.compile(r"\s*([0-9]{1,20}(?:\.[0-9]{1,20})?)\s*([kmgtp]?)(?:i?b)?\s*", re.I)
_COUNT = re.compile(r"\s*([0-9]{1,20})\s*")


def _size(text: str, *, minimum: int = 1) -> int:
    """A size such as 512M, 1.5G, 10GiB or 4096 (bytes), at least `minimum` bytes.

    >>> _size("1.5k"), _size("10GiB"), _size("4096")
    (1536, 10737418240, 4096)
    """
    match = _SIZE.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{quoted(text, 40)} is not a size like 512M or 10G")
    value = int(Decimal(match[1]) * _UNITS[match[2].lower()])
    return _bounded(value, text, minimum)


def _count(text: str, *, minimum: int = 1) -> int:
    """A whole number of at least `minimum` (entries, processes)."""
    match = _COUNT.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{quoted(text, 40)} is not a whole number like 8")
    return _bounded(int(match[1]), text, minimum)


def _bounded(value: int, text: str, minimum: int) -> int:
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{quoted(text, 40)} is below the minimum of {minimum}")
    if value > MAX_NUMBER:
        raise argparse.ArgumentTypeError(f"{quoted(text, 40)} is larger than {MAX_NUMBER}")
    return value


def _size_or_zero(text: str) -> int:
    return _size(text, minimum=0)


def build_parser() -> argparse.ArgumentParser:
    """The `image-audit` argument parser."""
    parser = argparse.ArgumentParser(
        prog="image-audit",
        description="Offline forensic analyzer for container image archives "
        "(docker save, podman save, skopeo copy: docker-archive and OCI layouts).",
        epilog="Exit codes: 0 ok, 1 --fail-on threshold reached or verification failed, "
        "2 unreadable or unsupported input / usage error, 3 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"image-audit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    inspect = commands.add_parser("inspect", help="images, configs and layers, all verified")
    _common(inspect)

    scan = commands.add_parser("scan", help="run every detector: findings mapped to PCI DSS")
    _common(scan)
    policy = scan.add_argument_group("policy")
    policy.add_argument(
        "--min-severity",
        type=_severity,
        default=Severity.INFO,
        help="list only findings at or above this severity (others are counted)",
    )
    policy.add_argument(
        "--fail-on",
        type=_severity,
        default=None,
        metavar="SEVERITY",
        help="exit 1 when a finding at or above SEVERITY is reported",
    )
    policy.add_argument(
        "--suppressions",
        type=Path,
        metavar="FILE",
        help="TOML file of accepted findings, each with a reason (see README)",
    )
    policy.add_argument(
        "--show-suppressed",
        action="store_true",
        help="also list suppressed findings, with the reason",
    )
    policy.add_argument(
        "--jobs",
        type=_count,
        default=os.cpu_count() or 1,
        metavar="N",
        help="processes examining files for secrets (default: one per core)",
    )
    policy.add_argument(
        "--max-file-bytes",
        type=_size_or_zero,
        default=10 << 20,
        help="files larger than this are not examined for secrets (default 10M; 0: none is)",
    )
    bundle = scan.add_argument_group("evidence bundle")
    bundle.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        help="write the evidence bundle (reports, copies, custody, SHA256SUMS)",
    )
    bundle.add_argument("--force", action="store_true", help="write into a non-empty DIR")
    bundle.add_argument("--case", default="", help="case reference recorded in custody.json")
    bundle.add_argument("--examiner", default="", help="examiner recorded in custody.json")
    scan.add_argument(
        "--trusted-registry",
        action="append",
        default=[],
        metavar="HOST",
        help="a registry your organisation controls (repeatable); others are reported (CG 12.2)",
    )

    verify = commands.add_parser("verify", help="check a bundle (and the archive) later")
    verify.add_argument("bundle", type=Path, help="the bundle directory (scan -o DIR)")
    verify.add_argument("archive", type=Path, nargs="?", help="the archive it was made from")

    rules = commands.add_parser("rules", help="every rule id with severity and PCI references")
    rules.add_argument("--format", choices=("table", "json"), default="table")

    ls = commands.add_parser("ls", help="the final filesystem, a path's history, deleted files")
    _common(ls)
    ls.add_argument("path", nargs="?", default="/", help="subtree or path (default /)")
    mode = ls.add_mutually_exclusive_group()
    mode.add_argument("--history", action="store_true", help="what every layer did to PATH")
    mode.add_argument(
        "--deleted",
        action="store_true",
        help="deleted or shadowed versions still recoverable from their layer",
    )
    return parser


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument("archive", type=Path, help="image archive (tar, tar.gz/xz/zst, or dir)")
    command.add_argument("--platform", help="only images for os/arch[/variant]")
    command.add_argument(
        "--format",
        choices=("table", "json", "sarif"),
        default="table",
        help="output on stdout (sarif: scan only)",
    )
    command.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress on stderr (it is only shown on a terminal anyway)",
    )
    limits = command.add_argument_group("safety limits")
    limits.add_argument(
        "--max-bytes",
        type=_size,
        default=_DEFAULTS.max_total_bytes,
        help="uncompressed bytes over all layers (default 256G)",
    )
    limits.add_argument(
        "--max-layer-bytes",
        type=_size,
        default=_DEFAULTS.max_layer_bytes,
        help="uncompressed bytes of one layer (default 64G)",
    )
    limits.add_argument(
        "--max-entries",
        type=_count,
        default=_DEFAULTS.max_entries,
        help="tar entries over all layers (default 5000000)",
    )


def _severity(text: str) -> Severity:
    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
