"""Which flow (or broken file) the screen shows: the flows list filled, its highlight
followed, and the header and table set for what it selects (a run, or the task list a
flow's code has now when it has none).

Kept apart from the app's wiring (``app.py``) and from what the view keys do
(``view_actions``): this answers what is selected and what that shows, whichever key,
reload or load changed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work
from textual.message import Message

from flowtop.engine.states import StateType
from flowtop.looks import NOT_STARTED
from flowtop.printable import printable_name
from flowtop.tui.code_rows import follow_code
from flowtop.tui.file_rows import file_problem
from flowtop.tui.model import RunModel
from flowtop.tui.unread_settings import as_said
from flowtop.tui.view_actions import ViewActions
from flowtop.workspace.flows_beside import flows_beside_hint
from flowtop.workspace.load_error import unread_prefect_hint

if TYPE_CHECKING:
    from textual.app import App

    from flowtop.tui.clock import Clock
    from flowtop.tui.run_store import RunStore
    from flowtop.tui.widgets.detail_pane import DetailPane
    from flowtop.tui.widgets.flow_list import FlowList
    from flowtop.tui.widgets.key_bar import KeyBar
    from flowtop.tui.widgets.run_header import RunHeader
    from flowtop.tui.widgets.task_table import TaskTable
    from flowtop.tui.workspace_view import WorkspaceView

    # The checker sees the mixin as the App it is mixed into; at run time it is a plain
    # class, so it shadows none of the App's methods.
    _AppBase = App[int]
else:
    _AppBase = object


class UnreadPrefectRead(Message):
    """The Prefect files not read, as a worker's thread read them (``_read_unread``):
    ``asked``, the reading they answer (an older one's answer is stale)."""

    def __init__(self, names: Sequence[str], asked: int) -> None:
        super().__init__()
        self.names = tuple(names)
        self.asked = asked


class FlowSelection(_AppBase):
    """Mixed into ``FlowtopApp`` (first: its ``_update_header`` is the one called): uses
    its workspace, store, flows list, table, header and detail pane."""

    # Provided by FlowtopApp:
    workspace: WorkspaceView
    store: RunStore
    flow_list: FlowList
    table: TaskTable
    header: RunHeader
    detail: DetailPane
    key_bar: KeyBar
    clock: Clock
    selected_flow: str | None
    selected_error: str | None
    _previews: dict[str, RunModel]
    _workspace_shown: bool
    _watch: bool

    if TYPE_CHECKING:  # FlowtopApp's own methods (and other mixins') a selection calls

        @property
        def first_loading(self) -> bool: ...

        def _update_detail(self) -> None: ...

    def _errors(self) -> dict[str, object]:
        errors = {str(path): err for path, err in self.workspace.errors.items()}
        for error in self.workspace.settings_errors:
            errors.setdefault(str(error.path), as_said(error))
        return errors

    def _show_flows(self) -> None:
        """While the first load goes on, a flow with a live run and no file may be in a
        file still importing: listed, not "(gone)", and selected if nothing is."""
        shapes, loading = self.workspace.shapes, self.first_loading
        gone = self.store.without_file(shapes, self.selected_flow)
        names = [*shapes, *gone]
        shown = {name: run.look for name in names if (run := self.store.shown_for(name))}
        said_gone = () if loading else [n for n in gone if n not in self.store.of_broken]
        self.flow_list.show(names, self._errors(), shown, root=self.workspace.root, gone=said_gone)
        first = next(iter(names if loading else shapes), None)
        if self.selected_flow is None and self.selected_error is None and first is not None:
            self._select_flow(first)

    def on_flow_list_selected(self, event: FlowList.Selected) -> None:
        """The list's word comes late, after the keys typed with the arrow that moved it:
        what it highlights now is shown (``↑↑→↓`` re-selected the flow passed on the way
        after the ``↓`` had moved in the table of the flow it ended on)."""
        self._sync_selection()

    def _sync_selection(self) -> None:
        """Catch up with the list's highlight before acting: a key typed right after an
        arrow key can arrive before the list's highlight message does."""
        option = self.flow_list.highlighted_option
        kind, _, value = (option.id or "").partition(":") if option is not None else ("", "", "")
        if kind == "flow" and (value != self.selected_flow or self.selected_error is not None):
            self._select_flow(value)
        elif kind == "error" and value != self.selected_error:
            self._select_error(value)

    def _select_flow(self, name: str) -> None:
        left, self.selected_flow, self.selected_error = self.selected_flow, name, None
        self.table.show_run(self._run_for(name))
        self._update_header()
        self._update_detail()
        self.key_bar.refresh()  # its keys follow the flow (`R` for one that takes parameters)
        if left not in (None, name) and left not in self.workspace.shapes:
            self._show_flows()  # a flow whose file is gone leaves with its ended run

    _hint_shown: str | None = None  # the empty folder's hint, as the header shows it now
    #: The Prefect files not read (drop-in mode off) the empty folder's hint and the first
    #: load's toast name, as a thread read them: the first load's (``first_load``), or a
    #: worker's (``_read_unread``; None: not read since the last reload). Asked on the UI
    #: thread at each redraw, a workspace loaded in this process read every flow file
    #: there. Set here only, as an ``UnreadPrefectRead`` comes: the first load's thread
    #: set it too, from its own thread.
    _unread_prefect: Sequence[str] | None = None
    _unread_asked = 0  # the reloads since: the answer of a reading before the last is stale
    _unread_reading: int | None = None  # the ``_unread_asked`` a reading was started for

    def _update_header(self) -> None:
        """While the flows list lists nothing, the header keeps saying where flowtop looked
        and how to add a flow, wrapped: at 80 columns it was cut (`…a .py file that def…`),
        and `s` put `No flow selected` in its place for good."""
        listed = self.flow_list.option_count or self.workspace.shapes or self._errors()
        if not self._workspace_shown or listed:
            self._hint_gone()
            # (the next mixin not only naming it; this one mixed in beside it, not under it)
            ViewActions._update_header(cast("ViewActions", self))
            return
        unread = self._unread_prefect
        if unread is None:  # read off the UI thread; the header says it once read
            self._ask_unread()
            return
        advice = unread_prefect_hint(unread) or (
            "add a .py file that defines a Flow"
            + (", and it shows here when saved" if self._watch else "")
        )  # the folder's and the files' names may hold escapes or newlines:
        beside = flows_beside_hint(self.workspace.root)  # `flowtop .` beside ./flows
        said = f"No flows found in {self.workspace.root}: {advice}"
        hint = printable_name(f"{said} ({beside})" if beside else said)
        if hint != self._hint_shown:
            styles = self.header.styles  # wrapped, a long folder's name folded, not cut
            styles.text_wrap, styles.text_overflow, styles.height = "wrap", "fold", "auto"
            self.header.update(Text(hint, style="dim"))
            self._hint_shown = hint

    def unread_stale(self) -> None:
        """A reload may have changed the Prefect files not read: read again, off the UI
        thread, when the empty folder's hint needs them."""
        self._unread_prefect = None
        self._unread_asked += 1
        if self._hint_shown is not None:  # (else read once the hint shows)
            self._update_header()

    def _ask_unread(self) -> None:
        """Read the Prefect files not read on a worker's thread, once per reload."""
        if self._unread_reading != self._unread_asked:
            self._unread_reading = self._unread_asked
            self._read_unread(self._unread_asked)

    @work(thread=True, exclusive=True, group="unread-prefect", exit_on_error=False)
    def _read_unread(self, asked: int) -> None:
        self.post_message(UnreadPrefectRead(self.workspace.unread_prefect, asked))

    def on_unread_prefect_read(self, message: UnreadPrefectRead) -> None:
        """A reading's answer, a worker's or the first load's (before its ``WorkspaceLoaded``,
        whose toast names them): the header's hint drawn with them once the flows are
        shown (``_workspace_ready`` draws it then; before, the header says it loads)."""
        if message.asked == self._unread_asked and self._unread_prefect is None:
            self._unread_prefect = message.names
            if self._workspace_shown:
                self._update_header()

    def _hint_gone(self) -> None:
        """The header's two lines cut to its width again (flowtop.tcss)."""
        if self._hint_shown is not None:
            self._hint_shown = None
            for rule in ("text_wrap", "text_overflow", "height"):
                self.header.styles.clear_rule(rule)

    def _select_error(self, key: str) -> None:
        self.selected_error = key
        self._hint_gone()
        error = self._errors().get(key)
        self.table.show_run(None)
        where = printable_name(Path(key).name)  # a file's name may hold escapes or a newline
        self.header.show(where, None, self.clock(), error=file_problem(error))
        listed = any(str(path) == key for path in self.workspace.flow_files.values())
        self.detail.show_error(where, error, flows_listed=listed)

    def _run_for(self, name: str) -> RunModel | None:
        """The run the flow shows (its newest, or the one ``w`` reached), with the tasks its
        code has now that it lacks (``follow_code``), else (no run yet, or a newer one still
        importing after it ended: ``starting_over``) its task list as it would run."""
        run = self.store.latest_for(name)
        flow = self.workspace.shapes.get(name)
        if run is not None and self.store.starting_over(name) is None:  # else as a first run
            if flow is not None and not flow.dynamic:  # a @flow's nodes are none: as it ran
                cancelled = run.state is StateType.CANCELLED and not run.end_missed
                if cancelled or (run.error is not None and run.error.type == NOT_STARTED):
                    run.list_unstarted(list(flow.nodes))  # (one that ran tasks has rows)
                if run.rows and run.followed is not flow:  # (a run that started no task says so)
                    follow_code(run, list(flow.nodes))
                    run.followed = flow
            return run
        preview = self._previews.get(name)
        if flow is None:
            return None
        if preview is None or preview.order != list(flow.nodes):
            preview = self._previews[name] = RunModel(name, list(flow.nodes))
        return preview
