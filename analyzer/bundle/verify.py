"""Check a bundle later: every file against SHA256SUMS, and optionally the archive itself."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from analyzer.archive.source import open_archive
from analyzer.bundle.custody import input_facts
from analyzer.errors import AnalyzerError, UsageError
from analyzer.image.loader import load_catalog

Check = tuple[bool, str]


def verify_bundle(out: Path, archive: Path | None = None) -> list[Check]:
    """One (passed, line) per check; any False means the bundle cannot be trusted as is."""
    sums = out / "SHA256SUMS"
    if not sums.is_file():
        raise UsageError(f"{out}: no SHA256SUMS here; is this an image-audit bundle?")
    checks = _checksums(out, sums)
    if archive is not None:
        checks += _archive_checks(out, archive)
    return checks


def _checksums(out: Path, sums: Path) -> list[Check]:
    checks: list[Check] = []
    listed: set[str] = set()
    for line in sums.read_text(encoding="utf-8").splitlines():
        expected, _, name = line.partition("  ")
        listed.add(name)
        path = out / name
        if ".." in Path(name).parts or name.startswith("/"):
            checks.append((False, f"FAILED {name}: path outside the bundle in SHA256SUMS"))
        elif not path.is_file():
            checks.append((False, f"FAILED {name}: missing"))
        elif hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            checks.append((False, f"FAILED {name}: content changed since the bundle was written"))
        else:
            checks.append((True, f"OK {name}"))
    present = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    checks += [
        (False, f"FAILED {name}: not listed in SHA256SUMS (added later?)")
        for name in sorted(present - listed - {"SHA256SUMS"})
    ]
    return checks


def _archive_checks(out: Path, archive: Path) -> list[Check]:
    custody = json.loads((out / "custody.json").read_text(encoding="utf-8"))
    facts = input_facts(archive)
    recorded = custody["input"]["sha256"]
    checks = [
        (
            facts["sha256"] == recorded,
            f"{'OK' if facts['sha256'] == recorded else 'FAILED'} archive sha256 "
            f"{facts['sha256']} (bundle records {recorded})",
        )
    ]
    try:
        catalog = load_catalog(open_archive(archive))
    except AnalyzerError as exc:
        return [*checks, (False, f"FAILED the archive cannot be read: {exc}")]
    configs = {image.config_digest for image in catalog.images}
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    for entry in index["images"]:
        digest = entry["config_digest"]
        found = digest in configs
        checks.append(
            (
                found,
                f"{'OK' if found else 'FAILED'} image config {digest} "
                f"{'is' if found else 'is not'} in the archive",
            )
        )
    return checks
