"""What the view keys do: move in a pane, filter and sort the task table, switch between
live runs.

They change what the screen shows and never a run: kept apart from the app's wiring
and from the run keys (``run_actions.py``).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.widgets import Input

from flowtop.looks import STARTING
from flowtop.printable import printable_name
from flowtop.tui.file_rows import broken_flow_file, file_row_said
from flowtop.tui.row_views import SORT_MODES
from flowtop.tui.widgets.run_header import Note, live_runs_note
from flowtop.tui.widgets.task_table import TaskTable

if TYPE_CHECKING:
    from textual.app import App

    from flowtop.tui.clock import Clock
    from flowtop.tui.model import TaskRow
    from flowtop.tui.run_store import RunStore
    from flowtop.tui.widgets.detail_pane import DetailPane
    from flowtop.tui.widgets.filter_input import FilterInput
    from flowtop.tui.widgets.flow_list import FlowList
    from flowtop.tui.widgets.run_header import RunHeader
    from flowtop.tui.workspace_view import WorkspaceView

    # The checker sees the mixin as the App it is mixed into (notify, ...); at run time
    # it is a plain class, so it shadows none of the App's methods.
    _AppBase = App[int]
else:
    _AppBase = object


def shell_can_resume(process_group: int, session: int) -> bool:
    """Whether a shell could bring flowtop back after ctrl+z stops it (with SIGCONT).

    A job-control shell runs each job in a process group of its own, and ``fg`` resumes
    it. A process in its session leader's group was started with no job control (an
    exec'd command over ``ssh -tt``, ``bash -c``, ``setsid``, a terminal's own command):
    nothing there sends SIGCONT, so a stop would leave the screen blank and deaf to keys
    until someone kills flowtop from elsewhere. Pure (the ids are passed in) for tests.
    """
    return process_group != session


def hidden_by_filter(
    table: TaskTable, doing: str, fits: Callable[[TaskRow], bool] = lambda row: True
) -> str | None:
    """Why a key that acts on the highlighted task finds none, when the filter is why:
    ``No task to DOING: the filter 'x' hides every row`` (``open``, ``copy the error
    of``); None when it is not (a task is highlighted, no filter is set, or no row it
    hides ``fits`` the key: a task with an error for ``o``, one awaiting a retry for
    ``n``). Enter said "the table has no rows", and ``o`` "works on a task with an
    error", of a run full of them the filter hid."""
    query = table.filter_text
    run = table.run
    if table.cursor_key is not None or not query.strip() or run is None:
        return None
    if not any(fits(row) for row in run.rows.values()):
        return None
    said = printable_name(query)  # as typed, as the header shows it (a repr doubled `\\`)
    return f"No task to {doing}: the filter '{said}' hides every row; Esc in the table clears it"


def screenshot_name(flow: str | None, now: datetime) -> str:
    """A screenshot's file name, plain ASCII: ``flowtop_etl_2026-05-04_10-30-00_123456.svg``.
    Textual's was made of the window title, ``flowtop · /path``: ``flowtop_·__path_…``,
    a name awkward to type in a shell. A flow's name keeps its ASCII letters, digits
    and dashes (others become ``_``; one with none is left out); the microseconds keep
    two screenshots apart."""
    words = re.sub(r"[^A-Za-z0-9-]+", "_", flow or "").strip("_")[:40]
    stamp = now.strftime("%Y-%m-%d_%H-%M-%S_%f")
    return "_".join(part for part in ("flowtop", words, stamp) if part) + ".svg"


class ViewActions(_AppBase):
    """Mixed into ``FlowtopApp``: uses its table, filter line, store and selection."""

    # Provided by FlowtopApp:
    table: TaskTable
    flow_list: FlowList
    detail: DetailPane
    filter_box: FilterInput
    store: RunStore
    header: RunHeader
    selected_flow: str | None
    selected_error: str | None
    auto_rerun: bool
    clock: Clock
    workspace: WorkspaceView
    control_error: str | None  # why no run can start here (a run store not read)

    if TYPE_CHECKING:  # FlowtopApp's own methods the actions call

        def key_for(self, action: str) -> str: ...

        def _update_detail(self) -> None: ...

        def _sync_selection(self) -> None: ...

    def _update_header(self) -> None:
        """The header over the table; its notes say how this view differs from the run's
        plain table, each in shorter words a narrow header takes (``Note``, ``fit_notes``):
        the filter's count of rows stays whole, the notes around it shorten first. A run
        with no task rows (a ``@flow`` whose work all went to subflows) has no sort nor
        filter note: `sort: duration ▼` there sorted nothing (a filter matching none of a
        run's rows still says so: ``(0 of 2)``)."""
        if self.selected_error is not None:
            return
        notes = []
        total = len(self.table.run.rows) if self.table.run is not None else 0
        if total and (self.table.sort != "definition" or self.table.sort_reverse):
            sort = f"{self.table.sort} {self.table.sort_arrow}"
            notes.append(Note((f"sort: {sort}", sort, "")))
        if total and self.table.filter_text:
            shown = f" ({self.table.matching:,} of {total:,})"
            query = self.table.filter_text
            notes.append(Note((f"filter: {query}",), tail=shown, short=f"/{query}"))
        if self.auto_rerun:
            notes.append(Note(("auto-rerun on save: on", "auto-rerun", "")))
        live = self.store.live_for(self.selected_flow) if self.selected_flow else []
        if self.selected_flow and live:  # beside a live run, runs importing count as live
            live += self.store.starting_runs(self.selected_flow)  # (alone: `…starting`)
        others = [r for r in live if r is not self.table.run]
        if others:  # one beside the shown run, or still running after the shown one ended
            numbers = [r.number or 0 for r in live]
            notes.append(live_runs_note(numbers, self.key_for("next_live_run")))
        self.header.show(
            self.selected_flow,
            self.table.run,
            self.clock(),
            notes=notes,
            run_key=self.key_for("run"),
            starting=self.store.loading(self.selected_flow) if self.selected_flow else None,
            pruned=self.selected_flow in self.store.pruned_away,
            cannot_run=self._cannot_run(),
        )

    def _cannot_run(self) -> tuple[str, ...]:
        """What the header says in place of `press r to run`, longest first, where `r`
        does not run the flow: a run store that cannot be read, or the flow's file failed
        to load (``file_rows.broken_flow_file``); () for any other."""
        if self.control_error:
            return (self.control_error, f"cannot run flows — {self.key_for('run')} says why")
        name = self.selected_flow
        file = name and broken_flow_file(self.workspace, name, of_broken=self.store.of_broken)
        if not file:
            return ()
        failed = f"not run yet: {printable_name(file.name)} failed to load"
        return (f"{failed} — fix it and save", failed, "not run yet: its file failed to load")

    def action_next_live_run(self) -> None:
        """Show the selected flow's next live run (when several run at once); it is then
        the run the flow shows, as its newest would be: still shown once it ends."""
        name = self.selected_flow
        live = self.store.live_for(name) if name else []
        starting = self.store.starting_runs(name) if name else []
        if name is not None and starting and all(r is self.table.run for r in live):
            first = starting[0]
            what = f"Run #{first.number}" if first.number else f"A run of {name}"
            self.notify(
                f"{what} is starting: {STARTING}; "
                f"{self.key_for('next_live_run')} shows it once it has started",
                markup=False,
            )
            return
        if name is None or not live:
            self.notify("No live run of this flow to switch to", severity="warning", markup=False)
            return
        choices = [r for r in live if r.run_id is not None]
        current = self.table.run
        if current is not None and choices == [current]:  # `w` once said nothing here
            number = f" #{current.number}" if current.number else ""
            self.notify(f"Run{number} is the only live run of {name}", markup=False)
            return
        index = next((i for i, r in enumerate(choices) if r is current), -1)
        target = choices[(index + 1) % len(choices)]
        self.store.show(target)
        self.table.show_run(target)
        self._update_header()
        self._update_detail()

    def no_history_here(self) -> bool:
        """Whether `h` is on a file's row (one that failed to load, a settings file), said
        as the run keys there say it, with where the history is: it opened the history of
        the flow shown before (`History · flow doomed` on `✗ broken.py`), read as the
        file's. The footer leaves `h` out there (``FooterKeys.footer_hidden_actions``)."""
        return self.on_a_file_row("for its history")

    def on_a_file_row(self, doing: str) -> bool:
        """Whether a flow's key (`h`, `c`) is on a file's row, said as the run keys there
        say it: the flow shown before stays ``selected_flow``, and `c` there could cancel its
        run. ``doing``: what selecting a flow lets the key do ("for its history")."""
        self._sync_selection()
        key = self.selected_error
        if key is None:
            return False
        said = file_row_said(
            self.workspace,
            key,
            f"select a flow in the list {doing}",
            f"select one {doing}",
            of_broken=self.store.of_broken,
        )
        self.notify(said, severity="warning", markup=False)
        return True

    def action_suspend_process(self) -> None:
        """ctrl+z: back to the shell, as a terminal program goes there (``fg`` brings the
        screen back, redrawn: ``FlowtopApp.on_mount``). A browser tab (``flowtop serve``)
        or Windows has no shell to go back to: it says so, where Textual did nothing.
        Started with no job control, no shell could resume it (``shell_can_resume``):
        it says so too, where Textual's stop hung the terminal for good."""
        if self.is_web or sys.platform == "win32":
            self.notify("ctrl+z suspends flowtop only in a Unix terminal", markup=False)
            return
        driver = self._driver  # Textual stops the process only when its driver can
        stops = driver is not None and driver.can_suspend
        if stops and not shell_can_resume(os.getpgrp(), os.getsid(0)):
            self.notify(
                f"{self.key_for('suspend_process')}: no shell here can resume flowtop"
                f" (no job control); {self.key_for('quit')} quits",
                severity="warning",
                markup=False,
            )
            return
        super().action_suspend_process()

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """The palette's Screenshot: into the Downloads folder, as Textual saves it, or
        the home folder where there is none (a server over SSH), where Textual said only
        "Failed to save screenshot"; its toast then says where it went. Its file is
        named after the flow shown (``screenshot_name``)."""
        if path is None and not self.is_web:
            from platformdirs import user_downloads_path

            if not user_downloads_path().is_dir():
                path = str(Path.home())
        flow = self.selected_flow if self.selected_error is None else None
        super().action_screenshot(filename or screenshot_name(flow, datetime.now()), path)

    def action_move(self, where: str) -> None:
        """↑↓ PgUp PgDn Home End (k j g G) in the focused pane, taken by the app in the
        order they came (``FOCUS_BINDINGS``)."""
        flows, table = self.flow_list, self.table
        if self.focused is table and not table.keys and not table.filter_text:
            self.screen.set_focus(flows)  # no rows to move to (a filter's none stay): a flow
        last = flows.option_count - 1
        if self.focused is flows and (where, flows.highlighted) in (("up", 0), ("down", last)):
            return  # the list stops at its ends, as the table does (OptionList wraps)
        moves: dict[str, Callable[[], object]] = (
            {
                "up": flows.action_cursor_up,
                "down": flows.action_cursor_down,
                "page_up": flows.action_page_up,
                "page_down": flows.action_page_down,
                "first": flows.action_first,
                "last": flows.action_last,
            }
            if self.focused is flows
            else {
                "up": partial(table.action_cursor, -1),
                "down": partial(table.action_cursor, 1),
                "page_up": partial(table.action_page, -1),
                "page_down": partial(table.action_page, 1),
                "first": partial(table.action_jump, 0),
                "last": partial(table.action_jump, -1),
            }
        )
        moves[where]()
        if self.focused is flows:  # the flow it moved to, shown now: keys after it act on it
            self._sync_selection()

    def action_open_task(self) -> None:
        """Enter on a task: its detail pane (attempts, error, output) takes focus, at its
        top, so ↑↓ scroll it, as Enter on a run in the history opens its page. At once,
        as ``action_focus_flows`` moves: the ↓ typed after it scrolls the pane. Enter on
        a flow opens its tasks: to the task table, as → goes (it did nothing)."""
        if self.focused is self.flow_list:
            self.screen.set_focus(self.table)
            return
        if self.table.cursor_key is None:
            said = hidden_by_filter(self.table, "open") or "No task to open: the table has no rows"
            self.notify(said, markup=False, timeout=2)
            return
        self.detail.scroll_home(animate=False, immediate=True)  # before the ↓ typed with it
        self.screen.set_focus(self.detail)

    def action_back_to_tasks(self) -> None:
        """Esc in the detail pane: back to the task table, on the task it showed."""
        self.screen.set_focus(self.table)

    def action_next_pane(self) -> None:
        """Tab: the next pane, at once, as ``action_focus_flows`` moves (``bindings``)."""
        self.screen.focus_next()

    def action_previous_pane(self) -> None:
        self.screen.focus_previous()

    def action_filter(self) -> None:
        box = self.filter_box
        box.add_class("-shown")
        self.screen.set_focus(box)  # at once: see ``FlowtopApp.action_focus_flows``
        box.select_all()  # typing replaces a kept filter (``FilterInput``)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":  # as it is now: Esc may have cleared it since
            self.table.set_view(query=event.input.value)
            self._update_header()

    def action_leave_filter(self, keep: bool) -> None:
        """Enter (``keep``) or Esc in the filter line: back to the table at once, so keys
        typed right after go there; an empty filter, or one left with Esc, is cleared.
        The one kept filters the table now, for those keys (not as its change comes)."""
        if not keep or not self.filter_box.value:
            self._clear_filter()
        elif self.table.filter_text != self.filter_box.value:
            self.table.set_view(query=self.filter_box.value)
            self._update_header()
        self.screen.set_focus(self.table)

    def on_task_table_filter_cleared(self, event: TaskTable.FilterCleared) -> None:
        self._clear_filter()

    def on_task_table_refiltered(self, event: TaskTable.Refiltered) -> None:
        """The filter's rows changed with the run's (``TaskTable.rebuild``): its count in
        the header follows, on a run that has ended too (only a live one's is redrawn
        each tick)."""
        self._update_header()

    def _clear_filter(self) -> None:
        """Esc in the filter line, or in the table while a filter is kept."""
        box = self.filter_box
        box.remove_class("-shown")
        with box.prevent(Input.Changed):
            box.value = ""
        self.table.set_view(query="")
        self._update_header()

    def action_sort(self) -> None:
        table = self.table
        mode = SORT_MODES[(SORT_MODES.index(table.sort) + 1) % len(SORT_MODES)]
        table.set_view(sort=mode, reverse=False)
        self._update_header()
        self.notify(f"Sorted by {mode} {table.sort_arrow}".rstrip(), markup=False, timeout=1.5)

    def on_task_table_sort_clicked(self, event: TaskTable.SortClicked) -> None:
        """A click on a column's title: sorted by that column, as `s` sorts (it had no
        effect); on the sorted column's, the other way, as `S` sorts. Not where `s`
        does nothing (a file's row: no rows to sort)."""
        table = self.table
        if not self.check_action("sort", ()):
            return
        if table.sort == event.sort:
            table.set_view(reverse=not table.sort_reverse)
        else:
            table.set_view(sort=event.sort, reverse=False)
        self._update_header()
        self.notify(f"Sorted by {table.sort} {table.sort_arrow}", markup=False, timeout=1.5)

    def action_sort_reverse(self) -> None:
        table = self.table
        table.set_view(reverse=not table.sort_reverse)
        self._update_header()
        self.notify(f"Sorted by {table.sort} {table.sort_arrow}", markup=False, timeout=1.5)
