"""FlowtopApp: the main screen wiring the workspace, the runs and the widgets.

Runs reach the UI only through their events: a sink appends them to an ``EventBuffer``
(from the run store's log, or from a runner in this process), and a worker folds them
into the view model a slice per frame and repaints the rows that changed (``event_flush``). User actions go to a
``RunControl`` (start, rerun, cancel, retry now, give up). What the keys and a saved file
do lives in the mixins (``run_actions``, ``view_actions``, ``keymap``, ``error_actions``,
``reload_actions``, ``auto_rerun``), which keys the footer offers in ``footer_keys``, what
is selected and shown in ``flow_selection`` and ``task_detail``; this module wires them
to the widgets.
"""

from __future__ import annotations

import asyncio
import gc
import time
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.command import CommandPalette
from textual.containers import Horizontal, Vertical
from textual.notifications import Notification, Notify, SeverityLevel
from textual.timer import Timer
from textual.widgets import Input
from textual.widgets._toast import ToastHolder

from flowtop.engine.states import StateType
from flowtop.printable import printable, printable_name
from flowtop.tui.auto_rerun import AutoRerun
from flowtop.tui.bindings import APP_BINDINGS, FOCUS_BINDINGS, KEYS
from flowtop.tui.blocked_store import STORE_LOOK, BlockedStore
from flowtop.tui.clock import Clock, system_clock
from flowtop.tui.colourless import Colourless
from flowtop.tui.error_actions import ErrorActions
from flowtop.tui.event_buffer import EventBuffer
from flowtop.tui.event_flush import FLUSH_LIMIT as FLUSH_LIMIT  # (tests import it here)
from flowtop.tui.event_flush import EventFlush
from flowtop.tui.file_rows import broken_flow_file
from flowtop.tui.first_load import FirstLoad
from flowtop.tui.flow_selection import FlowSelection
from flowtop.tui.footer_keys import FooterKeys
from flowtop.tui.keymap import KeyActions
from flowtop.tui.messages import EventsPending
from flowtop.tui.model import RunModel
from flowtop.tui.palette_keys import PaletteCommands, add_palette_keys
from flowtop.tui.palette_toasts import keep_list_above_toasts
from flowtop.tui.reload_actions import ReloadActions
from flowtop.tui.run_actions import RunActions
from flowtop.tui.run_control import InProcessControl, RunControl, RunControlError, StoreControl
from flowtop.tui.run_store import RunStore
from flowtop.tui.task_detail import TaskDetail
from flowtop.tui.view_actions import ViewActions
from flowtop.tui.widgets.detail_pane import DetailPane
from flowtop.tui.widgets.filter_input import FilterInput
from flowtop.tui.widgets.flow_list import FlowList
from flowtop.tui.widgets.key_bar import KeyBar
from flowtop.tui.widgets.run_header import RunHeader
from flowtop.tui.widgets.state_colors import STANDARD_16, colour_mode
from flowtop.tui.widgets.task_table import TaskTable
from flowtop.tui.workspace_view import FlowsHere, WorkspaceView
from flowtop.workspace.access import refused
from flowtop.workspace.places import STORE_FILE, folder_in_the_way, unread_settings
from flowtop.workspace.store_room import StoreRoom

HISTORY_FLUSH_WAIT = 1.0  # longest `h` waits for the history to take the latest events
LIVE_TICK = 0.1  # countdowns and running durations
TOAST_SWEEP = 2.0  # seconds between sweeps of emptied toast holders (``_drop_emptied_toasts``)
NOTICES_TICK = 0.5  # what the run processes started here wrote to their logs; their ends


#: Every app key except quit and help (those work from any screen).
MAIN_SCREEN_ACTIONS = frozenset(action for _, action, *_ in KEYS) - {"quit", "help"} | {
    "focus_flows",
    "focus_tasks",
    "next_pane",  # (another screen's Tab is its own, Textual's)
    "previous_pane",
}
#: The app's keys that an input takes as text when it has focus.
TYPED_IN_INPUTS = frozenset(action for _, action, *_ in KEYS) | {"focus_flows", "focus_tasks"}


class FlowtopApp(
    FlowSelection,  # first: the selection's header, not ``ViewActions``'s
    TaskDetail,
    AutoRerun,
    RunActions,
    ReloadActions,
    ViewActions,
    FooterKeys,
    PaletteCommands,  # before KeyActions: drops from the commands it lists
    KeyActions,
    Colourless,
    ErrorActions,
    EventFlush,
    FirstLoad,
    App[int],
):
    CSS_PATH = Path(__file__).with_name("flowtop.tcss")  # absolute: subclasses live elsewhere
    TITLE = "flowtop"

    BINDINGS: ClassVar[list[BindingType]] = [
        *APP_BINDINGS,
        *FOCUS_BINDINGS,
    ]

    def __init__(
        self,
        workspace: WorkspaceView,
        *,
        clock: Clock = system_clock,
        runner_options: dict[str, Any] | None = None,
        watch: bool = True,
        load: bool = False,
        run_processes: bool = False,
    ) -> None:
        """``load=True`` loads the workspace on a thread after the first frame (what
        ``flowtop`` does); otherwise ``workspace`` must already be loaded.
        ``run_processes=True`` runs flows in processes of their own through the run store
        (what ``flowtop`` does); otherwise on a runner in this process."""
        super().__init__()
        self._load = load
        self.workspace = workspace
        self.clock = clock
        self.buffer = EventBuffer()
        self.store = RunStore(workspace)
        self.store.workers = self._run_workers
        self.control: RunControl | None = None
        self.control_error: str | None = None  # why flows cannot run here (said on `r`)
        self._blocked: BlockedStore | None = None  # the store that could not be opened
        self._blocked_look: Timer | None = None  # the look at it (``blocked_store``)
        self._run_processes = run_processes
        self._runner_options = runner_options or {}
        self._watch = watch
        self._stop_watch: asyncio.Event | None = None
        self.selected_flow: str | None = None
        self.selected_error: str | None = None
        self.auto_rerun = False
        self._previews: dict[str, RunModel] = {}
        self._policy_cache: dict[tuple[str, str], str] = {}
        self._children: dict[str, dict[str, list[str]]] = {}  # flow -> task -> downstream
        #: "plain", "mono", "ansi16" or "full" forces the state colours; None asks the terminal.
        self.colour_mode: str | None = None
        self._shut_down = False
        self._panes_made = False  # (``compose``: no key acts before the panes are made)
        self._workspace_shown = False  # (``_workspace_ready``: once)
        self._frozen = False  # whether this app froze the objects made before it was ready
        self._toml_keys: dict[str, str] = {}  # the [keys] table last applied
        self.keymap_now: dict[str, str] = {}  # binding id -> key(s): what set_keymap was given
        self.fold_clock = time.perf_counter  # ends a slice of folding (tests pass their own)
        # Made here, not in ``compose``: a keymap may be set before the screen is composed
        self.header = RunHeader(id="run-header")
        self._unstacked: dict[tuple[str, str], Notification] = {}  # (``notify_unstacked``)

    def _run_workers(self) -> int:
        """How many attempts a run started now runs at once (``--workers``, else the
        workspace's ``[defaults] workers``): the guess for a run whose start does not say
        (``RunStore.workers``)."""
        return int(self._runner_options.get("workers") or self.workspace.settings.workers)

    def notify(self, message: str, **kwargs: Any) -> None:
        """Toasts quote user code (load errors): its escapes never reach the terminal."""
        super().notify(printable(message) if isinstance(message, str) else message, **kwargs)

    def notify_unstacked(self, message: str, *, severity: SeverityLevel = "information") -> None:
        """``message`` as a toast that takes the place of the same one said so before
        and still shown, its time started again: a key pressed again and again (``o y n x
        w r`` in a folder of no flow) piled up one more of the same toast each time. The
        one before goes after its own ``Notify`` (still queued when the keys came in one
        read), before the new one is drawn; private, as ``_say_reload``'s: Textual has no
        public way to take down one toast."""
        said = printable(message)
        toast = Notification(said, severity=severity, timeout=self.NOTIFICATION_TIMEOUT)
        before = self._unstacked.get((said, severity))
        self._unstacked = {key: t for key, t in self._unstacked.items() if not t.has_expired}
        self._unstacked[said, severity] = toast
        self.post_message(Notify(toast))
        if before is not None and not before.has_expired:
            self.call_later(self._unnotify, before, refresh=False)

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Kept as attributes: timers run while a modal screen is on top, where a
        # query would search the modal instead of the main screen.
        self.flow_list = FlowList(id="flows")
        self.filter_box = FilterInput(
            placeholder="filter by task name or state · Enter keeps · Esc clears",
            id="filter",
            compact=True,
        )
        self.table = TaskTable(clock=self.clock, id="tasks")
        self.store_room = StoreRoom(self.workspace.state_dir)  # the pane's and `n`'s
        self.detail = DetailPane(room=self.store_room, id="detail")
        with Horizontal(id="main"):
            yield self.flow_list
            with Vertical(id="right"):
                yield self.header
                yield self.filter_box
                yield self.table
                yield self.detail
        self.key_bar = KeyBar(self.footer_entries, id="keys")
        yield self.key_bar
        self._panes_made = True

    def on_command_palette_opened(self, message: CommandPalette.Opened) -> None:
        for screen in self.screen_stack:  # under it, the main screen's keys did nothing
            if isinstance(screen, CommandPalette):
                add_palette_keys(screen)
                keep_list_above_toasts(screen)

    def on_descendant_focus(self) -> None:
        self.key_bar.refresh()

    def on_descendant_blur(self) -> None:
        self.key_bar.refresh()

    def action_focus_flows(self) -> None:
        # At once, not as ``focus()`` does (after the messages already queued): over SSH,
        # ← ↓ typed quickly arrive together, and the ↓ moved in the table ← had left.
        self.screen.set_focus(self.flow_list)

    def action_focus_tasks(self) -> None:
        self.screen.set_focus(self.table)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Main-screen keys act on the main screen's selection: off while another screen
        (history, editor, help) is on top, so `h` in history can't stack a second history.
        The keys taken first (``PRIORITY``, the arrows, Enter, Esc) act only where they
        mean that: in an input (the filter line, a form's field) letters, `/` and the
        arrows are typed, only in the filter line do Enter and Esc leave it (Esc in the
        table clears a kept filter too: taken first, `Esc j` moves in the whole table,
        not in the filtered one it cleared after the `j`), and `?` and
        `q` close the help screen (its ``CLOSES_WITH``). Once quitting, none acts: `e`
        typed right after `q` opened the retry editor as the screens came down, and its
        mount failed with a traceback. Nor before the panes are made: asked then (`e`),
        ``off_pane_actions`` raised, looking for a flows list not made yet."""
        if self._shut_down or not self._panes_made:
            return False
        if action == "leave_filter":
            in_table = self.focused is self.table and bool(self.table.filter_text)
            # ``(False,)``: Esc's binding, ``leave_filter(False)`` (Enter's keeps the rows)
            return self.focused is self.filter_box or (in_table and parameters == (False,))
        if action == "move":
            return self.focused is self.table or self.focused is self.flow_list
        if action == "open_task":  # Enter in the table, or in the flows list (as →)
            return self.focused is self.table or self.focused is self.flow_list
        if action == "back_to_tasks":  # Esc in the detail pane
            return self.focused is self.detail
        if action in TYPED_IN_INPUTS and isinstance(self.focused, Input):
            return False
        if action in getattr(self.screen, "CLOSES_WITH", ()) or self.does_nothing_here(action):
            return False  # the screen's own keys; those the footer leaves out as doing nothing
        return not (len(self.screen_stack) > 1 and action in MAIN_SCREEN_ACTIONS)

    def on_mount(self) -> None:
        self.title = f"flowtop · {self.workspace.root}"
        mode = colour_mode(self)
        if mode == "ansi16":
            self.ansi_theme_dark = self.ansi_theme_light = STANDARD_16
            self.add_class("-ansi16")  # its cursor and key colours (flowtop.tcss)
        elif mode == "mono":
            self.add_class("-mono")  # its cursor rows in reverse video (flowtop.tcss)
        self.table.policy_source = self._policy_summary
        self.buffer.wake = self._wake  # called on the engine's thread
        self._fold_events()  # the worker that shows them
        self.set_interval(LIVE_TICK, self._tick, name="live-tick")
        # Back from ctrl+z (``fg``): the shell drew over the screen, which Textual only
        # redraws itself after ``with self.suspend()`` (``o``): all of it, at once.
        self.app_resume_signal.subscribe(self, lambda _: self.refresh(layout=True))
        self.set_interval(NOTICES_TICK, self._say_run_notices, name="run-notices")
        self.set_interval(NOTICES_TICK, self._reap_run_processes, name="reap")
        self.set_interval(TOAST_SWEEP, self._drop_emptied_toasts, name="toast-sweep")
        self.table.focus()
        if self._load:
            self._begin_first_load()  # "Loading flows…", naming a file slow to import
        else:
            self._workspace_ready()

    def _reap_run_processes(self) -> None:
        if isinstance(self.control, StoreControl):
            self.control.reap()

    def _drop_emptied_toasts(self) -> None:
        """Textual 8.2.8's ``ToastRack.show`` removes a toast whose notification expired
        before the toast's own timer fired (a busy frame, such as a reload's redraw) but
        not its ``ToastHolder``: the empty holder stayed in the rack for the session, with
        its layout caches and the toast (~80 KB each; a few in a hundred saves, half of
        them on a slow machine). Drop such holders; a holder still mounting is left be."""
        for screen in self.screen_stack:
            for holder in screen.query(ToastHolder):
                if holder.is_mounted and not holder.children:
                    holder.remove()

    def _wake(self) -> None:
        self.post_message(EventsPending())  # post_message is thread-safe

    def _workspace_ready(self) -> None:
        if self._shut_down or self._workspace_shown:
            return
        self._workspace_shown = True
        self._take_control()
        if self.workspace.history_error:
            self.notify(
                f"Running without history: {self.workspace.history_error}",
                severity="warning",
                markup=False,
                timeout=10,
            )
        if (stray := unread_settings(self.workspace.root)) is not None:
            self.notify(stray, severity="warning", markup=False, timeout=10)
        self._apply_keymap()
        self._show_flows()
        if self.selected_flow is None:
            self._update_header()  # "No flows found in …", when none is listed
        self._note_ran_with()  # what a save may change (``auto_rerun``)
        if self._watch:
            self._stop_watch = asyncio.Event()
            self._watch_workspace()
        # What exists now (Textual, the widgets, the modules, the flows) lives as long as
        # the app: frozen out of the collector's sight, a full collection during an event
        # storm scans the runs' rows only. Unfrozen, it paused the app 60-75 ms about once
        # a second under 20,000 events/s; frozen, 17-30 ms.
        if not self._frozen:
            gc.freeze()
            self._frozen = True

    def _take_control(self) -> None:
        """Start running and showing runs; with run processes, as the first load begins
        (``first_load``): the store's runs need no flow file."""
        if self._shut_down or self.control is not None or self.control_error is not None:
            return
        self._try_control()

    def _try_control(self) -> bool:
        """Make the control, or say why not (once per reason) and, with run processes,
        look at the store until what stands at its path changes (``blocked_store``)."""
        try:
            self.control = self._make_control()
        except Exception as exc:  # noqa: BLE001 - a bad store: say so, keep the app up
            in_the_way = folder_in_the_way(self.workspace.state_dir)  # not "[Errno 20] …"
            said = f"Cannot run flows: {refused(exc) or in_the_way or exc}"
            if said != self.control_error:  # (tried again: the same reason is not said again)
                self.notify(said, severity="error", markup=False, timeout=15)
            self.control_error = said
            if self._run_processes:
                known = None if self._blocked is None else self._blocked.known
                self._blocked = BlockedStore(self.workspace.state_dir / STORE_FILE, known)
                if self._blocked_look is None:
                    self._blocked_look = self.set_interval(
                        STORE_LOOK, self._look_at_blocked_store, name="blocked-store"
                    )
            return False
        return True

    def _look_at_blocked_store(self) -> None:
        """The look once a second at a store that could not be opened: moved away (as
        the error advises), replaced or written in place, it is tried again; opened, the
        header and the run keys run flows again, as after a restart."""
        blocked = self._blocked
        if self._shut_down or self.control is not None or blocked is None:
            return
        if not blocked.changed():
            return
        if not self._try_control():
            self._update_header()  # its reason may have changed
            return
        self.control_error = None
        self._blocked = None
        if self._blocked_look is not None:
            self._blocked_look.stop()
            self._blocked_look = None
        self.notify(blocked.recovered(), markup=False, timeout=8)
        self._update_header()

    def _make_control(self) -> RunControl:
        sink = self.take_events
        if self._run_processes:
            return StoreControl(self.workspace, sink, **self._runner_options)
        if not isinstance(self.workspace, FlowsHere):
            raise RunControlError("this workspace runs flows in run processes only")
        return InProcessControl(self.workspace, sink, **self._runner_options)

    # -- flows and selection (``flow_selection``) -----------------------------------
    def _flow_or_warn(self, *, runs: bool = True) -> str | None:
        return None if self._not_loaded_yet() else super()._flow_or_warn(runs=runs)

    def action_next_live_run(self) -> None:
        """`w` in a folder of no flow says so, as `r` does (``_no_flow_said``)."""
        if not self._no_flow_said():
            super().action_next_live_run()

    # -- the highlighted task (``task_detail``) ---------------------------------------
    def _tick(self) -> None:
        table = self.table
        table.tick()
        self._footer_follows()
        run = table.run
        if run is not None and run.is_live and self.selected_error is None:
            self._update_header()
            row = self._selected_row()
            if row is not None and row.state in (StateType.RUNNING, StateType.AWAITING_RETRY):
                now = self.clock()
                self.detail.show_title(row, now, all_busy=run.all_busy)
                if row.state is StateType.AWAITING_RETRY:  # its wait over, or its disk full
                    waits = self.detail.says_waiting(row, run.retry_waits(row, now), now)
                    if waits != self.detail.waiting:
                        self._update_detail()  # what it waits for now

    # -- screens ----------------------------------------------------------------------
    def action_history(self) -> None:
        from flowtop.tui.screens.history import HistoryScreen

        if self.no_history_here():  # a file's row: no flow's history to open
            return
        try:
            history = self.workspace.history
        except Exception as exc:  # noqa: BLE001 - a corrupt history file: say so, stay up
            self.notify(f"No history: {exc}", severity="error", markup=False, timeout=8)
            return
        if self.control is not None:
            # Bounded: a locked file must not hang us.
            self.control.settle(HISTORY_FLUSH_WAIT)
        pruned = self.store.pruned_away  # (the store's own: a prune while it is open, said)
        flow = self.selected_flow
        broken = flow and broken_flow_file(self.workspace, flow, of_broken=self.store.of_broken)
        run_key, file = self.key_for("run"), printable_name(broken.name) if broken else ""
        self.push_screen(HistoryScreen(history, flow, run_key=run_key, pruned=pruned, broken=file))

    def action_help(self) -> None:
        from flowtop.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.help_bindings()))

    async def action_quit(self) -> None:
        """Quit; with live runs started here, ask first (``[tui] on_quit``)."""
        if self._after_launch(partial(self.call_next, self.action_quit), asks=True):
            return  # `rq`: the run r is starting is one to ask about
        live = self.control.live_started_here() if self.control is not None else []
        separate = isinstance(self.control, StoreControl)
        choice = self.workspace.settings.on_quit
        if not live or (separate and choice == "keep"):
            self._quit(cancel=False)
        elif choice == "cancel":
            self._quit(cancel=True)
        else:
            from flowtop.tui.screens.quit import QuitScreen

            def answered(answer: str | None) -> None:
                if answer in ("keep", "cancel"):
                    self._quit(cancel=answer == "cancel")

            assert self.control is not None  # the live runs are its
            asking = QuitScreen(live, can_keep=separate, still_live=self.control.live_started_here)
            self.push_screen(asking, answered)

    # -- teardown -------------------------------------------------------------------
    def shutdown(self, *, cancel: bool = False) -> None:
        """Stop the watcher and let go of the runs: runs in their own processes go on
        unless ``cancel``; runs in this process end with it. Safe to call twice."""
        if self._shut_down:
            return
        self._shut_down = True
        self._launches.waiting.clear()  # keys pressed after q: nothing is left to act on
        self._cancels_let_go()  # nor for the keys waiting for a cancel to land
        if self._frozen:  # back in the collector's sight: another app may follow (tests)
            gc.unfreeze()
            self._frozen = False
        if self._stop_watch is not None:
            self._stop_watch.set()
        self.workspace.stop_loading()  # a load still importing must not hold up the exit
        if self.control is not None:
            self.control.close(cancel=cancel)

    def on_unmount(self) -> None:
        self.shutdown()
