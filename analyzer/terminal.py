"""Text for a terminal: tables and one-line messages built from strings an archive chose.

Every table the CLI prints is rendered here, so that no file name, tag, label or history line
reaches the terminal raw: each cell is made printable (`text.printable`: escape sequences,
carriage returns, newlines, bells and NULs shown as visible escapes, so a name cannot clear the
screen or forge a row) and cut to a bounded length (one huge cell would otherwise widen every
row). Tables fit the width they are given (analyzer.table_layout): columns that hold long text
(paths, build steps) wrap at word boundaries inside their column, evidence goes under its row;
`Layout.wide` prints every cell whole on one line instead. Colour (analyzer.colour) is added
last, to cells that are already printable, so archive text can never bring its own. The JSON
outputs are not cut: they stay exact.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TextIO

from analyzer.table_layout import DEFAULT_WIDTH, Cell, Column, Layout, render, render_lines, wrap
from analyzer.text import printable

__all__ = ["CELL_WIDTH", "LINE_WIDTH", "PLAIN", "Column", "Layout", "clip", "cut", "one_line"]
__all__ += ["paragraph", "table", "table_lines", "terminal_width", "wrap"]

CELL_WIDTH = 240
"""The longest a table cell may be (before wrapping); a longer value is cut and ends "..."."""
LINE_WIDTH = 2000
"""The longest one-line message (an error or a notice) before it is cut; also the longest a
cell may be in a --wide table."""
_NARROWEST, _WIDEST = 40, 1000
"""Bounds on a width from COLUMNS or the terminal: below, nothing fits; above, it is a typo."""


PLAIN = Layout()
"""The default: DEFAULT_WIDTH columns, no colour."""


def terminal_width(stream: TextIO, environ: Mapping[str, str], *, tty: bool = True) -> int:
    """The width to fit: COLUMNS when it is a number, else the terminal's (when `tty` and the
    stream is one), else DEFAULT_WIDTH; bounded to 40-1000."""
    columns = environ.get("COLUMNS", "").strip()
    if columns.isdecimal() and len(columns) < 6:
        return min(max(int(columns), _NARROWEST), _WIDEST)
    if tty and stream.isatty():
        try:
            found = os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError):  # no size to ask for (a pty without one)
            return DEFAULT_WIDTH
        return min(max(found, _NARROWEST), _WIDEST) if found else DEFAULT_WIDTH
    return DEFAULT_WIDTH


def cut(text: str, width: int) -> str:
    """`text` made printable, then cut to `width` characters, ending with "..." when cut.

    >>> cut("/app/\\x1b[2J" + "x" * 20, 16)
    '/app/\\\\x1b[2Jx...'
    >>> cut("short", 16)
    'short'
    """
    head = text[: width + 1]  # an escape only ever lengthens: no need to show more than this
    shown = printable(head)
    if len(shown) <= width and len(head) == len(text):
        return shown
    return shown[: max(width - 3, 0)] + "..."


def clip(text: str, width: int) -> str:
    """Free text (a build step, evidence) as one printable line of at most `width` characters:
    runs of whitespace, newlines included, become one space.

    >>> clip("RUN apt-get update \\\\\\n\\t&& apt-get install -y curl", 30)
    'RUN apt-get update \\\\ && apt...'
    """
    return cut(" ".join(text.split()), width)


def table(
    rows: Iterable[Sequence[object]],
    columns: Sequence[Column | str] = (),
    layout: Layout = PLAIN,
    *,
    header: bool = True,
) -> str:
    """A table of printable, bounded cells fitted to `layout` (no header line when `header`
    is False or no column is named; see analyzer.table_layout for the fitting).

    Numbers are right-aligned; everything else is text, never read as a number (a tag "1e5"
    stays "1e5").

    >>> print(table([["/a\\nb", 1], ["1e5", 22]], ["path", "size"]))
    path     size
    -------  ----
    /a\\x0ab     1
    1e5        22
    """
    specs = [c if isinstance(c, Column) else Column(c) for c in columns]
    cells = [[_cell(v, _spec(specs, i), layout) for i, v in enumerate(row)] for row in rows]
    count = max([len(specs), *(len(row) for row in cells)])
    specs += [Column("") for _ in range(count - len(specs))]
    return render(cells, specs, layout, header=header and bool(columns))


def table_lines(
    rows: Callable[[], Iterable[Sequence[object]]],
    columns: Sequence[Column | str] = (),
    layout: Layout = PLAIN,
    *,
    header: bool = True,
) -> Iterator[str]:
    """The lines of table(), one by one, from rows that `rows()` makes anew each time it is
    called: they are read twice (to size the columns, then to print them) and never held, so
    that `ls` of an image of 550,000 paths prints without holding its table."""
    specs = [c if isinstance(c, Column) else Column(c) for c in columns]

    def cells() -> Iterator[list[Cell]]:
        return ([_cell(v, _spec(specs, i), layout) for i, v in enumerate(row)] for row in rows())

    return render_lines(cells, specs, layout, header=header and bool(columns))


def _spec(specs: Sequence[Column], index: int) -> Column:
    return specs[index] if index < len(specs) else Column("")


def _cell(value: object, column: Column, layout: Layout) -> Cell:
    """Numbers stay numbers; everything else is printable text, bounded."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    limit = LINE_WIDTH if layout.wide else CELL_WIDTH
    return clip(str(value), limit) if column.prose else cut(str(value), limit)


def one_line(text: str) -> str:
    """A message for stderr or a notice line: printable, and bounded in length."""
    return cut(text, LINE_WIDTH)


def paragraph(text: str, layout: Layout = PLAIN) -> str:
    """A line of text around the tables (a heading, a note): printable, bounded, wrapped to
    the layout's width (one line in a wide layout); ends with a newline.

    >>> print(paragraph("== example/shop:latest (linux/amd64)", Layout(width=30)), end="")
    == example/shop:latest
    (linux/amd64)
    """
    shown = one_line(text)
    return "\n".join([shown] if layout.wide else wrap(shown, layout.width)) + "\n"
