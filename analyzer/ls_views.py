"""What `ls` prints for a person: the final files, a path's history, the deleted versions,
from the (scrubbed) `ls` documents, fitted to the layout like every table (analyzer.terminal)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from analyzer.document_scrub import Scrub
from analyzer.listing import LsMode, layer_steps, tree_rows
from analyzer.reader import ImageView
from analyzer.terminal import PLAIN, Column, Layout, paragraph, table_lines
from analyzer.views import document_label

T = TypeVar("T")


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
) -> Iterator[str]:
    """One image's `ls` table in the asked mode, in pieces (nothing for a path the image does
    not have); the rows are made while they are printed, from the Streamed lists of `doc`."""
    if mode == "history":
        return (
            iter(()) if doc.get("absent") else history_table(doc, layer_steps(view, scrub), layout)
        )
    if mode == "deleted":
        return deleted_table(doc, layout)
    return iter(()) if doc.get("absent") else tree_table(lambda: tree_rows(view, path, doc), layout)


def _table(
    rows: Callable[[], Iterable[list[object]]], columns: Sequence[Column], layout: Layout
) -> Iterator[str]:
    """A table and a newline, line by line."""
    return (line + "\n" for line in table_lines(rows, columns, layout))


TREE_COLUMNS = (Column("mode"), Column("uid:gid"), Column("size"), Column("layer"))


def tree_table(rows: Callable[[], Iterable[list[object]]], layout: Layout = PLAIN) -> Iterator[str]:
    """The `ls` table: mode, owner, size, layer, path; `rows()` makes the rows anew."""
    return _table(rows, (*TREE_COLUMNS, Column("path", wrap=20)), layout)


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


def history_table(
    doc: dict[str, Any], steps: Sequence[str], layout: Layout = PLAIN
) -> Iterator[str]:
    """The `ls --history` table, line by line; `steps` are the (scrubbed) build steps of the
    layers. The package column is left out when no file shown belongs to a package (an image
    without a package database: every file would say "unowned")."""
    history = doc["history"]
    packaged = any((s.get("origin") or {}).get("package") for s in history)
    columns = HISTORY_COLUMNS if packaged else _without_package(HISTORY_COLUMNS)

    def rows() -> Iterator[list[object]]:
        for s in history:
            row: list[object] = [
                s["path"],
                s["layer"],
                s["change"] + (f" ({s['cause']})" if "cause" in s else ""),
                s.get("entry", {}).get("mode", ""),
                s.get("entry", {}).get("size", ""),
                s.get("entry", {}).get("sha256", "")[:12],
                _origin_cell(s),
                steps[s["layer"]],
            ]
            yield row if packaged else _without_package(row)

    return _table(rows, columns, layout)


def _without_package(row: Sequence[T]) -> list[T]:
    return [*row[:_PACKAGE], *row[_PACKAGE + 1 :]]


DELETED_COLUMNS = (
    Column("path", wrap=16),
    Column("type"),
    Column("size"),
    Column("stored in layer", wrap=6),
    Column("hidden", wrap=10),
    Column("sha256"),
)


def deleted_table(doc: dict[str, Any], layout: Layout = PLAIN) -> Iterator[str]:
    """The `ls --deleted` table, line by line, and how many versions it lists."""
    removed = doc["removed"]
    shown = [0]  # rows of the last reading (the one that prints them)

    def rows() -> Iterator[list[object]]:
        shown[0] = 0
        for r in removed:
            shown[0] += 1
            yield [
                r["path"],
                r["entry"]["type"],
                r["entry"]["size"],
                r["stored_in_layer"],
                f"{r['how']} in layer {r['by_layer']}",
                r["entry"]["sha256"][:12],
            ]

    yield from _table(rows, DELETED_COLUMNS, layout)
    yield (
        f"{shown[0]} version(s) hidden from the final filesystem but recoverable from the archive\n"
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


def find_table(doc: dict[str, Any], steps: Sequence[str], layout: Layout = PLAIN) -> Iterator[str]:
    """The `ls --find` / `--sha256` table, line by line: each matching version, its layer and
    build step, and what became of it."""

    def rows() -> Iterator[list[object]]:
        for m in doc["matches"]:
            yield [
                m["path"],
                m["layer"],
                m["change"],
                m["entry"]["type"],
                m["entry"]["size"],
                m["entry"]["sha256"][:12],
                _fate_cell(m["fate"]),
                steps[m["layer"]],
            ]

    return _table(rows, FIND_COLUMNS, layout)


def _fate_cell(fate: dict[str, Any]) -> str:
    if fate["present"]:
        return "present"
    return f"{fate['how']} in layer {fate['by_layer']}"
