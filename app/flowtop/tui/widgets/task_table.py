"""The live task table: a virtual table that renders only the rows on screen.

A ``DataTable`` pays per row to build and redraws in proportion to its size (~210 ms
per update at 100k rows). Here rows live in the view model; ``render_line`` formats the
few visible ones on demand, and an update repaints only the lines whose task changed.
Rows are addressed by task key, so an event never needs a row search.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.dom import NoScreen
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from flowtop.engine.states import StateType
from flowtop.formats import cell_head, cut_name
from flowtop.looks import INTERRUPTED_LOOK, REUSED_LOOK, STATE_LOOK
from flowtop.printable import printable_name
from flowtop.tui.clock import Clock, system_clock
from flowtop.tui.code_rows import GONE
from flowtop.tui.model import RunModel, TaskRow
from flowtop.tui.row_views import COLUMN_SORT, SORT_COLUMN, SORT_MODES, row_matches, view_order
from flowtop.tui.run_reading import reading_of, reading_rows_text
from flowtop.tui.widgets.column_fit import (
    GAP,
    GONE_SUFFIX,
    TRY_WIDTH,
    Columns,
    ContentMeter,
    column_at,
    error_cell,
    layout_columns,
    long_try_pays,
    state_cell,
)
from flowtop.tui.widgets.column_fit import STATE_WIDTH as STATE_WIDTH  # (re-exported)
from flowtop.tui.widgets.column_fit import TIME_WIDTH as TIME_WIDTH  # (re-exported)
from flowtop.tui.widgets.no_rows import no_rows_text, wrapped
from flowtop.tui.widgets.state_colors import colour_mode, table_css

LIVE_STATES = (StateType.RUNNING, StateType.AWAITING_RETRY)
HEADERS = ("TASK", "STATE", "TRY", "TIME", "POLICY", "LAST ERROR")
#: TRY's least width, its title's (no sort puts an arrow by it: ``SORT_COLUMN``).
TRY_TITLE = len(HEADERS[2])


def fit(text: str, width: int) -> str:
    """Pad or cut ``text`` to ``width`` cells; a cut ends in an ellipsis so it reads as one."""
    if len(text) <= width and text.isascii():
        return text.ljust(width)
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(cell_head(text, width - 1) + "…", width)


def name_text(row: TaskRow, width: int) -> str:
    """The TASK cell: the key, cut to ``width`` (``cut_name``: a mapped call's number
    stays whole, ``f…-990``); a task gone from the code says so at its end while the key
    keeps four cells (``fet… (gone)``), else the key alone shows."""
    if row.code_mark != GONE or width - len(GONE_SUFFIX) < 4:
        return cut_name(row.key, width)
    return cut_name(row.key, width - len(GONE_SUFFIX)).rstrip() + GONE_SUFFIX


def file_row_text(key: str) -> str:
    """In place of rows on the row of the file ``key`` in the flows list: it has no tasks,
    and its error is in the detail pane (``show_error``). It said "No flow selected"."""
    name = printable_name(Path(key).name)
    if name.endswith(".toml"):
        return f"{name} holds settings, not tasks: its error is in the pane below"
    return f"{name} did not load, so it has no tasks: its error is in the pane below"


#: The looks a row's state or error is drawn in: ``task-table--NAME`` classes, styled by
#: rules made from ``state_colors``' tables (``table_css``).
LOOK_NAMES = (
    *dict.fromkeys(look[2] for look in STATE_LOOK.values()),
    REUSED_LOOK[2],
    INTERRUPTED_LOOK[2],
    "error",
)


class TaskTable(ScrollView, can_focus=True):
    """Rows of one run (or of a flow not run yet), by task key.

    The columns always fit the width, so there is never a horizontal scrollbar: ``←``
    and ``→`` stay free to hop between the flows list and the table.
    """

    DEFAULT_CSS = "TaskTable { overflow-x: hidden; }\n" + table_css(LOOK_NAMES)

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "task-table--header",
        "task-table--cursor",
        *(f"task-table--{name}" for name in LOOK_NAMES),
        "task-table--dim",
    }

    #: Moving (↑↓ PgUp PgDn Home End, k j g G) is the app's (``ViewActions.action_move``):
    #: it takes those keys first, so a burst of keys acts in the order it was typed.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    class FilterCleared(Message):
        """Esc in the table with a filter kept: the app clears the filter line."""

    class Refiltered(Message):
        """The filter's count of rows changed as the rows did (``rebuild``): the header's
        ``filter: fail (1 of 2)`` follows. It said ``(0 of 2)`` for good beside the two
        rows a run's failures brought into the view after the filter was typed."""

    class SortClicked(Message):
        """A click on the title of a column a sort orders by (``COLUMN_SORT``): ``sort``,
        that sort's mode. The app sorts by it (``ViewActions``), as `s` and `S` do."""

        def __init__(self, sort: str) -> None:
            super().__init__()
            self.sort = sort

    class Highlighted(Message):
        """The cursor moved to another task (or to none)."""

        def __init__(self, table: TaskTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> TaskTable:
            return self.table

    def __init__(self, *, clock: Clock = system_clock, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.run: RunModel | None = None
        self.keys: list[str] = []
        self.positions: dict[str, int] = {}
        self.cursor = 0
        #: The ``/`` filter text. Not ``query``: that would hide Textual's ``DOMNode.query``.
        self.filter_text = ""
        self._prefilter_key: str | None = None  # the cursor's task when filtering began
        self.sort = "definition"
        self.sort_reverse = False
        #: Current policy summary of a task (the workspace's, after reloads); falls
        #: back to the one the run started with.
        self.policy_source: Callable[[TaskRow], str] | None = None
        self._reorder_pending = False
        self._last_reorder = 0.0
        self._added_seen = 0
        #: The clock-driven cells (state, time) each live row last showed, by task key.
        self._ticked: dict[str, tuple[str, str]] = {}
        self._highlighted: str | None = None
        #: The cursor's task in each flow shown before, by flow name (``show_run``).
        self._cursor_in: dict[str, str] = {}
        #: The state of the run shown, as the footer's keys last heard it (``tick``).
        self._run_state: StateType | None = None
        #: What it says in place of rows, wrapped: (text, width, lines) last laid out.
        self._said: tuple[str, int, list[str]] = ("", 0, [])
        #: The widest name, policy and error of the run's rows, for the column widths.
        self.meter = ContentMeter()
        self._layout: tuple[tuple[object, ...], Columns] | None = None  # the last, by input
        #: The filter's count of rows, and of the run's, as ``Refiltered`` last told it.
        self._counted: tuple[int, int] | None = None

    # -- what is shown --------------------------------------------------------------
    @property
    def cursor_key(self) -> str | None:
        return self.keys[self.cursor] if 0 <= self.cursor < len(self.keys) else None

    @property
    def matching(self) -> int:
        """The rows the filter matches, as its header note counts them: the rows shown,
        but the cursor's when it is shown only because the cursor is on it (a task ``x``
        gave up under ``/retry`` stays until the cursor leaves it: ``view_order``'s
        ``held``)."""
        key = self.cursor_key
        return len(self.keys) - (1 if key is not None and self.held_only(key) else 0)

    @property
    def ordered(self) -> bool:
        """Rows stay where they are as states change (no sort, no filter)."""
        return self.sort == "definition" and not self.sort_reverse and not self.filter_text.strip()

    def refresh_bindings(self) -> None:
        """Textual's, except on a table whose screen is gone (the app quitting while a
        run's events still arrive): nothing to refresh there, where Textual raised."""
        with contextlib.suppress(NoScreen):
            super().refresh_bindings()

    def show_run(self, run: RunModel | None) -> None:
        """Switch to another run. Another run of the same flow keeps the cursor on the
        same task; another flow opens where the cursor last was in it, else at its first
        row: its row number from the flow left put it on row 7 of a flow never looked at."""
        key = self.cursor_key
        if self.run is not None and key is not None:
            self._cursor_in[self.run.flow] = key
        held = True
        if run is not None and (self.run is None or run.flow != self.run.flow):
            key, self.cursor = self._cursor_in.get(run.flow), 0
            held = False  # (shown though unmatched, it read "filter: zzz (0 of 5)" over a row)
        self.run = run
        self.meter.measure(run, self.policy_text)  # (a reload may have marked rows gone)
        self.rebuild(keep=key, held=held)
        self._run_state = run.state if run is not None else None
        self.refresh_bindings()  # the footer's keys follow the run (`f` once it has ended)

    def set_view(
        self, *, query: str | None = None, sort: str | None = None, reverse: bool | None = None
    ) -> None:
        """Sort and filter. A new filter opens at its first row; clearing the filter
        keeps the cursor on the task it was on (or on the one before filtering)."""
        if sort is not None:
            if sort not in SORT_MODES:
                raise ValueError(
                    f"unknown sort mode {sort!r}; expected one of {', '.join(SORT_MODES)}"
                )
            self.sort = sort
        if reverse is not None:
            self.sort_reverse = reverse
        keep = self.cursor_key
        if query is not None and query.strip() != self.filter_text.strip():
            if not self.filter_text.strip():
                self._prefilter_key = keep
            if query.strip():
                keep = None
                self.cursor = 0
            else:
                keep = keep or self._prefilter_key
                self._prefilter_key = None
        if query is not None:
            self.filter_text = query
        self.rebuild(keep=keep)

    def rebuild(self, keep: str | None = None, *, held: bool = True) -> None:
        """Recompute the visible key order (filter + sort) and repaint. ``keep``, the
        cursor's task, stays shown when the filter no longer matches it (``view_order``'s
        ``held``), until the cursor leaves it (``_set_cursor``); not ``held``, the cursor
        goes to it only when the filter shows it (another flow's remembered row)."""
        run = self.run
        self.keys = (
            view_order(
                run,
                query=self.filter_text,
                sort=self.sort,
                now=self.clock(),
                reverse=self.sort_reverse,
                held=keep if held else None,
            )
            if run
            else []
        )
        self.positions = {k: i for i, k in enumerate(self.keys)}
        if self.meter.stale(run):  # another run, or rows added: widths from the rows
            self.meter.measure(run, self.policy_text)  # (not from those a filter leaves)
        self._added_seen = run.added if run else 0
        self._reorder_pending = False
        self._last_reorder = self.clock()
        self._fit_height()
        if keep is not None and keep in self.positions:
            self.cursor = self.positions[keep]
        self.cursor = max(0, min(self.cursor, len(self.keys) - 1))
        self._scroll_cursor_into_view()
        self.refresh()
        self._announce()
        self._count_rows()

    def _count_rows(self) -> None:
        """Tell the app when the filter's count of rows changed (``Refiltered``): a filtered
        view lays its rows out again on a tick after they change (``tick``), once for a
        whole batch of events, and the header counts them then. Without a filter: none."""
        run = self.run
        counted = (self.matching, len(run.rows)) if self.filter_text and run else None
        if counted != self._counted:
            self._counted = counted
            if counted is not None:
                self.post_message(self.Refiltered())

    def move_to(self, key: str) -> bool:
        """Put the cursor on ``key``; False when that row is filtered out or unknown.

        A test seam: a pilot selects a task by its key, not by counting arrow keys to its
        row (which the table's sort and filters move); flowtop itself moves by keys."""
        index = self.positions.get(key)
        if index is None:
            return False
        self._set_cursor(index)
        return True

    def policy_text(self, row: TaskRow) -> str:
        """The POLICY cell of ``row``: ``policy_source``'s, else the run's own."""
        return self.policy_source(row) if self.policy_source is not None else row.policy

    def policies_changed(self) -> None:
        """The policies were edited or reloaded: POLICY cells, and its width, again."""
        self.meter.remeasure(self.policy_text)
        self.refresh()

    # -- updates --------------------------------------------------------------------
    def rows_changed(self, keys: Collection[str]) -> None:
        """Repaint the visible lines of ``keys``; re-sort later when the order depends on state."""
        if self.cursor_key in keys:  # the footer's keys follow it (`o` once it has an error)
            self.refresh_bindings()
        if self.run is not None and self.run.added != self._added_seen:
            self.rebuild(keep=self.cursor_key)  # a @flow reached new tasks: new rows to lay out
            return
        if not self.ordered:
            self._reorder_pending = True
        if self.run is not None:
            rows = self.run.rows
            if self.meter.errors_changed(rows[k] for k in keys if k in rows):
                self.refresh()  # a first error: LAST ERROR keeps more room
                return
        top, bottom = self._visible_range()
        positions = self.positions
        lines = [i for i in (positions.get(k) for k in keys) if i is not None and top <= i < bottom]
        if len(lines) > (bottom - top) // 2:
            self.refresh()
        else:
            for i in lines:
                self.refresh_line(i + 1)

    def tick(self) -> None:
        """Called ~10×/s: countdowns and running durations of visible rows, deferred re-sorts;
        with no rows, the lines that say why (a subflow's start or a run's end changes them)."""
        if self.run is None:
            return
        if not self.keys:
            self._fit_height()
        if self.run.state is not self._run_state:  # it ended: `f` and `t` act now
            self._run_state = self.run.state
            self.refresh_bindings()  # (a run that ends between two ticks flips no other sign)
            self.refresh()  # a live run's POLICY cells name its own policy (``policy_cell``)
            self.meter.remeasure(self.policy_text)
        now = self.clock()
        if self._reorder_pending and now - self._last_reorder >= (
            0.3 if len(self.keys) < 20_000 else 1.0
        ):
            self.rebuild(keep=self.cursor_key)
            return
        run = self.run
        rows = run.rows
        top, bottom = self._visible_range()
        ticked, shown = self._ticked, {}
        for i in range(top, bottom):
            key = self.keys[i]
            row = rows[key]
            if row.state in LIVE_STATES:
                # redrawn when its countdown or duration reads differently: a wait of
                # minutes shows whole seconds, and redrawing it ten times a second kept
                # an idle monitor at 10-35 % of a core
                shown[key] = cells = (run.state_text(row, now), row.time_text(now))
                if ticked.get(key) != cells:
                    self.refresh_line(i + 1)
        self._ticked = shown

    def _visible_range(self) -> tuple[int, int]:
        top = int(self.scroll_offset.y)
        return top, min(len(self.keys), top + max(0, self.scrollable_content_region.height - 1))

    # -- cursor ---------------------------------------------------------------------
    def _set_cursor(self, index: int) -> None:
        if not self.keys:
            return
        index = max(0, min(index, len(self.keys) - 1))
        left = self.cursor_key
        old, self.cursor = self.cursor, index
        self.refresh_line(old + 1)
        self.refresh_line(index + 1)
        if left is not None and left != self.cursor_key and self.held_only(left):
            self.rebuild(keep=self.cursor_key)  # the row it left goes, the cursor stays put
        self._scroll_cursor_into_view()
        self._announce()

    def held_only(self, key: str) -> bool:
        """Whether ``key``'s row is shown only because the cursor was on it (``rebuild``):
        the filter no longer matches it."""
        query = self.filter_text.strip().lower()
        return bool(query) and self.run is not None and not row_matches(self.run.rows[key], query)

    def _scroll_cursor_into_view(self) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def _announce(self) -> None:
        key = self.cursor_key
        if key != self._highlighted:
            self._highlighted = key
            self.post_message(self.Highlighted(self, key))
            self.refresh_bindings()  # the footer's task keys follow the cursor

    def action_cursor(self, delta: int) -> None:
        self._set_cursor(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._set_cursor(
            self.cursor + direction * max(1, self.scrollable_content_region.height - 2)
        )

    def action_clear_filter(self) -> None:
        if not self.filter_text:
            raise SkipAction()  # nothing to clear: Esc means whatever it means elsewhere
        self.post_message(self.FilterCleared())

    def action_jump(self, index: int) -> None:
        self._set_cursor(len(self.keys) - 1 if index < 0 else index)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self._set_cursor(int(self.scroll_offset.y) + event.y - 1)
            return  # else a column's title: sorted by it, if a sort orders by its column
        column = column_at(self.columns(self.scrollable_content_region.width), event.x)
        if column in COLUMN_SORT:  # (TASK, STATE, TIME)
            self.post_message(self.SortClicked(COLUMN_SORT[column]))

    def on_mount(self) -> None:
        self.add_class(f"-{colour_mode(self.app)}")  # -plain (NO_COLOR), -mono, -ansi16, -full

    def on_resize(self, event: events.Resize) -> None:
        """Fitted again, the cursor's row kept in view: a shrunk terminal, or a table
        grown back from the line an empty filter left it, hid the row the detail pane
        describes until an arrow key moved the cursor."""
        self._fit_height()
        self._scroll_cursor_into_view()

    def _fit_height(self) -> None:
        """The lines it takes (its height is ``auto``): the header and a line per row, or
        the lines that say why there are none (``no_rows_lines``)."""
        rows = len(self.keys) or len(self.no_rows_lines(self.scrollable_content_region.width))
        if self.virtual_size.height != rows + 1:
            self.virtual_size = Size(0, rows + 1)
            self.refresh()

    def no_rows_lines(self, width: int) -> list[str]:
        """What it says in place of rows (``no_rows.no_rows_text``), wrapped to ``width``
        (each line after a space), laid out again only when the text or width changes. A
        flow not shown a run of yet says its run is being read, when it is (``run_reading``)."""
        reading = None
        if self.run is not None and self.run.run_id is None and self.is_mounted:
            reading = reading_of(self.app, self.run.flow)
        if self.run is None:  # a file's row, or none: ``selected_error``, as the pane shows
            shown = getattr(self.app, "selected_error", None) if self.is_mounted else None
            text = file_row_text(shown) if isinstance(shown, str) else "No flow selected"
        elif self.filter_text and self.run.rows:  # (no rows at all: why, not the filter)
            text = "No tasks match the filter"
        elif reading is not None:
            text = reading_rows_text(reading)
        else:
            text = no_rows_text(self.run)
        if self._said[:2] != (text, width):
            self._said = (text, width, wrapped(text, width - 1) if width > 1 else [text])
        return self._said[2]

    @property
    def allow_horizontal_scroll(self) -> bool:
        """Never: the columns fit, and ``←``/``→`` belong to the pane hops."""
        return False

    # -- painting -------------------------------------------------------------------
    @property
    def sort_arrow(self) -> str:
        """``▲`` or ``▼``: the way the sorted column runs (empty in definition order)."""
        if self.sort not in SORT_COLUMN:
            return "▼" if self.sort_reverse else ""
        descending = SORT_COLUMN[self.sort][1] != self.sort_reverse
        return "▼" if descending else "▲"

    def headers(self) -> tuple[str, ...]:
        """The column titles, the sorted one with its arrow."""
        if self.sort not in SORT_COLUMN:
            return HEADERS
        index = SORT_COLUMN[self.sort][0]
        return tuple(f"{h} {self.sort_arrow}" if i == index else h for i, h in enumerate(HEADERS))

    def columns(self, width: int) -> Columns:
        """The layout for ``width``, fitted to the rows' texts (``column_fit``): laid out
        on the table's whole width and narrowed by the cell a vertical scrollbar takes,
        so a filter that hides the scrollbar moves no column. Kept until its inputs
        change: ``render_line`` asks for it once a line."""
        run = self.run
        whole = max(width, self.size.width)
        tries = run.try_widths if run is not None else (TRY_WIDTH, TRY_WIDTH)
        share = (run.long_try_rows, len(run.order)) if run is not None else (0, 0)
        if self.meter.tries is not None:  # an ended run's: as its rows read
            tries, share = self.meter.tries
        inputs = (width, whole, tries, share, self.meter.content)
        if self._layout is None or self._layout[0] != inputs:
            self._layout = (inputs, self._fit(whole, tries, share).narrowed(whole - width))
        return self._layout[1]

    def _fit(self, width: int, tries: tuple[int, int], share: tuple[int, int]) -> Columns:
        """TRY as wide as this run's budgets need, in the long form ``1/1 (+3 on Retry)``
        when POLICY keeps its width beside it and LAST ERROR can spare it (``share``:
        how many rows use it, of how many; ``long_try_pays``), else in the short
        ``1/1+3`` (the policy column and the detail pane say the rest). No wider: a run
        whose budgets are under 10 (``3/4``) kept TRY at 5 cells, and at 80 columns the
        predicate flow's POLICY was cut one cell short (``3× 0.5s if predica…``)."""
        long, short = (max(TRY_TITLE, n) for n in tries)
        content = self.meter.content
        if long <= TRY_WIDTH:
            return layout_columns(width, long, content)
        compact = replace(layout_columns(width, short, content), compact=True)
        wide = layout_columns(width, long, content)
        if not long_try_pays(content, *share):
            return compact
        return wide if wide.policy >= max(1, compact.policy) else compact

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        columns = self.columns(width)
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("task-table--header")
            return self._strip(self.headers(), columns, [style] * 6, width, style)
        index = int(self.scroll_offset.y) + y - 1
        if not 0 <= index < len(self.keys) or self.run is None:
            said = self.no_rows_lines(width) if not self.keys else []
            if 1 <= y <= len(said):
                style = base + self.get_component_rich_style("task-table--dim")
                return Strip([Segment(set_cell_size(f" {said[y - 1]}", width), style)], width)
            return Strip.blank(width, base)
        row = self.run.rows[self.keys[index]]
        return self.render_row(row, columns, width, base, cursor=index == self.cursor)

    def render_row(
        self, row: TaskRow, columns: Columns, width: int, base: Style, *, cursor: bool
    ) -> Strip:
        now = self.clock()
        if cursor:
            # The whole row in the cursor's colours: a cell in its state colour would keep
            # its own background and break the bar (the symbol still says the state).
            if self.has_focus:
                base = base + self.get_component_rich_style("task-table--cursor")
            else:
                base = base + Style(reverse=True)
            state_style = dim = error = base
        else:
            state_style = base + self.get_component_rich_style(f"task-table--{row.look()[2]}")
            dim = base + self.get_component_rich_style("task-table--dim")
            error = base + self.get_component_rich_style("task-table--error")
        policy = self.policy_text(row)
        name = base
        if row.code_mark == GONE:  # its task left the code: dim, and said so by its name
            name = state_style = dim
        error_text = error_cell(row)
        if self.meter.saw(policy, error_text):  # past the rows measured, and wider
            self.refresh()
        cells = (
            name_text(row, columns.task),
            state_cell(
                row.state_text(now, all_busy=self.run is not None and self.run.all_busy),
                columns.state,
            ),
            row.attempt_text(compact=columns.compact),
            row.time_text(now),
            policy,
            error_text,
        )
        said = dim if row.code_mark and row.error is None else error  # a mark, not an error
        styles = [name, state_style, base, base, dim, said]
        return self._strip(cells, columns, styles, width, base)

    @staticmethod
    def _strip(
        cells: tuple[str, ...], columns: Columns, styles: list[Style], width: int, base: Style
    ) -> Strip:
        segments = []
        used = 0
        gap = Segment(" " * GAP, base)
        for text, size, style in zip(cells, columns.widths(), styles, strict=True):
            if size <= 0:
                continue
            if used:
                segments.append(gap)
                used += GAP
            segments.append(Segment(fit(text, size), style))
            used += size
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        return Strip(segments, max(width, used)).crop(0, width)
