"""The first screen while the flows load: what is in so far, and what still imports.

``flowtop`` loads the workspace after its first frame, in the flow host. A flow file that
hangs at import held that first screen at "Loading flows…" until its ``load_timeout``
ran out, saying nothing of why: the line now names the file the host has been importing
longest and for how long (``Loading flows… flows/hang.py still importing (6 s)``), from
the host's news (``RemoteWorkspace.still_importing``). A load that takes under
``NAMED_AFTER`` names nothing.

Nor does the screen wait for the whole load any more (a file importing for seconds kept
every flow and run off it): the flows of each file are listed, selectable and runnable,
as soon as the host has imported it (``early_flows``), with a last row under them that
names the file still importing; and the runs the store holds, live ones started by
another flowtop included, show at once, since reading them needs no flow file. The
load's reply then replaces what was listed early.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from rich.text import Text
from textual import work
from textual.timer import Timer

from flowtop.formats import fmt_seconds
from flowtop.printable import printable_name
from flowtop.tui.flow_selection import UnreadPrefectRead
from flowtop.tui.messages import WorkspaceLoaded
from flowtop.tui.unread_settings import NotesSaid, summary_said
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError, display_path, unread_prefect_note
from flowtop.workspace.method_flow_source import left_out_note

if TYPE_CHECKING:
    from textual.app import App

    from flowtop.tui.model import RunModel
    from flowtop.tui.widgets.flow_list import FlowList
    from flowtop.tui.widgets.run_header import RunHeader
    from flowtop.tui.widgets.task_table import TaskTable
    from flowtop.tui.workspace_view import WorkspaceView

    # The checker sees the mixin as the App it is mixed into; at run time it is a plain
    # class, so it shadows none of the App's methods.
    _AppBase = App[int]
else:
    _AppBase = object

#: Seconds between two looks at what the host imports while the first load goes on (and
#: at the flows it has imported so far: listed within this much of their import's end).
LOADING_TICK = 0.25
#: Seconds a file imports before the loading line names it.
NAMED_AFTER = 1.0


@runtime_checkable
class SaysImports(Protocol):
    """A workspace that says which file it is importing and the flows it has imported so
    far (``RemoteWorkspace``); one that imports in this process (tests, an embedded app)
    cannot while it does."""

    @property
    def flows_heard(self) -> int:
        """How many times flows were added while the first load goes on."""
        ...

    def still_importing(self) -> tuple[Path, float] | None: ...


def loading_line(importing: tuple[Path, float] | None) -> str:
    """The first screen's line: ``Loading flows…``, naming the file ``importing`` (and
    for how many seconds) once it has taken ``NAMED_AFTER``."""
    if importing is None or importing[1] < NAMED_AFTER:
        return "Loading flows…"
    file, seconds = importing
    return f"Loading flows… {display_path(file)} still importing ({fmt_seconds(round(seconds))})"


def loading_row(importing: tuple[Path, float] | None) -> str:
    """The flows list's last row while the first load goes on: ``⋯ loading``, then for
    how long and, on a line of its own (the list is narrow), the file still importing."""
    if importing is None or importing[1] < NAMED_AFTER:
        return "⋯ loading"
    file, seconds = importing
    return f"⋯ importing {fmt_seconds(round(seconds))}\n  {printable_name(file.name)}"


class FirstLoad(_AppBase):
    """The app's first load (``FlowtopApp(load=True)``): its loading line and row, the
    flows listed as their files come in, and what the load's reply changes of them."""

    header: RunHeader
    workspace: WorkspaceView
    flow_list: FlowList
    table: TaskTable
    selected_flow: str | None
    selected_error: str | None
    _run_processes: bool
    _policy_cache: dict[tuple[str, str], str]
    _children: dict[str, dict[str, list[str]]]
    _loading_said: str | None = None
    _loading_ticker: Timer | None = None
    _flows_heard = 0  # the workspace's ``flows_heard`` when the list last showed them
    _hint_shown: str | None  # the header's hint of an empty folder (FlowtopApp's)
    #: The workspace's ``unread_prefect`` as the load's thread read it, for its toast and
    #: the empty folder's header hint: ``FlowSelection``'s, which sets it as the thread's
    #: ``UnreadPrefectRead`` comes (``_unread_asked``: the reading it answers).
    _unread_prefect: Sequence[str] | None
    _unread_asked: int
    _notes_said: NotesSaid  # (``ReloadActions``': a save says the notes not said here)

    if TYPE_CHECKING:  # FlowtopApp's own methods (and other mixins') the load calls

        def _apply_keymap(self) -> None: ...

        def _show_flows(self) -> None: ...

        def _workspace_ready(self) -> None: ...

        def _take_control(self) -> None: ...

        def _select_flow(self, name: str) -> None: ...

        def _sync_selection(self) -> None: ...

        def _run_for(self, name: str) -> RunModel | None: ...

    @property
    def first_loading(self) -> bool:
        """Whether the first load goes on: a flow with a live run and no file yet may be
        in a file still importing, not gone."""
        return self._loading_ticker is not None

    def _begin_first_load(self) -> None:
        """Say ``Loading flows…``, then load on a thread and look at what it imports and
        the flows it has imported; with run processes, the store's runs show meanwhile."""
        self._loading_ticker = self.set_interval(
            LOADING_TICK, self._show_loading_line, name="loading"
        )
        self._show_loading_line()
        if self._run_processes:  # after the first frame, as the load
            self.call_after_refresh(self._take_control)
        self._load_workspace()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load_workspace(self) -> None:
        """Importing the flow modules is the slow part of startup: after the first frame.
        The Prefect files not read are asked here too: a workspace that loads in this
        process reads every flow file for them (``Workspace.unread_prefect``)."""
        asked = self._unread_asked  # (no reload before the first load is in)
        change = self.workspace.load()
        # first: ``on_workspace_loaded`` says them
        self.post_message(UnreadPrefectRead(self.workspace.unread_prefect, asked))
        self.post_message(WorkspaceLoaded(change))

    def _show_loading_line(self) -> None:
        """The flows imported since the last look, and what still imports: in the header
        while no flow is selected, and in the flows list's last row."""
        workspace, importing = self.workspace, None
        if isinstance(workspace, SaysImports):
            if workspace.flows_heard != self._flows_heard:
                self._flows_heard = workspace.flows_heard
                self._apply_keymap()  # (their settings came with them)
                self._show_flows()
            importing = workspace.still_importing()
        self.flow_list.say_loading(loading_row(importing))
        said = loading_line(importing)
        # redrawn only when it changes, and never over a flow's header
        nothing_selected = self.selected_flow is None and self.selected_error is None
        if said != self._loading_said and nothing_selected:
            self._loading_said = said
            self.header.update(Text(said, style="dim"))

    def on_workspace_loaded(self, message: WorkspaceLoaded) -> None:
        self._first_load_over()
        change = message.change
        if isinstance(change, WorkspaceChanged):
            change = change.first_load()  # a start: "Loaded …", not "Reloaded …"
        if change.errors:
            self.notify(summary_said(change), severity="error", markup=False, timeout=8)
        early = self.selected_flow if self.selected_error is None else None
        self._workspace_ready()
        self._say_unread_prefect(change.left_out if isinstance(change, WorkspaceChanged) else ())
        if early is not None and early == self.selected_flow:
            self._early_flow_loaded(early)

    def _say_unread_prefect(self, left_out: Sequence[LoadError]) -> None:
        """The Prefect files of a folder of flows not read, drop-in mode off: the monitor
        listed the others and said not a word of them (a folder of nothing else says it
        in its header: ``unread_prefect_hint``), nor, of a broken one, the error's toast.
        And the ``@flow`` instance methods of the files that loaded left unlisted for want
        of an instance (``left_out``, the load's ``WorkspaceChanged.left_out``, read where
        the load ran: they were parsed here, on the UI thread)."""
        notes = [left_out_note(left_out)]  # (methods)
        unread = (self._unread_prefect or ()) if self._hint_shown is None else ()
        notes.insert(0, unread_prefect_note(unread))
        self._notes_said = self._notes_said.opened(unread, left_out)
        note = "; ".join(note for note in notes if note)
        if note:
            self.notify(printable_name(note), severity="warning", markup=False, timeout=8)

    def _first_load_over(self) -> None:
        """The load is in: the line is the flows' header's again, and the policies and
        links worked out from the flows listed early are worked out again."""
        if self._loading_ticker is not None:
            self._loading_ticker.stop()
            self._loading_ticker = None
        self.flow_list.say_loading(None)
        self._policy_cache.clear()
        self._children.clear()

    def _early_flow_loaded(self, name: str) -> None:
        """``name``, selected while the load went on, as the load's reply has it: its
        policies and keys again; when the reply lists it no more (its name was another
        file's) and no run keeps it listed, the first flow is selected instead."""
        if name in self.workspace.shapes or self._run_for(name) is not None:  # (a run's)
            self._select_flow(name)
            self.table.refresh()
            self.table.refresh_bindings()
        else:
            self.selected_flow = None
            self._show_flows()

    def _not_loaded_yet(self) -> bool:
        """A run key on a flow listed for its live run while the first load goes on: its
        file may still be importing (said so, not that no file defines it any more)."""
        self._sync_selection()
        name = self.selected_flow
        if not self.first_loading or self.selected_error is not None or name is None:
            return False
        if name in self.workspace.shapes:
            return False
        self.notify(
            f"{name} is not loaded yet: its file may still be importing",
            severity="warning",
            markup=False,
        )
        return True
