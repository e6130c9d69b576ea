"""Which keys the main screen's footer offers now: one place decides, ``footer_entries``.

A key shown is a key that acts. Two kinds of key would not, pressed now:

- one that would only say why it cannot act (`f` on a flow that never ran, `o` on a
  task with no error, `n` and `x` on a task not awaiting its retry): what the selection
  allows (``keymap.idle_actions`` over ``KeyActions.key_context``);
- one that acts on the shown run as a whole and would find nothing there: `c` on a run
  that is not live, `w` with no other live run of its flow, `R` for a flow that takes
  no parameters (``run_wide_idle``).

They were left out by two mechanisms: the app filtered its own list by the second kind,
and the key bar asked the app for the first (an ``IdleKeys`` protocol) and matched them
by the key as drawn, each redrawn on signals of its own. Now both kinds make one set
(``footer_hidden_actions``), taken out where the entries are made: the key bar fits and
draws the entries it is given, as it does a dialog's (``add_dialog_keys``), and asks
nothing. The bar redraws when focus moves (the app's ``on_descendant_focus``), when its
screen's bindings are said to change (the task table says so as its cursor moves, at
once), and when the live tick finds the set changed (``_footer_follows``): another run of
the flow going live is an event no widget names.

After a run none of whose tasks ran (cancelled while its flow file imported: its rows all
``· Not run``), `f` reruns every task, and so does `t`: the footer says `f Run again`
and leaves `t` out (``ran_no_task``), where it offered `Rerun failed` and `Rerun task`.
Not after a *rerun* that did not start: it stands for its source, whose completed tasks
`f` reuses (``reruns.plan_rerun``), so `f Rerun failed` and `t` stay (``stands_for_source``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from flowtop.engine.states import StateType
from flowtop.looks import NOT_STARTED
from flowtop.tui.bindings import (
    ALWAYS_IN_FOOTER,
    FILTER_FOOTER,
    FOOTER_KEYS,
    LIVE_ACTIONS,
    PARAMETER_ACTIONS,
    SWITCH_ACTIONS,
)
from flowtop.tui.workspace_view import VersionedHistory

if TYPE_CHECKING:
    from collections.abc import Collection

    from textual.app import App

    from flowtop.tui.model import RunModel
    from flowtop.tui.run_store import RunStore
    from flowtop.tui.widgets.detail_pane import DetailPane
    from flowtop.tui.widgets.filter_input import FilterInput
    from flowtop.tui.widgets.flow_list import FlowList
    from flowtop.tui.widgets.key_bar import Entry, KeyBar
    from flowtop.tui.widgets.task_table import TaskTable
    from flowtop.tui.workspace_view import WorkspaceView

    # The checker sees the mixin as the App it is mixed into; at run time it is a plain
    # class, so it shadows none of the App's methods.
    _AppBase = App[int]
else:
    _AppBase = object


def run_wide_idle(*, live: bool, other_live: bool, takes_parameters: bool) -> frozenset[str]:
    """The keys for the shown run as a whole that would act on nothing: `c` unless it is
    live (on a finished run `c` took the room `f` needed at 60 columns), `w` unless
    another run of its flow is, `R` unless the flow takes parameters. Pure, for tests."""
    idle: set[str] = set()
    if not live:
        idle |= LIVE_ACTIONS
    if not other_live:
        idle |= SWITCH_ACTIONS
    if not takes_parameters:
        idle |= PARAMETER_ACTIONS
    return frozenset(idle)


#: On a file's row (one that failed to load, a settings file): `h` has no flow's history
#: to open (it opened the flow's shown before), and the empty table nothing to filter or
#: sort (`/ Filter  s Sort` were offered beside `No flow selected`).
FILE_ROW_IDLE = frozenset({"history", "filter", "sort", "sort_reverse"})

#: After a run that went with its deleted run store (``went_with_store``): `f` and `t`
#: have no source to rerun (pressed, they only say so); `r` runs the flow anew.
GONE_RUN_IDLE = frozenset({"rerun_failed", "rerun_task"})

#: `f`'s words after a run that ran no task (``ran_no_task``): it reruns them all.
RUN_AGAIN = "Run again"


def ran_no_task(run: RunModel | None) -> bool:
    """Whether ``run`` ended with none of its tasks part of it (cancelled while its flow
    file imported, or a ``@flow`` whose body called none): a rerun of it has nothing to
    reuse and runs every task, `t`'s as `f`'s; but for a rerun that did not start
    (``stands_for_source``). Its rows are only the code's (``· Not run``,
    ``code_rows.NOT_IN_RUN``, state None), so their count says it at once (a 100,000-task
    flow's rows are not walked on every tick). Not a ``@flow`` that called subflows and
    no task of its own: `f` reruns them, each reusing what it completed (``subflow_reruns``),
    so it reruns the failed ones, as for a run with tasks of its own."""
    if run is None or run.is_live or run.counts[None] != len(run.rows) or run.subflows:
        return False
    return not stands_for_source(run)


def stands_for_source(run: RunModel) -> bool:
    """Whether ``run``, which ran no task, is a rerun that did not start (its file was
    broken, or it was cancelled or its process killed while the file imported): a rerun
    of it reruns its source, reusing what that source completed (``reruns.not_started``),
    so `f` reruns the failed tasks. (A source that ran none either is not in memory to
    ask; `f` then runs every task under that label too.) A completed rerun did start,
    but one that found nothing to rerun (COMPLETED, "did not start: nothing to rerun"):
    `f Run again` on it ran nothing again, recording one more such run each time. Not a
    ``@flow`` whose body ran (it raised, printed or called subflows: ``reruns.body_ran``),
    a rerun of which is of it, with its parameters."""
    if run.rerun_of is None:
        return False
    if run.error is not None:
        return run.error.type == NOT_STARTED
    return run.state is not StateType.COMPLETED and not (run.output or run.subflows)


def rerun_words(action: str, label: str, *, again: bool) -> str:
    """A footer label, `f`'s said as :data:`RUN_AGAIN` after a run that ran no task."""
    return RUN_AGAIN if again and action == "rerun_failed" else label


class FooterKeys(_AppBase):
    """Mixed into ``FlowtopApp``: the main screen's footer entries (``KeyBar``)."""

    # Provided by FlowtopApp:
    key_bar: KeyBar
    filter_box: FilterInput
    flow_list: FlowList
    detail: DetailPane
    table: TaskTable
    store: RunStore
    workspace: WorkspaceView
    selected_flow: str | None
    selected_error: str | None
    went_with_store: Collection[RunModel]  # (ReloadActions')
    #: What the footer left out when the live tick last looked (``_footer_follows``),
    #: and whether `f` said :data:`RUN_AGAIN`.
    _footer_hidden: tuple[frozenset[str], bool] = (frozenset(), False)

    if TYPE_CHECKING:  # KeyActions' methods

        def key_for(self, action: str) -> str: ...

        def footer_idle_actions(self) -> frozenset[str]: ...

        def keyless_actions(self) -> frozenset[str]: ...

        def off_pane_actions(self) -> frozenset[str]: ...

    def footer_entries(self) -> tuple[list[Entry], list[Entry]]:
        """The focused pane's keys (as rebound now) by priority, but those that would act
        on nothing now (``footer_hidden_actions``), and ``?``/``q``. The pane focused on
        the bar's own screen: ``self.focused`` is a dialog's field while one is open, and
        when it closes no focus event redraws the bar."""
        focused = self.key_bar.screen.focused
        if focused is self.filter_box:
            return [(self.get_key_display(Binding(k, k)), lbl) for k, lbl in FILTER_FOOTER], []
        pane = "flows" if focused is self.flow_list else "tasks"
        hidden = self.footer_hidden_actions()
        again = self._after_no_task()
        entries = [
            (self.key_for(action), rerun_words(action, label, again=again))
            for action, label in FOOTER_KEYS[pane]
            if action not in hidden
        ]
        if focused is self.detail:  # the arrows scroll the pane here, not the table;
            # and Esc goes back to it, which only the README said
            entries[:0] = [("↑↓", "Scroll"), (self.key_for("back_to_tasks"), "Back")]
        always = [(self.key_for(a), label) for a, label in ALWAYS_IN_FOOTER if a not in hidden]
        return entries, always

    def footer_hidden_actions(self) -> frozenset[str]:
        """The actions whose keys the footer leaves out now: those that would only say why
        they cannot act (``footer_idle_actions``), the run-wide ones with nothing to act
        on (``run_wide_idle``), those ``[keys]`` left with no key (``keyless_actions``),
        and from the flows list the table task's, whose keys do nothing there
        (``off_pane_actions``, as ``check_action`` asks). The one set both the entries and
        the tick ask."""
        shape = self.workspace.shapes.get(self.selected_flow or "")
        run = self.table.run if self.selected_error is None else None
        live = run is not None and run.is_live
        # a run still importing its flow file: `c` cancels it, `w` says it is starting
        starting = self.selected_error is None and bool(
            self.store.loading(self.selected_flow or "")
        )
        run_wide = run_wide_idle(
            live=live or starting,
            other_live=(live and starting)
            or (run is not None and any(r is not run for r in self.store.live_for(run.flow))),
            takes_parameters=self.selected_error is None
            and shape is not None
            and bool(shape.parameters),
        )
        # `t` after a run that ran no task reruns them all, as `f` (`Run again`) does
        again = frozenset({"rerun_task"}) if self._after_no_task() else frozenset()
        # a file's row: no flow's history (`no_history_here`), no rows to filter or sort
        on_file = FILE_ROW_IDLE if self.selected_error is not None else frozenset()
        ran_none = frozenset({"history"}) if self._no_run_at_all() else frozenset()
        hidden = self.footer_idle_actions() | run_wide | self.keyless_actions() | again
        hidden |= self.off_pane_actions()
        if self._newest_went_with_store():
            hidden |= GONE_RUN_IDLE
        return hidden | on_file | ran_none

    #: The store's version when ``_no_run_at_all`` last counted its runs, and whether
    #: it held none then.
    _runs_seen: tuple[tuple[int, ...] | None, bool] | None = None

    def _no_run_at_all(self) -> bool:
        """Whether nothing is listed and the store holds no run: `h` would open an empty
        history (an empty folder's footer offered `h History`). Counted again only when
        the store changed, if it can tell (``VersionedHistory``)."""
        if self.flow_list.option_count:
            return False
        try:
            history = self.workspace.history
            version = history.version() if isinstance(history, VersionedHistory) else None
            if version is None or self._runs_seen is None or self._runs_seen[0] != version:
                self._runs_seen = (version, history.count() == 0)
        except Exception:  # noqa: BLE001 - a store that cannot be read: `h` says why
            return False
        return self._runs_seen[1]

    def _newest_went_with_store(self) -> bool:
        """Whether the selected flow's newest run, which `f` and `t` rerun, went with its
        deleted run store: shown ⚡ Interrupted, it is in no store a rerun could read."""
        if self.selected_error is not None or self.selected_flow is None:
            return False
        return self.store.latest_for(self.selected_flow) in self.went_with_store

    def _after_no_task(self) -> bool:
        """Whether the selected flow's newest run, which `f` and `t` rerun, ran no task."""
        if self.selected_error is not None or self.selected_flow is None:
            return False
        return ran_no_task(self.store.latest_for(self.selected_flow))

    def _footer_follows(self) -> None:
        """Called by the live tick: the footer redrawn when what it leaves out, or `f`'s
        words, changed (a run of the flow going live or ending elsewhere names no widget)."""
        now = (self.footer_hidden_actions(), self._after_no_task())
        if now != self._footer_hidden:
            self._footer_hidden = now
            self.key_bar.refresh()
