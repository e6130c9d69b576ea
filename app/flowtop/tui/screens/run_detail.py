"""One past run's page (Enter on a run of the history screen): its tasks, and every
attempt of the highlighted one; and what the runs list shares with it (task text made
safe to draw, a state as a cell, the footer, how often to read again; the row table
is ``run_table``'s).

It reads ``History`` only (never the live run model), so what it shows is exactly what
``flowtop history`` prints and what survived a crash. Everything a task wrote (errors,
tracebacks, output) is shown as plain text, never parsed as markup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
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

from flowtop.attempt_story import PREDICATE_ASKED, failed_how, rejected_how, wait_story
from flowtop.formats import RETRY_ONLY, cut_cells, cut_name, date_time, fmt_duration, try_text
from flowtop.head_tail import head_and_tail
from flowtop.looks import REJECTED_LOOK, REUSED_LOOK, STATE_LOOK, run_error_text, stored_look
from flowtop.printable import as_left_on_screen, printable, printable_name

from ...engine.parameters import describe as describe_parameters
from ...engine.states import StateType
from ...workspace.history_records import source_label
from ...workspace.reuse_origin import Origin, origins, reused_keys
from ..after_frame import after_frame
from ..attempts_shown import earlier_said, shown_attempts
from ..table_rows import add_rows, columns_past_edge, last_column_room, refit_columns, replace_rows
from ..thread_answers import answer_from_thread
from ..widgets.key_bar import Entry, KeyBar
from ..widgets.key_scroll import KeyScroll
from ..widgets.measured_static import MeasuredStatic
from ..widgets.state_colors import LOOK_STYLE, looks
from .attempt_lines import behind_gutter, hang_indent
from .history_reads import reused_said, run_reader
from .last_error import last_error
from .run_heading import heading_lines, live_said, run_counts
from .run_pruned import PageReads, Pruned
from .run_subflows import SubflowsShown
from .run_table import RunTable

if TYPE_CHECKING:
    from ...workspace.history_records import RunDetail, RunRecord, TaskRecord
    from ..workspace_view import HistoryView

log = logging.getLogger("flowtop.tui.history")

#: Longest text shown in one piece; a 1 MB message must not stall. An error, traceback or
#: output shows its head and its tail instead (``block``).
TEXT_LIMIT = 20_000
#: The table's error cell before its width is known; then it takes the room the columns
#: before it leave (the whole message is in the attempts pane below it) ...
ERROR_CELL = 60
#: ... and at least this, where they leave less (`→ more columns` says so).
MIN_ERROR_CELL = 16
#: The Task column stays as the others scroll (``fixed_columns``): its cells take at most
#: a third of the screen's width, and at least this many cells (the attempts pane
#: names the task whole). A 55-cell name left a 24-cell window on the other columns.
MIN_TASK_CELL = 12
#: The fewest cells a run's flow name or run name is cut to in the heading.
MIN_TITLE = 5
#: What the heading ends in while columns are past the table's right edge, and the
#: footer's entry for the key that scrolls to them (``RunTable``'s `→`, not rebound).
MORE_HINT = " · → more columns"
MORE_KEY: Entry = ("→", "More columns")
#: How often an open history screen reads the store again (seconds): the runs list, and
#: a run's page (a live run's, a store's whether a prune took it: ``run_pruned``).
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


def state_text(
    state: str, styles: Mapping[str, str] = LOOK_STYLE, look: tuple[str, str, str] | None = None
) -> Text:
    """``✓ Completed`` etc., like the live table; the store's own ``INTERRUPTED`` as the
    table says it (``⚡ Interrupted``), in ``styles``' colour (none under ``NO_COLOR``). A
    state this flowtop does not know (a newer one's store) is its name after ``?``,
    uncoloured: not ``⚡`` in yellow, which means interrupted; ``look``: ``SubflowRun.look``."""
    known = look or stored_look(state)
    if known is None:
        return Text(f"? {plain(state.title(), 40, cell=True)}")
    return look_text(known, styles)


def look_text(look: tuple[str, str, str], styles: Mapping[str, str]) -> Text:
    """``✓ Completed``: a look's symbol and word, in its style's colour."""
    symbol, word, style = look
    return Text(f"{symbol} {word}", style=styles.get(style, ""))


def footer_entries(screen: Screen[Any], *, more: bool = False) -> tuple[list[Entry], list[Entry]]:
    """A history screen's own keys, then ``?`` and ``q`` (the app's, as rebound now);
    ``more``: `→ More columns` too, while columns are past the right edge, as the heading
    says (the footer offered no `→`, the key that shows them)."""
    app = screen.app
    own = [
        (app.get_key_display(b), b.description)
        for b in screen.BINDINGS
        if isinstance(b, Binding) and b.show
    ] + ([MORE_KEY] if more else [])
    key_for = getattr(app, "key_for", None)
    # an action whose key [keys] gave to another has none: left out, as the main footer does
    keyless = app.keyless_actions() if hasattr(app, "keyless_actions") else frozenset()
    always = [(key_for(a) if key_for else k, label) for a, k, label in ALWAYS if a not in keyless]
    return own, always


#: Rows of a run's tasks added per frame (about 0.15 s of DataTable's time).
ROWS_AT_ONCE = 500


class RunDetailScreen(Screen[None]):
    """One past run: its tasks, and the attempts of the highlighted one."""

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
        """``history``: where a live run is read again (every ``REFRESH``) until it ends,
        a store's run for good (``run_pruned``); without it ``detail`` shows as it is."""
        super().__init__()
        self.detail = detail
        self.tasks = {record.task: record for record in detail.tasks}
        self.history = history
        self._reads = None if history is None else PageReads(history)
        self._reading = False  # a refresh's read is on a thread
        self._follow: Timer | None = None
        #: The Last error cells' width: what the columns before it leave (``_fit_cells``).
        self._error_room = ERROR_CELL
        #: The Task cells' width: a share of the screen's (``MIN_TASK_CELL``).
        self._task_room = self._task_room_now()
        #: The attempts pane's width its text was wrapped to (``_wrap``); 0: not yet.
        self._wrapped_at = 0
        #: The run's counts with their words and without: made when its data changes.
        self._counts = run_counts(detail, looks(self.app))
        #: Where its reused tasks' results were made, by task (``_place_reused``).
        self._origins: dict[str, Origin] = {}
        #: The subflow runs it called, each a run of its own (``run_subflows``).
        self._subflows = SubflowsShown(lambda run: state_text(run.state, looks(self.app), run.look))
        self._subflows.take(detail)  # (read with the run: ``read_run``)
        #: The heading, and what it was fitted to: the width, whether the table is wider
        #: (room kept for the hint) and whether the hint shows (``_show_heading``).
        self._heading: tuple[tuple[int, bool, bool, str], Text] | None = None
        self._columns_hidden = False  # (``columns_past_edge``): `→` in the footer too

    def compose(self) -> ComposeResult:
        yield Static(self._heading_text(self.detail.run), id="heading")
        table = RunTable(id="tasks", cursor_type="row", zebra_stripes=True)
        self._task_column, *_, self._error_column = table.add_columns(
            "Task", "State", "Attempts", "Duration", "Last error"
        )
        self._add_rows(table, self.detail.tasks[:ROWS_AT_ONCE])
        yield table
        with KeyScroll(id="attempts"):  # ↑↓ a line per key, however fast
            yield MeasuredStatic("", id="attempt-text")  # its height follows its text
        yield KeyBar(lambda: footer_entries(self, more=self._columns_hidden))

    def _heading_text(self, run: RunRecord, *, wide: bool = False, more: bool = False) -> Text:
        """``etl #3 · ✗ Failed · ✓ 3 completed  ■ 1 cancelled · started …``: the run's
        counts after its state, as ``flowtop history --run`` gives them (the page showed
        none). Where the first line has no room for them with their words, the symbols
        alone, as the runs list has them; where not even those fit, none: they never push
        the state onto a line of its own. When it started and how long it took share the
        line with them, the counts shortening first, as the run header's do: at 80
        columns the time wrapped alone onto the next line (`… 01:27:13 ·` over `4.0s`);
        where they do not fit beside the counts even so, they take the next line whole.

        ``more``: it ends in ``MORE_HINT``; ``wide`` (the table is wider than the screen):
        the words leave the hint room on their last line where they can, whether or not
        it shows (``heading_lines``). A flow or run name too long for the line is cut
        with `…` (it was folded mid-word: `…long-name-inde` over `ed #1`)."""
        known = self.size.width > 0  # laid out: the lines are fitted to it
        room = self.size.width - 2  # the heading's padding
        flow, name = run.flow, plain(run.name, 80)
        if known:
            flow = cut_cells(flow, max(MIN_TITLE, room - len(f" #{run.number}")))
            name = cut_cells(name, max(MIN_TITLE, room - cell_len(f"{flow} #{run.number} ")))
        title = f"{flow} #{run.number}{f' {name}' if name else ''}"
        heading = Text(f"{title} · ")
        heading.append_text(state_text(run.state, looks(self.app)))
        when = (
            f"started {date_time(run.started, '')} · {fmt_duration(run.duration) or 'unfinished'}"
        )
        tail = live_said(self.app, run)  # what follows the time: stopped, or waits on
        if run.rerun_of:
            tail += f" · rerun of {source_label(run.rerun_of, run.rerun_of_number)}"
        if run.child_of:
            tail += f" · {plain(run.child_of, 80)}"
        if run.parameters:
            tail += f" · with {plain(describe_parameters(run.parameters, 30), 120)}"
        hints = (MORE_HINT if wide else "", MORE_HINT if more else "")
        start = heading.cell_len
        heading.append_text(
            heading_lines(start, self._counts, when, tail, room if known else 0, hints)
        )
        return heading

    def _add_rows(self, table: DataTable[Any], records: Sequence[TaskRecord]) -> None:
        styles, cells = looks(self.app), self._cells
        rows = {r.task: cells(r, styles, self._error_room, self._task_room) for r in records}
        add_rows(table, rows)

    @staticmethod
    def _cells(
        record: TaskRecord, styles: Mapping[str, str], error_room: int, task_room: int
    ) -> list[Any]:
        """One task's row; its Task cell is a ``Text`` of its own (``replace_rows``)."""
        state = state_text(record.state, styles, REUSED_LOOK if record.reused else None)
        return [
            task_cell(record, task_room),
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

    def _task_room_now(self) -> int:
        """The Task cells' width for the screen's width now (``MIN_TASK_CELL``)."""
        return max(MIN_TASK_CELL, self.app.size.width // 3)

    def _fit_cells(self) -> None:
        """The Task cells cut to their share of the width (``MIN_TASK_CELL``), the Last
        error cells (with ``…``) to the room the columns before it leave (at 140 columns
        a 60-cell cap left 40 empty), the heading's hint (at 80 columns an error ran past
        the right edge, cut there mid-word, with nothing to say the table went on), and
        the attempts pane's lines to its width (``hang_indent``)."""
        table = self.query_one("#tasks", DataTable)
        task_room = self._task_room_now()
        if task_room != self._task_room:
            self._task_room = task_room
            for record in self.detail.tasks:
                if record.task in table.rows:
                    cell = task_cell(record, task_room)
                    table.update_cell(record.task, self._task_column, cell, update_width=False)
            refit_columns(table, [self._task_column])
        room = error_room(table)
        if room != self._error_room:
            self._error_room = room
            for record in self.detail.tasks:
                if last_error(record) and record.task in table.rows:
                    cell = error_cell(record, room)
                    table.update_cell(record.task, self._error_column, cell, update_width=False)
            refit_columns(table, [self._error_column])
        after_frame(self, self._settle)
        if self._text_width() != self._wrapped_at:
            self._show_attempts()

    def _settle(self) -> None:
        """Once the table has its new width: the Task column fixed while the table is
        wider than the screen (it scrolled off, and a row read `✗ Failed  2/4
        ConnectionError…` with no task name; tinted, as Textual draws a fixed column, it
        says it stays); scrolled no further than it now goes (made wider, a table
        scrolled to its end stayed scrolled, State read `tate`); the heading and hint."""
        table = self.query_one("#tasks", DataTable)
        table.fixed_columns = 1 if round(table.max_scroll_x) > table.cell_padding else 0
        if table.scroll_x > table.max_scroll_x:
            table.scroll_to(x=table.max_scroll_x, animate=False, immediate=True)
        self._show_heading()

    def _show_heading(self) -> None:
        """The heading, and the hint while columns are past the table's right edge: made
        again only for new data, a new width or when the hint comes or goes, not on
        every press of → or ←. Shown each time all the same: shown once, its new
        height was at times not laid out (a second line never drawn)."""
        table, run = self.query_one("#tasks", DataTable), self.detail.run
        wide = round(table.max_scroll_x) > table.cell_padding  # as ``columns_past_edge``
        fitted = (self.size.width, wide, columns_past_edge(table), live_said(self.app, run))
        if fitted[2] != self._columns_hidden:  # the footer offers `→` while the hint shows
            self._columns_hidden = fitted[2]
            self.query_one(KeyBar).refresh()
        if self._heading is None or self._heading[0] != fitted:
            self._heading = (fitted, self._heading_text(run, wide=wide, more=fitted[2]))
        self.query_one("#heading", Static).update(self._heading[1])

    def on_resize(self) -> None:
        after_frame(self, self._fit_cells)  # once the table has its new width

    def _more_rows(self) -> None:
        """The next ``ROWS_AT_ONCE`` rows, then a frame and the keys typed meanwhile:
        filled at once, a 20,000-task run froze the screen for 12 s."""
        table = self.query_one("#tasks", RunTable)
        done = table.row_count
        self._add_rows(table, self.detail.tasks[done : done + ROWS_AT_ONCE])
        table.rows_added(done)  # End or G pressed meanwhile goes on to the last row
        self._show_loading()
        if table.row_count < len(self.detail.tasks):
            after_frame(self, self._more_rows)
        else:  # the Task column may have widened
            after_frame(self, self._fit_cells)

    def _show_loading(self) -> None:
        """While rows still come, the edge under the table says how many are in: for
        seconds it grew with no sign, and End went to a row that was not the last."""
        shown, total = self.query_one("#tasks", DataTable).row_count, len(self.detail.tasks)
        loading = f"loading {shown:,} of {total:,} rows" if shown < total else None
        self.query_one("#attempts", VerticalScroll).border_title = loading

    def on_mount(self) -> None:
        table = self.query_one("#tasks", DataTable)
        self.watch(table, "scroll_x", lambda _x: self._show_heading(), init=False)
        self._show_loading()
        after_frame(self, self._fit_cells)
        if len(self.detail.tasks) > ROWS_AT_ONCE:
            after_frame(self, self._more_rows)
        watches = self._reads is not None and self._reads.watches_store  # (a store's page)
        if self._reads and (self.detail.run.state == "RUNNING" or watches):
            # A live run's page follows it as the runs list does (it read `▶ Running`
            # for good after the run had failed); a store's, whether a prune took it.
            self._follow = self.set_interval(REFRESH, self._refresh)
        self._show_attempts()
        self._place_reused()
        if watches:  # at once: its subflow runs, and whether it was pruned meanwhile
            self._read_again()

    def _refresh(self) -> None:
        """Every ``REFRESH`` while the run is live, or a store's: read on a thread, shown
        here; once a read found it pruned, the page closes (``run_pruned``)."""
        reads = self._reads
        self._show_heading()  # its process stopped, or resumed: no new data says it
        if self.is_current and reads and not reads.closed_if_gone(self, self.detail.run):
            self._read_again()

    def _read_again(self) -> None:
        """The run read on a thread, its subflow runs on the same connection (a second
        one was opened for them at each refresh), and shown here."""
        if not self._reading:
            self._reading = True
            self.run_worker(self._read_in_thread, thread=True, group="refresh")

    def _read_in_thread(self) -> None:
        assert self._reads is not None  # only followed with a history to read
        run_id = self.detail.run.run_id
        try:
            detail = self._reads.again(self.detail)  # None: nothing new, or unreadable now
        except Pruned:
            answer_from_thread(self, self._refresh)  # said, and closed
            return
        except Exception:  # not the store's trouble: a bug, or the run gone; said once
            log.exception(
                "reading run %s again for its page failed; it is no longer followed", run_id
            )
            if self._follow is not None:  # no more reads: the page stays as it is
                answer_from_thread(self, self._follow.stop)
            return
        finally:
            self._reading = False
        if detail is not None:  # (none: nothing new)
            answer_from_thread(self, self._show_detail, detail)  # not once the page is going

    def _show_detail(self, detail: RunDetail) -> None:
        """``detail`` shown, the view kept: the cursor on its task, the table scrolled
        where it was (``replace_rows``); once the run has ended, no more reads."""
        reads, follow = self._reads, self._follow
        if detail.run.state != "RUNNING" and follow and reads and not reads.watches_store:
            follow.stop()
        if detail == self.detail:
            return
        self.detail = detail
        subflows_changed = self._subflows.take(detail)
        self.tasks = {record.task: record for record in detail.tasks}
        self._counts, self._heading = run_counts(detail, looks(self.app)), None
        self._show_heading()
        table = self.query_one("#tasks", DataTable)
        if len(detail.tasks) <= ROWS_AT_ONCE:  # a bigger one's rows all at once froze it
            styles, rooms = looks(self.app), (self._error_room, self._task_room)
            cells = {task.task: self._cells(task, styles, *rooms) for task in detail.tasks}
            replace_rows(table, cells)
        self._show_cursor_task()
        after_frame(self, self._fit_cells)  # its new tasks may have widened Task
        self._place_reused()
        if subflows_changed:
            self._show_attempts()

    def _place_reused(self) -> None:
        """Where its reused tasks' results were made, read on a thread for those not
        placed yet (``reuse_origin``): a rerun of a rerun named its source, which made
        none of them."""
        keys = [key for key in reused_keys(self.detail) if key not in self._origins]
        if keys and self.history is not None:
            detail, read = self.detail, run_reader(self.history)  # (pruned) said

            def place() -> None:
                answer_from_thread(self, self._placed, origins(detail, read, keys))

            self.run_worker(place, thread=True, group="origins")

    def _placed(self, found: dict[str, Origin]) -> None:
        self._origins.update(found)
        self._show_attempts()

    @on(DataTable.RowHighlighted, "#tasks")
    def _task_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        # The cursor's task, not the event's: refilled (``replace_rows``), the table said
        # row 0 was highlighted after the cursor had been put back on its task.
        self._show_cursor_task()

    def _show_attempts(self) -> None:
        """The attempts pane: the cursor's task's attempts, or that the run recorded no
        task; made again for a new width, to which its tracebacks are wrapped."""
        if self.query_one("#tasks", DataTable).row_count:
            self._show_cursor_task()
        else:
            text = self._subflows.text(self.detail, own_tasks=False)  # or its subflows
            self.query_one("#attempt-text", Static).update(self._with_flow_output(text))

    def _text_width(self) -> int:
        """The attempts pane's lines' width, a vertical scrollbar counted as shown (it
        comes as the text grows); 0 before the pane is laid out."""
        pane = self.query_one("#attempts", VerticalScroll)
        width = pane.scrollable_content_region.width
        if not pane.show_vertical_scrollbar:
            width -= pane.styles.scrollbar_size_vertical
        return max(0, width)

    def _wrap(self, text: str) -> str:
        """``text`` wrapped to the attempts pane's lines (``hang_indent``)."""
        self._wrapped_at = self._text_width()
        return hang_indent(text, self._wrapped_at, self.app.console)

    def _show_cursor_task(self) -> None:
        table = self.query_one("#tasks", DataTable)
        if table.row_count:
            self.show_task(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    def show_task(self, key: str) -> None:
        origin = self._origins.get(key)
        text = attempts_text(self.tasks[key], looks(self.app), wrap=self._wrap, origin=origin)
        text.append_text(self._subflows.text(self.detail, own_tasks=True))
        self.query_one("#attempt-text", Static).update(self._with_flow_output(text))

    def _with_flow_output(self, text: Text) -> Text:
        """``text``, then how the run itself ended when its tasks do not say it (why it
        was interrupted, what its ``@flow`` function raised, why it never started), and
        what its ``@flow`` function returned and its body printed itself (if anything)."""
        run = self.detail.run
        if run.note and run.state != "RUNNING":
            text.append(f"\n{block(run.note)}\n", style="italic")
        if run.error:
            said = run_error_text(run.error["type"], run.error.get("message", ""))
            text.append(f"\nThe run: {block(said)}\n", style=looks(self.app)["failed"])
            if run.error.get("traceback"):
                traceback = self._wrap(block(run.error["traceback"].rstrip("\n")))
                text.append(traceback + "\n", style="dim")
        if self.detail.result is not None:  # what its @flow function returned
            text.append("\nFlow result: ", style="bold").append(block(self.detail.result) + "\n")
        if self.detail.output:
            text.append("\nFlow output", style="bold")
            text.append("  what the @flow body and its hooks printed\n", style="dim")
            text.append(block(as_left_on_screen(self.detail.output).rstrip("\n")) + "\n")
        return text

    def action_back(self) -> None:
        self.dismiss(None)


def task_cell(record: TaskRecord, room: int) -> Text:
    """A task's name in ``room`` cells, cut once, in its middle, as the main table cuts it
    (``cut_name``: a mapped call's number stays). First cut to 80 characters, a longer
    name lost its end (`extract_customer_rec…xxxxxxxxx…`) and a mapped call its `-2`."""
    return Text(cut_name(printable_name(record.task), room))


def error_room(table: DataTable[Any]) -> int:
    """The Last error cells' width: the room the columns before it leave; where that is
    less than ``MIN_ERROR_CELL``, the room it has once scrolled to, beside the Task
    column (fixed then, ``_settle``): cut to 16 cells, `ConnectionError…` had blank
    cells beside it there."""
    room = last_column_room(table)
    if room >= MIN_ERROR_CELL:
        return room
    task = table.ordered_columns[0].get_render_width(table)
    beside = table.scrollable_content_region.width - task - 2 * table.cell_padding
    return max(MIN_ERROR_CELL, beside)


def error_cell(record: TaskRecord, room: int) -> Text:
    """A task's error on one line, cut to ``room`` cells with ``…`` (``last_error``)."""
    cell = Text(plain(last_error(record).replace("\n", " "), room, cell=True))
    cell.truncate(room, overflow="ellipsis")
    return cell


def attempts_text(
    record: TaskRecord,
    styles: Mapping[str, str] = LOOK_STYLE,
    wrap: Callable[[str], str] = str,
    origin: Origin | None = None,
) -> Text:
    """A task's attempts, its last ``SHOWN_ATTEMPTS`` (state, timing, error, traceback,
    output, next delay) under a count of the others; ``wrap``: what its tracebacks' lines
    go through (``hang_indent``); ``origin``: where a reused result was made (None: not
    known yet)."""
    text = Text()
    text.append(plain(record.task, 200), style="bold")
    text.append(f"  {record.policy}\n" if record.policy else "\n", style="dim")
    if record.reused:  # a cache hit names its entry, else the run that made it
        text.append(plain(reused_said(record, origin), 500) + "\n", style=styles["reused"])
    elif record.message:
        text.append(block(record.message) + "\n", style="italic")
    if not record.attempt_records and not record.reused:  # a reused task has none here
        text.append("No attempts recorded.\n", style="dim")
    earlier, attempts = shown_attempts(record.attempt_records)  # (20,000 drawn: 36 s)
    if earlier:
        text.append(f"\n{earlier_said(earlier)}\n", style="dim")
    for attempt, after in zip(attempts, [*attempts[1:], None], strict=False):  # and the next
        text.append(f"\nAttempt {attempt.number} · ", style="bold")
        how = failed_how(attempt, after)
        rejected = rejected_how(attempt, after)
        if rejected is not None:  # it completed: no ✗, and why it was retried
            symbol, word, look = REJECTED_LOOK
            text.append(f"{symbol} {word}, {rejected}", style=styles[look])
        elif how is None:
            text.append_text(state_text(attempt.state, styles))
        else:
            words, look = how
            symbol, word, _ = STATE_LOOK[StateType.FAILED]
            text.append(f"{symbol} {word}, {words}", style=styles[look])
        took = fmt_duration(attempt.duration)  # none while it runs: `▶ Running ·  · started`
        text.append(f"{f' · {took}' if took else ''} · started {date_time(attempt.started, '')}\n")
        if rejected is not None:
            text.append(
                f"{plain(attempt.message, 300) or PREDICATE_ASKED}\n", style=styles["retry"]
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
            text.append(wrap(block(attempt.traceback.rstrip("\n"))) + "\n", style="dim")
        if attempt.output:  # behind the main pane's gutter: no look-alike of the traceback
            text.append("output:\n", style="bold")
            text.append_text(behind_gutter(block(as_left_on_screen(attempt.output)), wrap))
    return text
