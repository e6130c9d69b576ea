"""A rerun of a stored run: what carries over, and what runs again and why.

``f`` (rerun failed) and ``t`` (rerun a task and its downstream) work on any finished run
in the store, including one made by another process or before a restart. What the new
run may reuse is what the source run completed *and* stored: a task whose result could
not be stored runs again, and the caller tells the user why.
"""

from __future__ import annotations

import inspect
import os
import sqlite3
import sys
import types
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.binding import unwrapped
from ..engine.dynamic import FlowFunction
from ..engine.flow import Flow
from ..engine.flow_package import FLOW_PACKAGE
from ..engine.parameters import call_for
from ..engine.rerun_cache import SourceCalls
from ..engine.rerun_reuse import reusable
from ..engine.states import State, StateType
from ..engine.suggest import did_you_mean
from ..engine.task import Task
from ..looks import NOT_STARTED
from .history_records import HistoryError, RunDetail, RunRecord, TaskRecord
from .import_graph import ImportGraph
from .results import load, reusable_states
from .run_refs import NoRun, find_run_ref
from .store_errors import store_file, unreadable
from .store_reader import StoreReader
from .subflow_sources import stored_subflows
from .subflow_task_refusal import subflow_task_refusal


@dataclass(frozen=True)
class RerunPlan:
    """Keyword arguments for ``Runner.start`` and the notes to show the user."""

    start: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    #: Why no task would run (a static flow's every task reused; a ``@flow``'s: see
    #: ``replays_nothing``), else "": the rerun need not start (``flowtop run
    #: --rerun-of`` says so and exits 0, as ``f`` refuses).
    nothing_to_run: str = ""


def plan_rerun(
    history: StoreReader,
    source_id: str,
    flow: Flow,
    task: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> RerunPlan:
    """Reuse what ``source_id`` completed and stored; rerun the rest (``task`` and downstream).

    A ``@flow`` is called with the source run's parameters, ``parameters`` over them (a
    call whose inputs changed then runs again: its input hash no longer matches). A
    static flow reuses a task only when what feeds it is reused and the flow calls it as
    in the source run (``rerun_reuse.reusable``); a source run recorded before calls
    were fingerprinted has none, and its tasks are matched by key (and feeders) alone.
    ``task`` may be one the flow's code added since the source run. A ``@flow``'s
    subflow calls rerun the source's subflow runs (``subflow_sources``).

    Raises ``KeyError`` for an unknown run or task, ``ValueError`` for a run of another
    flow or one that is still running, ``ParameterError`` (a ``ValueError``) for
    parameters the flow cannot be called with, ``Untrusted`` (a ``ValueError``) for
    stored results a stranger could have written (``results.load``). A store that cannot
    be read (damaged, not a store) is a ``HistoryError`` saying its path and what to do,
    as ``flowtop history`` says it (``store_errors.unreadable``).
    """
    try:
        return _planned(history, source_id, flow, task, parameters)
    except sqlite3.Error as exc:  # SQLite's words alone were a traceback
        raise HistoryError(unreadable(exc, Path(history.path))) from exc


def _planned(
    history: StoreReader,
    source_id: str,
    flow: Flow,
    task: str | None,
    parameters: Mapping[str, Any] | None,
) -> RerunPlan:
    """``plan_rerun``, reading the store."""
    source_id = _full_id(history, source_id, flow.name)
    detail = history.run_detail(source_id)
    record = detail.run
    # A rerun that did not start completed nothing and kept no parameters: its own source
    # is what a rerun of it means (it ran every task again, with the defaults). One that
    # named itself (``--detach --rerun-of 1`` on a flow with no run #1 yet took its own
    # reserved #1 as its source) ends the walk: it looped for good.
    seen, asked = {source_id}, record
    while not_started(detail, history) and record.rerun_of and record.flow == flow.name:
        try:
            source_id = _full_id(history, record.rerun_of, flow.name)
        except KeyError:  # pruned: not "no run with id '<an id the user never typed>'"
            raise KeyError(f"{stands_for_pruned(asked, record)}: run the flow anew") from None
        if source_id in seen:
            break
        seen.add(source_id)
        detail = history.run_detail(source_id)
        record = detail.run
    if record.flow != flow.name:
        raise ValueError(f"run {source_id} is a run of {record.flow!r}, not of {flow.name!r}")
    if record.state == StateType.RUNNING.value:
        raise ValueError(f"run #{record.number} of {record.flow} is still running")
    completed = {t.task: t.attempts for t in detail.tasks if t.state == "COMPLETED"}
    if task is not None and task not in {t.task for t in detail.tasks}:
        _refuse_a_subflows_task(flow, history, source_id, record, task)
        if not _added(flow, task):
            hint = did_you_mean(task, [t.task for t in detail.tasks])
            raise KeyError(f"run #{record.number} of {record.flow} has no task {task!r}{hint}")
    values, refused, fingerprints = load(Path(history.path), source_id)
    forced: set[str] = set()
    if task is not None:
        forced = {task}
        if not isinstance(flow, FlowFunction):  # a graph: what depends on it runs again too
            forced |= set(flow.downstream_of([task]))
    notes = [_not_completed(detail.tasks, completed, forced, record.number)] if task else []
    for key in completed:
        if key in forced:
            continue
        if key in refused:
            notes.append(f"{key} runs again: {refused[key]}")
        elif key not in values:
            notes.append(f"{key} runs again: its result was not stored")
    keep = {k: v for k, v in values.items() if k in completed and k not in forced}
    start: dict[str, Any] = {"rerun_of": source_id}
    start.update(_call(flow, record.parameters, parameters or {}))
    nothing = f"Run #{record.number} of {record.flow} has nothing to rerun"
    if isinstance(flow, FlowFunction):  # by call: its key and its input hash
        reuse: dict[str, State] = reusable_states(keep, completed)
        subflows = stored_subflows(history, source_id)  # each call a rerun of its source's
        start["cache"] = SourceCalls(
            {
                (key, fp): state
                for key, state in reuse.items()
                if (fp := fingerprints.get(key)) is not None
            },
            # what did not complete, or is asked for: runs, never given another key's result
            {key: fp for key, fp in fingerprints.items() if fp is not None and key not in reuse},
            subflows,
        )
        stored = record.parameters
        same = all(k in stored and stored[k] == v for k, v in (parameters or {}).items())
        done = record.state == StateType.COMPLETED.value and task is None and same
        done = done and subflows.all_completed()  # a failed subflow its body handled reruns
        calls, reused = len(detail.tasks), len(start["cache"])
        if done and replays_nothing(
            flow, record.started, calls, reused=reused, subflows=len(subflows)
        ):
            return RerunPlan(start, tuple(note for note in notes if note), nothing)
    else:  # by key, what feeds it and how it is called (``rerun_reuse``)
        kept = reusable(
            flow.nodes, keep, fingerprints, f"run #{record.number}", by_call=True, asked=forced
        )
        sources = kept.kept  # each task -> the key whose result it reuses (a moved call)
        start["reuse"] = reusable_states(
            {k: keep[was] for k, was in sources.items()},
            {k: completed[was] for k, was in sources.items()},
        )
        notes += _capped([f"{key} runs again: {why}" for key, why in kept.again.items()])
        if len(kept.kept) == len(flow.nodes):  # every task it has now: a no-op run
            return RerunPlan(start, tuple(note for note in notes if note), nothing)
    return RerunPlan(start, tuple(note for note in notes if note))


def _refuse_a_subflows_task(
    flow: Flow, history: StoreReader, source_id: str, record: RunRecord, task: str
) -> None:
    """Raise ``KeyError`` for a ``task`` the source run of the ``@flow`` ``flow`` lacks
    and its function does not call, which its subflow runs have: a subflow's run is a
    run of its own (``--task`` named a module's task, reran nothing and said nothing)."""
    if not isinstance(flow, FlowFunction):
        return
    base, _, number = task.rpartition("-")
    if (base if base and number.isdigit() else task) in flow.task_nodes():
        return  # its own call, added since the run
    refusal = subflow_task_refusal(history, source_id, record.number, record.flow, task)
    if refusal is not None:
        raise KeyError(refusal)


def _added(flow: Flow, task: str) -> bool:
    """Whether ``task`` is a task of ``flow`` (added since the run, which has none of
    that key: it runs, what feeds it reused where ``rerun_reuse`` allows). A ``@flow``'s
    key is a call of a ``@task`` its function reaches (``add-2``: the second ``add``)."""
    return flow.node(task) is not None


def replays_nothing(
    flow: FlowFunction, started: float | None, calls: int, *, reused: int, subflows: int = 0
) -> bool:
    """Whether a rerun of a completed run of the ``@flow`` that ``started`` then, and
    made ``calls`` task calls of which ``reused`` completed and were kept (result and
    input hash), would run no call: the one word on it of ``flowtop run --rerun-of``,
    ``f`` and the key bar.

    Its calls are known only as its body makes them, and replaying the body to learn
    them would repeat what the body itself does (its prints, its writes). So: every
    call it made is reused (a call that failed, even one its flow handled, runs again),
    and its code is as it ran (``_saved_since``): the same body makes the same calls.
    Code saved since may add a call (``add-2``) or change one's arguments: the rerun
    replays the body, which runs those and reuses the rest. A run that made no task
    call at all is its body alone: a rerun runs that; unless it called ``subflows`` (runs
    that each completed, every task of them: the caller checks), whose reruns would
    reuse every task, as its own calls' would: such a parent has nothing to rerun."""
    every = calls == reused and calls + subflows > 0
    return every and started is not None and not _saved_since(flow, started)


def _saved_since(flow: FlowFunction, started: float) -> bool:
    """Whether a file of ``flow``'s folder tree that its code may run was saved after
    ``started`` (wall clock): its own file, every module of the tree this process has
    imported, other flow files aside (a helper's helper, ``from cfg import REGIONS``,
    ``import lib.helpers``), every file of the tree its file imports, at any depth, in a
    function's body too (``ImportGraph``), and the files of the functions its module
    names. True when one cannot be read. Not seen: a helper outside the tree, and a file
    copied with its old mtime kept (``cp -p``): README says so."""
    fn = unwrapped(flow.fn)
    own = _file_of(fn)
    if own is None:
        return True
    root = own.parent
    files = {own, *_imported_under(root), *_import_graph(root).closure(own)}
    for value in getattr(fn, "__globals__", {}).values():
        path = _file_of(value.fn if isinstance(value, Task | FlowFunction) else value)
        if path is not None and path.is_relative_to(root):
            files.add(path)
    try:
        return any(path.stat().st_mtime > started for path in files)
    except OSError:
        return True


def _imported_under(root: Path) -> set[Path]:
    """The files of the modules in ``sys.modules`` that lie in ``root``'s tree, but the
    flow files the workspace loaded as such (``flowtop_flows.*``): the flow host loads
    every flow file of the folder, and one added or saved beside the flow (which does
    not import it: else ``ImportGraph`` names it) offered `f` on its completed run, whose
    rerun then found nothing to run."""
    prefixes = tuple({str(root) + os.sep, os.path.realpath(root) + os.sep})
    found: set[Path] = set()
    for name, module in list(sys.modules.items()):
        if name.startswith(FLOW_PACKAGE + "."):
            continue
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and os.path.abspath(file).startswith(prefixes):
            found.add(Path(file))
    return found


#: One ``ImportGraph`` per folder tree: each file parsed once per mtime (the key bar asks
#: as each run shows).
_graphs: dict[Path, ImportGraph] = {}


def _import_graph(root: Path) -> ImportGraph:
    graph = _graphs.get(root)
    if graph is None:
        graph = _graphs[root] = ImportGraph(root)
    return graph


def _file_of(value: object) -> Path | None:
    """The source file of a module or a function, else None (a class, a value)."""
    if not isinstance(value, types.ModuleType | types.FunctionType):
        return None
    try:
        found = inspect.getsourcefile(unwrapped(value))
    except TypeError:  # a built-in module
        return None
    return Path(found).resolve() if found else None


#: How many "runs again" lines of tasks fed by what runs again a rerun says one by one.
SAID_ONE_BY_ONE = 5


def _capped(lines: list[str]) -> list[str]:
    """``lines``, the first ``SAID_ONE_BY_ONE`` of them and a count of the rest: a
    refused result feeding a fan-out of 5,000 tasks is said in six lines, not 5,001."""
    if len(lines) <= SAID_ONE_BY_ONE:
        return lines
    rest = len(lines) - SAID_ONE_BY_ONE
    return [*lines[:SAID_ONE_BY_ONE], f"and {rest:,} more tasks run again, for the same reasons"]


def _not_completed(
    tasks: Iterable[TaskRecord], completed: Mapping[str, int], forced: set[str], number: int
) -> str:
    """Why a task rerun (``t``) runs tasks outside the one picked and its downstream: what
    did not complete has no result to reuse."""
    others = [t.task for t in tasks if t.task not in completed and t.task not in forced]
    if not others:
        return ""
    named = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
    verb, they = ("runs", "it") if len(others) == 1 else ("run", "they")
    return f"{named} {verb} again too: {they} did not complete in run #{number}"


def _call(flow: Flow, stored: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """``Runner.start`` arguments calling ``flow`` with the ``stored`` parameters of the
    run it reruns, ``given`` (``--param`` with ``--rerun-of``) over them.

    Only ``given`` is checked as typed values are: the stored ones are what the source
    run was called with, maybe by a Python caller whose values are not checked
    (``greet(name=None)`` for ``name: str``), and a rerun refusing them could never run."""
    if not isinstance(flow, FlowFunction):  # a graph takes no parameters, and says so
        return flow.start_arguments({**stored, **given})
    replayed = [name for name in stored if name not in given]
    args, kwargs = call_for(
        flow.fn,
        flow.name,
        {**stored, **given},
        typed=flow.should_validate_parameters,
        replayed=replayed,
    )
    return {"args": args, "kwargs": kwargs}  # as ``FlowFunction.start_arguments`` gives them


def not_started(detail: RunDetail, history: StoreReader) -> bool:
    """A run that ended before any task ran: its file failed to import, or lacked the flow;
    or it was cancelled, or its process killed, while its file still imported (its tasks
    all at attempt 0). A rerun of such a rerun had run every task again, its source's
    completed work lost with one quick change of mind (``f``, then ``c``). Not a ``@flow``
    whose body ran and called no task of its own (``body_ran``): its rerun is of it, with
    its parameters, not of its source's."""
    record = detail.run
    if record.error is not None and record.error.get("type") == NOT_STARTED:
        return True
    ended = record.state not in (StateType.COMPLETED.value, StateType.RUNNING.value)
    idle = ended and all(t.attempts == 0 for t in detail.tasks)
    return idle and not body_ran(detail, history)


def stands_for_pruned(asked: RunRecord, stand_in: RunRecord) -> str:
    """What a rerun of ``asked`` says when ``stand_in`` (``asked`` itself, or the run it
    stands for, down a chain of reruns that did not start) stands for a run no longer
    stored (an older flowtop's prune, a manual delete): its number is gone with it."""
    whose = "the run it reran" if stand_in is asked else f"the run #{stand_in.number} reran"
    return f"run #{asked.number} stands for {whose}, which was pruned"


def pruned_stand_in(history: StoreReader, run_id: str) -> str:
    """``stands_for_pruned``'s words when the run ``run_id`` did not start and stands for
    a run no longer stored (a rerun of it would fail to start, "no run with id …"), else
    "". Read on ``history``'s lent connection within a writer's transaction (``lent``)."""
    detail = history.run_detail(run_id)
    asked = record = detail.run
    seen = {run_id}
    while record.rerun_of and record.rerun_of not in seen and not_started(detail, history):
        if not any(r.run_id == record.rerun_of for r in history.with_id_prefix(record.rerun_of)):
            return stands_for_pruned(asked, record)
        seen.add(record.rerun_of)
        detail = history.run_detail(record.rerun_of)
        if detail.run.flow != asked.flow:
            return ""
        record = detail.run
    return ""


@contextmanager
def lent(conn: sqlite3.Connection) -> Iterator[StoreReader]:
    """A reader of ``conn``'s store whose reads go through ``conn`` (in its transaction,
    should it be in one): a prune and a rerun's reservation decide on what they read."""
    reader = StoreReader(store_file(conn) or ":memory:")
    held = getattr(StoreReader._lent, "held", None)
    StoreReader._lent.held = (reader, conn)
    try:
        yield reader
    finally:
        StoreReader._lent.held = held


def body_ran(detail: RunDetail, history: StoreReader) -> bool:
    """Whether the run's ``@flow`` body is known to have run: it raised (a run that did not
    start has no error but ``NOT_STARTED``'s), printed, or called a subflow (an
    orchestrator of subflows, Prefect's usual shape, has no task of its own). One that
    did none of these and ran no task reads as one that did not start."""
    if detail.run.error is not None or detail.output:
        return True
    return bool(history.older_subflows([detail.run]))


def _full_id(history: StoreReader, source_id: str, flow: str) -> str:
    """The id of the run ``source_id`` names: a run number of ``flow`` (``3``, ``#3``) or
    the start of one run's id, as ``history`` prints them. A prefix of one run of another
    flow gives that run, which is then refused as such, rather than said not to exist."""
    found = find_run_ref(history, source_id, flow, "--rerun-of")
    if isinstance(found, RunRecord):
        return found.run_id
    if not isinstance(found, NoRun):  # ambiguous, or not a run reference at all
        raise ValueError(found)
    elsewhere = history.with_id_prefix(source_id) if len(source_id) >= 4 else []
    if len(elsewhere) == 1:
        return elsewhere[0].run_id
    raise KeyError(found)


def nothing_to_rerun(state_dir: Path, run_id: str, flow: Flow) -> str:
    """Why a rerun of the stored run ``run_id`` of ``flow`` would run no task (every
    task reused: ``RerunPlan.nothing_to_run``), else "". The monitor's ``f`` asks
    the process holding the code: a completed run whose code changed a task's call
    (``extract("/orders")`` now ``extract("/customers")``) reruns it. A run it cannot
    plan (pruned, of another flow, unreadable) gives "": the rerun says why. Read
    only: the monitor asks as a run shows, and a store opened to write was made anew
    in the place of one deleted meanwhile (the monitor said it was "replaced")."""
    from .places import STORE_FILE

    try:
        return plan_rerun(StoreReader(state_dir / STORE_FILE), run_id, flow).nothing_to_run
    except (KeyError, ValueError, HistoryError, OSError, sqlite3.Error):
        return ""
