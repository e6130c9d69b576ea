"""Writing the run store off the event loop: one write at a time on a thread, in key order.

Starting a run writes the run store (its number; a rerun's reservation, checked against
the reruns already live), and so does a request for a live run (``c`` cancel, ``n`` retry
now, ``x`` give up, and the cancels of quitting with "cancel"). A write waits while
another process holds the store, up to its busy timeout (5 s). Made on the event loop,
that wait froze the app: no clock, no countdown, no key. Each write now runs in a thread
worker that posts ``LaunchEnded``; the app says what came of it on its own thread, with
the toasts it always had.

Keys that ask about the run being started wait for it to land, then act as they did
when the app was blocked: ``rr`` asks about the run just started, ``ff`` starts one
rerun, ``rc`` cancels the run ``r`` started. Each acts on what was selected when it was
pressed. A request waits its turn behind the writes before it (``c`` then ``r``: the
cancel is asked first). Every other key, and the timers, go on meanwhile; but the keys
typed after one that waits and may ask a question (``r``, ``c``, ``q``) wait too, and then
go to its question: in ``r r n`` the ``n`` answers "start another?", where it acted on
the main screen (retry now) before the question showed, and left it open.

A run process's answer to ``n`` or ``x`` (up to ``ANSWER_WAIT``) is waited for on a thread
of its own once the command is written, and said once it comes: the writes after it
(``r``, ``f``, ``c``) had waited for it too, up to that long behind each ``n`` on a run
process that did not answer. So is its answer to ``c`` (up to ``CANCEL_WAIT``): a process
stopped or busy that has not taken the cancel by then is said so (the cancel stays queued).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, TypeAlias, cast

from textual import events, work
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.worker import get_current_worker

from flowtop.looks import STARTING
from flowtop.printable import printable
from flowtop.tui.run_control import AlreadyRerunning, Answer, CancelAnswer, RunControlError

if TYPE_CHECKING:
    from textual.app import App

    from flowtop.tui.model import RunModel
    from flowtop.tui.run_control import RunControl
    from flowtop.tui.run_store import RunStore

    _AppBase = App[int]  # as in ``run_actions``: the checker sees the App it is mixed into
else:
    _AppBase = object

#: A write still under way after this long (seconds) says so: the store is held.
SLOW_LAUNCH = 1.0
#: A run started that has not shown this long (seconds) after its launch says it is
#: coming: a run process imports its flow file first (a 100,000-task one: seconds), and
#: until its first event nothing on screen moved.
SLOW_START = 0.6


def _refused_quietly(error: RunControlError) -> bool:
    return False


def _nothing(run: RunModel) -> None:
    pass


def _ignored(result: object) -> None:
    pass


@dataclass(eq=False)
class Launch:
    """One run to start, and what the app says once it has started or could not."""

    what: str  # "a run of etl": for the toast of a launch that waits
    start: Callable[[RunControl], RunModel]
    #: A refusal the caller says itself (True), instead of the usual warning.
    refused: Callable[[RunControlError], bool] = field(default=_refused_quietly)
    started: Callable[[RunModel], None] = field(default=_nothing)

    @property
    def waiting(self) -> str:
        return f"Starting {self.what}: waiting for the run store…"

    def failed(self, error: OSError) -> str:
        return f"Could not start the run: {error}"


@dataclass(eq=False)
class Request:
    """A request for live runs, and what the app says once it is queued or could not be."""

    what: str  # "cancel run #3 of etl": for the toasts of a request that waits or fails
    send: Callable[[RunControl], object]
    #: Called with what ``send`` returned (``retry_now``: False when the task had moved on);
    #: for an ``Answer`` (a run process's, to come), with what it says, waited for apart.
    sent: Callable[[object], None] = field(default=_ignored)

    @property
    def waiting(self) -> str:
        return f"Asking to {self.what}: waiting for the run store…"

    def failed(self, error: OSError) -> str:
        return f"Could not {self.what}: {error}"


#: One write to the run store, made on the thread in its turn.
StoreWrite: TypeAlias = "Launch | Request"
#: A run process's answer to a request, to come: waited for apart (``_wait_for_answer``).
ToCome: TypeAlias = "Answer | CancelAnswer"


@dataclass
class LaunchEnded(Message):
    """A write landed: what it returned (a launch: the run it started, known before its
    first event), or why not."""

    result: object
    error: Exception | None


@dataclass
class Answered(Message):
    """A run process answered ``request`` (or did not in time): what ``Answer.wait``
    (``CancelAnswer.wait``) said, or why not."""

    request: Request
    result: object
    error: Exception | None


class _Launches:
    def __init__(self) -> None:
        self.current: StoreWrite | None = None
        #: What the last launch started (None: it started nothing): what `rc`'s c cancels.
        self.landed: RunModel | None = None
        #: What keys pressed meanwhile do once ``current`` lands, in the order pressed,
        #: each with whether it may ask a question (``r``: "start another?").
        self.waiting: deque[tuple[Callable[[], None], bool]] = deque()
        #: The keys typed after a waiting key that may ask: they go (to its question, if
        #: it asks) once it has acted.
        self.held: deque[events.Key] = deque()
        #: The "its process is importing the flow file…" toast of each run not shown yet, by run
        #: id: taken down once the run shows (``_loading_over``).
        self.loading: dict[str, Notification] = {}


class LaunchQueue(_AppBase):
    """Mixed into ``FlowtopApp`` (through ``RunActions``): uses its control and store."""

    control: RunControl | None
    store: RunStore

    if TYPE_CHECKING:

        def key_for(self, action: str) -> str: ...

        def _update_header(self) -> None: ...

        def _show_selected_run(self) -> bool: ...

    @cached_property
    def _launches(self) -> _Launches:
        return _Launches()

    def _after_launch(self, call: Callable[[], None], *, asks: bool = False) -> bool:
        """True while a write (a launch, a request) is under way: ``call`` then runs once
        it has landed. ``asks``: ``call`` may open a question, so the keys typed after it
        are held until it has (``on_event``)."""
        if self._launches.current is None:
            return False
        self._launches.waiting.append((call, asks))
        return True

    def _question_may_come(self) -> bool:
        """Whether a key waiting for the write under way may open a question."""
        return any(asks for _, asks in self._launches.waiting)

    async def on_event(self, event: events.Event) -> None:
        """A key typed after one that waits and may ask a question is held, and goes
        once that one has acted: to its question, if it asked one, as typing ahead means.
        Held keys keep their order: one typed while others are held waits behind them."""
        held = self._launches.held
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded  # as typed, not on its way back up
            and (held or self._question_may_come())
        ):
            held.append(event)
            return
        await super().on_event(event)

    async def _let_held_keys_go(self) -> None:
        """The held keys, in order, up to one that waits again and may ask."""
        held = self._launches.held
        while held and not self._question_may_come():
            await super().on_event(held.popleft())

    def _begin_launch(self, control: RunControl, write: StoreWrite) -> None:
        """Make ``write`` on a thread (after the one under way, if any)."""
        if self._after_launch(partial(self._begin_launch, control, write)):
            return
        self._launches.current = write
        self.set_timer(SLOW_LAUNCH, partial(self._say_starting, write))
        self._launch_in_thread(control, write)

    def _landed(self, flow: str) -> RunModel | None:
        """The run the last launch started, if of ``flow``, as the screen knows it now;
        None when it started none (refused: another window's run of the flow, started
        meanwhile, is not the one `rc` meant)."""
        landed = self._launches.landed
        if landed is None or landed.flow != flow:
            return None
        return self.store.runs.get(landed.run_id or "", landed)

    def _live_now(self, run: RunModel) -> bool:
        """Whether ``run``, what a question asks about (`c`: "Cancel run #3?", `r`: "Start
        another beside it?"), is live now as the screen knows it: the question goes once
        it is not (``ConfirmScreen.still_asked``). A run still starting when asked is the
        model its launch returned (``RunStore.starting``; a reserved run's, another
        window's): its first event shows it as a model of its own, and the one asked
        about read live for ever (`rr`, `rc`, or `c` while its process imported the flow
        file: the question stayed after the run ended). Neither shown nor starting any
        more, it ended and was let go of (only ended runs are), or a newer launch of its
        flow took its place while it still imports: where it runs says."""
        store, run_id = self.store, run.run_id or ""
        shown = store.runs.get(run_id)
        if shown is not None:
            return shown.is_live
        if not run.is_live:
            return False
        if (reserved := store.reserved.get(run_id)) is not None:
            return reserved.is_live  # (it is told when its process dies importing)
        launched = store.launched.get(run.flow)
        if launched is not None and launched.run_id == run_id:
            return True  # a process that dies importing shows its run, ended (``runs``)
        return self.control is not None and self.control.still_live(run)

    def _say_starting(self, write: StoreWrite) -> None:
        if self._launches.current is write:
            self.notify(write.waiting, markup=False)

    @work(thread=True, group="launch", exit_on_error=False)
    def _launch_in_thread(self, control: RunControl, write: StoreWrite) -> None:
        try:
            result = write.start(control) if isinstance(write, Launch) else write.send(control)
        except Exception as exc:  # noqa: BLE001 - said (or raised) on the app's thread
            self.post_message(LaunchEnded(None, exc))
        else:
            self.post_message(LaunchEnded(result, None))

    def on_launch_ended(self, message: LaunchEnded) -> None:
        launches = self._launches
        write, launches.current = launches.current, None
        if write is None:  # pragma: no cover - one message per write begun
            return
        error = message.error
        if isinstance(write, Request):
            if error is not None:
                self._say_failure(error, write)
            elif isinstance(message.result, (Answer, CancelAnswer)):  # answered in a while
                self._wait_for_answer(write, message.result)
            else:
                write.sent(message.result)
        else:
            started = cast("RunModel | None", message.result)  # what ``start`` returned
            launches.landed = started
            if error is not None:
                if not (isinstance(error, RunControlError) and write.refused(error)):
                    self._say_failure(error, write)
            elif started is not None:
                # Until its first event shows it, ``store.starting`` knows it.
                self.store.landed(started)
                if not self._show_selected_run():  # in an ended run's place: ``starting_over``
                    self._update_header()  # it says the run is starting (``RunStore.loading``)
                write.started(started)
                self.set_timer(SLOW_START, partial(self._say_loading, started))
        shown = len(self.screen_stack)
        while launches.waiting and launches.current is None:
            if len(self.screen_stack) != shown:  # a key's question is up: the keys typed
                launches.waiting.clear()  # after it are its answer (held, they go to it
                break  # next), as when a launch held the screen (`rrr`: one question)
            call, _ = launches.waiting.popleft()
            call()
        if launches.held:
            self.call_later(self._let_held_keys_go)

    @work(thread=True, group="answers", exit_on_error=False)
    def _wait_for_answer(self, request: Request, answer: ToCome) -> None:
        """Wait for ``answer`` apart: the writes queued after ``request`` go meanwhile.
        Quitting ends the wait: the app's exit waits for its threads (a cancel's 3 s)."""
        worker = get_current_worker()
        try:
            said = answer.wait(lambda: worker.is_cancelled or not self.is_running)
        except Exception as exc:  # noqa: BLE001 - said (or raised) on the app's thread
            self.post_message(Answered(request, False, exc))
        else:
            self.post_message(Answered(request, said, None))

    def on_answered(self, message: Answered) -> None:
        if message.error is not None:
            self._say_failure(message.error, message.request)
        else:
            message.request.sent(message.result)

    def _say_loading(self, run: RunModel) -> None:
        if self.store.launched.get(run.flow) is run and (run.run_id or "") not in self.store.runs:
            what = f"run #{run.number}" if run.number else "a run"
            said = printable(f"Starting {what} of {run.flow}: {run.stage or STARTING}…")
            # Not ``notify``: this toast is taken down when the run shows (``_loading_over``)
            toast = Notification(said, timeout=4, markup=False)
            self.post_message(Notify(toast))
            if run.run_id is not None:
                self._launches.loading[run.run_id] = toast

    def _loading_over(self) -> None:
        """A run's "its process is importing the flow file…" toast goes as the run shows: it
        stayed its 4 s under a header that already said `✓ Completed 4ms`."""
        loading = self._launches.loading
        for run_id, toast in list(loading.items()):
            if toast.has_expired:
                del loading[run_id]
            elif run_id in self.store.runs:
                if toast not in self._notifications:  # (Textual's own list; it is pinned)
                    self.call_later(self._loading_over)  # its ``Notify`` is still queued
                    continue
                del loading[run_id]
                # Private, as the list above: Textual 8.2.8 has no public way to take down
                # one toast (``notify`` returns nothing to hold, ``clear_notifications``
                # takes down every toast); its own Toast, clicked, calls ``_unnotify``.
                self._unnotify(toast)

    def _refusal(self, error: RunControlError) -> str:
        """``error`` in words, as the screen knows its run now: a rerun refused because
        one was live (``AlreadyRerunning``) that has ended since is said ended."""
        if isinstance(error, AlreadyRerunning):
            return error.said(self.store.runs.get(error.run_id), self.key_for)
        return error.say(self.key_for)

    def _say_failure(self, error: Exception, write: StoreWrite) -> None:
        """A ``RunControlError`` as a warning toast, an ``OSError`` (no run process
        started, a store that would not take the request) as an error; anything else is
        a defect, raised as ever."""
        if isinstance(error, RunControlError):
            self.notify(self._refusal(error), severity="warning", markup=False)
        elif isinstance(error, OSError):
            self.notify(write.failed(error), severity="error", markup=False)
        else:
            raise error
