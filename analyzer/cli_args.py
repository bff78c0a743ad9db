"""The command line's grammar: commands, options and their parsing (no behaviour here).

The flags follow what trivy, grype, syft and dockle users type: -f/--format, -o/--output FILE,
--severity LIST, --exit-code N, -q, --no-progress, -V; the evidence bundle is --bundle DIR.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from analyzer import __version__
from analyzer.archive.digest import sha256_hex
from analyzer.cli_values import (
    MAX_NUMBER,
    SEVERITY_NAMES,
    count,
    exit_code,
    image_choice,
    report_file,
    severities,
    severity,
    size,
    size_or_zero,
)
from analyzer.limits import Limits
from analyzer.text import printable

__all__ = ["MAX_NUMBER", "build_parser", "parse_args"]

_DEFAULTS = Limits()
_IMAGE_VALUES = (
    "a reference as inspect lists it (e.g. shop:1.0; docker's short names too), a manifest or "
    "config digest (or its first 12+ hex digits), or its number N in the archive (1 first, as "
    "inspect lists them); with --platform, the one of that platform"
)
"""What --image takes, for its help."""
EXIT_CODES = (
    "Exit codes: 0 ok; 1 (or --exit-code N) a finding tripped --fail-on, or verification "
    "failed; 2 unreadable or unsupported input, or a usage error; 3 internal error (a bug); "
    "130 interrupted (143 by SIGTERM, 129 by SIGHUP)."
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The parsed command line; a bad one exits 2 with the usage of the command it names."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse itself would show the top-level usage for an option the command lacks
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        shown = " ".join(printable(a) for a in unknown)
        commands.choices[args.command].error(f"unrecognized arguments: {shown}")
    return args


def build_parser() -> argparse.ArgumentParser:
    """The `image-audit` argument parser."""
    parser = argparse.ArgumentParser(
        prog="image-audit",
        description="Offline forensic analyzer for container image archives "
        "(docker save, podman save, skopeo copy: docker-archive and OCI layouts).",
        epilog=EXIT_CODES,
    )
    parser.add_argument("-V", "--version", action="version", version=f"image-audit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _scan(commands.add_parser("scan", help="run every detector: findings mapped to PCI DSS"))
    inspect = commands.add_parser("inspect", help="images, configs and layers, all verified")
    _reading(inspect, ("table", "json"))
    _ls(commands.add_parser("ls", help="the final filesystem, a path's history, deleted files"))
    _extract(commands.add_parser("extract", help="the exact bytes of a file, with custody"))
    _diff(commands.add_parser("diff", help="what changed between two builds of an image"))
    timeline = commands.add_parser("timeline", help="the build step by step, and what stands out")
    _reading(timeline, ("table", "json", "md"))
    _max_file_bytes(timeline)
    rules = commands.add_parser("rules", help="every rule id with severity and PCI references")
    _output(rules, ("table", "json"))
    _vulndb(commands.add_parser("vulndb", help="import vulnerability data for scan --vuln-db"))
    verify = commands.add_parser("verify", help="check a bundle (and the archive) later")
    verify.add_argument("bundle", type=Path, help="the bundle directory (scan --bundle DIR)")
    verify.add_argument("archive", type=Path, nargs="?", help="the archive it was made from")
    verify.add_argument(
        "--expect-digest",
        metavar="SHA256",
        help="the bundle digest scan printed when it wrote the bundle (the sha256 of "
        "SHA256SUMS), recorded outside the bundle: verify fails unless it still matches",
    )
    return parser


def _scan(scan: argparse.ArgumentParser) -> None:
    scan.epilog = EXIT_CODES
    _reading(scan, ("table", "json", "sarif"))
    _policy(scan.add_argument_group("policy"))
    _examination(scan.add_argument_group("examination"))
    bundle = scan.add_argument_group("evidence bundle")
    bundle.add_argument(
        "--bundle",
        type=Path,
        metavar="DIR",
        help="also write the evidence bundle into DIR: reports (json, md, html, sarif, "
        "CycloneDX, csv), copies of the documents, custody.json, SHA256SUMS",
    )
    bundle.add_argument("--force", action="store_true", help="replace an earlier bundle in DIR")
    bundle.add_argument("--case", default="", help="case reference recorded in custody.json")
    bundle.add_argument("--examiner", default="", help="examiner recorded in custody.json")


def _policy(policy: argparse._ArgumentGroup) -> None:
    shown = policy.add_mutually_exclusive_group()
    shown.add_argument(
        "--min-severity",
        type=severity,
        default=None,
        metavar="SEVERITY",
        help=f"list only findings at or above SEVERITY ({SEVERITY_NAMES}; default: info, "
        "all); the others are counted",
    )
    shown.add_argument(
        "-s",
        "--severity",
        type=severities,
        default=None,
        metavar="LIST",
        help="list only findings of these severities, comma-separated in any case "
        "(e.g. CRITICAL,HIGH); the others are counted",
    )
    _exit_policy(policy)
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
        "--show-vendor",
        action="store_true",
        help="also list, in the table, secret-looking content of unmodified package files "
        "(info; always in json, sarif and the bundle)",
    )
    policy.add_argument(
        "--trusted-registry",
        action="append",
        default=[],
        metavar="HOST",
        help="a registry your organisation controls (repeatable); others are reported (CG 12.2)",
    )


def _exit_policy(policy: argparse._ArgumentGroup) -> None:
    """When a scan exits non-zero: --fail-on and --exit-code."""
    policy.add_argument(
        "--fail-on",
        type=severity,
        default=None,
        metavar="SEVERITY",
        help=f"exit 1 (or --exit-code N) when a listed finding is at or above SEVERITY "
        f"({SEVERITY_NAMES})",
    )
    policy.add_argument(
        "--exit-code",
        type=exit_code,
        default=None,
        metavar="N",
        help="the exit code (0-255) when --fail-on trips (default 1); without --fail-on, "
        "exit N when any finding is listed (as trivy does)",
    )


def _examination(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--jobs",
        type=count,
        default=os.cpu_count() or 1,
        metavar="N",
        help="processes examining files for secrets (default: one per core)",
    )
    _max_file_bytes(group)
    _vuln_db(
        group,
        "compare the packages with the vulnerability data imported into DIR ('vulndb import')",
    )


def _vulndb(vulndb: argparse.ArgumentParser) -> None:
    actions = vulndb.add_subparsers(dest="vulndb_command", required=True, metavar="ACTION")
    load = actions.add_parser(
        "import",
        help="read OSV records and Alpine secdb files into a database for scan --vuln-db",
    )
    load.add_argument(
        "sources",
        type=Path,
        nargs="+",
        metavar="SRC",
        help="OSV records (JSON or YAML) or secdb files: files, folders, .zip or .tar.gz",
    )
    load.add_argument(
        "--to", type=Path, required=True, metavar="DIR", help="the folder the database goes in"
    )
    load.add_argument(
        "-q", "--quiet", action="store_true", help="print only notices (skipped records, errors)"
    )


def _ls(ls: argparse.ArgumentParser) -> None:
    _reading(ls, ("table", "json"))
    ls.add_argument("path", nargs="?", default="/", help="subtree or path (default /)")
    mode = ls.add_mutually_exclusive_group()
    mode.add_argument("--history", action="store_true", help="what every layer did to PATH")
    mode.add_argument(
        "--deleted",
        action="store_true",
        help="deleted or shadowed versions still recoverable from their layer",
    )
    mode.add_argument(
        "--find",
        metavar="GLOB",
        help="every version in every layer whose name matches GLOB (a GLOB with / matches the "
        "whole path), deleted ones too",
    )
    mode.add_argument(
        "--sha256",
        metavar="HEX",
        type=_sha256_hex,
        help="every version in every layer with exactly this content, deleted ones too",
    )


def _extract_dest(value: str) -> Path:
    """extract's DEST: a file. `-` (stdout elsewhere) is refused: extract writes a custody
    record beside the file and sends no raw bytes from an image to a terminal."""
    if value == "-":
        raise argparse.ArgumentTypeError(
            "extract writes a file and its custody record beside it, not stdout: name a new "
            "file (./- for a file called -)"
        )
    return Path(value)


def _extract(extract: argparse.ArgumentParser) -> None:
    extract.add_argument("archive", type=Path, help="image archive (tar, tar.gz/xz/zst, or dir)")
    extract.add_argument("path", help="the file (or directory: a tar of it) in the image")
    extract.add_argument(
        "-o",
        "--output",
        dest="dest",
        type=_extract_dest,
        required=True,
        metavar="DEST",
        help="where to write it; DEST.custody.json is written beside it",
    )
    extract.add_argument(
        "--layer",
        type=int,
        metavar="N",
        help="the version layer N stored (deleted or shadowed later too); default: the final one",
    )
    _image(extract, "--image", f"the image to read, in an archive of several: {_IMAGE_VALUES}")
    extract.add_argument(
        "--platform", metavar="OS/ARCH", help="the image for os/arch[/variant], e.g. linux/arm64"
    )
    extract.add_argument("--force", action="store_true", help="replace an existing DEST")
    extract.add_argument(
        "-q", "--quiet", action="store_true", help="no progress, no status line on stderr"
    )
    extract.add_argument("--no-progress", action="store_true", help="no progress line")
    _limits(extract.add_argument_group("safety limits"))


def _diff(diff: argparse.ArgumentParser) -> None:
    diff.add_argument("old", type=Path, help="the earlier image archive")
    diff.add_argument("new", type=Path, help="the later image archive")
    _image(diff, "--image", f"the image of both archives (each may hold several): {_IMAGE_VALUES}")
    _image(diff, "--old-image", "the image of OLD, named as --image names it (instead of it)")
    _image(diff, "--new-image", "the image of NEW, named as --image names it (instead of it)")
    diff.add_argument(
        "--platform", metavar="OS/ARCH", help="the image for os/arch[/variant] in both archives"
    )
    diff.add_argument(
        "--fail-on-new",
        type=severity,
        metavar="SEV",
        help="exit 1 when a new finding at or above SEV appears (a build gate)",
    )
    _vuln_db(
        diff,
        "compare both images' packages with this vulnerability data: new and resolved "
        "IA-VULN findings",
    )
    _output(diff, ("table", "json", "md"))
    diff.add_argument("--no-progress", action="store_true", help="no progress line")
    _limits(diff.add_argument_group("safety limits"))


def _max_file_bytes(group: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--max-file-bytes",
        type=size_or_zero,
        default=10 << 20,
        metavar="SIZE",
        help="files larger than this are not examined for secrets (default 10M; 0: none is)",
    )


def _vuln_db(group: argparse.ArgumentParser | argparse._ArgumentGroup, what: str) -> None:
    group.add_argument(
        "--vuln-db",
        type=Path,
        default=os.environ.get("IMAGE_AUDIT_VULN_DB") or None,
        metavar="DIR",
        help=f"{what} (default: $IMAGE_AUDIT_VULN_DB)",
    )


def _sha256_hex(text: str) -> str:
    """A content digest as `ls --sha256` takes it: 64 hex digits, `sha256:` optional."""
    value = sha256_hex(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"not a sha256 digest (64 hex digits): {printable(text)}")
    return value


def _reading(command: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """The archive, the platform, the output and the safety limits of a command that reads."""
    command.add_argument("archive", type=Path, help="image archive (tar, tar.gz/xz/zst, or dir)")
    _image(command, "--image", f"only this image: {_IMAGE_VALUES}")
    command.add_argument(
        "--platform", metavar="OS/ARCH", help="only images for os/arch[/variant], e.g. linux/arm64"
    )
    _output(command, formats)
    command.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress line on stderr (it is only shown on a terminal anyway)",
    )
    _limits(command.add_argument_group("safety limits"))


def _image(command: argparse.ArgumentParser, option: str, what: str) -> None:
    """An option that names an image of an archive (analyzer.image.selection)."""
    command.add_argument(option, type=image_choice, metavar="REF|DIGEST|N", help=what)


def _output(command: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """-f, -o, --wide and --no-color: what the results look like and where they go."""
    group = command.add_argument_group("output")
    group.add_argument(
        "-f",
        "--format",
        choices=formats,
        default="table",
        metavar="FORMAT",
        help=f"{', '.join(formats[:-1])} or {formats[-1]} (default: table)",
    )
    group.add_argument(
        "-o",
        "--output",
        type=report_file,
        metavar="FILE",
        help="write the results to FILE instead of stdout (replaced whole, never through a "
        "symlink; no colour); - is stdout",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the results: no progress, no status lines on stderr (errors still)",
    )
    group.add_argument(
        "--wide",
        action="store_true",
        help="tables show every cell in full on one line (default: fit the terminal width, "
        "COLUMNS or 100, wrapping long text)",
    )
    group.add_argument(
        "--no-color",
        "--no-colour",
        dest="no_color",
        action="store_true",
        help="no colour (also NO_COLOR set to anything; never in files or pipes)",
    )


def _limits(limits: argparse._ArgumentGroup) -> None:
    limits.add_argument(
        "--max-bytes",
        type=size,
        default=_DEFAULTS.max_total_bytes,
        metavar="SIZE",
        help=f"uncompressed bytes over all layers (default {_DEFAULTS.max_total_bytes >> 30}G)",
    )
    limits.add_argument(
        "--max-layer-bytes",
        type=size,
        default=_DEFAULTS.max_layer_bytes,
        metavar="SIZE",
        help=f"uncompressed bytes of one layer (default {_DEFAULTS.max_layer_bytes >> 30}G)",
    )
    limits.add_argument(
        "--max-entries",
        type=count,
        default=_DEFAULTS.max_entries,
        metavar="N",
        help=f"tar entries over all layers (default {_DEFAULTS.max_entries:,})",
    )
