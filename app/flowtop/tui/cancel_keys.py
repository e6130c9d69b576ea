"""`c`, and the keys pressed while its cancel lands: `f`, `t` and `r` act once the run ends.

`c y f` typed quickly (`c y t`, `c y r` too) acted on a run still live: the cancel was
asked, but its run had not ended yet. `f` said "Run #3 is still running: press c to
cancel it first" under a header that read `■ Cancelled` a moment later, and reran
nothing; `r` asked "start another beside it?", a question that went as the run ended
("live is not running any more"). Now a yes asks for the cancel as it is read
(``CancelConfirmScreen``), and until the run has ended the keys that act on it wait, as
keys pressed behind a launch wait for it to land (``launch_queue``: the keys typed after
one that may ask a question are held too), then act in the order pressed; one still
waiting after ``SLOW_LAUNCH`` says what for. A cancel its run's process has not taken within
``CANCEL_WAIT`` (stopped or busy: said so), or that could not be asked, lets them go: `f`
and `t` then say the run is being cancelled, and to press them once it has ended; `r`
asks, as on any live run.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING

from textual.timer import Timer

from flowtop.tui import run_control
from flowtop.tui.launch_queue import SLOW_LAUNCH, LaunchQueue, Request
from flowtop.tui.run_control import ask_cancel

if TYPE_CHECKING:
    from flowtop.tui.launch_queue import StoreWrite
    from flowtop.tui.model import RunModel
    from flowtop.tui.widgets.task_table import TaskTable

#: How often (seconds) the runs being cancelled are looked at, while there are any.
LANDING_TICK = 0.05


@dataclass(eq=False)
class Waiter:
    """A key pressed while a cancel lands: what it does once its run has ended."""

    call: Callable[[], None]
    asks: bool  # it may ask a question (`r`: "start another?")
    doing: str  # "f reruns it", for the toast of one that waits long


@dataclass(eq=False)
class Landing:
    """A cancel asked from here, its run not ended yet."""

    run: RunModel  # as `c` asked about it
    request: Request | None = None  # the store write that asks for it
    waiting: deque[Waiter] = field(default_factory=deque)
    #: (``time.monotonic``) once its process took it, or the runner here: the run ends
    #: by then, or the keys waiting go.
    ends_by: float | None = None
    stalled: bool = False  # not taken, or not asked: the keys no longer wait for it

    @property
    def name(self) -> str:
        run = self.run
        return f"Run #{run.number} of {run.flow}" if run.number else f"A run of {run.flow}"


class CancelKeys(LaunchQueue):
    """Mixed into ``FlowtopApp`` (through ``RunActions``): `c`, and the cancels landing."""

    selected_flow: str | None
    selected_error: str | None
    table: TaskTable

    if TYPE_CHECKING:  # FlowtopApp's own methods

        def on_a_file_row(self, doing: str) -> bool: ...

        def _starting(self, flow: str) -> RunModel | None: ...

        def _queue(self, write: StoreWrite) -> None: ...

    @cached_property
    def _landings(self) -> dict[str, Landing]:
        """The cancels asked here whose runs have not ended, by run id."""
        return {}

    def action_cancel(self) -> None:
        if not self.on_a_file_row("to cancel its run"):  # (not the flow shown before's run)
            self._cancel(self.selected_flow, self.table.run)

    def _cancel(self, flow: str | None, run: RunModel | None, *, waited: bool = False) -> None:
        """Cancel ``run`` if live, else ``flow``'s run just started. `rc`: once it has; by
        then its first event may show it already, in the place of the ``run`` `c` saw."""
        if (run is None or not run.is_live) and flow is not None:
            if self._after_launch(partial(self._cancel, flow, run, waited=True), asks=True):
                return
            run = self._starting(flow) or (self._landed(flow) if waited else run)
        if run is None or run.run_id is None or not run.is_live:
            # named where true: another flow's run live in this window read as the one meant
            named = flow is not None and not self.store.live_for(flow)
            named = named and self.selected_error is None  # (not a file's row)
            said = f"{flow} has no live run" if named else "Nothing is running here"
            self.notify(said, severity="warning", markup=False)
            return
        from flowtop.tui.cancel_question import CancelConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if yes is None:  # it ended while the question was open: nothing to answer
                self.notify(f"Run #{run.number} of {run.flow} ended meanwhile", markup=False)

        question = CancelConfirmScreen(
            f"Cancel run #{run.number} of {run.flow}?",
            partial(self._live_now, run),
            partial(self._ask_to_cancel, run),
        )
        self.push_screen(question, confirmed)

    def _ask_to_cancel(self, run: RunModel) -> None:
        """The yes to "Cancel run #3?", as it is read: the keys typed after it find the
        cancel asked (``_behind_cancel``)."""
        landing = Landing(run)
        what = f"cancel run #{run.number} of {run.flow}"
        landing.request = Request(
            what, partial(ask_cancel, run=run), partial(self._cancel_sent, landing)
        )
        if self.control is not None:  # (else ``_queue`` says why it cannot be asked)
            self._landings[run.run_id or ""] = landing
            self._look_at_landings()
        self._queue(landing.request)

    def _cancel_sent(self, landing: Landing, said: object) -> None:
        """What came of the cancel: taken (None; a run here: at once), the run ends in a
        moment; else, not taken in ``CANCEL_WAIT``, said why (``_say_untaken``)."""
        self._say_untaken(said)
        if isinstance(said, str):
            self._stalled(landing)
        else:
            landing.ends_by = time.monotonic() + run_control.CANCEL_WAIT

    def _say_untaken(self, said: object) -> None:
        """A cancel its run's process has not taken in ``CANCEL_WAIT``: that it is queued,
        and why (`c` said nothing, under a header that still read `▶ Running`)."""
        if isinstance(said, str):
            self.notify(said, severity="warning", markup=False, timeout=10)

    def _say_failure(self, error: Exception, write: StoreWrite) -> None:
        """A cancel that could not be asked (or that its process failed to do) lets the
        keys waiting for it go, once said."""
        try:
            super()._say_failure(error, write)
        finally:
            for landing in list(self._landings.values()):
                if landing.request is write:
                    self._stalled(landing)

    def _behind_cancel(
        self, runs: Iterable[RunModel], call: Callable[[], None], action: str, does: str
    ) -> bool:
        """Whether one of ``runs`` (what ``action``'s key acts on) is being cancelled from
        here: ``call`` then runs once it has ended (``does`` says it: "reruns it"). A
        cancel that stalled holds no key: `f` and `t` say so, and do nothing; `r` (which
        may ask a question) asks, as on any live run."""
        landing = self._landing_of(runs)
        asks = action == "run"
        if landing is None or (landing.stalled and asks):
            return False
        key = self.key_for(action)
        if landing.stalled:
            said = f"{landing.name} is being cancelled: press {key} once it has ended"
            self.notify(said, severity="warning", markup=False)
            return True
        waiter = Waiter(call, asks, f"{key} {does}")
        landing.waiting.append(waiter)
        self.set_timer(SLOW_LAUNCH, partial(self._say_waiting, landing, waiter))
        return True

    def _landing_of(self, runs: Iterable[RunModel]) -> Landing | None:
        for run in runs:
            landing = self._landings.get(run.run_id or "")
            if landing is not None and self._live_now(landing.run):
                return landing
        return None

    def _say_waiting(self, landing: Landing, waiter: Waiter) -> None:
        if waiter in landing.waiting:
            said = f"{landing.name} is being cancelled: {waiter.doing} once it has ended…"
            self.notify(said, markup=False)

    def _question_may_come(self) -> bool:
        """A key waiting for a cancel to land may ask too (`r`): the keys after it wait."""
        return super()._question_may_come() or any(
            waiter.asks for landing in self._landings.values() for waiter in landing.waiting
        )

    def _stalled(self, landing: Landing) -> None:
        landing.stalled = True
        self._let_keys_go(landing)

    @cached_property
    def _landing_timer(self) -> list[Timer]:
        return []  # the one that looks at the landings, while there are any

    def _look_at_landings(self) -> None:
        """Each ``LANDING_TICK``, until no cancel asked here is landing: a run ended lets
        its keys go (``_live_now``, however it ended: shown ended, gone from the store);
        so does one not ended ``CANCEL_WAIT`` after its cancel was taken."""
        timers = self._landing_timer
        if not timers:
            timers.append(self.set_interval(LANDING_TICK, self._look_at_landings))
            return
        now = time.monotonic()
        for run_id, landing in list(self._landings.items()):
            if not self._live_now(landing.run):
                del self._landings[run_id]
                self._let_keys_go(landing)
            elif landing.ends_by is not None and now >= landing.ends_by and not landing.stalled:
                self._stalled(landing)
        if not self._landings:
            timers.pop().stop()

    def _let_keys_go(self, landing: Landing) -> None:
        """The keys that waited for ``landing``, in the order pressed; once one asks a
        question, the rest go no further (typed after it, they were its answer)."""
        waiting, landing.waiting = landing.waiting, deque()
        shown = len(self.screen_stack)
        while waiting and len(self.screen_stack) == shown:
            waiting.popleft().call()
        if self._launches.held:
            self.call_later(self._let_held_keys_go)

    def _cancels_let_go(self) -> None:
        """Quitting: nothing is left to act on."""
        self._landings.clear()
