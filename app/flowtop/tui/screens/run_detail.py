"""One past run's page (Enter on a run of the history screen): its tasks, and every
attempt of the highlighted one; and what the runs list shares with it (task text made
safe to draw, a state as a cell, the row table, the footer, how often to read again).

It reads ``History`` only (never the live run model), so what it shows is exactly what
``flowtop history`` prints and what survived a crash. Everything a task wrote (errors,
tracebacks, output) is shown as plain text, never parsed as markup.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Static

from flowtop.attempt_story import failed_how, wait_story
from flowtop.formats import RETRY_ONLY, date_time, fmt_duration, try_text
from flowtop.head_tail import head_and_tail
from flowtop.looks import INTERRUPTED, INTERRUPTED_LOOK, STATE_LOOK, run_error_text
from flowtop.printable import as_left_on_screen, printable

from ...engine.events import REUSED_FROM_SOURCE
from ...engine.parameters import describe as describe_parameters
from ...engine.states import StateType
from ...workspace.history_records import HistoryError, source_label
from ..row_views import state_counts_text
from ..table_rows import columns_past_edge, last_column_room, refit_columns, replace_rows
from ..widgets.key_bar import Entry, KeyBar
from ..widgets.state_colors import LOOK_STYLE, looks

if TYPE_CHECKING:
    from ...workspace.history_records import RunDetail, RunRecord, TaskRecord
    from ..workspace_view import HistoryView

log = logging.getLogger("flowtop.tui.history")

#: A run's counts as the runs list and a run's heading say them: the one wording of a
#: run's counts on screen (``row_views``; the history list imports it by this name).
counts_text = state_counts_text

#: Longest text shown in one piece; a 1 MB message must not stall. An error, traceback or
#: output shows its head and its tail instead (``block``).
TEXT_LIMIT = 20_000
#: The table's error cell before its width is known; then it takes the room the columns
#: before it leave (the whole message is in the attempts pane below it) ...
ERROR_CELL = 60
#: ... and at least this, where they leave less (`→ more columns` says so).
MIN_ERROR_CELL = 16
#: How often an open history screen reads the store again (seconds): the runs list, and
#: a live run's page until the run ends.
REFRESH = 2.0
#: The app keys every screen answers to: (action, default key, label).
ALWAYS = (("help", "?", "Help"), ("quit", "q", "Quit"))


def plain(text: str | None, limit: int = TEXT_LIMIT, *, cell: bool = False) -> str:
    """Task text made safe to draw: control characters and lone surrogates escaped (a
    cell measured one cell short per surrogate), length capped."""
    text = printable((text or "").replace("\r\n", "\n"))
    if len(text) > limit:
        cut = "…" if cell else f"… ({len(text) - limit:,} more characters)"
        text = text[: limit - 1 if cell else limit] + cut
    return text


def block(text: str | None) -> str:
    """An error, a traceback or an output made safe to draw (``plain``), its head and its
    tail past ``head_tail.HEAD + TAIL`` characters: the lines before a failure are at the
    end (the first 20,000 characters alone left them out of reach)."""
    return head_and_tail(printable((text or "").replace("\r\n", "\n")))


def state_text(state: str, styles: Mapping[str, str] = LOOK_STYLE) -> Text:
    """``✓ Completed`` etc., like the live table; the store's own ``INTERRUPTED`` as the
    table says it (``⚡ Interrupted``), in ``styles``' colour (none under ``NO_COLOR``). A
    state this flowtop does not know (a newer one's store) is its name after ``?``,
    uncoloured: not ``⚡`` in yellow, which means interrupted."""
    if state == INTERRUPTED:
        symbol, word, look = INTERRUPTED_LOOK
    else:
        try:
            symbol, word, look = STATE_LOOK[StateType(state)]
        except ValueError:
            return Text(f"? {plain(state.title(), 40, cell=True)}")
    return Text(f"{symbol} {word}", style=styles.get(look, ""))


def run_counts(detail: RunDetail) -> tuple[str, str]:
    """A run's counts in words and in symbols alone (``counts_text``), after its stored
    counts; a live run's are empty until it ends, so its tasks' states so far."""
    run = detail.run
    counts = run.counts or Counter(task.state for task in detail.tasks)
    return counts_text(counts, run.reused, words=True), counts_text(counts, run.reused)


def footer_entries(screen: Screen[Any]) -> tuple[list[Entry], list[Entry]]:
    """A history screen's own keys, then ``?`` and ``q`` (the app's, as rebound now)."""
    app = screen.app
    own = [
        (app.get_key_display(b), b.description)
        for b in screen.BINDINGS
        if isinstance(b, Binding) and b.show
    ]
    key_for = getattr(app, "key_for", None)
    always = [(key_for(a) if key_for else k, label) for a, k, label in ALWAYS]
    return own, always


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

    def _column_starts(self) -> list[int]:
        starts, x = [], 0
        for column in self.ordered_columns:
            starts.append(x)
            x += column.get_render_width(self)
        return starts

    def action_cursor_right(self) -> None:
        """To the next column's left edge (or as far as the table goes)."""
        now = round(self.scroll_x)
        ahead = [x for x in self._column_starts() if x > now]
        self.scroll_to(x=min([*ahead, round(self.max_scroll_x)]), animate=False)

    def action_cursor_left(self) -> None:
        """To the left edge of the column the view's left edge is in (or the one before)."""
        now = round(self.scroll_x)
        behind = [x for x in self._column_starts() if x < now]
        self.scroll_to(x=max([0, *behind]), animate=False)


#: Rows of a run's tasks added per frame (about 0.15 s of DataTable's time).
ROWS_AT_ONCE = 500


class RunDetailScreen(Screen[None]):
    """One past run: its tasks, and every attempt of the highlighted one."""

    DEFAULT_CSS = """
    RunDetailScreen #heading { height: auto; padding: 0 1; text-style: bold; background: $boost; }
    RunDetailScreen #tasks { height: auto; max-height: 40%; }
    RunDetailScreen #attempts { height: 1fr; border-top: solid $primary; padding: 0 1; }
    """

    # Tab and Shift+Tab as the app's own (same ids, so [keys] rebinds them here too),
    # named on this screen so that `?` lists them: Tab is how the attempts pane is
    # reached to scroll it, and the help left it out.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="history.run.back", tooltip="Back to the runs list"),
        Binding(
            "tab",
            "app.focus_next",
            "Next pane",
            show=False,
            id="flowtop.next_pane",
            tooltip="Between the tasks and the attempts pane (to scroll it)",
        ),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous pane",
            show=False,
            id="flowtop.previous_pane",
            tooltip="Cycle backwards",
        ),
    ]

    def __init__(self, detail: RunDetail, history: HistoryView | None = None) -> None:
        """``history``: where a live run is read again (every ``REFRESH``) until it ends;
        without it the page shows ``detail`` as it is."""
        super().__init__()
        self.detail = detail
        self.tasks = {record.task: record for record in detail.tasks}
        self.history = history
        self._reading = False  # a refresh's read is on a thread
        self._follow: Timer | None = None
        #: The Last error cells' width: what the columns before it leave (``_fit_errors``).
        self._error_room = ERROR_CELL
        #: The run's counts with their words and without: made when its data changes.
        self._counts = run_counts(detail)
        #: The heading (the hint aside) and the width it was fitted to: made again when
        #: the run's data or the width changes, not on a scroll (``_show_heading``).
        self._heading: tuple[int, Text] | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._heading_text(self.detail.run), id="heading")
        table = RunTable(id="tasks", cursor_type="row", zebra_stripes=True)
        *_, self._error_column = table.add_columns(
            "Task", "State", "Attempts", "Duration", "Last error"
        )
        self._add_rows(table, self.detail.tasks[:ROWS_AT_ONCE])
        yield table
        with VerticalScroll(id="attempts"):
            yield Static("", id="attempt-text")
        yield KeyBar(lambda: footer_entries(self))

    def _heading_text(self, run: RunRecord) -> Text:
        """``etl #3 · ✗ Failed · ✓ 3 completed  ■ 1 cancelled · started …``: the run's
        counts after its state, as ``flowtop history --run`` gives them (the page showed
        none). Where the first line has no room for them with their words, the symbols
        alone, as the runs list has them; where not even those fit, none: they never push
        the state onto a line of its own. When it started and how long it took share the
        line with them, the counts shortening first, as the run header's do: at 80
        columns the time wrapped alone onto the next line (`… 01:27:13 ·` over `4.0s`);
        where they do not fit beside the counts even so, they take the next line whole."""
        heading = Text(
            f"{run.flow} #{run.number}{f' {plain(run.name, 80)}' if run.name else ''} · "
        )
        heading.append_text(state_text(run.state, looks(self.app)))
        room = self.size.width - 2  # the heading's padding
        when = (
            f"started {date_time(run.started, '')} · {fmt_duration(run.duration) or 'unfinished'}"
        )
        fits = [  # the counts' wordings with the time beside them, then on a line of its own
            *((said, f" · {when}") for said in self._counts),
            *((said, f"\n{when}") for said in self._counts),
        ]
        for said, then in fits:
            with_counts = f" · {said}" if said else ""
            line = heading.cell_len + cell_len(with_counts) + cell_len(then.split("\n")[0])
            if room < 0 or line <= room:
                heading.append(with_counts + then)
                break
        else:
            heading.append(f"\n{when}")
        if run.rerun_of:
            heading.append(f" · rerun of {source_label(run.rerun_of, run.rerun_of_number)}")
        if run.child_of:
            heading.append(f" · {plain(run.child_of, 80)}")
        if run.parameters:
            heading.append(f" · with {plain(describe_parameters(run.parameters, 30), 120)}")
        return heading

    def _add_rows(self, table: DataTable[Any], records: Sequence[TaskRecord]) -> None:
        styles = looks(self.app)
        for record in records:
            table.add_row(*self._cells(record, styles, self._error_room), key=record.task)

    @staticmethod
    def _cells(record: TaskRecord, styles: Mapping[str, str], error_room: int) -> list[Any]:
        """One task's row; its Task cell is a ``Text`` of its own (``replace_rows``)."""
        state = (
            Text("↺ Reused", style=styles["reused"])
            if record.reused
            else state_text(record.state, styles)
        )
        return [
            Text(plain(record.task, 80, cell=True)),
            state,
            try_text(
                record.attempts,
                record.max_attempts,
                RETRY_ONLY in (record.policy or ""),
                reused=record.reused,
            ),
            Text(fmt_duration(record.duration), justify="right"),
            error_cell(record, error_room),
        ]

    def _fit_errors(self) -> None:
        """The Last error cells cut (with ``…``) to the room the columns before it leave
        (at 140 columns a 60-cell cap left 40 empty), and the heading's hint: at 80
        columns an error ran past the right edge, cut there mid-word, with nothing to say
        the table went on."""
        table = self.query_one("#tasks", DataTable)
        room = max(MIN_ERROR_CELL, last_column_room(table))
        if room != self._error_room:
            self._error_room = room
            for record in self.detail.tasks:
                if record.error_type and record.task in table.rows:
                    cell = error_cell(record, room)
                    table.update_cell(record.task, self._error_column, cell, update_width=False)
            refit_columns(table, [self._error_column])
        self.call_after_refresh(self._show_heading)

    def _show_heading(self) -> None:
        """The heading, and the hint while columns are past the table's right edge: a
        scroll moves only the hint, so the rest is made again only for new data or a new
        width (it read the counts again on every press of → or ←)."""
        width = self.size.width
        if self._heading is None or self._heading[0] != width:
            self._heading = (width, self._heading_text(self.detail.run))
        heading = self._heading[1].copy()
        if columns_past_edge(self.query_one("#tasks", DataTable)):
            heading.append(" · → more columns")
        self.query_one("#heading", Static).update(heading)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_errors)  # once the table has its new width

    def _more_rows(self) -> None:
        """The next ``ROWS_AT_ONCE`` rows, then a frame and the keys typed meanwhile:
        filled at once, a 20,000-task run froze the screen for 12 s."""
        table = self.query_one("#tasks", DataTable)
        done = table.row_count
        self._add_rows(table, self.detail.tasks[done : done + ROWS_AT_ONCE])
        if table.row_count < len(self.detail.tasks):
            self.call_after_refresh(self._more_rows)
        else:  # the Task column may have widened
            self.call_after_refresh(self._fit_errors)

    def on_mount(self) -> None:
        table = self.query_one("#tasks", DataTable)
        self.watch(table, "scroll_x", lambda _x: self._show_heading(), init=False)
        self.call_after_refresh(self._fit_errors)
        if len(self.detail.tasks) > ROWS_AT_ONCE:
            self.call_after_refresh(self._more_rows)
        if self.history is not None and self.detail.run.state == "RUNNING":
            # A live run's page followed it as the runs list does: it read `▶ Running`
            # and `waiting to retry` for good, after the run had failed.
            self._follow = self.set_interval(REFRESH, self._refresh)
        if self.detail.tasks:
            self.show_task(self.detail.tasks[0].task)
        else:
            text = Text("This run recorded no tasks.\n")
            self.query_one("#attempt-text", Static).update(self._with_flow_output(text))

    def _refresh(self) -> None:
        """Every ``REFRESH`` while the run is live: read on a thread, shown here."""
        if self.is_current and not self._reading:
            self._reading = True
            self.run_worker(self._read_in_thread, thread=True, group="refresh")

    def _read_in_thread(self) -> None:
        assert self.history is not None  # only followed with a history to read
        run_id = self.detail.run.run_id
        try:
            detail = self.history.run_detail(run_id)
        except (HistoryError, sqlite3.Error):  # unreadable for now: keep what it shows, read again
            return
        except Exception:  # not the store's trouble: a bug, or the run gone; said once
            log.exception(
                "reading run %s again for its page failed; it is no longer followed", run_id
            )
            self.app.call_from_thread(self._stop_following)
            return
        finally:
            self._reading = False
        self.app.call_from_thread(self._show_detail, detail)

    def _stop_following(self) -> None:
        """No more reads: what the page shows stays as it is."""
        if self._follow is not None:
            self._follow.stop()

    def _show_detail(self, detail: RunDetail) -> None:
        """``detail`` shown, the view kept: the cursor on its task, the table scrolled
        where it was (``replace_rows``); once the run has ended, no more reads."""
        if detail.run.state != "RUNNING" and self._follow is not None:
            self._follow.stop()
        if detail == self.detail:
            return
        self.detail = detail
        self.tasks = {record.task: record for record in detail.tasks}
        self._counts, self._heading = run_counts(detail), None
        self._show_heading()
        table = self.query_one("#tasks", DataTable)
        if len(detail.tasks) <= ROWS_AT_ONCE:  # a bigger one's rows all at once froze it
            styles, room = looks(self.app), self._error_room
            cells = {task.task: self._cells(task, styles, room) for task in detail.tasks}
            replace_rows(table, cells)
        self._show_cursor_task()
        self.call_after_refresh(self._fit_errors)  # its new tasks may have widened Task

    @on(DataTable.RowHighlighted, "#tasks")
    def _task_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        # The cursor's task, not the event's: refilled (``replace_rows``), the table said
        # row 0 was highlighted after the cursor had been put back on its task.
        self._show_cursor_task()

    def _show_cursor_task(self) -> None:
        table = self.query_one("#tasks", DataTable)
        if table.row_count:
            self.show_task(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    def show_task(self, key: str) -> None:
        text = attempts_text(self.tasks[key], looks(self.app))
        self.query_one("#attempt-text", Static).update(self._with_flow_output(text))

    def _with_flow_output(self, text: Text) -> Text:
        """``text``, then how the run itself ended when its tasks do not say it (why it
        was interrupted, what its ``@flow`` function raised, why it never started), and
        what its ``@flow`` body printed itself (if anything)."""
        run = self.detail.run
        if run.note and run.state != "RUNNING":
            text.append(f"\n{block(run.note)}\n", style="italic")
        if run.error:
            said = run_error_text(run.error["type"], run.error.get("message", ""))
            text.append(f"\nThe run: {block(said)}\n", style=looks(self.app)["failed"])
            if run.error.get("traceback"):
                text.append(block(run.error["traceback"].rstrip("\n")) + "\n", style="dim")
        if self.detail.output:
            text.append("\nFlow output", style="bold")
            text.append("  what the @flow body and its hooks printed\n", style="dim")
            text.append(block(self.detail.output.rstrip("\n")) + "\n")
        return text

    def action_back(self) -> None:
        self.dismiss(None)


def error_cell(record: TaskRecord, room: int) -> Text:
    """A task's error on one line, cut to ``room`` cells with ``…``."""
    error = f"{record.error_type}: {record.error_message}" if record.error_type else ""
    cell = Text(plain(error.replace("\n", " "), room, cell=True))
    cell.truncate(room, overflow="ellipsis")
    return cell


def attempts_text(record: TaskRecord, styles: Mapping[str, str] = LOOK_STYLE) -> Text:
    """Every attempt of one task: state, timing, error, traceback, output, next delay."""
    text = Text()
    text.append(plain(record.task, 200), style="bold")
    text.append(f"  {record.policy}\n" if record.policy else "\n", style="dim")
    if record.reused:
        text.append(
            "Carried over from the source run (not executed again): its attempts are there.\n",
            style=styles["reused"],
        )
    if record.message and record.message != REUSED_FROM_SOURCE:  # said just above
        text.append(block(record.message) + "\n", style="italic")
    if not record.attempt_records and not record.reused:  # a reused task has none here
        text.append("No attempts recorded.\n", style="dim")
    attempts = record.attempt_records
    for attempt, after in zip(attempts, [*attempts[1:], None], strict=False):  # and the next
        text.append(f"\nAttempt {attempt.number} · ", style="bold")
        how = failed_how(attempt, after)
        if how is None:
            text.append_text(state_text(attempt.state, styles))
        else:
            words, look = how
            text.append(f"✗ Failed, {words}", style=styles[look])
        text.append(
            f" · {fmt_duration(attempt.duration)} · started {date_time(attempt.started, '')}\n"
        )
        if attempt.error_type:
            text.append(
                block(f"{attempt.error_type}: {attempt.error_message or ''}") + "\n",
                style=styles["error"],
            )
        if attempt.retry_in is not None:
            why = f" ({plain(attempt.delay_explained, 300)})" if attempt.delay_explained else ""
            text.append(f"{wait_story(attempt, after)}{why}\n", style=styles["retry"])
        if attempt.result is not None:
            text.append("result: " + plain(attempt.result, 500) + "\n")
        if attempt.traceback:
            text.append(block(attempt.traceback.rstrip("\n")) + "\n", style="dim")
        if attempt.output:
            text.append("output:\n", style="bold")
            text.append(block(as_left_on_screen(attempt.output).rstrip("\n")) + "\n")
    return text
