"""The command line: the only place that prints, sets exit codes and catches errors.

Exit codes: 0 success, 1 findings at or above --fail-on (scan) or a failed check (verify),
2 bad input or usage (every AnalyzerError), 3 internal error (a bug), 130 interrupted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from tabulate import tabulate

from analyzer import __version__
from analyzer.archive.digest import short
from analyzer.bundle.custody import utc_now
from analyzer.bundle.report import canonical_json
from analyzer.bundle.sarif import sarif_document
from analyzer.bundle.verify import verify_bundle
from analyzer.bundle.writer import BundleRequest, prepare, standard_extras, write_bundle
from analyzer.cli_args import build_parser
from analyzer.detectors import all_rules
from analyzer.detectors.context import ScanOptions
from analyzer.errors import AnalyzerError, UsageError
from analyzer.filesystem.paths import is_within, normalize
from analyzer.findings.pci import REQUIREMENTS, controls_for
from analyzer.findings.suppress import load_suppressions
from analyzer.limits import Limits
from analyzer.progress import ProgressLine
from analyzer.reader import ImageView, ReadResult, read_archive
from analyzer.scan import scan_archive
from analyzer.secrets import dsbridge
from analyzer.secrets.config import scrubber_for
from analyzer.secrets.engine import SecretEngine
from analyzer.views import (
    clip,
    entry_document,
    image_label,
    inspect_document,
    removed_document,
    scan_document,
    scan_table,
    tree_rows,
    version_document,
)

EXIT_INPUT = 2
EXIT_INTERNAL = 3


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        max_total_bytes=args.max_bytes,
        max_layer_bytes=args.max_layer_bytes,
        max_entries=args.max_entries,
    )


def _read(args: argparse.Namespace) -> ReadResult:
    progress = ProgressLine(sys.stderr, not args.quiet)
    try:
        return read_archive(
            args.archive, platform=args.platform, limits=_limits(args), progress=progress
        )
    finally:
        progress.finish()


def _print_json(doc: Any, out: TextIO) -> None:
    json.dump(doc, out, indent=2, sort_keys=False)
    out.write("\n")


def _scrubbers(result: ReadResult) -> list[Callable[[str], str]]:
    """Per image, a function redacting the config's secrets from quoted config text."""
    engine = SecretEngine(use_hyperscan=False)  # a few short texts: not worth compiling for
    return [
        scrubber_for(
            v.image.config, len(v.image.layers), engine, v.image.raw_config, v.image.raw_manifest
        )
        for v in result.images
    ]


def run_inspect(args: argparse.Namespace, out: TextIO) -> int:
    """`image-audit inspect`."""
    result = _read(args)
    doc = inspect_document(result, _scrubbers(result))
    if args.format == "json":
        _print_json(doc, out)
        return 0
    archive = doc["archive"]
    out.write(
        f"{archive['path']}: {archive['format']} ({archive['kind']}, "
        f"compression {archive['compression']}), {len(doc['images'])} image(s)\n"
    )
    for image in doc["images"]:
        _print_image(image, out)
    if doc["artifacts"]:
        out.write("\nArtifacts (not images, not read as layers):\n")
        rows = [
            [
                a["kind"],
                short(a["digest"]),
                a["artifact_type"],
                ", ".join(a["refs"]),
                short(a["subject"]) if a["subject"] else "",
            ]
            for a in doc["artifacts"]
        ]
        out.write(tabulate(rows, ["kind", "digest", "type", "refs", "subject"]) + "\n")
    _print_notices(result.notices, out)
    return 0


def _print_image(image: dict[str, Any], out: TextIO) -> None:
    out.write("\n")
    facts = [
        ["references", ", ".join(image["refs"]) or "(none)"],
        ["platform", image["platform"]],
        ["manifest", image["manifest_digest"] or "(none in a legacy docker archive)"],
        ["config", image["config_digest"]],
        ["created", image["created"]],
        ["user", image["user"] or "(not set: root)"],
        ["entrypoint", json.dumps(image["entrypoint"])],
        ["cmd", json.dumps(image["cmd"])],
        ["env names", ", ".join(image["env_names"])],
        ["labels", ", ".join(f"{k}={v}" for k, v in image["labels"].items())],
    ]
    out.write(tabulate(facts, tablefmt="plain") + "\n\n")
    rows = [
        [
            layer["index"],
            short(layer["digest"]),
            short(layer["diff_id"]),
            layer["compression"],
            layer["compressed_size"],
            layer["uncompressed_size"],
            layer["entries"],
            clip(layer["created_by"], 60),
        ]
        for layer in image["layers"]
    ]
    headers = ["#", "digest", "diff_id", "compr.", "stored", "size", "entries", "created_by"]
    out.write(tabulate(rows, headers) + "\n")


def _print_notices(notices: Sequence[str], out: TextIO) -> None:
    if notices:
        out.write("\nNotices:\n")
        for notice in notices:
            out.write(f"  - {notice}\n")


def run_ls(args: argparse.Namespace, out: TextIO) -> int:
    """`image-audit ls`."""
    result = _read(args)
    path, _ = normalize(args.path)
    docs = []
    absent: list[str] = []
    for view, scrub in zip(result.images, _scrubbers(result), strict=True):
        if args.format == "table" and len(result.images) > 1:
            out.write(f"\n== {image_label(view.image)} ({view.image.platform})\n")
        if args.history:
            doc = _history(view, path, args.format, out, scrub)
        elif args.deleted:
            doc = _deleted(view, path, args.format, out)
        else:
            doc = _tree(view, path, args.format, out)
        if doc.get("absent"):
            absent.append(_absent_message(view, path, args.history))
            if args.format == "table":
                out.write(f"({absent[-1]})\n")
        docs.append(doc)
    if len(absent) == len(docs) and absent:  # no image has it: an error, not an empty answer
        hint = "" if args.history else " (try --history or --deleted)"
        raise UsageError("; ".join(absent) + hint)
    if args.format == "json":
        _print_json({"images": docs}, out)
    return 0


def _absent_message(view: ImageView, path: str, history: bool) -> str:
    if history:
        return f"no layer of {image_label(view.image)} ever held {path}"
    return f"{path} does not exist in the final filesystem of {image_label(view.image)}"


def _image_header(view: ImageView) -> dict[str, Any]:
    return {
        "refs": list(view.image.refs),
        "platform": str(view.image.platform),
        "config_digest": view.image.config_digest,
    }


def _tree(view: ImageView, path: str, fmt: str, out: TextIO) -> dict[str, Any]:
    fs = view.fs
    if path != "/" and fs.get(path) is None:
        return dict(_image_header(view), entries=[], absent=True)
    if fmt == "table":
        out.write(
            tabulate(tree_rows(fs, path), ["mode", "uid:gid", "size", "layer", "path"]) + "\n"
        )
    entries = [
        dict(entry_document(v.entry), layer=v.layer)
        for v in fs.entries(path)
        if v.entry is not None
    ]
    return dict(_image_header(view), entries=entries)


def _history(
    view: ImageView, path: str, fmt: str, out: TextIO, scrub: Callable[[str], str]
) -> dict[str, Any]:
    fs = view.fs
    steps = [
        version_document(p, v) for p in fs.all_paths() if is_within(p, path) for v in fs.history(p)
    ]
    if not steps:
        return dict(_image_header(view), history=[], absent=True)
    if fmt == "table":
        layers = view.image.layers
        rows = [
            [
                s["path"],
                s["layer"],
                s["change"] + (f" ({s['cause']})" if "cause" in s else ""),
                s.get("entry", {}).get("mode", ""),
                s.get("entry", {}).get("size", ""),
                s.get("entry", {}).get("sha256", "")[:12],
                clip(scrub(layers[s["layer"]].created_by), 50),
            ]
            for s in steps
        ]
        out.write(
            tabulate(rows, ["path", "layer", "change", "mode", "size", "sha256", "created_by"])
            + "\n"
        )
    return dict(_image_header(view), history=steps)


def _deleted(view: ImageView, path: str, fmt: str, out: TextIO) -> dict[str, Any]:
    removed = [
        removed_document(r)
        for r in view.fs.removed()
        if r.version.entry is not None and is_within(r.version.entry.path, path)
    ]
    if fmt == "table":
        rows = [
            [
                r["path"],
                r["entry"]["type"],
                r["entry"]["size"],
                r["stored_in_layer"],
                f"{r['how']} in layer {r['by_layer']}",
                r["entry"]["sha256"][:12],
            ]
            for r in removed
        ]
        out.write(
            tabulate(rows, ["path", "type", "size", "stored in layer", "hidden", "sha256"]) + "\n"
        )
        out.write(
            f"{len(removed)} version(s) hidden from the final filesystem but recoverable "
            "from the archive\n"
        )
    return dict(_image_header(view), removed=removed)


def _ruleset() -> dict[str, Any]:
    """The rules and detect-secrets set-up a scan ran with, and a hash of them."""
    doc = {
        "rules": [r.id for r in all_rules()],
        "detect_secrets": {
            "plugins": sorted(p["name"] for p in dsbridge.plugin_settings()),
            "filters": dsbridge.filter_paths(),
        },
    }
    return {**doc, "sha256": hashlib.sha256(canonical_json(doc)).hexdigest()}


def run_scan(args: argparse.Namespace, out: TextIO) -> int:
    """`image-audit scan`."""
    started = utc_now().isoformat()
    if args.output is not None:
        prepare(args.output, args.force)  # refuse a non-empty directory before the long work
    suppressions = load_suppressions(args.suppressions) if args.suppressions else []
    options = ScanOptions(
        trusted_registries=tuple(args.trusted_registry),
        min_severity=args.min_severity,
        suppressions=tuple(suppressions),
        max_file_bytes=args.max_file_bytes,
        workers=max(1, args.jobs),
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
    doc = scan_document(result, show_suppressed=args.show_suppressed)
    if args.output is not None:
        request = BundleRequest(
            out=args.output,
            force=True,
            case=args.case,
            examiner=args.examiner,
            command=tuple(["image-audit", *sys.argv[1:]]),
            started=started,
            extras=standard_extras(_rules_doc(), __version__),
        )
        write_bundle(result, doc, _ruleset(), request)
        print(f"image-audit: evidence bundle written to {args.output}", file=sys.stderr)
    if args.format == "json":
        _print_json(doc, out)
    elif args.format == "sarif":
        _print_json(sarif_document(doc, _rules_doc(), __version__), out)
    else:
        out.write(scan_table(doc))
        _print_notices(result.notices, out)
    failed = args.fail_on is not None and any(
        f.severity.rank >= args.fail_on.rank for r in result.images for f in r.findings
    )
    return 1 if failed else 0


def _rules_doc() -> dict[str, Any]:
    """Every rule as data (the `rules --format json` document)."""
    docs = [
        {
            "rule_id": r.id,
            "title": r.title,
            "category": r.category,
            "severity": r.severity.value,
            "pci": list(controls_for(r.category)),
            "why": r.why,
            "fix": r.fix,
        }
        for r in all_rules()
    ]
    return {"rules": docs, "requirements": REQUIREMENTS}


def run_rules(args: argparse.Namespace, out: TextIO) -> int:
    """`image-audit rules`."""
    doc = _rules_doc()
    if args.format == "json":
        _print_json(doc, out)
        return 0
    docs = doc["rules"]
    rows = [
        [d["rule_id"], d["severity"], d["category"], ", ".join(d["pci"]), d["title"]] for d in docs
    ]
    out.write(tabulate(rows, ["rule", "severity", "category", "pci", "title"]) + "\n")
    return 0


def run_verify(args: argparse.Namespace, out: TextIO) -> int:
    """`image-audit verify`: exit 0 when every check passes, 1 otherwise."""
    checks = verify_bundle(args.bundle, args.archive)
    for _, line in checks:
        out.write(line + "\n")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `image-audit` and `python -m analyzer`."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "scan" and getattr(args, "format", "") == "sarif":
        parser.error("--format sarif is for scan (inspect and ls print table or json)")
    try:
        return _COMMANDS[args.command](args, sys.stdout)
    except AnalyzerError as exc:
        print(f"image-audit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("image-audit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the one place a bug is reported, not crashed on
        print(
            f"image-audit: internal error ({type(exc).__name__}: {exc}); this is a bug, "
            "please report it with IA_DEBUG=1 output",
            file=sys.stderr,
        )
        if os.environ.get("IA_DEBUG"):
            traceback.print_exc()
        return EXIT_INTERNAL
