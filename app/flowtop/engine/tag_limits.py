"""Prefect's tag-based concurrency limits: an attempt of a task tagged ``database``
starts only with a slot of the limit ``tag:database``, and holds it while it runs.

Prefect keeps these limits on its server (``prefect concurrency-limit create database
2``; since 3.4.19 a global limit named ``tag:database``) and checks them as a task run
enters Running. flowtop keeps every limit in ``flowtop.toml``'s ``[concurrency]`` table,
so ``"tag:database" = 2`` there is the same limit, shared by every process that runs the
workspace's code.

An attempt that finds no slot is not begun: it stays ``PENDING`` (or ``AWAITING_RETRY``)
and is looked at again when a running attempt of its run gives slots back, and every
``RECHECK`` seconds for slots other runs give back. It holds no worker meanwhile, so the
run's other tasks go on (a wait inside the attempt held a worker per waiting task, and
twenty tagged tasks kept twenty quick untagged ones waiting three seconds). A task
waiting for its retry holds no slot either: the limit counts running attempts, as
Prefect's docs count task runs in Running (Prefect 3.4.19 and later keep the slot
through a retry's wait; a wait can be minutes in which nothing runs).

The slots are counted by ``flowtop.concurrency``, which sits above the engine (its store
is the workspace's): the engine names its module (``COUNTER``) and loads it when a tagged
task first asks for a slot, rather than importing a layer above it. A task with no tags
never asks, and ``import flowtop.engine`` loads no workspace module. (``flowtop`` once
handed the engine its ``Slots`` as it was imported: a script importing only
``flowtop.engine`` ran its tagged tasks unlimited.)
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .states import StateType

if TYPE_CHECKING:
    from .records import TaskRun
    from .run import FlowRun

PREFIX = "tag:"
#: How often a run looks again for slots that other runs gave back, and at which tags
#: ``flowtop.toml`` limits (seconds): asking the file at every attempt of a tagged task
#: made 5,000 of them take six times as long.
RECHECK = 0.1

log = logging.getLogger("flowtop.task_engine")


class Slots(Protocol):
    """The limits of the workspace whose ``.flowtop`` folder is given (None: the current
    directory's), as ``flowtop.concurrency`` counts them for every process."""

    def tag_limits(self, folder: Path | None) -> dict[str, object]:
        """The ``tag:NAME`` limits ``flowtop.toml`` has now, by name."""

    def try_take(self, folder: Path | None, limits: dict[str, object]) -> object | None:
        """One slot of each of ``limits``, all or none: what ``give_back`` needs, or None
        when one has no slot free now."""

    def give_back(self, taken: object) -> None: ...


#: The module whose ``TAG_SLOTS`` counts the slots (``flowtop.concurrency.limits``).
COUNTER = "flowtop.concurrency.limits"


class _Counter:
    """The ``Slots`` of :data:`COUNTER`, imported on first use."""

    def __init__(self) -> None:
        self._loaded: Slots | None = None

    def _slots(self) -> Slots:
        if self._loaded is None:
            loaded: Slots = importlib.import_module(COUNTER).TAG_SLOTS
            self._loaded = loaded
        return self._loaded

    def tag_limits(self, folder: Path | None) -> dict[str, object]:
        return self._slots().tag_limits(folder)

    def try_take(self, folder: Path | None, limits: dict[str, object]) -> object | None:
        return self._slots().try_take(folder, limits)

    def give_back(self, taken: object) -> None:
        self._slots().give_back(taken)


#: The slots' counter; None leaves tags unlimited (a test's engine on its own).
slots: Slots | None = _Counter()


#: A graph's run has no call-site tags (only a ``@flow`` run has ``task_tags``).
_NO_CALL_TAGS: Mapping[str, frozenset[str]] = {}


def tags_of(run: FlowRun, tr: TaskRun) -> frozenset[str]:
    """A task run's tags: its task's, and those in effect where a ``@flow`` called it."""
    # Probed, not asked: ``task_tags`` is ``DynamicRun``'s alone, which sits above this
    # module (through ``run``: an ``isinstance`` would be an import cycle), and ``FlowRun``
    # (engine/run.py) declares no empty one for a graph's run.
    call_tags: Mapping[str, frozenset[str]] = getattr(run, "task_tags", _NO_CALL_TAGS)
    tags = call_tags.get(tr.key)  # else the task's own, as they are now (a set: see Task)
    return tags if tags is not None else frozenset(tr.node.task.tags)


class SlotWaits:
    """One run's attempts waiting for slots of their tags' limits. Called under the
    run's lock (handed over with the run's clock), except ``_recheck`` (the timer's
    thread), which takes it."""

    __slots__ = ("_parked", "_due", "_limits", "_fresh_until", "_told", "_clock", "_lock")

    def __init__(self, clock: Callable[[], float], lock: threading.Lock) -> None:
        self._parked: list[tuple[TaskRun, int]] = []
        self._due: float | None = None  # when the next look is set for
        self._limits: dict[str, object] = {}  # flowtop.toml's tag limits, by name
        self._fresh_until = 0.0  # (time.monotonic) when to read them again
        self._told = ""  # the last problem, said once
        self._clock = clock
        self._lock = lock

    def admit(self, run: FlowRun, tr: TaskRun, token: int) -> bool:
        """Whether attempt ``token`` of ``tr`` may begin now: it holds its slots (kept
        in ``tr.slots`` until it leaves RUNNING), or it needs none. Otherwise it waits."""
        tags = tags_of(run, tr)
        holder = slots
        if not tags or holder is None:
            return True
        known = self._tag_limits(run, holder)
        if not known:  # no tag has a limit (most workspaces): no slot to take
            return True
        names = (PREFIX + tag for tag in tags)
        wanted = {name: known[name] for name in names if name in known}
        if not wanted:
            return True
        try:
            taken = holder.try_take(run.runner.state_dir, wanted)
        except (OSError, ValueError) as exc:  # .flowtop/limits.db unusable
            self._tell(f"task {tr.key!r} runs without its tags' limits: {exc}")
            return True
        if taken is None:
            self._parked.append((tr, token))
            self._arm(run, RECHECK)
            return False
        tr.slots = taken
        return True

    def _tag_limits(self, run: FlowRun, holder: Slots) -> dict[str, object]:
        """The tag limits, read again at most every ``RECHECK`` seconds; the last ones
        read stay in use while ``flowtop.toml`` is broken (its problem is said once)."""
        now = time.monotonic()
        if now >= self._fresh_until:
            self._fresh_until = now + RECHECK
            try:
                self._limits = holder.tag_limits(run.runner.state_dir)
            except (OSError, ValueError) as exc:
                self._tell(f"tag limits kept as they were: {exc}")
        return self._limits

    def _tell(self, problem: str) -> None:
        if problem != self._told:
            self._told = problem
            log.warning(problem)

    def give_back(self, run: FlowRun, tr: TaskRun) -> None:
        """``tr``'s attempt left RUNNING: its slots go back, and its run's waiting
        attempts look again at once."""
        taken, tr.slots = tr.slots, None
        if slots is not None and taken is not None:
            try:
                slots.give_back(taken)
            except (OSError, ValueError) as exc:  # its holder row is reaped in time
                log.warning("task %r could not give its tags' slots back: %s", tr.key, exc)
        if self._parked:
            self._arm(run, 0.0)

    def _arm(self, run: FlowRun, after: float) -> None:
        when = self._clock() + after
        if self._due is None or when < self._due:
            self._due = when
            try:
                run.runner.timer.call_at(when, lambda: self._recheck(run))
            except RuntimeError:  # the runner is shutting down: its runs end with it
                self._due = None

    def _recheck(self, run: FlowRun) -> None:
        with self._lock:
            self._due = None
            parked, self._parked = self._parked, []
            if run.state is not StateType.RUNNING:
                return
            for tr, token in parked:
                if tr.token == token:  # not cancelled meanwhile
                    run.attempt_due(tr, token)
