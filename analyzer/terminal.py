"""Text for a terminal: tables and one-line messages built from strings an archive chose.

Every table the CLI prints is rendered here, so that no file name, tag, label or history line
reaches the terminal raw: each cell is made printable (`text.printable`: escape sequences,
carriage returns, newlines, bells and NULs shown as visible escapes, so a name cannot clear the
screen or forge a row) and cut to a bounded width (tabulate pads every cell of a column to the
widest one, so one huge cell would cost its width times the number of rows). The JSON outputs
are not cut: they stay exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tabulate import tabulate

from analyzer.text import printable

CELL_WIDTH = 240
"""The widest a table cell may be; a longer value is cut and ends with "..."."""
LINE_WIDTH = 2000
"""The longest one-line message (an error or a notice) before it is cut."""


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


def cell(value: object, width: int = CELL_WIDTH) -> object:
    """A table cell: numbers stay numbers (tabulate aligns them), everything else is cut text."""
    if value is None or isinstance(value, (int, float)):
        return value
    return cut(str(value), width)


def table(
    rows: Iterable[Sequence[object]],
    headers: Sequence[str] = (),
    *,
    tablefmt: str = "simple",
    width: int = CELL_WIDTH,
) -> str:
    """A table of printable cells no wider than `width`.

    Columns holding text are never read as numbers: tabulate would show a tag "1e5" as 100000.

    >>> print(table([["/a\\nb", 1], ["1e5", 22]], ["path", "size"]))
    path       size
    -------  ------
    /a\\x0ab       1
    1e5          22
    """
    cells = [[cell(v, width) for v in row] for row in rows]
    columns = max((len(row) for row in cells), default=len(headers))
    text_columns = [i for i in range(columns) if any(_is_text(row, i) for row in cells)]
    return tabulate(
        cells,
        [cut(h, width) for h in headers],
        tablefmt=tablefmt,
        disable_numparse=text_columns,
    )


def _is_text(row: Sequence[object], index: int) -> bool:
    return index < len(row) and isinstance(row[index], str) and row[index] != ""


def one_line(text: str) -> str:
    """A message for stderr or a notice line: printable, and bounded in length."""
    return cut(text, LINE_WIDTH)
