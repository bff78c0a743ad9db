"""Fitting a table of printable cells to a width: column widths, word wrapping, the lines.

Cells arrive printable and bounded (analyzer.terminal makes them so); this module only decides
where lines break. A table wider than its layout shrinks its wrapping columns, never below
their floor, sharing the room so that the columns needing least get all they need first; a
detail column (evidence) is printed under its row, indented and as wide as the layout allows,
rather than squeezed into a narrow column; `Layout.wide` keeps every cell on one line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
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
    return "\n".join(render_lines(lambda: cells, specs, layout, header=header))


def render_lines(
    rows: Callable[[], Iterable[Sequence[Cell]]],
    specs: Sequence[Column],
    layout: Layout,
    *,
    header: bool,
) -> Iterator[str]:
    """The lines of render(), one by one, from rows read twice (`rows()` gives them anew):
    once to size the columns, once to print them, so that a table of 550,000 paths is never
    held whole. Columns past `specs` have no name."""
    longest, numbers = _measure(rows(), specs, header)
    specs = [*specs, *(Column("") for _ in range(len(longest) - len(specs)))]
    inline = [i for i, s in enumerate(specs) if layout.wide or not s.detail]
    details = [i for i in range(len(specs)) if i not in inline]
    columns = [specs[i] for i in inline]
    numeric = [numbers[i] for i in inline]
    widths = _widths([longest[i] for i in inline], columns, layout, header)
    if header:
        yield _line([c.header for c in columns], widths, numeric).rstrip()
        yield GAP.join("-" * w for w in widths).rstrip()
    indent = widths[0] + len(GAP) if widths else 0
    for row in rows():
        texts = [_text(row, i) for i in range(len(specs))]
        for line in _row_lines([texts[i] for i in inline], columns, widths, numeric, layout):
            yield line.rstrip()
        for i in (i for i in details if texts[i]):
            for line in wrap(texts[i], layout.width - indent):
                yield (" " * indent + line).rstrip()


def _measure(
    rows: Iterable[Sequence[Cell]], specs: Sequence[Column], header: bool
) -> tuple[list[int], list[bool]]:
    """Each column's longest text (its header's too, when `header`), and whether it holds
    numbers only (at least one); as many columns as the longest row or `specs` has."""
    longest = [len(s.header) if header else 0 for s in specs]
    kinds: list[bool | None] = [None] * len(specs)
    """None: no value yet; True: numbers so far; False: some text."""
    for row in rows:
        for i, value in enumerate(row):
            if i >= len(longest):
                longest.append(0)
                kinds.append(None)
            longest[i] = max(longest[i], len(_text(row, i)))
            if value is not None:
                kinds[i] = kinds[i] is not False and isinstance(value, int)
    return longest, [kind is True for kind in kinds]


def _text(row: Sequence[Cell], index: int) -> str:
    value = row[index] if index < len(row) else None
    return "" if value is None else str(value)


def _widths(
    natural: Sequence[int], specs: Sequence[Column], layout: Layout, header: bool
) -> list[int]:
    """Each column's width: as wide as its longest cell (`natural`, its header included when
    shown), or, when the table would not fit the layout, narrower for the wrapping columns (at
    least their floor)."""
    available = layout.width - len(GAP) * (len(specs) - 1)
    if layout.wide or sum(natural) <= available:
        return list(natural)
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
