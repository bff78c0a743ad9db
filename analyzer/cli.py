"""The command line: the only place that prints, sets exit codes and catches errors.

Exit codes: 0 success, 1 findings at or above --fail-on (scan) or a failed check (verify),
2 bad input or usage (every AnalyzerError), 3 internal error (a bug), 130 interrupted.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, TextIO

from analyzer import __version__
from analyzer.bundle.custody import utc_now
from analyzer.bundle.ruleset import rules_document, ruleset_record
from analyzer.bundle.sarif import sarif_document
from analyzer.bundle.verify import verify_bundle
from analyzer.bundle.writer import BundleRequest, prepare, standard_extras, write_bundle
from analyzer.cli_args import build_parser
from analyzer.detectors.context import ScanOptions
from analyzer.errors import AnalyzerError, UsageError
from analyzer.filesystem.paths import normalize
from analyzer.findings.suppress import load_suppressions
from analyzer.inspection import Inspection, inspect_archive
from analyzer.limits import Limits
from analyzer.listing import LsMode, ls_document
from analyzer.progress import ProgressLine
from analyzer.scan import scan_archive
from analyzer.table_views import inspect_table, ls_header, ls_table, rules_table, scan_table
from analyzer.terminal import one_line
from analyzer.views import document_label, inspect_document, scan_archive_scrub, scan_document

EXIT_INTERNAL = 3


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        max_total_bytes=args.max_bytes,
        max_layer_bytes=args.max_layer_bytes,
        max_entries=args.max_entries,
    )


def _read(args: argparse.Namespace) -> Inspection:
    progress = ProgressLine(sys.stderr, not args.quiet)
    try:
        return inspect_archive(
            args.archive, platform=args.platform, limits=_limits(args), progress=progress
        )
    finally:
        progress.finish()


def _print_json(doc: Any, out: TextIO) -> None:
    # ASCII JSON: controls, NULs and surrogates (names that were not UTF-8) become \u escapes,
    # so the text reads back exact and no output encoding can fail on it.
    json.dump(doc, out, indent=2, sort_keys=False, ensure_ascii=True)
    out.write("\n")


def run_inspect(args: argparse.Namespace, out: TextIO) -> int:
    """`image-audit inspect`."""
    seen = _read(args)
    doc = inspect_document(seen.read, seen.scrubs, seen.archive_scrub)
    if args.format == "json":
        _print_json(doc, out)
    else:
        out.write(inspect_table(doc))
    return 0


def run_ls(args: argparse.Namespace, out: TextIO) -> int:
    """`image-audit ls`."""
    seen = _read(args)
    path, _ = normalize(args.path)
    mode: LsMode = "history" if args.history else "deleted" if args.deleted else "tree"
    docs = []
    absent: list[str] = []
    for view, scrub in zip(seen.read.images, seen.scrubs, strict=True):
        doc = ls_document(view, path, mode, scrub)
        if args.format == "table":
            if len(seen.read.images) > 1:
                out.write(ls_header(doc))
            out.write(ls_table(view, path, mode, doc, scrub))
        if doc.get("absent"):
            absent.append(_absent_message(doc, path, args.history))
            if args.format == "table":
                out.write(one_line(f"({absent[-1]})") + "\n")
        docs.append(doc)
    if len(absent) == len(docs) and absent:  # no image has it: an error, not an empty answer
        hint = "" if args.history else " (try --history or --deleted)"
        raise UsageError("; ".join(absent) + hint)
    if args.format == "json":
        _print_json({"images": docs}, out)
    return 0


def _absent_message(doc: dict[str, Any], path: str, history: bool) -> str:
    if history:
        return f"no layer of {document_label(doc)} ever held {path}"
    return f"{path} does not exist in the final filesystem of {document_label(doc)}"


def run_scan(args: argparse.Namespace, out: TextIO) -> int:
    """`image-audit scan`."""
    started = utc_now().isoformat()
    if args.output is not None:
        # refuse a non-empty directory, a symlink or the input's own place before the long work
        prepare(args.output, args.force, source=args.archive)
    suppressions = load_suppressions(args.suppressions) if args.suppressions else []
    options = ScanOptions(
        trusted_registries=tuple(args.trusted_registry),
        min_severity=args.min_severity,
        suppressions=tuple(suppressions),
        max_file_bytes=args.max_file_bytes,
        workers=args.jobs,
    )
    progress = ProgressLine(sys.stderr, not args.quiet)
    try:
        result = scan_archive(
            args.archive,
            platform=args.platform,
            limits=_limits(args),
            options=options,
            progress=progress,
        )
    finally:
        progress.finish()
    # The archive's own documents are copied into the bundle: scrub them of every image's
    # secrets, those found in files included (a tag may repeat a token found in /app/.env).
    result = replace(result, archive_scrub=scan_archive_scrub(result))
    doc = scan_document(result, show_suppressed=args.show_suppressed)
    if args.output is not None:
        request = BundleRequest(
            out=args.output,
            force=args.force,
            case=args.case,
            examiner=args.examiner,
            command=tuple(["image-audit", *sys.argv[1:]]),
            started=started,
            extras=standard_extras(rules_document(), __version__),
        )
        write_bundle(result, doc, ruleset_record(), request)
        print(one_line(f"image-audit: evidence bundle written to {args.output}"), file=sys.stderr)
    if args.format == "json":
        _print_json(doc, out)
    elif args.format == "sarif":
        _print_json(sarif_document(doc, rules_document(), __version__), out)
    else:
        out.write(scan_table(doc))
    failed = args.fail_on is not None and any(
        f.severity.rank >= args.fail_on.rank for r in result.images for f in r.findings
    )
    return 1 if failed else 0


def run_rules(args: argparse.Namespace, out: TextIO) -> int:
    """`image-audit rules`."""
    doc = rules_document()
    if args.format == "json":
        _print_json(doc, out)
    else:
        out.write(rules_table(doc))
    return 0


def run_verify(args: argparse.Namespace, out: TextIO) -> int:
    """`image-audit verify`: exit 0 when every check passes, 1 otherwise."""
    checks = verify_bundle(args.bundle, args.archive)
    for _, line in checks:
        out.write(one_line(line) + "\n")  # a tampered bundle chooses the names it lists
    failed = sum(not ok for ok, _ in checks)
    out.write(
        f"{'VERIFIED' if not failed else 'NOT VERIFIED'}: {len(checks) - failed} checks "
        f"passed, {failed} failed\n"
    )
    return 1 if failed else 0


_COMMANDS = {
    "inspect": run_inspect,
    "ls": run_ls,
    "scan": run_scan,
    "rules": run_rules,
    "verify": run_verify,
}


def _tolerant_streams() -> None:
    """Whatever the locale or PYTHONIOENCODING says (ascii, a C locale), a character the
    output encoding cannot hold is written as a backslash escape instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `image-audit` and `python -m analyzer`."""
    _tolerant_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "scan" and getattr(args, "format", "") == "sarif":
        parser.error("--format sarif is for scan (inspect and ls print table or json)")
    try:
        return _COMMANDS[args.command](args, sys.stdout)
    except AnalyzerError as exc:
        # The message may quote the archive (a tag, a digest, a name): one printable line.
        print(one_line(f"image-audit: error: {exc}"), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("image-audit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the one place a bug is reported, not crashed on
        print(
            one_line(
                f"image-audit: internal error ({type(exc).__name__}: {exc}); this is a bug, "
                "please report it with IA_DEBUG=1 output"
            ),
            file=sys.stderr,
        )
        if os.environ.get("IA_DEBUG"):
            traceback.print_exc()
        return EXIT_INTERNAL
