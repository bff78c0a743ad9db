"""Render the evidence bundle and hand it, whole, to analyzer.bundle.outdir to install.

Every file name is ours (fixed names, image folders named after digests): nothing from the
archive chooses a path. Every file is rendered in memory first, so a renderer that fails leaves
nothing on disk; outdir writes them into a fresh directory and moves it into place whole.
Same input and options give the same bytes in every file except custody.json's times (and
those too with SOURCE_DATE_EPOCH set).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.bundle.copies import document_copy, scrubbed_document
from analyzer.bundle.custody import custody_document, input_facts
from analyzer.bundle.cyclonedx import cyclonedx_document
from analyzer.bundle.html import report_html
from analyzer.bundle.install import publish
from analyzer.bundle.outdir import check_output, claim, refuse_overlap, take_claim
from analyzer.bundle.overview import ImageEntry, image_entry, overview_html, overview_markdown
from analyzer.bundle.report import canonical_json, report_document, report_markdown
from analyzer.bundle.sarif import sarif_document
from analyzer.bundle.tables import findings_csv, inventory_csv, layers_csv
from analyzer.clock import utc_now
from analyzer.scan import ScanResult
from analyzer.text import escaped_bytes

Extra = Callable[[dict[str, Any], dict[str, Any]], dict[str, bytes]]
"""Builds more per-image files from (scan document, image document): name -> bytes."""


@dataclass(frozen=True, slots=True)
class BundleRequest:
    """Where and how to write the bundle."""

    out: Path
    force: bool = False
    """Replace an earlier bundle in `out`; decides only when `prepare` did not claim `out`
    first (then the claim made before the scan decides, see analyzer.bundle.outdir)."""
    case: str = ""
    examiner: str = ""
    command: tuple[str, ...] = ()
    started: str = ""
    extras: tuple[Extra, ...] = field(default=())


def prepare(out: Path, force: bool, source: Path | None = None) -> None:
    """Check the output directory before the long work and remember what it was: refuse a
    file, a symlink, a non-empty directory without --force, anything but an earlier bundle
    with it, and (given the input `source`) the input's own place. Nothing is created yet."""
    claim(out, force, source)


def image_folder(index: int, image: dict[str, Any], several: bool) -> str:
    """The bundle folder of one image, relative: "" (the bundle itself) or one per image."""
    if not several:
        return ""
    short = image["config_digest"].split(":", 1)[-1][:12]
    return f"image-{index + 1}-{short}"


def write_bundle(
    result: ScanResult, doc: dict[str, Any], ruleset: dict[str, Any], request: BundleRequest
) -> str:
    """Write every file of the bundle, whole or not at all (see analyzer.bundle.outdir);
    return its digest (the sha256 of SHA256SUMS), for the examiner to record outside it."""
    archive = result.read.archive.path
    target = take_claim(request.out) or check_output(request.out, request.force, archive)
    refuse_overlap(target.out, archive)
    files = bundle_files(result, doc, ruleset, request)
    publish(target, files)
    return hashlib.sha256(files["SHA256SUMS"]).hexdigest()


def bundle_files(
    result: ScanResult, doc: dict[str, Any], ruleset: dict[str, Any], request: BundleRequest
) -> dict[str, bytes]:
    """Every file of the bundle, rendered in memory before anything touches the disk:
    relative name -> bytes, SHA256SUMS last."""
    archive = result.read.archive.path
    stop = threading.Event()
    with ThreadPoolExecutor(1, thread_name_prefix="input-sha256") as hashing:
        # The input's sha256 (a second read of it: 0.35 s for 500 MB) on another core while
        # the tables, which do not quote it, are rendered (reading and hashing let go of the
        # GIL; file_sha256 reads in big pieces so that it seldom waits to get it back).
        hashed = hashing.submit(input_facts, archive, stop)
        pairs = list(zip(doc["images"], result.images, strict=True))
        try:
            tables = [_image_tables(doc, image, rep, request.extras) for image, rep in pairs]
        except BaseException:  # Ctrl-C or a failed renderer: the hash of a big input stops too
            stop.set()
            raise
        facts = hashed.result()
    result.read.archive.check_unchanged()  # the hash is of the file that was scanned
    several = len(doc["images"]) > 1
    files: dict[str, bytes] = {}
    entries: list[dict[str, Any]] = []
    overview: list[ImageEntry] = []
    for i, image in enumerate(doc["images"]):
        folder = image_folder(i, image, several)
        prefix = f"{folder}/" if folder else ""
        rendered = {**_image_reports(doc, image, facts), **tables[i]}
        files.update((prefix + name, data) for name, data in sorted(rendered.items()))
        overview.append(image_entry(folder, image))
        entries.append(
            {
                "folder": folder or ".",
                "refs": image["refs"],
                "platform": image["platform"],
                "config_digest": image["config_digest"],
                "manifest_digest": image["manifest_digest"],
            }
        )
    files["index.json"] = canonical_json({"input": facts, "images": entries})
    if several:  # one page to start from, listing every image's verdict and folder
        files["report.md"] = escaped_bytes(overview_markdown(overview, facts))
        files["report.html"] = escaped_bytes(overview_html(overview, facts))
    files.update(_archive_documents(result))
    times = (request.started or utc_now().isoformat(), utc_now().isoformat())
    custody = custody_document(
        archive,
        facts,
        command=list(request.command),
        times=times,
        who={"case": request.case, "examiner": request.examiner},
        ruleset=ruleset,
        vulnerability_data=_vulnerability_data(doc),
        as_of=result.as_of,
    )
    files["custody.json"] = canonical_json(custody)
    files["SHA256SUMS"] = sha256sums(files)
    return files


def standard_extras(rules_doc: dict[str, Any], tool_version: str) -> tuple[Extra, ...]:
    """findings.sarif and packages.cdx.json for each image (deterministic: the BOM's serial
    and timestamp derive from the image, not from the clock)."""

    def sarif(doc: dict[str, Any], image: dict[str, Any]) -> dict[str, bytes]:
        single = {**doc, "images": [image]}
        return {"findings.sarif": canonical_json(sarif_document(single, rules_doc, tool_version))}

    def bom(doc: dict[str, Any], image: dict[str, Any]) -> dict[str, bytes]:
        name = "image-audit:" + image["config_digest"]
        serial = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"
        created = image.get("created") or "1970-01-01T00:00:00Z"
        document = cyclonedx_document(
            image, doc["archive"], serial=serial, timestamp=created, tool_version=tool_version
        )
        return {"packages.cdx.json": canonical_json(document)}

    return (sarif, bom)


def _vulnerability_data(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The data every image was matched against (one database per scan): where it was, its
    sources and digests, its newest record."""
    for image in doc["images"]:
        fact = image.get("vulnerabilities")
        if isinstance(fact, dict):
            keys = ("database", "sources", "newest_record", "age_days")
            return {key: fact.get(key) for key in keys}
    return None


def _image_reports(
    doc: dict[str, Any], image: dict[str, Any], facts: dict[str, Any]
) -> dict[str, bytes]:
    """One image's reports, which quote the input's facts."""
    report_doc = report_document(image, doc["archive"], facts, list(doc["notices"]))
    return {
        "report.json": canonical_json(report_doc),
        # escaped_bytes: a name that was not UTF-8 is shown as its escape, not a crash
        "report.md": escaped_bytes(report_markdown(report_doc)),
        "report.html": escaped_bytes(report_html(report_doc)),
    }


def _image_tables(
    doc: dict[str, Any], image: dict[str, Any], report: Any, extras: tuple[Extra, ...]
) -> dict[str, bytes]:
    """One image's other files: tables, copies of its documents, the extras."""
    view = report.view
    files = {
        "findings.csv": findings_csv(image["findings"]),
        "layers.csv": layers_csv(image["layers"]),
        "inventory.csv": inventory_csv(view, report.scrub, report.origins),
        # As read, except that secret values found in it are redacted (they may not be written
        # anywhere in full); its original digest is config_digest in report.json.
        "config.json": scrubbed_document(view.image.raw_config, report.scrub),
    }
    if view.image.raw_manifest:
        files["manifest.json"] = document_copy(view.image.raw_manifest, report.scrub)
    for extra in extras:
        files.update(extra(doc, image))
    return files


def _archive_documents(result: ScanResult) -> list[tuple[str, bytes]]:
    """The archive's own top-level index files, copied as read (they hold digests and names)
    unless a secret of any image is in them (see analyzer.bundle.copies)."""
    archive = result.read.archive
    copies = {"index.json": "archive-index.json", "manifest.json": "archive-manifest.json"}
    return [
        (copy, document_copy(archive.read_small(name, name), result.archive_scrub))
        for name, copy in copies.items()
        if archive.has(name)
    ]


def sha256sums(files: Mapping[str, bytes]) -> bytes:
    """SHA256SUMS over the bundle's files (name -> bytes) in the format `sha256sum -c` reads,
    in the order of the names (a changed file changes its own line, not the order)."""
    return "".join(
        f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files)
    ).encode()
