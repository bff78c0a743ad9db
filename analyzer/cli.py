"""The command line: the only place that prints, sets exit codes and catches errors.

Exit codes: 0 success, 1 (or --exit-code N) findings tripped --fail-on (scan) or a failed check
(verify), 2 bad input or usage (every AnalyzerError), 3 internal error (a bug), 130 interrupted.

Results go to stdout, or whole into the file of -o (nothing on stdout then); progress and
status lines ("evidence bundle written to ...") go to stderr, and -q keeps only the results.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from analyzer import __version__
from analyzer.bundle.interrupts import stopping_signals_interrupt
from analyzer.bundle.outfile import ReportFile, check_report_file, write_report_file
from analyzer.bundle.ruleset import rules_document, ruleset_record
from analyzer.bundle.sarif import sarif_document
from analyzer.bundle.verify import bundle_digest, verify_bundle
from analyzer.bundle.writer import BundleRequest, prepare, standard_extras, write_bundle
from analyzer.cli_args import parse_args
from analyzer.clock import utc_now
from analyzer.collector import collecting_less
from analyzer.colour import wants_colour
from analyzer.detectors.context import ScanOptions
from analyzer.detectors.packagefiles import FileOrigins
from analyzer.detectors.packages import origin_store
from analyzer.diff import diff_document, new_at_or_above
from analyzer.diff_views import diff_markdown, diff_text
from analyzer.document_scrub import Scrub, redacted_message
from analyzer.errors import AnalyzerError, LimitExceeded, UsageError
from analyzer.extract import (
    CopySink,
    Destination,
    Staging,
    check_destination,
    choose,
    custody_document,
    extract,
    stage_custody,
)
from analyzer.filesystem.content import ContentSink
from analyzer.filesystem.paths import normalize
from analyzer.findings.model import Severity
from analyzer.findings.suppress import load_suppressions
from analyzer.image.model import Catalog, Image
from analyzer.image.selection import candidate, candidate_list, image_number
from analyzer.inspection import Inspection, inspect_archive
from analyzer.limits import Limits
from analyzer.listing import (
    LsMode,
    content_match,
    find_document,
    layer_steps,
    ls_document,
    name_match,
)
from analyzer.ls_views import find_table, ls_header, ls_table, note
from analyzer.progress import ProgressLine
from analyzer.reader import ImageView
from analyzer.scan import ImageReport, ScanResult, scan_archive
from analyzer.severity_filter import EVERY_SEVERITY, SeverityFilter
from analyzer.streamed import has_items, json_chunks
from analyzer.table_views import inspect_table, rules_table, scan_table
from analyzer.terminal import Layout, one_line, terminal_width
from analyzer.text import printable, quoted
from analyzer.timeline import timeline_document
from analyzer.timeline_views import timeline_markdown, timeline_table
from analyzer.views import document_label, inspect_document, scan_archive_scrub, scan_document

if TYPE_CHECKING:
    from analyzer.vulndb import VulnDb

EXIT_INTERNAL = 3


@dataclass(frozen=True, slots=True)
class Results:
    """What a command printed, and its exit code."""

    text: str | Iterable[str]
    """The whole text, or its pieces, made while they are written (ls of a huge image)."""
    code: int = 0


def _status(args: argparse.Namespace, message: str) -> None:
    """A status line on stderr, unless -q asked for the results only."""
    if not args.quiet:
        print(one_line(f"image-audit: {message}"), file=sys.stderr)


def _progress(args: argparse.Namespace) -> ProgressLine:
    return ProgressLine(sys.stderr, not (args.quiet or args.no_progress))


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        max_total_bytes=args.max_bytes,
        max_layer_bytes=args.max_layer_bytes,
        max_entries=args.max_entries,
    )


def _json(doc: Any) -> str:
    # ASCII JSON: controls, NULs and surrogates (names that were not UTF-8) become \u escapes,
    # so the text reads back exact and no output encoding can fail on it.
    # written chunk by chunk: json.dumps joins a list of every chunk (~2 KB per entry of an
    # ls of 450,000 paths held at once)
    out = io.StringIO()
    for chunk in json.JSONEncoder(indent=2, ensure_ascii=True).iterencode(doc):
        out.write(chunk)
    out.write("\n")
    return out.getvalue()


def _read(args: argparse.Namespace, sinks: Sequence[ContentSink] = ()) -> Inspection:
    progress = _progress(args)
    try:
        progress.start(f"reading {args.archive.name}")
        return inspect_archive(
            args.archive,
            platform=args.platform,
            image=args.image,
            limits=_limits(args),
            progress=progress,
            sinks=sinks,
        )
    finally:
        progress.finish()


def run_inspect(args: argparse.Namespace, layout: Layout) -> Results:
    """`image-audit inspect`."""
    seen = _read(args)
    doc = inspect_document(seen.read, seen.scrubs, seen.archive_scrub)
    return Results(_json(doc) if args.format == "json" else inspect_table(doc, layout))


def run_ls(args: argparse.Namespace, layout: Layout) -> Results:
    """`image-audit ls`: the output is made while it is written (the listing of a huge image
    is never held whole, analyzer.streamed)."""
    path, _ = normalize(args.path)
    if args.find is not None or args.sha256 is not None:
        return _run_find(args, path, layout)
    mode: LsMode = "history" if args.history else "deleted" if args.deleted else "tree"
    # --history says which package each file version belongs to: the read collects the
    # package databases and the MD5/SHA-1 of the files shown
    store = origin_store(path) if mode == "history" else None
    seen = _read(args, [store] if store is not None else [])
    listed = []
    for view, scrub in zip(seen.read.images, seen.scrubs, strict=True):
        origins = FileOrigins.of(view, store).of_version if store is not None else None
        doc = ls_document(view, path, mode, scrub, origins)
        absent = _absent_message(doc, path, args.history) if doc.get("absent") else ""
        listed.append((view, scrub, doc, absent))
    if all(absent for *_, absent in listed):  # no image has it: an error, not an empty answer
        hint = "" if args.history else " (try --history or --deleted)"
        raise UsageError("; ".join(absent for *_, absent in listed) + hint)
    if args.format == "json":
        return Results(json_chunks({"images": [doc for _, _, doc, _ in listed]}))
    return Results(_ls_tables(listed, path, mode, layout))


def _ls_tables(
    listed: list[tuple[ImageView, Scrub, dict[str, Any], str]],
    path: str,
    mode: LsMode,
    layout: Layout,
) -> Iterator[str]:
    """Each image's `ls` table, headed by its name when there are several, and the note of a
    path it does not have."""
    for view, scrub, doc, absent in listed:
        if len(listed) > 1:
            yield ls_header(doc, layout)
        yield from ls_table(view, path, mode, doc, scrub, layout=layout)
        if absent:
            yield note(absent, layout)


def _run_find(args: argparse.Namespace, path: str, layout: Layout) -> Results:
    """`ls --find GLOB` / `ls --sha256 HEX`: where, and since when, the images hold it."""
    match = name_match(args.find) if args.find is not None else content_match(args.sha256)
    seen = _read(args)
    found = [
        (view, scrub, find_document(view, path, match, scrub))
        for view, scrub in zip(seen.read.images, seen.scrubs, strict=True)
    ]
    if args.format == "json":
        return Results(json_chunks({"images": [doc for _, _, doc in found]}))
    wanted = f"a name matching {args.find}" if args.find is not None else f"sha256:{args.sha256}"
    return Results(_find_tables(found, wanted, layout))


def _find_tables(
    found: list[tuple[ImageView, Scrub, dict[str, Any]]], wanted: str, layout: Layout
) -> Iterator[str]:
    for view, scrub, doc in found:
        if len(found) > 1:
            yield ls_header(doc, layout)
        if has_items(doc["matches"]):
            yield from find_table(doc, layer_steps(view, scrub), layout)
        else:
            yield note(f"no layer of {document_label(doc)} holds {wanted}", layout)


def _absent_message(doc: dict[str, Any], path: str, history: bool) -> str:
    if history:
        return f"no layer of {document_label(doc)} ever held {path}"
    return f"{path} does not exist in the final filesystem of {document_label(doc)}"


def run_scan(args: argparse.Namespace, layout: Layout) -> Results:
    """`image-audit scan`."""
    started = utc_now().isoformat()
    if args.bundle is not None:
        # refuse a non-empty directory, a symlink or the input's own place before the long work
        prepare(args.bundle, args.force, source=args.archive)
    progress = _progress(args)
    try:
        progress.start(f"reading {args.archive.name}")
        result = _scan(args, progress)
        doc = scan_document(result, show_suppressed=args.show_suppressed, listing=_listing(args))
        if args.bundle is not None:
            progress.phase("writing the evidence bundle")
            digest = write_bundle(result, doc, ruleset_record(), _bundle_request(args, started))
    finally:
        progress.finish()
    if args.bundle is not None:
        _status(args, f"evidence bundle written to {args.bundle}")
        # SHA256SUMS pins every file; only a digest kept outside the bundle pins SHA256SUMS
        _status(args, f"bundle digest {digest}: record it outside the bundle (custody notes)")
    return Results(_scan_output(args, doc, layout), _scan_exit_code(args, doc))


def _bundle_request(args: argparse.Namespace, started: str) -> BundleRequest:
    return BundleRequest(
        out=args.bundle,
        force=args.force,
        case=args.case,
        examiner=args.examiner,
        command=tuple(["image-audit", *sys.argv[1:]]),
        started=started,
        extras=standard_extras(rules_document(), __version__),
    )


def _scan(args: argparse.Namespace, progress: ProgressLine) -> ScanResult:
    suppressions = load_suppressions(args.suppressions) if args.suppressions else []
    vuln_db = _open_vulndb(args.vuln_db)
    options = ScanOptions(
        trusted_registries=tuple(args.trusted_registry),
        suppressions=tuple(suppressions),
        max_file_bytes=args.max_file_bytes,
        workers=args.jobs,
        vuln_db=vuln_db,
    )
    try:
        result = scan_archive(
            args.archive,
            platform=args.platform,
            image=args.image,
            limits=_limits(args),
            options=options,
            progress=progress,
        )
    finally:
        if vuln_db is not None:
            vuln_db.close()
    # The archive's own documents are copied into the bundle: scrub them of every image's
    # secrets, those found in files included (a tag may repeat a token found in /app/.env).
    return replace(result, archive_scrub=scan_archive_scrub(result))


def _listing(args: argparse.Namespace) -> SeverityFilter:
    """Which findings the report lists: the scan finds them all, the report shows these."""
    if args.severity is not None:
        return SeverityFilter.exactly(args.severity)
    if args.min_severity is not None:
        return SeverityFilter.at_least(args.min_severity)
    return EVERY_SEVERITY


def _scan_output(args: argparse.Namespace, doc: dict[str, Any], layout: Layout) -> str:
    if args.format == "json":
        return _json(doc)
    if args.format == "sarif":
        return _json(sarif_document(doc, rules_document(), __version__))
    return scan_table(doc, layout, show_vendor=args.show_vendor)


def _scan_exit_code(args: argparse.Namespace, doc: dict[str, Any]) -> int:
    """--exit-code N (default 1) when a listed finding is at or above --fail-on; with
    --exit-code alone, when any finding is listed (trivy's meaning)."""
    threshold = args.fail_on
    if threshold is None and args.exit_code is not None:
        threshold = Severity.INFO
    if threshold is None:
        return 0
    listed = (Severity(f["severity"]) for image in doc["images"] for f in image["findings"])
    tripped = any(severity.rank >= threshold.rank for severity in listed)
    return (1 if args.exit_code is None else args.exit_code) if tripped else 0


def run_vulndb(args: argparse.Namespace, layout: Layout) -> Results:
    """`image-audit vulndb import SRC... --to DIR`."""
    from analyzer.vulndb import import_sources  # noqa: PLC0415

    # SIGTERM/SIGHUP stop the run as Ctrl-C does, so the partial database is always removed
    with stopping_signals_interrupt():
        summary = import_sources(args.sources, args.to)
    lines = [
        f"{printable(s.path)}: {s.records} records, {s.rejected} rejected, newest "
        f"{printable(s.newest) or 'not dated'}, sha256 {s.sha256}"
        for s in ([] if args.quiet else summary.sources)
    ]
    lines += [f"notice: {printable(n)}" for n in summary.notices]
    if summary.rejected > len(summary.notices):
        lines.append(f"notice: {summary.rejected} bad documents or records in all")
    if not args.quiet:
        lines.append(f"database written to {printable(str(args.to))}")
    return Results("".join(line + "\n" for line in lines))


def run_rules(args: argparse.Namespace, layout: Layout) -> Results:
    """`image-audit rules`."""
    doc = rules_document()
    return Results(_json(doc) if args.format == "json" else rules_table(doc, layout))


def run_verify(args: argparse.Namespace, layout: Layout) -> Results:
    """`image-audit verify`: exit 0 when every check passes, 1 otherwise."""
    checks = verify_bundle(args.bundle, args.archive, args.expect_digest)
    lines = [one_line(line) + "\n" for _, line in checks]  # a tampered bundle chose the names
    failed = sum(not ok for ok, _ in checks)
    digest = bundle_digest(args.bundle)
    if digest is not None and args.expect_digest is None and not failed:
        lines.append(
            f"bundle digest {digest}: VERIFIED means only that the bundle agrees with itself "
            "unless this matches the digest recorded when it was written (--expect-digest)\n"
        )
    verdict = "VERIFIED" if not failed else "NOT VERIFIED"
    lines.append(f"{verdict}: {len(checks) - failed} checks passed, {failed} failed\n")
    return Results("".join(lines), 1 if failed else 0)


def run_extract(args: argparse.Namespace, layout: Layout) -> Results:
    """`image-audit extract`: one version of a path, byte for byte, and its custody record."""
    path, _ = normalize(args.path)
    destination = check_destination(args.dest, args.force, args.archive)
    # SIGTERM/SIGHUP stop the run as Ctrl-C does, so the staging directory is always removed
    with stopping_signals_interrupt():
        written = _extract_into(args, path, destination)
    _status(
        args,
        f"wrote {destination.path} ({written[0]} bytes, sha256:{written[1]}) and "
        f"{destination.custody.name}",
    )
    return Results("")


def _extract_into(args: argparse.Namespace, path: str, destination: Destination) -> tuple[int, str]:
    staging = Staging(destination)
    try:
        sink = CopySink(staging, path)
        seen = _read(args, [sink])
        images = zip(seen.read.images, seen.scrubs, strict=True)
        _only_one(
            seen.read.catalog,
            [(view.image, scrub) for view, scrub in images],
            where="the archive",
            why="extract reads one",
            option="--image",
            named=args.image,
        )
        [view], [scrub] = seen.read.images, seen.scrubs
        try:  # the message names the image's paths and link targets: they pass its redactor
            chosen = choose(view, path, args.layer)
            staged = extract(view, chosen, sink)
        except UsageError as exc:
            raise UsageError(scrub(exc.message)) from None
        document = custody_document(args.archive, view, chosen, staged.written, scrub)
        staging.install(staged.name, stage_custody(staging, document))
    finally:
        staging.close()
    return staged.written


def run_timeline(args: argparse.Namespace, layout: Layout) -> Results:
    """`image-audit timeline`: each build step, what it did, and what stands out."""
    progress = _progress(args)
    try:
        progress.start(f"reading {args.archive.name}")
        result = scan_archive(
            args.archive,
            platform=args.platform,
            image=args.image,
            limits=_limits(args),
            options=ScanOptions(max_file_bytes=args.max_file_bytes),
            progress=progress,
        )
    finally:
        progress.finish()
    doc = {"images": [timeline_document(report) for report in result.images]}
    if args.format == "json":
        return Results(_json(doc))
    if args.format == "md":
        return Results(timeline_markdown(doc))
    return Results(timeline_table(doc, layout))


def run_diff(args: argparse.Namespace, layout: Layout) -> Results:
    """`image-audit diff OLD NEW`: layers, files, packages, findings and config that changed."""
    vuln_db = _open_vulndb(args.vuln_db)
    # both images are held at once: they share --max-entries, so that diff stays within the
    # memory one scan at the limit needs
    limits = replace(_limits(args), max_entries=max(1, args.max_entries // 2))
    try:
        old, new = (_one_image(args, side, vuln_db, limits) for side in _diff_sides(args))
    except LimitExceeded as exc:
        raise LimitExceeded(
            f"{exc} (diff holds both images at once: each may use half of --max-entries)"
        ) from exc
    finally:
        if vuln_db is not None:
            vuln_db.close()
    doc = diff_document(old, new)
    code = 1 if args.fail_on_new is not None and new_at_or_above(doc, args.fail_on_new) else 0
    if args.format == "json":
        return Results(_json(doc), code)
    if args.format == "md":
        return Results(diff_markdown(doc), code)
    return Results(diff_text(doc, layout), code)


def _open_vulndb(folder: Path | None) -> VulnDb | None:
    """The --vuln-db database, if one is given (the matcher, its univers and cvss are imported
    only then)."""
    if folder is None:
        return None
    from analyzer.vulndb import open_vulndb  # noqa: PLC0415

    return open_vulndb(folder)


def _diff_sides(args: argparse.Namespace) -> list[tuple[Path, str, str | None]]:
    """(archive, the option that chooses its image, the image it names) for OLD and NEW: the
    side's own option, else --image."""
    return [
        (args.old, "--old-image", args.old_image if args.old_image is not None else args.image),
        (args.new, "--new-image", args.new_image if args.new_image is not None else args.image),
    ]


def _one_image(
    args: argparse.Namespace,
    side: tuple[Path, str, str | None],
    vuln_db: VulnDb | None,
    limits: Limits,
) -> ImageReport:
    archive, option, image = side
    progress = _progress(args)
    try:
        progress.start(f"reading {archive.name}")
        result = scan_archive(
            archive,
            platform=args.platform,
            image=image,
            limits=limits,
            options=ScanOptions(vuln_db=vuln_db),
            progress=progress,
        )
    except UsageError as exc:  # --image or --platform names no image: say of which archive
        raise UsageError(f"{printable(str(archive))}: {exc.message}") from None
    finally:
        progress.finish()
    _only_one(
        result.read.catalog,
        [(report.view.image, report.scrub) for report in result.images],
        where=printable(str(archive)),
        why="diff compares one image with one",
        option=option,
        named=image,
    )
    return result.images[0]


def _only_one(
    catalog: Catalog,
    images: list[tuple[Image, Callable[[str], str]]],
    *,
    where: str,
    why: str,
    option: str,
    named: str | None,
) -> None:
    """Refuse an archive that does not hold exactly one image where a command reads one (or
    whose images `named`, the --image value, names several). The message lists them with the
    numbers `option` takes, each through its own redactor (a tag may quote a secret), and
    names the options that can choose: `option`, and --platform when their platforms differ."""
    if len(images) == 1:
        return
    listed = candidate_list([candidate(image_number(catalog, i), i, s) for i, s in images])
    how = f"{option} REF|DIGEST|N (a reference, a digest, or its number listed here)"
    if len({image.platform for image, _ in images}) > 1:
        how += " or --platform OS/ARCH"
    if named is None:
        what = f"{where} holds {len(images)} images"
    else:
        what = f"{quoted(named)} names {len(images)} images of {where}"
    raise UsageError(f"{what}: {listed}; {why}: choose it with {how}")


_COMMANDS: dict[str, Callable[[argparse.Namespace, Layout], Results]] = {
    "inspect": run_inspect,
    "ls": run_ls,
    "extract": run_extract,
    "timeline": run_timeline,
    "diff": run_diff,
    "scan": run_scan,
    "rules": run_rules,
    "vulndb": run_vulndb,
    "verify": run_verify,
}


def _report_file(args: argparse.Namespace) -> ReportFile | None:
    """The -o FILE, checked before the long work (its place, every input, the bundle)."""
    if getattr(args, "output", None) is None:
        return None
    inputs = ("archive", "old", "new", "suppressions", "vuln_db")
    sources = [path for path in (getattr(args, name, None) for name in inputs) if path is not None]
    return check_report_file(args.output, sources, getattr(args, "bundle", None))


def _layout(args: argparse.Namespace, to_file: bool) -> Layout:
    """Tables for stdout fit the terminal (COLUMNS, else its size, else 100) and colour
    severities when it wants colour; in a file, COLUMNS or 100 and never colour."""
    wide = getattr(args, "wide", False)
    width = terminal_width(sys.stdout, os.environ, tty=not to_file)
    if to_file:
        return Layout(width, wide)
    return Layout(
        width, wide, wants_colour(sys.stdout, os.environ, getattr(args, "no_color", False))
    )


def _run(args: argparse.Namespace) -> int:
    target = _report_file(args)
    results = _COMMANDS[args.command](args, _layout(args, target is not None))
    pieces = [results.text] if isinstance(results.text, str) else results.text
    if target is None:
        for piece in pieces:
            sys.stdout.write(piece)
    else:
        # what stdout would have shown; a surrogate never reaches a file raw
        write_report_file(target, (p.encode("utf-8", "backslashreplace") for p in pieces))
        _status(args, f"{args.format} report written to {target.path}")
    return results.code


def _tolerant_streams() -> None:
    """Whatever the locale or PYTHONIOENCODING says (ascii, a C locale), a character the
    output encoding cannot hold is written as a backslash escape instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _error_text(exc: BaseException) -> str:
    """An error's message, redacted; withheld if it cannot be checked for secrets (the one
    place errors are printed must not fail itself)."""
    try:
        return redacted_message(str(exc))
    except Exception:  # never a traceback, never an unchecked message
        return "(the message is withheld: it could not be checked for secrets)"


def command() -> NoReturn:
    """The `image-audit` command (and `python -m analyzer`): `main`, then the process ends at
    once. The interpreter's own teardown, a last full garbage collection and every object of
    the run freed one by one, took 0.15-0.25 s after a scan of the bench image and does
    nothing a finished run needs: reports are written and closed, worker processes stopped
    (no atexit handler, temporary file or finalizer of image-audit's is left to run)."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        # OSError: the reader went away (`| head`): what it read was all it wanted
        with contextlib.suppress(OSError):
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv) and return the exit code; errors are
    printed, never raised (only argparse's own exits, for --help or a usage error, raise
    SystemExit)."""
    _tolerant_streams()
    args = parse_args(argv)
    try:
        with collecting_less():
            return _run(args)
    except AnalyzerError as exc:
        # The message may quote the archive (a tag, a digest, a name): one printable line,
        # redacted like every other output.
        print(one_line(f"image-audit: error: {_error_text(exc)}"), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        # Ctrl-C is 130; SIGTERM and SIGHUP (analyzer.bundle.interrupts) 128 + their number
        print("image-audit: interrupted", file=sys.stderr)
        return 128 + getattr(exc, "signum", signal.SIGINT)
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the one place a bug is reported, not crashed on
        print(
            one_line(
                f"image-audit: internal error ({type(exc).__name__}: "
                f"{_error_text(exc)}); this is a bug, "
                "please report it with IA_DEBUG=1 output"
            ),
            file=sys.stderr,
        )
        if os.environ.get("IA_DEBUG"):
            traceback.print_exc()
        return EXIT_INTERNAL
