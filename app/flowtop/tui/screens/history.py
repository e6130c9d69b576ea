"""The history screen (`h`): past runs from SQLite, newest first; Enter opens one's page
(``run_detail``). It lists the newest ``RUN_LIMIT`` and the next as many each time the
cursor reaches the last row, read on a thread: it stopped at row 500 of 5,000 for good,
and a cron flow's runs pushed every other flow's out of the all-flows list.

It reads ``History`` only (never the live run model), so what it shows is exactly what
``flowtop history`` prints and what survived a crash. A flow's name, a run's name or its
parameters are shown as plain text, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from flowtop.formats import cut_cells, date_time, fmt_duration, plural
from flowtop.looks import run_error_text
from flowtop.printable import printable_name

from ...engine.parameters import describe as describe_parameters
from ...workspace.history_records import counts_so_far, source_label
from ...workspace.store_reader import StoreReader
from ...workspace.subflow_runs import completed_failures, handled_calls, handled_note_words
from ..after_frame import after_frame
from ..row_views import drawn_counts, state_count_parts
from ..table_rows import add_rows, columns_past_edge, replace_rows
from ..thread_answers import answer_from_thread
from ..widgets.key_bar import KeyBar
from ..widgets.state_colors import looks
from .history_reads import history_version, read_run
from .run_detail import (
    MORE_HINT,
    REFRESH,
    RunDetailScreen,
    footer_entries,
    plain,
    state_text,
)
from .run_table import RunTable

if TYPE_CHECKING:
    from ...workspace.history_records import RunDetail, RunRecord
    from ..workspace_view import HistoryView

#: How many subflow calls a completed run handled, and how many of those were cancelled.
Handled = tuple[int, int]
#: What ``HistoryScreen._read`` read: scope, limit, runs, total, error, store version,
#: and the failed subflow calls each completed run handled (``handled_subflows``).
Read = tuple[
    str | None, int, list["RunRecord"], int, str, tuple[int, ...] | None, dict[str, Handled]
]

#: How many runs the list reads at first, and how many more each time the cursor reaches
#: its last row (``HistoryScreen._older``).
RUN_LIMIT = 500


#: The Flow cell gets what the other columns leave when that is at least this (Rerun of
#: shows then), else what those up to Duration leave, at least ``LEAST_FLOW_CELL`` (or
#: a third of a narrower screen: it stays there as the others scroll, ``_fix_flow``,
#: and 24 cells of 40 left them a 14-cell window). Kept at 24
#: cells, it left 80 columns Duration cut to `785…` and `1m0…`.
MIN_FLOW_CELL = 24
LEAST_FLOW_CELL = 12
#: What a column takes beyond its cells (its padding), and the vertical scrollbar.
COLUMN_PADDING = 2
SCROLLBAR = 2
#: The widest Started and Duration cells (``date_time``, ``fmt_duration``: `3653d`).
STARTED_CELLS = len("2026-12-06 21:30:38")
DURATION_CELLS = len("Duration")
#: The Counts cell of a run whose tasks never ran says why in this many cells at most:
#: about as many as five states' counts take, which 120 columns leave room for.
REASON_CELL = 24
#: The fewest cells the heading cuts its scope to (`flow long-n…`) before it leaves out
#: `History · ` instead.
MIN_SCOPE = 8


def fit_heading(scope: str, count: str, hint: str, room: int) -> str:
    """The heading on its one line of ``room`` cells (0: any), ``hint`` kept whole at its
    end: the scope (`flow etl`) is cut first, down to ``MIN_SCOPE``, then `History · `
    left out, then the rest cut. At 40 columns `History · flow regional-report · no` lost
    its count and the hint went past the edge with nothing said."""
    for title in ("History · ", ""):
        left = room - cell_len(f"{title} · {count}{hint}")
        if not room or cell_len(scope) <= left:
            return f"{title}{scope} · {count}{hint}"
        if left >= MIN_SCOPE:
            return f"{title}{cut_cells(scope, left)} · {count}{hint}"
    return cut_cells(f"{scope} · {count}", max(1, room - cell_len(hint))) + hint


def more_hint(left: bool, right: bool) -> str:
    """The heading's word on columns out of sight: `→ more columns` past the right edge
    (``MORE_HINT``), `←` too, or alone, while some are scrolled past the left one. Scrolled
    right, the hint went with nothing said of the columns left behind."""
    arrows = " ".join(arrow for arrow, hidden in (("←", left), ("→", right)) if hidden)
    return MORE_HINT.replace("→", arrows) if arrows else ""


def columns_before_edge(table: DataTable[Any]) -> bool:
    """Whether some scrolling column is (partly) past the table's left edge, as
    ``columns_past_edge`` says of its right one: the padding before the first one is
    blank, not a column. Not laid out yet, none is."""
    return table.display and table.size.width > 0 and round(table.scroll_x) > table.cell_padding


def why_no_counts(record: RunRecord, styles: Mapping[str, str]) -> Text:
    """For a run with no task counts, what it ended with instead, cut to ``REASON_CELL``
    (`did not start: flows/flowtop.t…`, as `flowtop history`'s NOTE says it): its row
    read `etl 7 ✗ Failed` and a blank, with nothing to say why. A run whose process died
    as it imported its flow file raised nothing: its note says why (`interrupted: its
    process (pid …) is gone`), where its row was blank too. Empty for any other."""
    error = record.error or {}
    if error.get("type"):
        first = str(error.get("message", "")).strip().split("\n", 1)[0]
        said = run_error_text(error["type"], first)
    elif record.note:
        said = record.note.strip().split("\n", 1)[0]
    else:
        return Text("")
    return Text(cut_cells(plain(said, 200, cell=True), REASON_CELL), style=styles["error"])


def counts_cell(record: RunRecord, styles: Mapping[str, str], handled: Handled = (0, 0)) -> Text:
    """``record``'s Counts cell: its counts, each in its state's look (``drawn_counts``),
    else why it has none (``why_no_counts``), then the failed subflow calls its body
    ``handled`` (how many, how many of those cancelled), with its failed tasks when it
    completed, as ``flowtop history``'s NOTE says them (`1 task, 1 subflow failed,
    handled`): a parent's row read `✓ Completed` and a blank cell."""
    counts = state_count_parts(record.counts, record.reused)
    cell = drawn_counts(counts, styles) or why_no_counts(record, styles)
    if not (said := handled_note_words(completed_failures(record), *handled)):
        return cell
    return Text.assemble(cell, "  " if cell else "", (said, "dim"))


def handled_subflows(history: object, records: Sequence[RunRecord]) -> dict[str, Handled]:
    """How many subflow calls of each completed run of ``records`` failed (its body
    caught them), and how many of those were cancelled, by run id, those with none left
    out (``subflow_runs.handled_calls``:
    a call is its last run, one whose own retry completed is no failure). Only a store
    read here says (``{}`` for another history)."""
    if not isinstance(history, StoreReader):
        return {}
    return handled_calls(history.path, records)


def no_runs(flow: str | None, *, pruned: bool) -> str:
    """What the empty list says of ``flow`` (None: of every flow): `No runs yet of etl`,
    or, its runs taken by `flowtop history --prune` (``RunStore.pruned_away``), that
    they were pruned: they were not runs yet to come."""
    if pruned:
        of = "" if flow is None else f" of {flow}"
        return f"No runs{of} in the history (pruned)"
    return "No runs yet" if flow is None else f"No runs yet of {flow}"


class RunsTable(RunTable):
    """The runs list: a key that would take the cursor past its last row (`j`, PgDn, End
    there) asks for older runs (``PastEnd``); it moves no cursor, so no RowHighlighted."""

    class PastEnd(Message):
        """A key asked for rows past the last one."""

    def _past_end(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.PastEnd())

    def action_cursor_down(self) -> None:
        self._past_end()
        super().action_cursor_down()

    def action_page_down(self) -> None:
        self._past_end()
        super().action_page_down()

    def action_scroll_bottom(self) -> None:
        self._past_end()
        super().action_scroll_bottom()


class HistoryScreen(Screen[None]):
    """Runs, newest first, of one flow (or all flows with `a`)."""

    DEFAULT_CSS = """
    HistoryScreen #heading { height: 1; padding: 0 1; text-style: bold; background: $boost; }
    HistoryScreen #runs { height: 1fr; }
    HistoryScreen #message { padding: 1 2; height: auto; }
    """

    #: In the footer's order, its keys most wanted first: the bar keeps them in order as
    #: far as they fit, and at 60 columns it kept `a All flows / this flow` and dropped
    #: `⏎ Open run`, the list's main key. So Enter, then Esc, then `a`.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open",
            "Open run",
            show=True,
            id="history.open",
            tooltip="The selected run's tasks and their attempts",
        ),
        Binding("escape", "back", "Back", id="history.back", tooltip="Back to the main screen"),
        Binding(
            "a",
            "toggle_all",
            "All flows / this flow",
            id="history.all",
            tooltip="Switch between every flow's runs and this flow's",
        ),
    ]

    def __init__(
        self,
        history: HistoryView,
        flow: str | None,
        *,
        run_key: str = "r",
        pruned: Collection[str] = (),
        broken: str = "",
    ) -> None:
        """``run_key``: the main screen's run key as rebound now, for the empty-list hint;
        ``pruned``: the flows whose runs a prune took, none shown since (the store's own
        ``RunStore.pruned_away``: a copy missed a prune while open): their empty list says so;
        ``broken``: the file of ``flow`` that failed to load, which that key does not run."""
        super().__init__()
        self.run_key, self.broken = run_key, broken
        self.pruned = pruned
        self.history = history
        self.flow = flow
        self.show_all = flow is None
        self.records: dict[str, RunRecord] = {}
        #: The scope whose runs the table holds (a flow's name, None for all flows).
        self._filled_scope = flow
        #: What the heading says: the scope (`flow etl`, `all flows`) and the count.
        self._heading = ("", "")
        self._reading = False  # a refresh's read is on a thread
        #: The scope, limit and store version (``history_version``) of the runs shown, and
        #: whether they were said pruned: a read of the same is skipped (``_read``).
        self._shown_as: tuple[str | None, int, tuple[int, ...], bool] | None = None
        #: How many runs a read asks for: ``RUN_LIMIT``, more as the cursor reaches the
        #: last row (``_older``); and how many the store holds of the scope shown.
        self._limit = RUN_LIMIT
        self._total = 0
        #: Each listed run's cells, with the run they were made of (``_row``), and the
        #: width and looks they were made for.
        self._row_cells: dict[str, tuple[tuple[RunRecord, Handled], list[Any]]] = {}
        #: The failed subflow calls each completed run listed handled (``handled_subflows``).
        self._handled: dict[str, Handled] = {}
        self._cells_for: tuple[int, Mapping[str, str]] | None = None
        #: Each listed run's Counts cell, with the run and looks it was made of: made once,
        #: ``_flow_room`` measures it and ``_row`` shows it (each made its own, every read).
        self._counts: dict[str, tuple[tuple[RunRecord, Handled, Mapping[str, str]], Text]] = {}
        #: The run Enter opens, read on a thread, and how the heading names it meanwhile.
        self._opening: tuple[str, str] | None = None
        #: Some columns are past the right edge (``columns_past_edge``): `→` shows them.
        self._columns_hidden = False

    def compose(self) -> ComposeResult:
        yield Static("", id="heading")
        table = RunsTable(id="runs", cursor_type="row", zebra_stripes=True)
        # What a run came to (state, counts) before when and how long: at 80 columns, a
        # flow cell with parameters left the counts past the right edge.
        table.add_columns("Flow", "#", "State", "Counts", "Started", "Duration", "Rerun of")
        yield table
        yield Static("", id="message")
        yield KeyBar(lambda: footer_entries(self, more=self._columns_hidden))

    def on_mount(self) -> None:
        self.load()
        # Scrolled to the right edge, no column is past it: the hint goes (it stayed).
        # And it is known once the columns are measured and the table laid out: made
        # before, it said `→ more columns` at 120 columns for 2 s (before its layout).
        table = self.query_one("#runs", DataTable)
        self.watch(table, "scroll_x", self._scrolled, init=False)
        self.watch(table, "virtual_size", lambda _size: self._show_heading(), init=False)
        # Runs go on while it is open: a live one's row, new runs and pruned ones followed
        # (it was a snapshot: `▶ Running` for good, and Enter on a pruned run an error).
        self.set_interval(REFRESH, self._refresh)

    def _refresh(self) -> None:
        """Every ``REFRESH``: read on a thread, shown here. Counting a live run's tasks so
        far folds its whole log: 2-3 s for a 20,000-task run, the screen frozen meanwhile."""
        if self.is_current and not self._reading:
            self._reading = True
            self.run_worker(self._read_in_thread, thread=True, group="refresh")

    def _read_in_thread(self) -> None:
        try:
            read = self._read()
        finally:
            self._reading = False
        if read is not None:
            answer_from_thread(self, self._show, *read)  # not once the screen is going

    def on_screen_resume(self) -> None:
        if self._limit > RUN_LIMIT:  # pages of older runs: read off the event loop
            self._refresh()
        else:
            self.load()

    def on_resize(self) -> None:
        # The flow cells take the width there is now, and the columns narrow to them:
        # grown with the terminal, they kept their width when it shrank again.
        self._fill(list(self.records.values()), refit=True)

    def load(self) -> None:
        """(Re)read the runs; the cursor stays on the run it was on (back from a run)."""
        if (read := self._read()) is not None:
            self._show(*read)

    def _read(self) -> Read | None:
        """The runs to list (of the flow shown, or all) and how many were asked for, how
        many the store holds, why they could not be read ("" when they could) and the
        store's version they were read at. None when the store has not changed since the
        runs shown were read (``_shown_as``): 5,000 runs paged in, read again every
        ``REFRESH`` found nothing new and held an idle monitor at 8% CPU; and the first
        page was read twice as the screen opened (on mount, on resume)."""
        flow, limit = None if self.show_all else self.flow, self._limit
        version = history_version(self.history)  # before the read: a change after, seen next
        if version is not None and (flow, limit, version, self._is_pruned()) == self._shown_as:
            return None
        try:
            listed = self.history.runs(flow=flow, limit=limit)
            records = [counts_so_far(r, self.history.run_detail) for r in listed]
        except Exception as exc:  # noqa: BLE001 - an unreadable history file is shown, not fatal
            return flow, limit, [], 0, f"Cannot read the run history: {exc}", None, {}
        handled = handled_subflows(self.history, records)
        total = len(records)
        if total == limit:  # perhaps the newest only: say how many the file holds
            try:
                total = self.history.count(flow)
            except Exception:  # noqa: BLE001 - the list itself was read; the total is extra
                version = None  # (read again next time)
        return flow, limit, records, total, "", version, handled

    def _show(
        self,
        flow: str | None,
        limit: int,
        records: list[RunRecord],
        total: int,
        error: str,
        version: tuple[int, ...] | None,
        handled: dict[str, Handled],
    ) -> None:
        if flow != (None if self.show_all else self.flow):
            return  # read before `a` switched the scope: the next read is the scope's own
        if limit != self._limit:  # read before the cursor asked for more: read again
            self._refresh()
            return
        self._total = total
        table = self.query_one("#runs", DataTable)
        message = self.query_one("#message", Static)
        scope = "all flows" if flow is None else f"flow {printable_name(flow)}"
        pruned = self._is_pruned()  # (a prune the store learned of after the read: read again)
        self._shown_as = None if version is None else (flow, limit, version, pruned)
        run_it = f"press {self.run_key} on the main screen to run {'it' if flow else 'a flow'}"
        if flow is not None and self.broken:  # (the key only says it cannot run it)
            run_it = f"{self.broken} failed to load: fix it and save to run it"
        hint = f"{no_runs(flow, pruned=pruned)}: {run_it}"
        hint += ", or a here for every flow's runs" if flow is not None else ""
        message.update(Text(error or (hint + "." if not records else "")))
        message.display = not records
        table.display = bool(records)  # an empty table's header would hide the message
        count = plural(len(records), "run") if records else "no runs yet"
        if not records and pruned:  # (it read `no runs yet` above `No runs … (pruned)`)
            count = "no runs (pruned)"
        if total > len(records):
            count = f"newest {len(records):,} of {total:,} runs"
        self._heading = (scope, count)
        if records != list(self.records.values()) or handled != self._handled:  # (mostly not)
            self._handled = handled
            # Another scope's runs (`a`): the columns narrow to them too. Back from all
            # flows', one flow's kept the widest Flow and State cells until a resize.
            self._fill(records, refit=flow != self._filled_scope)
            self._filled_scope = flow
        else:
            self._show_heading()

    def _is_pruned(self) -> bool:
        """Whether the runs of the scope shown were pruned, none shown since (``pruned``)."""
        flow = None if self.show_all else self.flow
        return flow in self.pruned if flow is not None else bool(self.pruned)

    def _fill(self, records: list[RunRecord], *, refit: bool = False) -> None:
        """The runs table of ``records``, the view kept: the cursor on its run, both
        scroll offsets (``replace_rows``; cleared and filled, it snapped to the top and
        to the left edge at each refresh that brought a change). ``refit``: the columns
        narrow to their cells too (after a resize).

        A run's cells are made again only when it changed (``_row``), and a page of older
        runs is added below the rows as they are: 5,000 rows made and compared anew took
        the screen 1-2 s at each page."""
        table = self.query_one("#runs", DataTable)
        # The flow cell takes what the other columns leave (with a run's name, caller and
        # parameters it pushed Started and Duration past the right edge at 120 columns).
        width = self.app.size.width
        least = min(LEAST_FLOW_CELL, width // 3)  # (it stays as the others scroll)
        styles = looks(self.app)
        room = self._flow_room(records, styles, width, least)
        if (room, styles) != self._cells_for:
            self._cells_for, self._row_cells = (room, styles), {}
        rows = {record.run_id: self._row(record, room, styles) for record in records}
        shown = list(self.records.values())
        if not refit and shown and records[: len(shown)] == shown:  # older runs: a page
            add_rows(table, {key: rows[key] for key in list(rows)[len(shown) :]})
        else:
            replace_rows(table, rows, refit=refit)
        self._row_cells = {key: self._row_cells[key] for key in rows}
        self._counts = {key: self._counts[key] for key in rows}
        self.records = {record.run_id: record for record in records}
        after_frame(self, self._show_heading)

    def _flow_room(
        self, records: Sequence[RunRecord], styles: Mapping[str, str], width: int, least: int
    ) -> int:
        """The Flow cell's room in ``width`` cells (``MIN_FLOW_CELL``), at least
        ``least``: what the other columns leave, each padded, and the scrollbar; else
        what those up to Duration leave (Rerun of goes past the right edge, `→ more
        columns`, before Duration: what a run took is short and wanted)."""
        numbers = max((len(str(r.number)) for r in records), default=1)
        states = max(
            (state_text(s, styles).cell_len for s in {r.state for r in records}), default=0
        )
        counts = max((self._counts_cell(r, styles).cell_len for r in records), default=0)
        sources = (source_label(r.rerun_of, r.rerun_of_number) for r in records)
        cells = [
            max(1, numbers),
            max(len("State"), states),
            max(len("Counts"), counts),
            STARTED_CELLS,
            DURATION_CELLS,
            max(len("Rerun of"), max(map(cell_len, sources), default=0)),  # (none listed)
        ]
        for shown, fewest in ((cells, max(least, MIN_FLOW_CELL)), (cells[:-1], least)):
            room = width - sum(shown) - COLUMN_PADDING * (len(shown) + 1) - SCROLLBAR
            if room >= fewest:
                return room
        return least

    def _row(self, record: RunRecord, room: int, styles: Mapping[str, str]) -> list[Any]:
        """``record``'s cells: those made for it before while it is the same run."""
        made, handled = self._row_cells.get(record.run_id), self._handled.get(record.run_id, (0, 0))
        if made is None or made[0] != (record, handled):
            cells = self._cells(record, room, styles, self._counts_cell(record, styles))
            made = self._row_cells[record.run_id] = ((record, handled), cells)
        return made[1]

    def _counts_cell(self, record: RunRecord, styles: Mapping[str, str]) -> Text:
        """``record``'s Counts cell (``counts_cell``): the one made before while it is the
        same run, as handled, in the same looks."""
        made, handled = self._counts.get(record.run_id), self._handled.get(record.run_id, (0, 0))
        if made is None or made[0] != (record, handled, styles):
            cell = counts_cell(record, styles, handled)
            made = self._counts[record.run_id] = ((record, handled, styles), cell)
        return made[1]

    @staticmethod
    def _cells(record: RunRecord, room: int, styles: Mapping[str, str], counts: Text) -> list[Any]:
        """One run's row, ``counts`` its Counts cell; its Flow cell is a ``Text`` of its
        own (``replace_rows``)."""
        flow_cell = Text(plain(record.flow, 60, cell=True))
        if record.name:  # its flow_run_name, as the monitor's header shows it
            flow_cell.append(f" {plain(record.name, 60, cell=True)}", style="bold")
        if record.child_of:  # a subflow's run: which run called it
            flow_cell.append(f" ({plain(record.child_of, 80, cell=True)})", style="dim")
        if record.parameters:  # which day a nightly run was for
            given = describe_parameters(record.parameters, 20)
            flow_cell.append(f" with {plain(given, 60, cell=True)}", style="dim")
        flow_cell.truncate(room, overflow="ellipsis")
        return [
            flow_cell,
            Text(str(record.number), justify="right"),
            state_text(record.state, styles),
            counts,
            date_time(record.started, ""),
            Text(fmt_duration(record.duration), justify="right"),
            source_label(record.rerun_of, record.rerun_of_number),
        ]

    def _scrolled(self, _x: float) -> None:
        self._show_heading()

    def on_run_table_resized(self, _event: RunTable.Resized) -> None:
        self._show_heading()  # the hint is known anew

    def _fix_flow(self) -> None:
        """Flow and # fixed while the table is wider than the screen, as a run's page
        fixes Task: one `→` scrolled the flow away, and rows read `1  ✓ Completed` with
        no flow named. One flow's runs too: scrolled, at 40×12 they read `Started
        Duration  Rerun of` alone, which run each row was out of sight (the heading names
        the flow, not the run's number, name or parameters its Flow cell holds)."""
        table = self.query_one("#runs", DataTable)
        wide = round(table.max_scroll_x) > table.cell_padding
        table.fixed_columns = 2 if wide else 0

    def _show_heading(self) -> None:
        """The heading, saying so when columns are past the right edge: a narrow terminal
        cut Duration to `Durat` and its values to `7` and `1m`, with nothing to tell; or
        past the left one (``more_hint``)."""
        self._fix_flow()
        table = self.query_one("#runs", DataTable)
        hidden = columns_past_edge(table)
        if hidden != self._columns_hidden:
            self._columns_hidden = hidden
            self.query_one(KeyBar).refresh()
        more = more_hint(columns_before_edge(table), hidden)
        if len(self.records) < min(self._limit, self._total):  # asked for more: coming
            more = f" · loading older runs…{more}"
        if self._opening is not None:
            more = f" · opening {self._opening[1]}…{more}"
        heading = self.query_one("#heading", Static)
        room = heading.content_region.width
        heading.update(Text(fit_heading(*self._heading, more, room)))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_toggle_all(self) -> None:
        if self.flow is not None:
            self.show_all = not self.show_all
            self._limit, self._total = RUN_LIMIT, 0  # another scope: its newest first
            self.load()

    @on(DataTable.RowHighlighted, "#runs")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The cursor moved onto the last row: the older runs are read (``_older``). Row
        0 is highlighted as the table gets its first row: a list of one run asks for
        more only by a key past its end (``RunsTable.PastEnd``)."""
        if event.cursor_row > 0 and event.cursor_row == event.data_table.row_count - 1:
            self._older()

    @on(RunsTable.PastEnd)
    def _past_end(self) -> None:
        self._older()

    def _older(self) -> None:
        """The next ``RUN_LIMIT`` older runs, if the store holds more than the list: read
        on a thread (``_refresh``), the heading saying so meanwhile. A read under way
        that asked for fewer is read again once it ends (``_show``)."""
        shown = len(self.records)
        if self._total > shown and self._limit <= shown:
            self._limit = shown + RUN_LIMIT
            self._show_heading()
            self._refresh()

    def action_open(self) -> None:
        table = self.query_one("#runs", DataTable)
        if table.row_count:
            self._open(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    @on(DataTable.RowSelected, "#runs")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._open(str(event.row_key.value))

    def _open(self, run_id: str) -> None:
        """Open the run's page once it is read, on a thread: folding a 10,000-task run's
        log held the screen 0.4 s and more. The heading says which run it opens meanwhile,
        and keys go on working (Escape leaves, Enter on another run opens that one)."""
        record = self.records.get(run_id)
        label = f"run {record.flow} #{record.number}" if record is not None else f"run {run_id}"
        self._opening = (run_id, plain(label, 80, cell=True))
        self._show_heading()
        self.run_worker(lambda: self._read_run(run_id), thread=True, group="open")

    def _read_run(self, run_id: str) -> None:
        """The worker of ``_open``: the run's detail, handed to ``_opened``."""
        try:
            detail: RunDetail | Exception = read_run(self.history, run_id)
        except Exception as exc:  # noqa: BLE001 - a run deleted or unreadable is a message
            detail = exc
        answer_from_thread(self, self._opened, run_id, detail)

    def _opened(self, run_id: str, detail: RunDetail | Exception) -> None:
        """Show the run read (or why it could not be), unless the user left the screen or
        chose another run meanwhile."""
        if self._opening is None or self._opening[0] != run_id:
            return
        self._opening = None
        if not self.is_current:
            return
        self._show_heading()
        if isinstance(detail, Exception):
            self.notify(
                plain(str(detail), 500), title="Cannot open run", severity="error", markup=False
            )
            return
        self.app.push_screen(RunDetailScreen(detail, self.history))
