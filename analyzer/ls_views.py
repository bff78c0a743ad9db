"""What `ls` prints for a person: the final files, a path's history, the deleted versions,
from the (scrubbed) `ls` documents, fitted to the layout like every table (analyzer.terminal)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analyzer.document_scrub import Scrub
from analyzer.listing import LsMode, layer_steps, tree_rows
from analyzer.reader import ImageView
from analyzer.terminal import PLAIN, Column, Layout, paragraph, table
from analyzer.views import document_label


def ls_header(image: dict[str, Any], layout: Layout = PLAIN) -> str:
    """The line before one image's `ls` table when the archive holds several."""
    return "\n" + paragraph(f"== {document_label(image)} ({image['platform']})", layout)


def note(text: str, layout: Layout = PLAIN) -> str:
    """A note in parentheses after a table (a path one image does not have)."""
    return paragraph(f"({text})", layout)


def ls_table(
    view: ImageView,
    path: str,
    mode: LsMode,
    doc: dict[str, Any],
    scrub: Scrub,
    *,
    layout: Layout = PLAIN,
) -> str:
    """One image's `ls` table in the asked mode (nothing for a path the image does not have)."""
    if mode == "history":
        steps = layer_steps(view, scrub)
        return history_table(doc, steps, layout) if not doc.get("absent") else ""
    if mode == "deleted":
        return deleted_table(doc, layout)
    return "" if doc.get("absent") else tree_table(tree_rows(view, path, doc), layout)


TREE_COLUMNS = (Column("mode"), Column("uid:gid"), Column("size"), Column("layer"))


def tree_table(rows: list[list[object]], layout: Layout = PLAIN) -> str:
    """The `ls` table: mode, owner, size, layer, path."""
    return table(rows, (*TREE_COLUMNS, Column("path", wrap=20)), layout) + "\n"


HISTORY_COLUMNS = (
    Column("path", wrap=12),
    Column("layer"),
    Column("change", wrap=8),
    Column("mode"),
    Column("size"),
    Column("sha256"),
    Column("package", wrap=8),
    Column("created_by", wrap=14, prose=True),
)
_PACKAGE = HISTORY_COLUMNS.index(next(c for c in HISTORY_COLUMNS if c.header == "package"))


def _origin_cell(step: dict[str, Any]) -> str:
    """`bash (unmodified)`, `unowned`, or empty for what is not a regular file."""
    origin = step.get("origin")
    if not origin:
        return ""
    if not origin["package"]:
        return str(origin["provenance"])
    return f"{origin['package']} ({origin['provenance']})"


def history_table(doc: dict[str, Any], steps: Sequence[str], layout: Layout = PLAIN) -> str:
    """The `ls --history` table; `steps` are the (scrubbed) build steps of the layers. The
    package column is left out when no file shown belongs to a package (an image without a
    package database: every file would say "unowned")."""
    rows = [
        [
            s["path"],
            s["layer"],
            s["change"] + (f" ({s['cause']})" if "cause" in s else ""),
            s.get("entry", {}).get("mode", ""),
            s.get("entry", {}).get("size", ""),
            s.get("entry", {}).get("sha256", "")[:12],
            _origin_cell(s),
            steps[s["layer"]],
        ]
        for s in doc["history"]
    ]
    columns: tuple[Column, ...] = HISTORY_COLUMNS
    if not any((s.get("origin") or {}).get("package") for s in doc["history"]):
        columns = HISTORY_COLUMNS[:_PACKAGE] + HISTORY_COLUMNS[_PACKAGE + 1 :]
        rows = [row[:_PACKAGE] + row[_PACKAGE + 1 :] for row in rows]
    return table(rows, columns, layout) + "\n"


DELETED_COLUMNS = (
    Column("path", wrap=16),
    Column("type"),
    Column("size"),
    Column("stored in layer", wrap=6),
    Column("hidden", wrap=10),
    Column("sha256"),
)


def deleted_table(doc: dict[str, Any], layout: Layout = PLAIN) -> str:
    """The `ls --deleted` table, and how many versions it lists."""
    removed = doc["removed"]
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
    return (
        table(rows, DELETED_COLUMNS, layout)
        + f"\n{len(removed)} version(s) hidden from the final filesystem "
        "but recoverable from the archive\n"
    )


FIND_COLUMNS = (
    Column("path", wrap=16),
    Column("layer"),
    Column("change", wrap=8),
    Column("type"),
    Column("size"),
    Column("sha256"),
    Column("now", wrap=10),
    Column("created_by", wrap=14, prose=True),
)


def find_table(doc: dict[str, Any], steps: Sequence[str], layout: Layout = PLAIN) -> str:
    """The `ls --find` / `--sha256` table: each matching version, its layer and build step,
    and what became of it."""
    rows = [
        [
            m["path"],
            m["layer"],
            m["change"],
            m["entry"]["type"],
            m["entry"]["size"],
            m["entry"]["sha256"][:12],
            _fate_cell(m["fate"]),
            steps[m["layer"]],
        ]
        for m in doc["matches"]
    ]
    return table(rows, FIND_COLUMNS, layout) + "\n"


def _fate_cell(fate: dict[str, Any]) -> str:
    if fate["present"]:
        return "present"
    return f"{fate['how']} in layer {fate['by_layer']}"
