"""The row table of the history's screens (the runs list, a run's page): it answers to
the main table's keys, scrolls sideways a column at a time, and ends a column the
right edge cuts in `…`."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable


class RunTable(DataTable[Any]):
    """A row-cursor table that also answers to the main table's ``j k g G``, and whose
    Home and End go to the first and last row as there (a DataTable's scroll sideways).
    Its ``←`` and ``→`` scroll a column at a time: with a row cursor, DataTable's scrolled
    one cell, so at 60 columns reaching Duration took some 30 presses."""

    # Every key it answers to, each with what it does, for `?` (``help_bindings``): the
    # arrows, PgUp and PgDn were DataTable's own, left out of the help; a named key
    # before its letter (``up,k``), as the main screen's help writes them.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, tooltip="Up a row"),
        Binding("down,j", "cursor_down", "Down", show=False, tooltip="Down a row"),
        Binding("pageup", "page_up", "Page up", show=False, tooltip="Up a page of rows"),
        Binding("pagedown", "page_down", "Page down", show=False, tooltip="Down a page of rows"),
        Binding("home,g", "scroll_top", "First", show=False, tooltip="To the first row"),
        Binding("end,G", "scroll_bottom", "Last", show=False, tooltip="To the last row"),
        Binding(
            "right",
            "cursor_right",
            "Right",
            show=False,
            tooltip="Scroll a column right (the heading says → more columns)",
        ),
        Binding("left", "cursor_left", "Left", show=False, tooltip="Scroll a column left"),
    ]

    class Resized(Message):
        """The table was laid out at another size: whether columns are past its right
        edge is known anew (``columns_past_edge``; before its first layout it is 0 wide)."""

    #: End or G was pressed: rows added while the cursor is still on the last row take
    #: it on to the new last one (``rows_added``).
    _last_row_asked = False

    def on_resize(self) -> None:
        self._restop()
        self.post_message(self.Resized())

    def action_scroll_bottom(self) -> None:
        self._last_row_asked = True
        super().action_scroll_bottom()

    def action_scroll_top(self) -> None:
        self._last_row_asked = False
        super().action_scroll_top()

    def rows_added(self, before: int) -> None:
        """Rows were added after the first ``before``: a cursor End or G put on the last
        row goes on to the new last one. A big run's page adds its rows a chunk a frame,
        and End meanwhile went to the last row so far (work-2500 of 10,001). Moved
        elsewhere since, the cursor stays."""
        self._last_row_asked &= self.cursor_row == before - 1
        if self._last_row_asked and self.row_count > before:
            self.move_cursor(row=self.row_count - 1)

    #: Where ``→`` last scrolled past the table's own end, to a column's left edge (0:
    #: not past it): the table is as much wider there, blank at its right, so the column
    #: before it is out of view whole. Scrolled no further than the table's end, a table
    #: a few cells too wide hid the first of them only (`tate`, `eted`, a ``✓`` lost).
    _snap = 0
    _moving = False

    def _column_starts(self) -> list[int]:
        """Where each column that scrolls starts, as ``scroll_x`` counts: from the first
        one past the fixed columns, which stay where they are."""
        starts, x = [], 0
        for column in self.ordered_columns[self.fixed_columns :]:
            starts.append(x)
            x += column.get_render_width(self)
        return starts

    def _view_width(self) -> int:
        return self.container_size.width - self.scrollbar_size_vertical

    def _own_end(self) -> int:
        """How far ``scroll_x`` goes with no blank past the last column (these tables
        have no row labels)."""
        own = sum(column.get_render_width(self) for column in self.columns.values())
        return own - self._view_width()

    def _stops(self) -> list[int]:
        """Where ``→`` and ``←`` stop: each scrolling column's left edge, up to the first
        from which all the rest shows (its last cell of padding aside, as
        ``columns_past_edge`` counts), past the table's end if need be; or, the last
        column being wider than the view, the table's end too."""
        end = self._own_end()
        stops: list[int] = []
        for start in self._column_starts():
            stops.append(start)
            if start >= end - self.cell_padding:
                return stops
        return [*stops, end] if end > 0 else [0]

    def validate_virtual_size(self, size: Size) -> Size:
        """The size DataTable works out, wide enough for ``scroll_x`` to reach ``_snap``."""
        if not self._snap:
            return size
        return Size(max(size.width, self._snap + self._view_width()), size.height)

    def _scroll_to_stop(self, x: int) -> None:
        """Scrolled to ``x``, the table made wider for it if it is past its end."""
        end = self._own_end()
        self._snap = x if x > end else 0
        self._moving = True  # (``watch_virtual_size``: not yet where it goes)
        try:
            self.virtual_size = Size(end + self._view_width(), self.virtual_size.height)
        finally:
            self._moving = False
        self.scroll_to(x=x, animate=False, immediate=True)

    def _restop(self) -> None:
        """At the last stop at or before where it is scrolled to, the columns or the view
        having changed: a column that widened, a wider screen or a column made fixed
        would otherwise leave another cut on its left, or blank room no longer needed."""
        now = round(self.scroll_x)
        x = max([0, *(stop for stop in self._stops() if stop <= now)])
        if x != now or self._snap != (x if x > self._own_end() else 0):
            self._scroll_to_stop(x)

    def watch_virtual_size(self) -> None:
        if self._snap and not self._moving:  # the columns changed, scrolled past the end
            self._restop()

    def watch_fixed_columns(self) -> None:
        super().watch_fixed_columns()
        self._restop()

    def action_cursor_right(self) -> None:
        """To the next column's left edge (or as far as the table goes)."""
        now = round(self.scroll_x)
        ahead = [x for x in self._stops() if x > now]
        if ahead:
            self._scroll_to_stop(ahead[0])

    def action_cursor_left(self) -> None:
        """To the left edge of the column the view's left edge is in (or the one before)."""
        now = round(self.scroll_x)
        self._scroll_to_stop(max([0, *(x for x in self._stops() if x < now)]))

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """A line as DataTable draws it, but a cell whose text goes on past the right
        edge ends in `…` there: cropped by the edge, at 60 columns `0.51ms` read
        `0.51m` (minutes), Duration `Duratio` and a reason `did not start: et`, each as
        if it were whole. The edge is the scrollbar's, if any, not ``x2`` (the line
        goes on under it), counted from the first column's left as ``x1`` is."""
        strip = super()._render_line(y, x1, x2, base_style)
        shown = min(self.scrollable_content_region.width, strip.cell_length)
        cut = self._cut_at(x1 + shown)
        if cut is None:
            return strip
        column, start, end = cut
        try:
            row_key, line = self._get_offsets(y)
        except LookupError:
            return strip
        _fixed, cells = self._render_line_in_row(
            row_key,
            line,
            base_style,
            cursor_location=self.cursor_coordinate,
            hover_location=self.hover_coordinate,
        )
        past = Strip(cells[column]).crop(x1 + shown - start, end - start - self.cell_padding)
        if not past.text.strip():
            return strip  # only blanks past the edge: the text is whole
        edge = shown - 1
        style = next(iter(strip.crop(edge, edge + 1)), Segment("")).style
        return Strip([*strip.crop(0, edge), Segment("…", style), *strip.crop(shown)])

    def _cut_at(self, right: int) -> tuple[int, int, int] | None:
        """The column whose text (not just its padding) an edge at ``right`` cuts, and
        where it starts and ends; None when the edge falls between two texts."""
        start = 0
        for index, column in enumerate(self.ordered_columns):
            end = start + column.get_render_width(self)
            if start + self.cell_padding < right < end - self.cell_padding:
                return index, start, end
            start = end
        return None
