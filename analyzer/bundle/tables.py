"""CSV files of the bundle: findings, layers, and every path in every layer."""

from __future__ import annotations

import csv
import io
from typing import Any

from analyzer.reader import ImageView

FINDING_COLUMNS = (
    "rule_id",
    "severity",
    "category",
    "path",
    "line",
    "layer_index",
    "present_in_final",
    "recoverable",
    "pci",
    "fingerprint",
    "evidence",
    "title",
)
LAYER_COLUMNS = (
    "index",
    "digest",
    "digest_source",
    "diff_id",
    "media_type",
    "compression",
    "compressed_size",
    "uncompressed_size",
    "entries",
    "created_by",
)
INVENTORY_COLUMNS = (
    "path",
    "layer",
    "change",
    "cause",
    "type",
    "mode",
    "uid",
    "gid",
    "size",
    "sha256",
    "link",
    "present_in_final",
)


def _csv(columns: tuple[str, ...], rows: list[list[Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode()


def findings_csv(findings: list[dict[str, Any]]) -> bytes:
    """One row per finding (pci joined with spaces)."""
    rows = [
        [" ".join(f[c]) if c == "pci" else ("" if f[c] is None else f[c]) for c in FINDING_COLUMNS]
        for f in findings
    ]
    return _csv(FINDING_COLUMNS, rows)


def layers_csv(layers: list[dict[str, Any]]) -> bytes:
    """One row per layer."""
    return _csv(LAYER_COLUMNS, [[layer[c] for c in LAYER_COLUMNS] for layer in layers])


def inventory_csv(view: ImageView) -> bytes:
    """Every path in every layer: what each layer did to it, with the metadata it stored."""
    rows: list[list[Any]] = []
    fs = view.fs
    for path in fs.all_paths():
        final = fs.final_version(path)
        for version in fs.history(path):
            entry = version.entry
            rows.append(
                [
                    path,
                    version.layer,
                    version.change.value,
                    version.cause,
                    entry.kind.value if entry else "",
                    f"{entry.mode:04o}" if entry else "",
                    entry.uid if entry else "",
                    entry.gid if entry else "",
                    entry.size if entry else "",
                    entry.sha256 if entry else "",
                    entry.link if entry else "",
                    "yes" if version == final else "no",
                ]
            )
    return _csv(INVENTORY_COLUMNS, rows)
