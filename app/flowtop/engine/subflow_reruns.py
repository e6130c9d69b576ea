"""A parent ``@flow``'s rerun reruns the subflow runs its source called, as it reuses tasks.

A parent's rerun (``f``, ``flowtop run --rerun-of``, ``Runner().rerun_failed``) replays
its body with a cache of the calls that completed (``rerun_cache``). Its subflows started
afresh: a parent that called ``extract_region`` for ten regions, one of which failed,
ran all ten again. Now each subflow call of the rerun is a rerun of the matching subflow
run of the source parent run, matched as a task's call is: the same subflow (its flow's
name), at the same call place (its key in the parent, ``region-ingest``,
``region-ingest-2``, … in call order, as a task's) and with the same parameters (as
recorded, ``parameters.given_json``); else the same subflow with the same parameters
under another key, each source run once (async branches and a loop over a set call in
another order in each process); else it runs afresh. A parameter that the run store can
only keep as its ``repr`` (an object, not a value: a connection, a client) is matched by
call place alone: the call at the same key with the same other parameters and an object
there too (``OBJECT``; the repr names a memory address, other in each process). Its tasks
are then matched as a flat ``@flow``'s calls are, by their inputs' hash, which hashes the
object by value: a connection to another database runs them again. It never matches a
call under another key, which only its parameters could tell apart: a call that runs
afresh so says why on stderr (``X runs again: …``, as a task does). The matched call's
run is linked to its source (``rerun_of``), like any rerun, and reuses what that source
completed (``↺``), its own subflows matched the same way.

A subflow call is matched to the last run of its source call: its flow-level retries
(``retries=N``, each a run of its own, a child of the same parent) are one call.

A subflow whose source run completed entirely is replayed too, every task of it reused,
not skipped with its return value: a reused task is a call whose *result* was kept, and
a rerun never skips a ``@flow`` body, whose code is the flow's own and may have changed
since (a rerun runs "with the current code"; the body's calls are only known by running
it). Nor could a rerun in another process give a subflow's return value back: the run
store keeps a flow's return value only as text, not its result, as it keeps a task's.
So the three ways of rerunning agree: the body runs again, its tasks' results are reused.
A ``@flow``'s own retry (``retries=N``) is a rerun of the run it retries, whose subflow
calls it matches the same way (``flow_retries``: a completed subflow's tasks ran again).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from . import capture
from .context import child_of
from .parameters import UNSTORED, decode, given_json
from .rerun_cache import SourceCalls, cache_of

if TYPE_CHECKING:
    from .dynamic import FlowFunction
    from .flow_retries import FlowRetries
    from .records import RunResult
    from .run import FlowRun


#: What a parameter the run store keeps as its ``repr`` only (an object) compares as: the
#: same in every call that passed an object there, whatever its repr's memory address.
OBJECT: dict[str, Any] = {UNSTORED: None}


class Recorded:
    """A call's parameters as its run records them: ``given_json``'s text ("" for none;
    None: given decoded only), compared by that text, else decoded (``comparable``: a
    dict's keys in another order, ``1`` and ``1.0``; an object held). Decoded once, and
    only then: a subflow given a 1M-item list decoded it (and walked it) at every call."""

    __slots__ = ("_compared", "text")

    def __init__(self, text: str | None, compared: dict[str, Any] | None = None) -> None:
        self.text = text
        self._compared = compared

    def compared(self) -> dict[str, Any]:
        """The parameters decoded, each kept as its ``repr`` only as ``OBJECT``."""
        if self._compared is None:
            self._compared = comparable(decode(self.text))
        return self._compared

    def holds_object(self) -> bool:
        """Whether one of them is kept as its ``repr`` only (``holds_object``)."""
        if self.text is not None and UNSTORED not in self.text:
            return False
        return holds_object(self.compared())

    def __eq__(self, other: object) -> bool:
        """The same parameters: the same text, else decoded the same."""
        if not isinstance(other, Recorded):
            return NotImplemented
        if self.text is not None and self.text == other.text:
            return True
        return self.compared() == other.compared()

    def __repr__(self) -> str:
        shown = self.text if self.text is not None else self._compared
        return f"Recorded({shown!r:.80})"


def comparable(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """``parameters`` (a run's, decoded), each ``UNSTORED`` repr in them as ``OBJECT``."""
    return {name: _compared(value) for name, value in parameters.items()}


def _compared(value: Any) -> Any:
    if isinstance(value, dict):
        if UNSTORED in value:
            return OBJECT
        return {key: _compared(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_compared(item) for item in value]
    return value


def holds_object(value: Any) -> bool:
    """Whether ``value`` (``comparable``'s) holds an ``OBJECT``: matched by place only."""
    if isinstance(value, dict):
        return value == OBJECT or any(holds_object(item) for item in value.values())
    if isinstance(value, list):
        return any(holds_object(item) for item in value)
    return False


@dataclass(frozen=True)
class SubflowSource:
    """One subflow call of a source run that a rerun of its parent may rerun: its flow,
    its key in the parent, its parameters (None: never matched), the run a rerun of it
    reruns (its last retry) and what that run completed (``calls()``, with its own
    subflows). ``completed``: that run, and each of its calls, completed (told for a
    stored run: ``reruns.plan_rerun`` finds nothing to rerun only then)."""

    flow: str
    key: str
    parameters: Recorded | None
    run_id: str
    calls: Callable[[], SourceCalls]
    completed: bool = False
    #: Its own subflow calls, when known before ``calls()`` (a stored run's).
    below: SubflowSources | None = None


class SubflowSources:
    """The subflow calls of a source run a rerun may rerun, each at most once (``take``)."""

    def __init__(self, sources: Iterable[SubflowSource] = ()) -> None:
        self._sources = list(sources)
        self._taken: set[int] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sources)

    def run_ids(self) -> list[str]:
        """The ids of the source runs, theirs below them too where known: what a rerun's
        lines may name (``rerun of #1``)."""
        ids = []
        for source in self._sources:
            ids += [source.run_id, *(source.below.run_ids() if source.below else ())]
        return ids

    def all_completed(self) -> bool:
        """Whether every subflow call of the source completed, each of its tasks too."""
        return all(source.completed for source in self._sources)

    def take(self, flow: str, key: str, parameters: Recorded | None) -> SubflowSource | None:
        """The source call a call of ``flow`` at ``key`` with ``parameters`` reruns: the
        source's call at that key if it was the same call, else one of the same subflow
        with the same parameters under another key, not yet taken (but for parameters
        holding an object: ``holds_object``); None: it runs afresh. Its own key first, by
        text then decoded, then another's: two calls whose parameters differ only in how
        they were written (``1`` and ``1.0``) each rerun their own place's, never swapped.
        Decoded only where the texts differ: a call matched by text decodes nothing."""
        if parameters is None:
            return None
        with self._lock:
            free = [
                i
                for i, s in enumerate(self._sources)
                if i not in self._taken and s.flow == flow and s.parameters is not None
            ]
            here = [i for i in free if self._sources[i].key == key]
            chosen = None
            for n, (among, decoded) in enumerate(
                ((here, False), (here, True), (free, False), (free, True))
            ):
                if n == 2 and parameters.holds_object():  # an object's value is known to
                    break  # its tasks only: matched at its own place alone
                chosen = next((i for i in among if self._same(i, parameters, decoded)), None)
                if chosen is not None:
                    break
            if chosen is None:
                return None
            self._taken.add(chosen)
            return self._sources[chosen]

    def _same(self, i: int, given: Recorded, decoded: bool = True) -> bool:
        """Whether source ``i``'s parameters are ``given``'s text (with ``decoded``: or,
        their texts differing, decoded the same)."""
        found = self._sources[i].parameters
        if found is None:
            return False
        if found.text is not None and found.text == given.text:
            return True
        return decoded and found.compared() == given.compared()

    def placed_elsewhere(self, flow: str, key: str, parameters: Recorded | None) -> str:
        """For a call ``take`` gave nothing to: the key of a source call of ``flow`` with
        these ``parameters``, holding an object, at another place (not taken), else ""."""
        if parameters is None or not parameters.holds_object():
            return ""
        with self._lock:
            return next(
                (
                    s.key
                    for i, s in enumerate(self._sources)
                    if i not in self._taken
                    and s.flow == flow
                    and s.key != key
                    and self._same(i, parameters)
                ),
                "",
            )


@dataclass(frozen=True)
class SubflowCall:
    """A subflow call a ``@flow`` run's body made (``RunResult.subflows``): its key, its
    flow's name, its parameters (``given_json``'s, at the call) and the run it started first,
    its id (what the call is compared and shown by, not the run object) and the run."""

    key: str
    flow: str
    parameters: Recorded
    run_id: str
    run: FlowRetries = field(repr=False, compare=False)

    def source(self) -> SubflowSource:
        """The call as a rerun of its parent reruns it: its last run (after its retries),
        whose snapshot is taken only once a rerun's call matches it."""
        last = self.run
        while last.next_run is not None:
            last = last.next_run

        def calls() -> SourceCalls:
            return rerun_calls(last.snapshot(kept=True))

        return SubflowSource(self.flow, self.key, self.parameters, last.run_id, calls)


class SubflowCalls:
    """A ``@flow`` run's subflow calls: each one's key (``name``, ``name-2``, … per
    subflow, in call order), the source calls its rerun may rerun, and the calls made."""

    def __init__(self, sources: SubflowSources | None) -> None:
        self._sources = sources
        self._uses: dict[str, int] = {}
        self._made: list[SubflowCall] = []
        self._lock = threading.Lock()

    def next_key(self, flow: str) -> str:
        with self._lock:
            n = self._uses[flow] = self._uses.get(flow, 0) + 1
        return flow if n == 1 else f"{flow}-{n}"

    def source_of(self, flow: str, key: str, parameters: Recorded) -> SubflowSource | None:
        """The source call the call reruns (``SubflowSources.take``); None: it runs afresh,
        said (``moved_note``) when a call given an object was made at another place."""
        if self._sources is None:
            return None
        source = self._sources.take(flow, key, parameters)
        if source is None and (there := self._sources.placed_elsewhere(flow, key, parameters)):
            capture.say_past(moved_note(key, parameters.compared(), there))
        return source

    def made(self, call: SubflowCall) -> None:
        with self._lock:
            self._made.append(call)

    def calls(self) -> tuple[SubflowCall, ...]:
        with self._lock:
            return tuple(self._made)


def moved_note(key: str, parameters: Mapping[str, Any], there: str) -> str:
    """``load runs again: it is given an object (conn), …``: why a subflow call given an
    object runs afresh in its parent's rerun, its source call being at ``there``, as a
    task that runs again says why (``reruns.plan_rerun``'s notes)."""
    objects = ", ".join(name for name, value in parameters.items() if holds_object(value))
    return (
        f"{key} runs again: it is given an object ({objects}), and such a subflow call is "
        f"rerun only from the call at its own place in the source run, {there} there "
        "(called in another order)"
    )


def start_subflow(
    flow: FlowFunction, parent: FlowRun, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> FlowRun:
    """Start ``flow``'s run as a subflow of ``parent``: a rerun of the matching subflow run
    of the run ``parent`` reruns (``SubflowSources.take``), else afresh. A graph's run
    (a ``Flow`` task calling a flow) keeps no subflow calls: its subflows start afresh."""
    calls = getattr(parent, "subflow_calls", None)
    if not isinstance(calls, SubflowCalls):
        with child_of(parent.run_id):
            return parent.runner.start(flow, args=args, kwargs=kwargs)
    key = calls.next_key(flow.name)
    # its parameters as its run records them, made at the call (a list it was given may
    # be cleared for the next call: a batch), once: given to the run, which records them
    text = given_json(flow.fn, args, kwargs)
    parameters = Recorded(text or "")
    source = calls.source_of(flow.name, key, parameters)
    rerun: dict[str, Any] = {}
    if source is not None:
        rerun = {"rerun_of": source.run_id, "cache": source.calls()}
    with child_of(parent.run_id):
        # a FlowFunction always starts a ``DynamicRun`` (a type only here: ``flow_retries``
        # starts a retry's subflow reruns with ``rerun_calls``, so imports this module)
        started = parent.runner.start(flow, args=args, kwargs=kwargs, parameters=text, **rerun)
        run = cast("FlowRetries", started)
    calls.made(SubflowCall(key, flow.name, parameters, run.run_id, run))
    return run


def rerun_calls(result: RunResult, exclude: Iterable[str] = ()) -> SourceCalls:
    """What a rerun of the ``@flow`` run ``result`` serves (``rerun_cache.cache_of``: its
    completed calls but ``exclude``), with the subflow calls it may rerun."""
    served = cache_of(result, exclude)
    served.subflows = SubflowSources(call.source() for call in result.subflows)
    return served
