"""Fitting a table of printable cells to a width: column widths, word wrapping, the lines.

Cells arrive printable and bounded (analyzer.terminal makes them so); this module only decides
where lines break. A table wider than its layout shrinks its wrapping columns, never below
their floor, sharing the room so that the columns needing least get all they need first; a
detail column (evidence) is printed under its row, indented and as wide as the layout allows,
rather than squeezed into a narrow column; `Layout.wide` keeps every cell on one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analyzer.colour import paint_severity

DEFAULT_WIDTH = 100
"""The width tables fit when COLUMNS is not set and the output is not a terminal."""
GAP = "  "
"""Between two columns."""
_BREAK_AFTER = "/,-=:;)]}|"
"""Where a word longer than its line is broken, when none of its spaces can be used."""

Cell = str | int | None


@dataclass(frozen=True, slots=True)
class Layout:
    """How tables are shaped for where they go."""

    width: int = DEFAULT_WIDTH
    """Columns available; tables with wrapping or detail columns fit in it."""
    wide: bool = False
    """Every cell whole on one line, however wide the table (detail columns too)."""
    colour: bool = False
    """Colour severities (only for a terminal that wants it: analyzer.colour.wants_colour)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table."""

    header: str
    wrap: int = 0
    """The narrowest the column may be wrapped to when the table is too wide; 0: never."""
    prose: bool = False
    """Free text (evidence, a build step): runs of whitespace, newlines included, become one
    space."""
    severity: bool = False
    """Holds severities, coloured when the layout allows."""
    detail: bool = False
    """Printed on the lines under its row, indented, wrapped to the layout's width (a column
    like the others in a wide layout)."""


def wrap(text: str, width: int) -> list[str]:
    """`text` (printable) as lines of at most `width` characters, broken at spaces; a longer
    word is broken after a slash, comma, dash or the like, else where it must.

    >>> wrap("RSA private key, not encrypted", 12)
    ['RSA private', 'key, not', 'encrypted']
    >>> wrap("/usr/local/lib/python3.12/site-packages", 16)
    ['/usr/local/lib/', 'python3.12/site-', 'packages']
    """
    width = max(width, 1)
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        joined = f"{current} {word}" if current else word
        if len(joined) <= width:
            current = joined
            continue
        if current:
            lines.append(current)
        rest = word
        while len(rest) > width:
            at = _break_point(rest, width)
            lines.append(rest[:at])
            rest = rest[at:]
        current = rest
    return [*lines, current]


def _break_point(word: str, width: int) -> int:
    """Where to break a word too long for its line: after the last break character that
    leaves at least a third of the line used, else at the width."""
    best = max(word.rfind(char, 0, width) for char in _BREAK_AFTER)
    return best + 1 if best + 1 >= max(width // 3, 1) else width


def render(
    cells: Sequence[Sequence[Cell]], specs: Sequence[Column], layout: Layout, *, header: bool
) -> str:
    """The lines of a table: a header line and a rule line (when `header`), then each row."""
    inline = [i for i, s in enumerate(specs) if layout.wide or not s.detail]
    details = [i for i in range(len(specs)) if i not in inline]
    columns = [specs[i] for i in inline]
    texts = [[_text(row, i) for i in range(len(specs))] for row in cells]
    numeric = [_numeric(cells, i) for i in inline]
    widths = _widths([[row[i] for i in inline] for row in texts], columns, layout, header)
    lines: list[str] = []
    if header:
        lines.append(_line([c.header for c in columns], widths, numeric))
        lines.append(GAP.join("-" * w for w in widths))
    indent = widths[0] + len(GAP) if widths else 0
    for row in texts:
        lines += _row_lines([row[i] for i in inline], columns, widths, numeric, layout)
        for i in (i for i in details if row[i]):
            lines += [" " * indent + line for line in wrap(row[i], layout.width - indent)]
    return "\n".join(line.rstrip() for line in lines)


def _numeric(cells: Sequence[Sequence[Cell]], index: int) -> bool:
    values = [row[index] for row in cells if index < len(row) and row[index] is not None]
    return bool(values) and all(isinstance(v, int) for v in values)


def _text(row: Sequence[Cell], index: int) -> str:
    value = row[index] if index < len(row) else None
    return "" if value is None else str(value)


def _widths(
    texts: Sequence[Sequence[str]], specs: Sequence[Column], layout: Layout, header: bool
) -> list[int]:
    """Each column's width: as wide as its longest cell, or, when the table would not fit the
    layout, narrower for the wrapping columns (at least their floor)."""
    natural = [
        max([len(s.header) if header else 0, *(len(row[i]) for row in texts)])
        for i, s in enumerate(specs)
    ]
    available = layout.width - len(GAP) * (len(specs) - 1)
    if layout.wide or sum(natural) <= available:
        return natural
    flexible = [i for i, s in enumerate(specs) if s.wrap]
    floors = {
        i: min(natural[i], max(specs[i].wrap, len(specs[i].header) * header)) for i in flexible
    }
    widths = [floors.get(i, w) for i, w in enumerate(natural)]
    room = available - sum(widths)
    by_need = sorted(flexible, key=lambda i: natural[i] - floors[i])
    for done, i in enumerate(by_need):
        grant = min(natural[i] - floors[i], max(room, 0) // (len(by_need) - done))
        widths[i] += grant
        room -= grant
    return widths


def _row_lines(
    row: Sequence[str],
    specs: Sequence[Column],
    widths: Sequence[int],
    numeric: Sequence[bool],
    layout: Layout,
) -> list[str]:
    """One row as lines: wrapped cells take as many lines as they need."""
    stacks = [
        wrap(text, w) if len(text) > w else [text] for text, w in zip(row, widths, strict=True)
    ]
    painted = [layout.colour and s.severity for s in specs]
    return [
        _line([stack[n] if n < len(stack) else "" for stack in stacks], widths, numeric, painted)
        for n in range(max((len(stack) for stack in stacks), default=1))
    ]


def _line(
    parts: Sequence[str],
    widths: Sequence[int],
    numeric: Sequence[bool],
    painted: Sequence[bool] = (),
) -> str:
    cells = []
    for i, (part, width) in enumerate(zip(parts, widths, strict=True)):
        padding = " " * (width - len(part))
        shown = paint_severity(part) if i < len(painted) and painted[i] else part
        cells.append(padding + shown if numeric[i] else shown + padding)
    return GAP.join(cells)
