"""A DataTable's rows replaced by a newer list while the user's view stays put.

The history screen reads its runs again every two seconds. Cleared and filled again, its
table snapped to the top (``clear`` resets both scroll offsets; putting the cursor back
scrolled down a frame later) and to the left edge for good: while any run was active the
list flickered and the columns scrolled with `→` could not be read. Here only the rows
that changed are touched, the cursor stays on its row's key, and the scroll offsets are
set before the next frame is drawn.

Columns only widen as rows change (a State column narrower when the last live run
ended shifted every column after it), except when the cells were cut anew to another
width (a resize): then ``refit`` lets them narrow too, else a terminal made wider and
then narrower again kept the wide columns past its right edge for good.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.render import measure
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

#: Up to this many rows changed or gone, the rows are patched; more (another scope, a
#: resize) and the table is filled again: a cell narrower than its column measures the
#: whole column, and each removed row renumbers every other (0.4 s for 500 rows).
PATCH_LIMIT = 20


@dataclass(frozen=True)
class _View:
    """What the user was looking at: the rows' keys in order, the cursor's row index,
    the scroll offsets, and whether the cursor was on screen."""

    keys: list[str]
    cursor: int
    x: float
    y: int
    cursor_shown: bool


def replace_rows(
    table: DataTable[Any], rows: Mapping[str, Sequence[Any]], *, refit: bool = False
) -> None:
    """Show ``rows`` (cells by row key, in order) in ``table``, keeping the view;
    ``refit``: each column as wide as its widest cell now, narrower too (``refit_columns``).

    The cursor stays on the row with its key (or the nearest one after it that is still
    listed); scrolled down, the cursor's row keeps its line on screen (rows added above
    it come in out of sight); at the top, rows added there show and push the others down.
    The horizontal scroll offset is kept. Each row's first cell must be an object of its
    own (a ``Text`` made for it), else the rows are filled again to put them in order."""
    view = _view_of(table)
    if not (_few_changes(table, view.keys, rows) and _patch(table, rows)):
        # The cursor to row 0 quietly first: `clear` putting it there makes DataTable
        # scroll the row it ends on into view after the next frame, shown or not before.
        table.set_reactive(DataTable.cursor_coordinate, Coordinate(0, table.cursor_column))
        table.clear()  # its scroll offsets are set back below, before a frame is drawn
        add_rows(table, rows)
    if refit:
        refit_columns(table)
    _restore(table, view, list(rows))


def add_rows(table: DataTable[Any], rows: Mapping[str, Sequence[Any]]) -> None:
    """Add ``rows`` (cells by row key) below the others, each column widened to its new
    cells at once. DataTable widens its columns when idle, and a frame drawn before that
    keeps its lines cut to the old widths (its line cache is not keyed by them, Textual
    issue 3533): a page of older runs in the history showed a flow `other` as `othe`
    until the cursor moved."""
    console = table.app.console
    columns = table.ordered_columns
    for key, cells in rows.items():
        table.add_row(*cells, key=key)
        for column, cell in zip(columns, cells, strict=True):
            column.content_width = max(column.content_width, measure(console, cell, 1))


def refit_columns(table: DataTable[Any], keys: Collection[ColumnKey] | None = None) -> None:
    """Each column of ``keys`` (all by default) as wide as its label and widest cell now:
    DataTable never narrows a column as rows are added or cleared. Measured here, at
    once; an update of a cell of each (with its own value) then has the table laid out
    again for the new widths when idle (where it measures the column itself too)."""
    if not table.row_count:
        return
    console = table.app.console
    first = table.ordered_rows[0].key
    for column in table.ordered_columns:
        if keys is None or column.key in keys:
            cells = table.get_column(column.key)
            widths = [measure(console, cell, 1) for cell in cells]
            column.content_width = max([measure(console, column.label, 1), *widths])
            value = table.get_cell(first, column.key)
            table.update_cell(first, column.key, value, update_width=True)


def last_column_room(table: DataTable[Any]) -> int:
    """The cells the last column's content has before the table's right edge, as the
    other columns are now (negative: they are past it themselves)."""
    before = sum(column.get_render_width(table) for column in table.ordered_columns[:-1])
    return table.scrollable_content_region.width - before - 2 * table.cell_padding


def columns_past_edge(table: DataTable[Any]) -> bool:
    """Whether some column's content is (partly) past the table's right edge: scrolled
    as far right as it goes, none is. A heading says ``→ more columns`` then. The last
    column's right padding past the edge is blank, not a column: counted, the hint showed
    with every column readable (80 columns, a table one cell too wide), and one `→`
    scrolled that blank cell into view and took the hint away. Not laid out yet (0
    cells wide), every column is past its edge: none is said to be."""
    hidden = round(table.max_scroll_x) - round(table.scroll_x)
    return table.display and table.size.width > 0 and hidden > table.cell_padding


def _view_of(table: DataTable[Any]) -> _View:
    keys = [str(row.key.value) for row in table.ordered_rows]
    y = round(table.scroll_y)
    shown = y <= table.cursor_row < y + _rows_shown(table)
    return _View(keys, table.cursor_row, table.scroll_x, y, shown)


def _rows_shown(table: DataTable[Any]) -> int:
    """How many rows fit below the header (at least one)."""
    lines = table.container_size.height - table.scrollbar_size_horizontal
    return max(1, lines - _header(table))


def _header(table: DataTable[Any]) -> int:
    return table.header_height if table.show_header else 0


def _same(old: object, new: object) -> bool:
    """Equal, and a ``Text`` in the same style too: its ``==`` compares the characters
    and the spans only, so a state's colour change went unseen."""
    if isinstance(old, Text) and isinstance(new, Text):
        return (old.plain, old.spans, old.style, old.justify) == (
            new.plain,
            new.spans,
            new.style,
            new.justify,
        )
    return type(old) is type(new) and old == new


def _changed(table: DataTable[Any], key: str, cells: Sequence[Any]) -> bool:
    old = table.get_row(key)
    return len(old) != len(cells) or not all(map(_same, old, cells))


def _few_changes(
    table: DataTable[Any], keys: Sequence[str], rows: Mapping[str, Sequence[Any]]
) -> bool:
    gone = len(set(keys) - rows.keys())
    changed = sum(1 for key in keys if key in rows and _changed(table, key, rows[key]))
    return gone + changed <= PATCH_LIMIT


def _patch(table: DataTable[Any], rows: Mapping[str, Sequence[Any]]) -> bool:
    """Remove the rows that went, update the cells that changed, add the new rows (last)
    and put them all in order. False if the order cannot be told (shared first cells)."""
    columns = table.ordered_columns
    console = table.app.console
    for row in list(table.ordered_rows):
        if str(row.key.value) not in rows:
            table.remove_row(row.key)
    add_rows(table, {key: cells for key, cells in rows.items() if key not in table.rows})
    for key, cells in rows.items():
        for column, old, new in zip(columns, table.get_row(key), cells, strict=True):
            if not _same(old, new):
                # Columns only widen, as when filled: State narrower when the last live
                # run ended and wider when the next began shifted every column after it.
                # (Widened here, at once, as `add_rows` says why.)
                column.content_width = max(column.content_width, measure(console, new, 1))
                table.update_cell(key, column.key, new)
    if [str(row.key.value) for row in table.ordered_rows] == list(rows):
        return True
    # `sort` hands its key a row's cells, not its key: a row's first cell is an object
    # of its own, so its identity says which row it is.
    place = {id(table.get_row(key)[0]): n for n, key in enumerate(rows)}
    if len(place) < len(rows):
        return False
    table.sort(key=lambda cells: place[id(cells[0])])
    return True


def _restore(table: DataTable[Any], view: _View, keys: Sequence[str]) -> None:
    """The cursor back on its row, and the scroll offsets as ``replace_rows`` says."""
    if not keys:
        return
    index = {key: n for n, key in enumerate(keys)}
    # The row it was on, else the nearest still listed after it, else before it.
    candidates = [*view.keys[view.cursor :], *reversed(view.keys[: view.cursor])]
    cursor = next((index[key] for key in candidates if key in index), 0)
    y = view.y + cursor - view.cursor if view.y > 0 else 0
    if view.cursor_shown:  # it stays on screen
        y = min(max(y, cursor - _rows_shown(table) + 1), cursor)
    # DataTable counts the rows' height when idle, after a frame may have been drawn:
    # until then the offset would be held to the old height (every row is one line).
    table.virtual_size = Size(table.virtual_size.width, len(keys) + _header(table))
    table.scroll_to(x=view.x, y=max(0, y), animate=False, immediate=True)
    # Not `move_cursor`: DataTable scrolls a moved cursor into view a frame later, which
    # undid a scroll that had left it off screen. No RowHighlighted either: the row is
    # the one the user was on (or its nearest neighbour), not a new pick.
    table.set_reactive(DataTable.cursor_coordinate, Coordinate(cursor, table.cursor_column))
    table.refresh()
