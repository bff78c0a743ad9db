"""Check a bundle later: every file against SHA256SUMS, and optionally the archive itself.

Nothing in the bundle is trusted: analyzer.bundle.readback reads it without following a link or
opening anything but a regular file, and every malformed piece (a SHA256SUMS that is not UTF-8
or has malformed lines, a missing, non-JSON or wrong-shape custody.json or index.json, a link,
FIFO or device, an absurdly large file) becomes a FAILED line: verify exits 1, never crashes.
A directory with neither SHA256SUMS nor custody.json is not a bundle at all (a usage error).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analyzer.archive.digest import sha256_hex
from analyzer.archive.source import open_archive
from analyzer.bundle.custody import input_facts
from analyzer.bundle.readback import (
    bundle_tree,
    file_sha256,
    is_plain_name,
    open_bundle,
    read_document,
)
from analyzer.errors import AnalyzerError, BundleDamaged, UsageError
from analyzer.image.loader import load_catalog
from analyzer.text import printable, quoted

Check = tuple[bool, str]
_SUMS_LINE = re.compile(r"([0-9a-fA-F]{64})  (.+)")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def verify_bundle(
    out: Path, archive: Path | None = None, expect_digest: str | None = None
) -> list[Check]:
    """One (passed, line) per check; any False means the bundle cannot be trusted as is.
    Every line is printable (names from the bundle may hold any character). `expect_digest`:
    the bundle digest recorded when it was written, which SHA256SUMS must still have."""
    if archive is not None and not os.path.exists(archive):
        raise UsageError(f"{printable(str(archive))}: no such archive")
    expected = None if expect_digest is None else sha256_hex(expect_digest)
    if expect_digest is not None and expected is None:
        raise UsageError(
            f"--expect-digest {quoted(expect_digest, 80)} is not a sha256 (64 hex digits, "
            "sha256: optional)"
        )
    root = open_bundle(out)
    try:
        checks = _checksums(root, out)
        if expected is not None:
            checks.insert(0, _digest_check(root, expected))
        custody, custody_checks = _document(root, "custody.json", _custody_problem)
        index, index_checks = _document(root, "index.json", _index_problem)
        checks += custody_checks + index_checks
        if index is not None:
            checks += _agreement(root, custody, index)
        if archive is not None:
            checks += _archive_checks(archive, custody, index)
    finally:
        os.close(root)
    return list(dict.fromkeys(checks))  # a missing custody.json fails two checks: say it once


def bundle_digest(out: Path) -> str | None:
    """The bundle's digest: the sha256 of its SHA256SUMS (None when it cannot be read). Every
    file is in SHA256SUMS with its hash, so one digest recorded outside the bundle when it was
    written pins all of them: without it, verify shows only that the bundle agrees with itself
    (anyone can edit a file and its line in SHA256SUMS)."""
    root = open_bundle(out)
    try:
        return hashlib.sha256(read_document(root, "SHA256SUMS")).hexdigest()
    except BundleDamaged:
        return None
    finally:
        os.close(root)


def _digest_check(root: int, expected: str) -> Check:
    try:
        actual = hashlib.sha256(read_document(root, "SHA256SUMS")).hexdigest()
    except BundleDamaged as exc:
        return False, f"FAILED bundle digest: {exc}"
    if actual != expected:
        return False, (
            f"FAILED bundle digest {actual} is not the expected {expected}: "
            "SHA256SUMS was changed since the digest was recorded"
        )
    return True, f"OK bundle digest {actual} as expected"


def bundle_problems(out: Path) -> list[str]:
    """Why `out` is not a bundle exactly as image-audit wrote it (what `verify` would flag,
    without FAILED); empty when it verifies. `--force` replaces only a bundle with none."""
    try:
        checks = verify_bundle(out)
    except AnalyzerError as exc:
        return [str(exc)]
    return [line.removeprefix("FAILED ") for passed, line in checks if not passed]


def _checksums(root: int, out: Path) -> list[Check]:
    try:
        raw = read_document(root, "SHA256SUMS")
    except BundleDamaged as exc:
        if not any(_exists(root, name) for name in ("SHA256SUMS", "custody.json")):
            raise UsageError(
                f"{printable(str(out))}: no SHA256SUMS here; is this an image-audit bundle?"
            ) from None
        return [(False, f"FAILED {exc}; no file of the bundle can be checked")]
    listed, checks = _listing(raw)
    checks += [_file_check(root, name, expected) for name, expected in listed.items()]
    return checks + _unlisted(root, listed)


def _exists(root: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=root, follow_symlinks=False)
    except FileNotFoundError:
        return False
    except OSError:  # there, but not for us to see: a damaged bundle, not "not a bundle"
        return True
    return True


def _listing(raw: bytes) -> tuple[dict[str, str], list[Check]]:
    """name -> expected sha256 from SHA256SUMS, and a FAILED check per line that is not one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text (byte {exc.start}); no file of the bundle can be checked"
        return {}, [(False, f"FAILED SHA256SUMS: {reason}")]
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    listed: dict[str, str] = {}
    checks: list[Check] = []
    for number, line in enumerate(lines, 1):
        match = _SUMS_LINE.fullmatch(line)
        if match is None:
            problem = f"SHA256SUMS line {number}: not '<sha256>  <name>' {quoted(line, 60)}"
        elif not is_plain_name(match[2]):
            problem = f"{printable(match[2])}: path outside the bundle in SHA256SUMS"
        elif match[2] in listed:
            problem = f"{printable(match[2])}: listed twice in SHA256SUMS"
        else:
            listed[match[2]] = match[1].lower()
            continue
        checks.append((False, f"FAILED {problem}"))
    return listed, checks


def _file_check(root: int, name: str, expected: str) -> Check:
    try:
        actual = file_sha256(root, name)
    except BundleDamaged as exc:
        return False, f"FAILED {exc}"
    if actual != expected:
        return False, f"FAILED {printable(name)}: content changed since the bundle was written"
    return True, f"OK {printable(name)}"


def _unlisted(root: int, listed: dict[str, str]) -> list[Check]:
    """A FAILED check for every file not in SHA256SUMS, every entry that is not a file, and
    every folder that holds no listed file (not walked into: one line for a whole tree)."""
    holds_listed = _listed_folders(listed)
    try:
        tree = bundle_tree(root, holds_listed)
    except BundleDamaged as exc:
        return [(False, f"FAILED {exc}")]
    unlisted = [name for name in tree.files if name not in listed and name != "SHA256SUMS"]
    checks = [
        (False, f"FAILED {printable(name)}: not listed in SHA256SUMS (added later?)")
        for name in unlisted
    ]
    checks += [
        (False, f"FAILED {printable(name)}: a folder holding no file of SHA256SUMS (added later?)")
        for name in tree.folders
        if not holds_listed(name)
    ]
    return checks + [
        (False, f"FAILED {printable(name)}: {kind}; a bundle holds only regular files")
        for name, kind in tree.others
        if name not in listed  # a listed one has failed its own check already
    ]


def _listed_folders(listed: dict[str, str]) -> Callable[[str], bool]:
    """Whether a folder of the bundle holds a file SHA256SUMS lists (at any depth)."""
    names = sorted(listed)

    def holds_listed(folder: str) -> bool:
        prefix = folder + "/"
        at = bisect.bisect_left(names, prefix)
        return at < len(names) and names[at].startswith(prefix)

    return holds_listed


def _document(
    root: int, name: str, problem: Callable[[Any], str]
) -> tuple[dict[str, Any] | None, list[Check]]:
    """A JSON document of the bundle if it has the shape image-audit writes, else a FAILED check."""
    try:
        doc = json.loads(read_document(root, name))
    except BundleDamaged as exc:
        return None, [(False, f"FAILED {exc}")]
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested beyond reason
        return None, [(False, f"FAILED {name}: not a JSON document")]
    reason = problem(doc)
    if reason or not isinstance(doc, dict):
        return None, [(False, f"FAILED {name}: not what image-audit writes ({reason})")]
    return doc, []


def _custody_problem(doc: Any) -> str:
    """What custody.json lacks that verify needs ("" when nothing)."""
    tool = doc.get("tool") if isinstance(doc, dict) else None
    if not isinstance(tool, dict) or tool.get("name") != "image-audit":
        return "no tool.name image-audit"
    found = doc.get("input") if isinstance(doc, dict) else None
    sha256 = found.get("sha256") if isinstance(found, dict) else None
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        return "no input.sha256"
    return ""


def _index_problem(doc: Any) -> str:
    """What index.json lacks that verify needs ("" when nothing)."""
    images = doc.get("images") if isinstance(doc, dict) else None
    if not isinstance(images, list) or not images:
        return "no list of images"
    for image in images:
        if not isinstance(image, dict) or not isinstance(image.get("config_digest"), str):
            return "an image without a config_digest"
    return ""


IMAGE_FILES = (
    "report.json",
    "report.md",
    "report.html",
    "findings.csv",
    "layers.csv",
    "inventory.csv",
    "config.json",
)
"""What the bundle writer puts in every image's folder, whatever the options."""


def _agreement(root: int, custody: dict[str, Any] | None, index: dict[str, Any]) -> list[Check]:
    """The bundle is whole and its documents agree: every image index.json lists has its
    folder's files, its report.json names the same image and input as index.json, and
    index.json the input custody.json records. (A file deleted with its SHA256SUMS line, or
    a report copied from another image or bundle, agreed with SHA256SUMS.)"""
    checks: list[Check] = []
    recorded = custody["input"]["sha256"] if custody is not None else None
    facts = index.get("input")
    indexed = facts.get("sha256") if isinstance(facts, dict) else None
    if recorded is not None and indexed != recorded:
        checks.append(
            (
                False,
                f"FAILED index.json names input sha256 {printable(str(indexed))}, "
                f"custody.json {recorded}",
            )
        )
    several = len(index["images"]) > 1
    wanted = ["report.md", "report.html"] if several else []
    for entry in index["images"]:
        folder = entry.get("folder")
        if not isinstance(folder, str) or (folder != "." and not is_plain_name(folder)):
            checks.append((False, f"FAILED index.json: an image folder {quoted(str(folder))}"))
            continue
        prefix = "" if folder == "." else folder + "/"
        wanted += [prefix + name for name in IMAGE_FILES]
        checks += _report_agrees(root, prefix + "report.json", entry, indexed)
    checks += [
        (False, f"FAILED {printable(name)}: missing (every bundle has it)")
        for name in wanted
        if not _exists(root, name)
    ]
    return checks


def _report_agrees(
    root: int, name: str, entry: dict[str, Any], input_sha256: object
) -> list[Check]:
    try:
        report = json.loads(read_document(root, name))
    except (BundleDamaged, ValueError, RecursionError):
        return []  # missing or damaged: said by the file checks
    image = report.get("image") if isinstance(report, dict) else None
    facts = report.get("input") if isinstance(report, dict) else None
    config = image.get("config_digest") if isinstance(image, dict) else None
    sha256 = facts.get("sha256") if isinstance(facts, dict) else None
    problems = []
    if config != entry["config_digest"]:
        problems.append(
            f"image config {printable(str(config))}, index.json {printable(entry['config_digest'])}"
        )
    if input_sha256 is not None and sha256 != input_sha256:
        problems.append(
            f"input sha256 {printable(str(sha256))}, index.json {printable(str(input_sha256))}"
        )
    return [(False, f"FAILED {printable(name)} names {p}") for p in problems]


def _archive_checks(
    archive: Path, custody: dict[str, Any] | None, index: dict[str, Any] | None
) -> list[Check]:
    try:
        actual = input_facts(archive)["sha256"]
    except (OSError, AnalyzerError) as exc:  # a FIFO or device given as the archive is refused
        return [(False, f"FAILED the archive cannot be read: {printable(str(exc))}")]
    if custody is None:
        checks = [(False, f"FAILED archive sha256 {actual}: no custody record to compare with")]
    else:
        recorded = custody["input"]["sha256"]
        same = actual == recorded
        line = f"archive sha256 {actual} (bundle records {recorded})"
        checks = [(same, f"{'OK' if same else 'FAILED'} {line}")]
    try:
        catalog = load_catalog(open_archive(archive))
    except AnalyzerError as exc:
        return [*checks, (False, f"FAILED the archive cannot be read: {exc}")]
    configs = {image.config_digest for image in catalog.images}
    for entry in index["images"] if index is not None else []:
        found = entry["config_digest"] in configs
        verdict = "OK" if found else "FAILED"
        where = "is in the archive" if found else "is not in the archive"
        checks.append(
            (found, f"{verdict} image config {printable(entry['config_digest'])} {where}")
        )
    return checks
