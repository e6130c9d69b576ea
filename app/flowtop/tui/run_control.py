"""Where the TUI's runs execute: in run processes through the store, or in this process.

The run keys (``r f t c n x``) and ``q`` talk to a ``RunControl``; its events reach the
screen through the app's event buffer either way. ``StoreControl`` is what ``flowtop``
uses: every run is a process of its own that outlives the TUI, and the TUI is one client
of the workspace's run store among others. ``InProcessControl`` runs flows on a runner
in this process: for tests with a fake workspace and for embedding the app.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias

from flowtop.engine.events import RunStarted
from flowtop.engine.states import StateType
from flowtop.printable import printable
from flowtop.tui.cancel_words import ended_before, queued_words, run_record
from flowtop.tui.child_reaper import ChildReaper
from flowtop.tui.launch_notes import LaunchLogs
from flowtop.tui.model import RunModel, RunStartedElsewhere
from flowtop.workspace.ownership import stopped_words
from flowtop.workspace.places import STORE_FILE

#: How long ``retry_now`` and ``give_up`` wait for the run's process to answer (seconds;
#: it looks for commands every 20 ms): one that does not answer by then is taken as applied.
ANSWER_WAIT = 0.5
ANSWER_POLL = 0.01  # how often they look for that answer meanwhile (seconds)
#: How long `c`, and quitting with "cancel", wait for a run's process to take the cancel
#: (seconds), as ``flowtop cancel`` does (``WAIT``): one that has not is stopped (``kill
#: -STOP``, a frozen VM: said so when seen) or busy; the cancel stays queued, said so.
CANCEL_WAIT = 3.0

#: What `n` and `x` ask of a task's wait.
WaitAct: TypeAlias = Literal["retry_now", "give_up"]

if TYPE_CHECKING:
    from flowtop.engine.flow import Flow
    from flowtop.engine.records import RunResult
    from flowtop.engine.run import FlowRun
    from flowtop.tui.workspace_view import LocalWorkspace, WorkspaceView
    from flowtop.workspace.launcher import Launched
    from flowtop.workspace.store_notices import ClientEvent

    #: What the screen takes: the engine's events (a subset, in process) or the store
    #: client's, its notices among them.
    ShownSink = Callable[[Sequence[ClientEvent]], None]


class RunControlError(Exception):
    """An action that can't be done, and why: shown to the user.

    ``key`` names the action whose key the message mentions (``{key}`` in it): the app
    fills in the key as bound now, since ``[keys]`` may have rebound it.
    """

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.key = key

    def say(self, key_for: Callable[[str], str]) -> str:
        return self.message.format(key=key_for(self.key)) if self.key else self.message


class AlreadyRerunning(RunControlError):
    """A rerun refused by the run store: its source, or a rerun of it, is live already
    (another window may have started it a moment ago). Auto-rerun takes it as done.

    ``message`` says it as the store found it; ``said`` as the screen knows the run by
    the time it is shown: the window that lost a double `f` said `Run #2 … is already
    running` under a header that read `#2 ✓ Completed 19ms`."""

    def __init__(self, run_id: str, number: int, source_number: int | None, where: str) -> None:
        self.run_id = run_id
        self.number = number
        self.source_number = source_number  # None: the live run was the source itself
        self.where = where  # "here", "in another window": who started it
        if source_number is None:
            super().__init__(
                f"Run #{number} is still running: press {{key}} to cancel it first", "cancel"
            )
        else:
            super().__init__(
                f"Run #{number}, a rerun of #{source_number}, is already running (started {where})"
            )

    def said(self, run: RunModel | None, key_for: Callable[[str], str]) -> str:
        """What to say now, ``run`` being the live run refused as the screen has it (None
        when it does not know it): one that has ended since is said ended, with how."""
        if run is None or run.is_live or run.state is None:
            return self.say(key_for)
        symbol, word, _ = run.look
        if self.source_number is None:
            return f"Run #{self.number} was still running when asked: {symbol} {word} now"
        return (
            f"Run #{self.number}, a rerun of #{self.source_number}, was already started "
            f"{self.where}: {symbol} {word}"
        )


class RunControl(Protocol):
    """``start`` and the reruns return the run they started as known before its first
    event (a run process takes a second to import its flow): live, with no rows yet.
    The app calls them, and ``cancel``, ``retry_now`` and ``give_up``, on a thread of
    their own, one at a time (``launch_queue``): they may wait for the run store. (A
    run process's answer to `n`, `x` and `c` is waited for apart: ``act_on_wait``,
    ``ask_cancel``.)
    ``retry_now`` and ``give_up`` act on the wait of ``attempt`` (the failed attempt
    the key was pressed on; None: the task's wait now), and say False when that wait
    was over: cut already (another window's key, a double press), or gone by."""

    def start(self, flow: str, parameters: Mapping[str, Any] | None = None) -> RunModel: ...
    def rerun_failed(self, run: RunModel) -> RunModel: ...
    def rerun_task(self, run: RunModel, key: str) -> RunModel: ...
    def still_live(self, run: RunModel) -> bool: ...
    def cancel(self, run: RunModel) -> None: ...
    def retry_now(self, run: RunModel, key: str, attempt: int | None = None) -> bool: ...
    def give_up(self, run: RunModel, key: str, attempt: int | None = None) -> bool: ...
    def live_started_here(self) -> list[str]: ...
    def notices(self) -> list[str]: ...
    def settle(self, timeout: float) -> None: ...
    def close(self, *, cancel: bool) -> None: ...


def reruns_nothing(flow: Flow, source: FlowRun) -> bool:
    """Whether a rerun of the ended ``source`` by today's ``flow`` would run no task. A
    static flow's rerun reuses a task only as ``Flow.rerun_plan`` allows (what feeds it
    reused, called as in ``source``): a changed call runs again, not only an added task.
    A ``@flow``'s, as ``flowtop run --rerun-of`` decides it (``reruns.replays_nothing``):
    every call completed and reusable, every subflow run it called completed, each of
    their tasks too (a failed one its body handled reruns), its code not saved since."""
    from flowtop.engine.dynamic import FlowFunction
    from flowtop.workspace.reruns import replays_nothing

    result = source.snapshot()
    plan = flow.rerun_plan(result)
    if isinstance(flow, FlowFunction):
        calls, cached = len(source.tasks), len(plan["cache"])
        completed = source.state is StateType.COMPLETED and _subflows_completed(result)
        return completed and replays_nothing(
            flow, source.started_at, calls, reused=cached, subflows=len(result.subflows)
        )
    reused: Mapping[str, Any] = plan["reuse"]
    return reused.keys() >= flow.nodes.keys()


def _subflows_completed(result: RunResult) -> bool:
    """Whether each subflow run the ended ``result``'s body called (its last flow-level
    retry) completed, every task of it and its own subflow runs too, as ``flowtop run
    --rerun-of`` asks of a stored run (``subflow_sources``)."""
    for call in result.subflows:
        try:
            ran = call.run.final_run(timeout=0).snapshot()
        except TimeoutError:  # one its body left running (it never waited for it)
            return False
        if ran.state is not StateType.COMPLETED or not _subflows_completed(ran):
            return False
        if any(state.type is not StateType.COMPLETED for state in ran.states.values()):
            return False
    return True


#: What ends a wait for an answer early (the app quitting), checked as it polls.
Stop: TypeAlias = "Callable[[], bool] | None"


def _heard(db: Path, command_id: int, deadline: float, stop: Stop = None) -> str | None:
    """The run process's answer to ``command_id`` (``owner_agent.outcome``), looked for
    until ``deadline`` (``time.monotonic``) or ``stop`` says to; None when none came."""
    from flowtop.workspace.owner_agent import outcome

    while True:
        said = outcome(db, command_id)
        if said is not None or time.monotonic() >= deadline or (stop is not None and stop()):
            return said
        time.sleep(ANSWER_POLL)


@dataclass(frozen=True)
class Answer:
    """A command written to the run store (`n`, `x`), its run process's answer to come."""

    db: Path
    command_id: int
    run_id: str = ""
    name: str = ""  # "run #3 of etl"
    act: str = "retry_now"  # or "give_up": what the run ending first kept from being done

    def wait(self, stop: Stop = None) -> bool:
        """Whether the run's process did what the command asked: False once it answers
        that it did nothing (the wait it was aimed at was over: a second window's `n`
        said nothing, as if its own had cut it). Waits ``ANSWER_WAIT`` at most for the
        answer (its owner polls every 20 ms); True when none came, or it cannot be read
        (queued: taken when the owner polls), unless the run has ended meanwhile (its
        process killed: `n` said nothing, its run then read interrupted): said, as an
        owner that failed to apply it says why."""
        from flowtop.workspace.history_records import HistoryError
        from flowtop.workspace.reaper import gone_unmarked

        try:
            said = _heard(self.db, self.command_id, time.monotonic() + ANSWER_WAIT, stop)
            if said is None and self.run_id:  # (its process looked at now)
                gone = self.run_id in gone_unmarked(self.db)
                record = run_record(self.db, self.run_id)
                kept = (
                    "its wait could be cut" if self.act == "retry_now" else "its task was given up"
                )
                ended = ended_before(record, self.name, kept, gone=gone)
                if ended is not None:
                    raise RunControlError(ended)
        except (HistoryError, OSError, sqlite3.Error):
            return True
        if said is not None and said.startswith("failed: "):
            raise RunControlError(f"The run's process failed to do it: {said[len('failed: ') :]}")
        return said is None or said == "applied"


@dataclass(frozen=True)
class CancelAnswer:
    """A cancel written to the run store (`c`, quitting with "cancel"), its run process's
    answer to come: a process stopped (``kill -STOP``, a frozen VM) or busy takes it only
    once it goes on, and `c` showed nothing meanwhile, the header still `▶ Running`."""

    db: Path
    command_id: int
    run_id: str
    name: str  # "run #3 of etl"

    def wait(self, stop: Stop = None, deadline: float | None = None) -> str | None:
        """What to say of a cancel its run's process has not taken within ``CANCEL_WAIT``
        (or by ``deadline``), the run still running: that it stays queued, as ``flowtop
        cancel`` says it; that the run had ended before it (given up in another window),
        its process having nothing to cancel. None when it was taken (the run shows it
        end), or the store cannot be read. An owner that failed to apply it says why."""
        from flowtop.workspace.history_records import HistoryError
        from flowtop.workspace.reaper import gone_unmarked

        if deadline is None:
            deadline = time.monotonic() + CANCEL_WAIT
        try:
            gone_unmarked(self.db)  # a look at its process now: one stopped is said at once

            def halt() -> bool:  # (the monitor's liveness check, once a second, finds it too)
                return bool(stopped_words(self.run_id)) or (stop is not None and stop())

            said = _heard(self.db, self.command_id, deadline, halt)
            if said is None and (stop is None or not stop()):
                return self._untaken()
        except (HistoryError, OSError, sqlite3.Error):
            return None
        if said is not None and said.startswith("failed: "):
            failed = said[len("failed: ") :]
            raise RunControlError(f"The process of {self.name} failed to cancel it: {failed}")
        if said is not None and said.startswith("ignored"):  # its run had ended
            record = run_record(self.db, self.run_id)
            return ended_before(record, self.name, "the cancel", ended_anyway=True)
        return None

    def _untaken(self) -> str | None:
        """The cancel is still not taken: why, as the store tells (the run ended: ``_ended``)."""
        record = run_record(self.db, self.run_id)
        if record is None:
            return None
        if record.state != "RUNNING":
            return ended_before(record, self.name, "the cancel", ended_anyway=True)
        owner = f" ({record.owner})" if record.owner else ""
        return queued_words(self.db, self.run_id, self.name) or (
            f"Cancel of {self.name} is queued: its process{owner} has not taken it "
            "(stopped or busy); it ends once it does"
        )


def untaken(answers: Sequence[CancelAnswer], stop: Stop = None) -> list[str]:
    """What to say of the cancels among ``answers`` not taken within ``CANCEL_WAIT``, all
    waited for at once (quitting with "cancel"): one line each; none when all were. One
    its process failed to apply says why, and holds no quit up."""
    deadline = time.monotonic() + CANCEL_WAIT
    said: list[str] = []
    for answer in answers:
        try:
            line = answer.wait(stop, deadline)
        except RunControlError as exc:
            line = exc.message
        if line is not None:
            said.append(line)
    return said


def ask_cancel(control: RunControl, run: RunModel) -> CancelAnswer | None:
    """`c` on ``run``: a run in its own process takes the cancel in a while (the
    ``CancelAnswer`` to wait for, ``launch_queue``), one in this process at once."""
    if isinstance(control, StoreControl):
        return control.ask_cancel(run)
    control.cancel(run)
    return None


def act_on_wait(
    control: RunControl, act: WaitAct, run: RunModel, key: str, attempt: int | None
) -> bool | Answer:
    """`n` or `x` on ``key``'s wait: a run in its own process answers in a while (the
    ``Answer`` to wait for, ``launch_queue``), one in this process at once."""
    if isinstance(control, StoreControl):
        return control.ask(run, act, key, attempt)
    if act == "retry_now":
        return control.retry_now(run, key, attempt)
    return control.give_up(run, key, attempt)


class StoreControl:
    """Runs in run processes; actions go through the store (see ``StoreClient``)."""

    def __init__(self, workspace: WorkspaceView, sink: ShownSink, **options: Any) -> None:
        from flowtop.workspace.store_client import StoreClient

        self.workspace = workspace
        self._sink = sink
        self.client = StoreClient(
            workspace.state_dir / STORE_FILE,
            self._deliver,
            executor=options.get("executor"),
            workers=options.get("workers"),
            says_gone=True,  # a deleted store's runs leave the screen (``RunStore``)
            says_reserved=True,  # runs still importing show as starting (``RunStore``)
        )
        self.client.open(replay_on_thread=True)  # the screen is not held meanwhile
        self.logs = LaunchLogs()  # what the run processes started here say
        self.children = ChildReaper()  # their processes, waited for as they end (``reap``)
        # A launch runs on a thread (``launch_queue``); the notices are read on the app's.
        self._logs_lock = threading.Lock()

    def _deliver(self, events: Sequence[ClientEvent]) -> None:
        """The store's events to the screen, each run another client started marked so:
        it is announced beside a live run the screen shows, not shown in its place."""
        started = self.client.started
        self._sink(
            [
                RunStartedElsewhere(*event)
                if type(event) is RunStarted and event.run_id not in started
                else event
                for event in events
            ]
        )

    def _file_of(self, flow: str) -> Path:
        path = self.workspace.flow_files.get(flow)
        if path is None:
            raise RunControlError(f"Flow {flow} is not loaded")
        return Path(path)

    def start(self, flow: str, parameters: Mapping[str, Any] | None = None) -> RunModel:
        return self._followed(
            flow, self.client.start(self._file_of(flow), flow, parameters=parameters)
        )

    def _followed(self, flow: str, launched: Launched) -> RunModel:
        """The run just launched, whose log is followed for what its process says."""
        label = f"Run #{launched.number} of {flow}" if launched.number else f"A run of {flow}"
        self.children.adopt(launched.process)
        with self._logs_lock:
            self.logs.follow(launched.run_id, launched.log, label, launched.notice_mark)
        return _launched_run(flow, launched)

    def notices(self) -> list[str]:
        """What the run processes started here said since the last call (``launch_notes``)."""
        with self._logs_lock:
            return self.logs.notices()

    def reap(self) -> None:
        """Wait for the run processes started here that have ended: none stays a zombie."""
        self.children.reap()

    def _source(self, run: RunModel) -> str:
        if run.run_id is None:
            raise RunControlError(
                f"No run of {run.flow} to rerun yet: press {{key}} to run it", "run"
            )
        if run.is_live:
            raise RunControlError(
                f"Run #{run.number} is still running: press {{key}} to cancel it first", "cancel"
            )
        return run.run_id

    def rerun_failed(self, run: RunModel) -> RunModel:
        return self._rerun(run, None)

    def rerun_task(self, run: RunModel, key: str) -> RunModel:
        return self._rerun(run, key)

    def _rerun(self, run: RunModel, key: str | None) -> RunModel:
        """A rerun of ``run``, unless the store knows it (or a rerun of it) is live."""
        from flowtop.workspace.run_numbers import RerunRunning, SourceGone

        source, path = self._source(run), self._file_of(run.flow)
        gone = self.client.gone_with_store(source)  # before the start makes a store anew
        try:
            launched = self.client.start(path, run.flow, rerun_of=source, task=key)
        except SourceGone as exc:  # it started a run that failed at once, "no run with id …"
            raise RunControlError(_source_gone(run, gone, exc.said), "run") from None
        except RerunRunning as exc:
            where = "here" if exc.run_id in self.client.started else "in another window"
            raise AlreadyRerunning(exc.run_id, exc.number, exc.source_number, where) from None
        return self._followed(run.flow, launched)

    def still_live(self, run: RunModel) -> bool:
        """Whether the store still records ``run`` as running (a run process that died
        while importing is marked interrupted by the next client that looks)."""
        from flowtop.workspace.history_records import HistoryError
        from flowtop.workspace.store_reader import StoreReader

        if run.run_id is None:
            return False
        try:
            found = StoreReader(self.client.db).with_id_prefix(run.run_id)
        except (HistoryError, OSError, sqlite3.Error):
            return False
        return any(r.run_id == run.run_id and r.state == "RUNNING" for r in found)

    def _live(self, run: RunModel) -> str:
        if run.run_id is None or not run.is_live:
            raise RunControlError("Nothing is running here")
        return run.run_id

    def cancel(self, run: RunModel) -> None:
        self.client.command(self._live(run), "cancel")

    def ask_cancel(self, run: RunModel) -> CancelAnswer:
        """Write a cancel for ``run``'s process; its answer is waited for apart."""
        run_id = self._live(run)
        return self._cancel_of(run_id, run.number, run.flow)

    def _cancel_of(self, run_id: str, number: int | None, flow: str) -> CancelAnswer:
        name = printable(f"run #{number} of {flow}")
        return CancelAnswer(self.client.db, self.client.command(run_id, "cancel"), run_id, name)

    def retry_now(self, run: RunModel, key: str, attempt: int | None = None) -> bool:
        return self.ask(run, "retry_now", key, attempt).wait()

    def give_up(self, run: RunModel, key: str, attempt: int | None = None) -> bool:
        return self.ask(run, "give_up", key, attempt).wait()

    def ask(self, run: RunModel, act: WaitAct, key: str, attempt: int | None) -> Answer:
        """Write ``act`` for ``run``'s process; its answer is waited for apart (the app
        does so off its queue of store writes: the writes after it do not wait with it)."""
        run_id = self._live(run)
        name = printable(f"run #{run.number} of {run.flow}")
        command = self.client.command(run_id, act, key, attempt)
        return Answer(self.client.db, command, run_id, name, act)

    def live_started_here(self) -> list[str]:
        return [f"{r.flow} #{r.number}" for r in self.client.live_started_here()]

    def settle(self, timeout: float) -> None:
        """Nothing to wait for: the run processes write the store themselves."""

    def cancel_started_here(self) -> list[CancelAnswer]:
        """Ask each run started here that is still live to cancel (quitting with "cancel"):
        their processes' answers, to wait for (``untaken``) or not."""
        live = self.client.live_started_here()
        return [self._cancel_of(record.run_id, record.number, record.flow) for record in live]

    def close(self, *, cancel: bool) -> None:
        if cancel:
            self.cancel_started_here()
        self.client.close()
        with self._logs_lock:
            self.logs.close()


class InProcessControl:
    """Runs on a runner in this process (the app's own threads)."""

    def __init__(self, workspace: LocalWorkspace, sink: ShownSink, **options: Any) -> None:
        self.workspace = workspace
        self.runner = workspace.make_runner(sinks=[sink], **options)
        self.handles: dict[str, FlowRun] = {}

    def track(self, handle: FlowRun) -> None:
        self.handles[handle.run_id] = handle

    def forget(self, run_id: str) -> None:
        self.handles.pop(run_id, None)

    def adopt(self, run_id: str) -> None:
        """A run the runner started itself (a ``@flow``'s own retry): act on it like any."""
        if run_id not in self.handles:
            handle = self.runner.find(run_id)
            if handle is not None:
                self.track(handle)

    def _flow(self, name: str) -> Flow:
        flow = self.workspace.flows.get(name)
        if flow is None:
            raise RunControlError(f"Flow {name} is not loaded")
        return flow

    def _track(self, handle: FlowRun) -> RunModel:
        self.track(handle)
        return RunModel(handle.flow.name, (), run_id=handle.run_id, number=handle.number)

    def start(self, flow: str, parameters: Mapping[str, Any] | None = None) -> RunModel:
        from flowtop.engine.parameters import ParameterError

        chosen = self._flow(flow)
        try:
            arguments = chosen.start_arguments(parameters or {})
        except ParameterError as exc:
            raise RunControlError(str(exc)) from None
        return self._track(self.runner.start(chosen, **arguments))

    def _finished_handle(self, run: RunModel) -> FlowRun:
        handle = self.handles.get(run.run_id or "")
        if handle is None:
            raise RunControlError(
                f"No run of {run.flow} to rerun yet: press {{key}} to run it", "run"
            )
        if not handle.done:
            raise RunControlError(
                f"Run #{handle.number} is still running: press {{key}} to cancel it first",
                "cancel",
            )
        return handle

    def rerun_failed(self, run: RunModel) -> RunModel:
        handle, flow = self._finished_handle(run), self._flow(run.flow)
        if handle.state is StateType.COMPLETED and reruns_nothing(flow, handle):
            raise RunControlError(f"Run #{handle.number} of {run.flow} has nothing to rerun")
        return self._track(self.runner.rerun_failed(handle, flow=flow))  # and what it added

    def rerun_task(self, run: RunModel, key: str) -> RunModel:
        handle = self._finished_handle(run)
        return self._track(self.runner.rerun_task(handle, key, flow=self._flow(run.flow)))

    def still_live(self, run: RunModel) -> bool:
        handle = self.handles.get(run.run_id or "")
        return handle is not None and not handle.done

    def _live_handle(self, run: RunModel) -> FlowRun:
        handle = self.handles.get(run.run_id or "")
        if handle is None or handle.done:
            raise RunControlError("Nothing is running here")
        return handle

    def cancel(self, run: RunModel) -> None:
        self._live_handle(run).cancel()

    def retry_now(self, run: RunModel, key: str, attempt: int | None = None) -> bool:
        return self._live_handle(run).retry_now(key, attempt)

    def give_up(self, run: RunModel, key: str, attempt: int | None = None) -> bool:
        return self._live_handle(run).give_up(key, attempt)

    def live_started_here(self) -> list[str]:
        return [f"{h.flow.name} #{h.number}" for h in self.runner.active_runs]

    def notices(self) -> list[str]:
        """Nothing: runs here say what they have to in their events."""
        return []

    def settle(self, timeout: float) -> None:
        """Hand the history the latest events, so a run that just ended is listed as ended."""
        self.runner.bus.flush(timeout=timeout)

    def close(self, *, cancel: bool) -> None:
        # Runs in this process can't outlive it: they end with it whatever ``cancel`` says.
        del cancel
        self.runner.shutdown(cancel=True, wait=False)


def _source_gone(run: RunModel, store_gone: str | None, stands: str = "") -> str:
    """Why a rerun of ``run`` was refused: its source pruned, or gone with its run store
    (``store_gone``: ``.flowtop/history.db was deleted``), or the run stands for a pruned
    one (``stands``). A template for ``RunControlError`` (``{key}``: the run key)."""
    if stands and store_gone is None:
        said = _braces_kept(stands[:1].upper() + stands[1:])
        return f"{said}: press {{key}} to run the flow anew"
    what = _braces_kept(f"Run #{run.number} of {run.flow}")
    if store_gone is None:
        return f"{what} is no longer in the history (pruned): press {{key}} to run the flow"
    gone = _braces_kept(store_gone)
    return f"{what} went with its run store ({gone} since): press {{key}} to run the flow"


def _braces_kept(text: str) -> str:
    """``text`` (a flow's name, a path) as it reads in a ``str.format`` template."""
    return text.replace("{", "{{").replace("}", "}}")


def _launched_run(flow: str, launched: Launched) -> RunModel:
    """The run of a process just launched, before its first event reaches the screen."""
    return RunModel(flow, (), run_id=launched.run_id, number=launched.number)
