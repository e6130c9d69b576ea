"""What a saved file does to the screen: the watcher worker, the toast, the flows list.

The workspace reloads itself (``WorkspaceView.watch``); this mixin turns each reload
into what the user sees: a toast that says what changed or failed (a broken file never
takes the app down), the flows list and policies redrawn, and, with auto-rerun on, a
rerun of what failed in the flows that changed (``auto_rerun``). An open retry editor is told too: the
settings it shows may be the ones just saved elsewhere.

A watch that fails (a full inotify table, a folder this user may not read) is started
again with a growing pause, and while it is down a line above the keys says reload is
off and why: a toast that faded left the user saving files that were never reloaded.

A reload that imports a file for over ``NAMED_AFTER`` says so in the flows list's last
row (``⋯ reloading 3 s`` over ``hang.py``), as the first load does: a saved file that
hung at import changed nothing on screen for its whole ``load_timeout``, then its toast
and ``✗`` came as if from nowhere (``reloading_row``).

A flow file new to the monitor is said to be loaded, not reloaded (``Loaded slow.py (1
flow)``): the files loaded before each reload are kept (``_files_known``) to tell.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from weakref import WeakSet

from textual import work
from textual.notifications import Notification, Notify
from textual.timer import Timer
from textual.widgets import Static

from flowtop.formats import MANY_NAMES, few_names, fmt_seconds
from flowtop.printable import printable, printable_name
from flowtop.tui.first_load import LOADING_TICK, NAMED_AFTER, SaysImports
from flowtop.tui.messages import WatcherFailed, WorkspaceReloaded
from flowtop.tui.unread_settings import NotesSaid, summary_said
from flowtop.workspace.changes import WorkspaceChanged, then_said
from flowtop.workspace.load_error import LoadError, display_path
from flowtop.workspace.places import real_path
from flowtop.workspace.watcher import RETRY_FIRST, RETRY_MAX  # its own pauses, alike

if TYPE_CHECKING:
    from textual.app import App

    from flowtop.tui.model import RunModel
    from flowtop.tui.run_store import RunStore
    from flowtop.tui.widgets.flow_list import FlowList
    from flowtop.tui.widgets.key_bar import KeyBar
    from flowtop.tui.widgets.task_table import TaskTable
    from flowtop.tui.workspace_view import Change, WorkspaceView

    # The checker sees the mixin as the App it is mixed into (notify, post_message, ...);
    # at run time it is a plain class, so it shadows none of the App's methods.
    _AppBase = App[int]
else:
    _AppBase = object


#: A restarted watch that has not failed for this long is taken to work again (a watch
#: that cannot start fails at once; one that works says nothing until a file is saved).
SETTLED = 1.0


def loaded_said(summary: str, change: WorkspaceChanged, added: Collection[str]) -> str:
    """``summary`` (``WorkspaceChanged.summary``) saying of the ``added`` modules among the
    change's (flow files the monitor had not loaded before) that they were loaded:
    ``Loaded slow.py (1 flow)``, ``Loaded new.py, reloaded etl.py (3 flows)``; many
    files, the first few and a count (``few_names``: ``Reloaded flow_001.py, flow_002.py,
    flow_003.py and 147 more files (150 flows)``); after an error, lower-cased
    (``then_said``: ``…; loaded slow.py (1 flow)``)."""
    new = [module for module in change.modules if module in added]
    old = [module for module in change.modules if module not in new]
    said = f"Loaded {few_names(new)}" if new else ""
    if old:
        said += f", reloaded {few_names(old)}" if new else f"Reloaded {few_names(old)}"
    reloaded = f"Reloaded {few_names(change.modules)} ("
    if not summary.startswith(reloaded):
        reloaded, said = f"; {then_said(reloaded)}", f"; {then_said(said)}"
    return summary.replace(reloaded, f"{said} (", 1)


def fewer_parts(parts: list[str], more: str) -> list[str]:
    """``parts`` of a toast, one a file (``Still failing: …``); past ``MANY_NAMES``, the
    first and a count of the rest, ``more`` saying what they are."""
    if len(parts) <= MANY_NAMES:
        return parts
    return [parts[0], f"{len(parts) - 1:,} more {more}"]


def removed_said(path: Path, error: object) -> str:
    """What a reload says of a deleted file the flows list showed with ``✗``: one that
    had failed to load, or one that loaded but for a part not in use (it said "which
    had failed to load" of that too, though it never had). A settings file's last good
    settings, kept while it failed, stop applying then: the policies changed unsaid."""
    if isinstance(error, LoadError) and error.in_part:
        return f"Removed {display_path(path)} (its part not in use went with it)"
    if path.suffix == ".toml":  # the last good settings it kept go with it (said nothing)
        return f"Removed {display_path(path)}, which had failed to load: its last good settings no longer apply"
    return f"Removed {display_path(path)}, which had failed to load"


def stops_no_run(error: object) -> bool:
    """Whether ``error`` is a settings table nothing uses (``LoadError.unused``: a renamed
    flow's override): said once, as it appears or changes, not as ``Still failing: …``
    again at each settings reload (each retry-editor Save), as it fails nothing."""
    return isinstance(error, LoadError) and error.unused


def reload_said(
    change: Change,
    before: Mapping[str, object],
    now: Mapping[str, object],
    added: Collection[str] = (),
    said_before: Collection[str] = (),
) -> tuple[str, bool]:
    """The reload's toast, and whether it says of a failure. A change names only new or
    changed load errors, so a file saved again that fails as before (one still hanging
    at import) read "No flow changed (flows/hang.py)", and so did deleting a file that
    had failed, whose ``✗`` left the list. Said now: ``Still failing: flows/hang.py:
    import did not finish in 10 s``, ``Removed flows/hang.py, which had failed to load``.
    ``before``: the files the flows list showed with ``✗``, each with its error (a
    settings file with a part not in use is removed as such: ``removed_said``); ``now``:
    those listed now (``FlowtopApp._errors``). A still-failing settings file saved again
    says so first: ``Still failing: …; kept the last good settings`` (not of a table
    that stops no run: ``stops_no_run``). ``added``: the change's modules loaded for the
    first time (``loaded_said``); ``said_before``: its Prefect files not read said before,
    in a few words (``NotesSaid``)."""
    summary = summary_said(change, said_before)
    if not isinstance(change, WorkspaceChanged):
        return summary, bool(change.errors)
    summary = loaded_said(summary, change, added)
    failing = {real_path(key): error for key, error in now.items()}
    failed = {real_path(key): error for key, error in before.items()}
    new = {real_path(error.path) for error in change.errors}
    still, gone, went = [], [], []
    for path in change.paths:
        where = real_path(path)
        if where in failing and where not in new and not stops_no_run(failing[where]):
            still.append(f"Still failing: {failing[where]}")
        elif where in failed and where not in failing and not where.exists():
            gone.append(removed_said(path, failed[where]))
            went.append(path)
    if not still and not gone:
        return summary, bool(change.errors)
    if any(path.suffix == ".toml" for path in went):  # "Removed …" says it, not "reloaded"
        apart = replace(change, said_apart=(*change.said_apart, *went))
        summary = loaded_said(summary_said(apart, said_before), apart, added)
    still = fewer_parts(still, "files still failing")
    gone = fewer_parts(gone, "files removed that had failed to load")
    said = []
    if summary and (change.errors or change.modules or change.removed or change.settings_changed):
        said = [summary]  # else it said only "No flow changed (…)" (or nothing: its own save)
    # What fails, then what was kept (the summary ends with "kept the last good
    # settings"): "kept the last good settings; Still failing: …" read back to front.
    parts: list[str] = []
    for part in [*still, *said, *gone] if change.settings_kept else [*said, *still, *gone]:
        after = change.said_after(part) if part in said else then_said(part)
        parts.append(after if parts else part)  # after a semicolon: "…; still failing: …"
    return "; ".join(parts), bool(change.errors or still)


def only_reloaded(change: WorkspaceChanged, said: str, added: Collection[str]) -> bool:
    """Whether ``said``, the toast of ``change``, says only which flow files reloaded (or
    loaded: ``added``): no error, no flow removed, no settings or helper module."""
    if change.errors or change.removed or change.settings_changed or change.helpers:
        return False
    return bool(change.modules) and said == loaded_said(change.summary(), change, added)


T = TypeVar("T")


def joined(first: Sequence[T], then: Sequence[T]) -> tuple[T, ...]:
    """``first`` and then those of ``then`` not among them, in order."""
    return tuple(dict.fromkeys((*first, *then)))


def reloading_row(importing: tuple[Path, float] | None) -> str | None:
    """The flows list's last row while a reload has been importing a file (the one
    ``RemoteWorkspace.still_importing`` says) for ``NAMED_AFTER`` or more: for how long
    and, on a line of its own, the file; None when no reload is that slow (a quick save
    shows no row coming and going)."""
    if importing is None or importing[1] < NAMED_AFTER:
        return None
    file, seconds = importing
    return f"⋯ reloading {fmt_seconds(round(seconds))}\n  {printable_name(file.name)}"


class ReloadOff(Static):
    """The lasting line that says hot reload is off and why, until a watch works again."""

    DEFAULT_CSS = """
    ReloadOff {
        height: auto;
        max-height: 3;
        background: $error;
        color: $text;
        padding: 0 1;
    }
    """


class ReloadActions(_AppBase):
    """Mixed into ``FlowtopApp``: uses its workspace, store, flows list and caches."""

    # Provided by FlowtopApp:
    workspace: WorkspaceView
    store: RunStore
    table: TaskTable
    flow_list: FlowList
    key_bar: KeyBar
    selected_flow: str | None
    selected_error: str | None
    auto_rerun: bool
    _stop_watch: asyncio.Event | None
    _previews: dict[str, RunModel]
    _policy_cache: dict[tuple[str, str], str]
    _children: dict[str, dict[str, list[str]]]
    #: The files loaded (or listed failing) as the last reload ended, or the first load
    #: as the watch began: a module a reload names that is not among them is new.
    _files_known: set[Path] | None = None
    #: The flow selected as a reload took it from the list (its file deleted), and the
    #: option the list put the cursor on instead (``_place_kept``).
    _lost_place: tuple[str, str | None] | None = None
    #: The last reload's toast, while it may show, when it said only which flow files
    #: reloaded: with the change it said and the modules new among them (``_say_reload``).
    _reload_toast: tuple[Notification, WorkspaceChanged, tuple[str, ...]] | None = None
    #: The notes said beside the toasts so far: a save says those new or changed only.
    _notes_said = NotesSaid()
    #: The runs live as their run store was deleted (``_store_gone``), ended next: in no
    #: store now, they cannot be rerun (``footer_keys``). Weak: one a new store holds is
    #: handed on again, as another model.
    went_with_store: Collection[RunModel] = ()

    if TYPE_CHECKING:  # FlowtopApp's own methods (and other mixins') a reload calls

        @property
        def first_loading(self) -> bool: ...

        def _apply_keymap(self) -> None: ...

        def _show_flows(self) -> None: ...

        def _errors(self) -> dict[str, object]: ...

        def _select_flow(self, name: str) -> None: ...

        def _update_header(self) -> None: ...

        def unread_stale(self) -> None: ...

        def _update_detail(self) -> None: ...

        def _select_error(self, key: str) -> None: ...

        def _run_for(self, name: str) -> RunModel | None: ...

        def _policies_changed(self) -> None: ...

        def _rerun_changed(self, change: Change, *, rerun: bool) -> None: ...

    def on_mount(self) -> None:
        """(Beside ``FlowtopApp.on_mount``: Textual calls each class's.) The store of runs
        tells the screen when the runs it shows went with their deleted run store."""
        self.store.store_gone = self._store_gone
        self.set_interval(LOADING_TICK, self._show_reloading, name="reloading")

    def _show_reloading(self) -> None:
        """The file a slow reload imports, in the flows list's last row (``reloading_row``),
        and the row gone once the reload is over, whichever way it ended. The first load
        says its own (``FirstLoad``); a workspace that imports in this process cannot say."""
        workspace = self.workspace
        if self.first_loading or not isinstance(workspace, SaysImports):
            return
        self.flow_list.say_loading(reloading_row(workspace.still_importing()))

    def _store_gone(self, said: str) -> None:
        """Called as the events are folded: shown once the slice they are in is. The runs
        still kept then are the live ones, of the store that went (``went_with_store``)."""
        self.went_with_store = WeakSet(self.store.runs.values())
        self.call_later(self._show_store_gone, said)

    def _show_store_gone(self, said: str) -> None:
        """Say, once, that the run store was deleted, and show only what the store holds:
        the flows list without the old runs' states, the selected flow's tasks as the
        next run would run them (or the new store's run of it, come meanwhile)."""
        self.notify(said, severity="warning", markup=False, timeout=10)
        self._show_flows()
        if self.selected_error is None and self.selected_flow is not None:
            self._select_flow(self.selected_flow)
        self._update_header()
        self.table.refresh_bindings()

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def _watch_workspace(self) -> None:
        """Watch until the app stops the watch; a failed watch is started again after a
        pause, and a line says reload is off meanwhile (``on_watcher_failed``)."""
        stop = self._stop_watch
        assert stop is not None
        if self._files_known is None:  # the first load's, before any reload
            self._files_known = self._files_now()
        pause = RETRY_FIRST
        while not stop.is_set():
            settled: Timer | None = None
            if self._reload_off() is not None:  # after a failure: clear it once it holds
                settled = self.set_timer(SETTLED, self._reload_back_on, name="watch-settled")
            started = asyncio.get_running_loop().time()
            try:
                async for change in self.workspace.watch(stop):
                    self._reload_back_on()
                    self.post_message(WorkspaceReloaded(change))
                return
            except Exception as exc:  # noqa: BLE001 - the app keeps running; retried below
                if settled is not None:
                    settled.stop()
                if asyncio.get_running_loop().time() - started >= SETTLED:
                    pause = RETRY_FIRST  # it had worked: a new failure, not the same one
                self.post_message(WatcherFailed(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
            pause = min(pause * 2, RETRY_MAX)

    def on_workspace_reloaded(self, message: WorkspaceReloaded) -> None:
        self.apply_change(message.change)

    def on_watcher_failed(self, message: WatcherFailed) -> None:
        """Say it once as a toast, and for as long as it lasts on the line above the keys."""
        said = f"Hot reload is off: {message.error} (retrying; saved files are not reloaded)"
        notice = self._reload_off()
        if notice is None:
            self.notify(said, severity="error", markup=False, timeout=10)
            self.key_bar.screen.mount(ReloadOff(said, markup=False), before=self.key_bar)
        else:
            notice.update(said)

    def _reload_off(self) -> ReloadOff | None:
        """The line that says reload is off, when it shows (on the main screen, whichever
        screen is on top)."""
        return next(iter(self.key_bar.screen.query(ReloadOff).results(ReloadOff)), None)

    def _reload_back_on(self) -> None:
        notice = self._reload_off()
        if notice is not None:
            notice.remove()
            self.notify("Hot reload is back on", markup=False, timeout=3)

    def apply_change(self, change: Change) -> None:
        """After a reload: toast, flows list, policies; optionally rerun what failed."""
        # a file this user may not read: whose, what to ask; a file still failing
        added = tuple(self._new_modules(change))
        told, before, self._notes_said = self._notes_said.told(change)  # (their news only)
        listed = self._listed_errors()
        summary, failing = reload_said(told, listed, self._errors(), added, before)
        self._files_known = self._files_now()
        self._say_reload(told, summary, failing, added)
        self.unread_stale()  # (the empty folder's hint: read again off the UI thread)
        self._previews.clear()
        self._policy_cache.clear()
        self._children.clear()
        self.flow_list.say_loading(None)  # (the reload is over: its row goes with the toast)
        self._apply_keymap()
        shown = self.selected_flow if self.selected_error is None else None
        self._show_flows()
        back = self._place_kept(shown)
        gone = self.selected_flow is not None or self.selected_error is not None
        if gone and not self.flow_list.option_count:  # the last file: an empty folder's state
            self._nothing_listed()
        elif back is not None:  # a flow file deleted and saved again: its flow selected
            self.flow_list.select_flow(back)
            self._select_flow(back)
        elif self.selected_error is not None and self.selected_error in self._errors():
            # Shown again: the file's new error (the pane kept the old one, and the table
            # switched to the flow selected before it, under the file's header).
            self._select_error(self.selected_error)
        elif self.selected_error is not None:
            name = (
                self._first_flow_of(self.selected_error)
                or self.selected_flow
                or next(iter(self.workspace.shapes), None)
            )
            if name is not None:
                self.flow_list.select_flow(name)
                self._select_flow(name)
        elif self.selected_flow is not None and self.selected_flow in self.workspace.shapes:
            # Its run's rows with the tasks of the code as loaded now (``follow_code``):
            # a task added or renamed since the run is reachable with `e` at once.
            self.table.show_run(self._run_for(self.selected_flow))
            self._update_header()  # a never-run flow's count of tasks is the code's now
            self._policies_changed()
        # The keys follow what the reload changed (`r f e t` for a flow back from gone),
        # not only a move of the cursor.
        self.table.refresh_bindings()
        self.key_bar.refresh()
        # (what the flows run with noted whether auto-rerun is on or not: `a` may come later)
        self._rerun_changed(
            change, rerun=self.auto_rerun and not failing and not self._settings_stop_runs()
        )
        if len(self.screen_stack) > 1:  # an editor's settings may be stale now
            from flowtop.tui.screens.retry_editor import RetryEditor  # as `e` imports it

            for screen in self.screen_stack:
                if isinstance(screen, RetryEditor):
                    screen.settings_reloaded()

    def _say_reload(
        self, change: Change, summary: str, failing: bool, added: tuple[str, ...]
    ) -> None:
        """The reload's toast (``added``: the modules new among the change's). One that
        only reloaded flow files (``only_reloaded``), while the toast of one like it still
        shows, takes its place and says both (the notes of each: unread Prefect files,
        left-out @flow methods) once they are many files (``MANY_NAMES``): a
        checkout's 150 files come as a few reloads (50 ms apart, or more on a loaded
        machine), and their toasts stacked."""
        last, self._reload_toast = self._reload_toast, None
        if not summary:  # the app's own save of a settings file: its save said so
            return
        plain = isinstance(change, WorkspaceChanged) and only_reloaded(change, summary, added)
        if isinstance(change, WorkspaceChanged) and plain and last is not None:
            toast, before, known = last
            both = replace(
                before,
                paths=joined(before.paths, change.paths),
                modules=joined(before.modules, change.modules),
                flows=joined(before.flows, change.flows),
                unread=joined(before.unread, change.unread),
                left_out=joined(before.left_out, change.left_out),
            )
            shown = toast in self._notifications and not toast.has_expired
            if shown and len(both.modules) > MANY_NAMES:
                change, added = both, joined(known, added)
                summary = reload_said(both, {}, {}, added)[0]
                # Private, as ``_loading_over`` does: Textual has no public way to take
                # down one toast.
                self._unnotify(toast, refresh=False)
        toast = Notification(
            printable(summary),  # as ``FlowtopApp.notify`` makes it
            severity="error" if failing else "information",
            timeout=6 if failing else 3,
            markup=False,
        )
        self.post_message(Notify(toast))
        if isinstance(change, WorkspaceChanged) and plain:
            self._reload_toast = (toast, change, added)

    def _place_kept(self, shown: str | None) -> str | None:
        """The flow to select again after a reload: one selected as its file was deleted,
        its place in the list taken by another (``_lost_place``), now back (a ``git
        stash``, a slow "safe write": delete, pause, write), while the cursor stayed where
        the list put it. It stayed on the other flow for good. A flow with a run stays
        listed ("(gone)") and selected: it loses no place."""
        option = self.flow_list.highlighted_option
        now = option.id if option is not None else None
        lost, self._lost_place = self._lost_place, None
        if lost is not None and lost[1] == now:  # (else the cursor moved on)
            if lost[0] in self.workspace.shapes:
                return lost[0]
            self._lost_place = lost
        elif shown is not None and not self.flow_list.lists(f"flow:{shown}"):
            self._lost_place = (shown, now)
        return None

    def _nothing_listed(self) -> None:
        """A reload that took the last listed flow or failing file away: no flow selected,
        the table's `No flow selected`, no task in the pane and the empty folder's hint in
        the header, at once. The flow, its header and its rows stayed on screen until a
        key redrew the header: with nothing listed, no highlight moves to say so."""
        self.selected_flow = self.selected_error = None
        self.table.show_run(None)
        self._update_detail()
        self._update_header()

    def _files_now(self) -> set[Path]:
        """The flow files loaded now, and those listed failing, each by its real path."""
        files = {real_path(path) for path in self.workspace.flow_files.values()}
        return files | {real_path(key) for key in self._errors()}

    def _new_modules(self, change: Change) -> list[str]:
        """The modules ``change`` names (as displayed) whose files were not loaded before
        it: added since the last reload (none known: none said new)."""
        known = self._files_known
        if known is None or not isinstance(change, WorkspaceChanged):
            return []
        return [display_path(path) for path in change.paths if real_path(path) not in known]

    def _first_flow_of(self, file: str) -> str | None:
        """The first listed flow the file ``file`` defines now: a file fixed while its error
        was shown shows its own flow. It showed the flow selected before the error, the
        one the cursor passed on its way down, and ``r`` ran that flow."""
        fixed = real_path(file)
        files = self.workspace.flow_files
        return next(
            (
                name
                for name in self.workspace.shapes
                if name in files and real_path(files[name]) == fixed
            ),
            None,
        )

    def _settings_stop_runs(self) -> bool:
        """Whether a settings file fails in a way that stops every run (a table naming no
        flow stops none): an auto-rerun then only added a run that never started, shown in
        the header in place of the failed run it was for. A settings file saved again as
        broken as before is no new error, and the rerun went ahead."""
        return any(not error.unused for error in self.workspace.settings_errors)

    def _listed_errors(self) -> dict[str, object]:
        """The files the flows list shows with ``✗``, by error key, each with its error."""
        return dict(self.flow_list.listed_errors)
