"""Run ids, and a task run's default name, as Prefect code gets them: a ``uuid.UUID``.

flowtop's own run ids are short hex strings (``records.new_run_id``, ``flowtop watch ID``)
and a task run's is ``<run id>:<task key>``; the run store, the monitor and history keep
those. Where a Prefect-facing object hands out an id (``flow_run.id``, ``task_run.id``,
``prefect.runtime``'s ids, a state's ``state_details``), it is :func:`prefect_uuid` of
flowtop's: a uuid5, so the same run gives the same UUID wherever it is asked (a hook, the
run context, a spawned process that restored the run) and ``flow_run.id ==
task_run.flow_run_id`` holds, as in Prefect.

A drop-in flow's retry is a run of its own in flowtop's record (a new run id, ``rerun_of``
the attempt before), where Prefect retries the same flow run: Prefect code sees one flow
run, the first attempt's id and name on every retry (:func:`same_flow_run`).

A task run of a flow that no ``task_run_name`` names is named by flowtop's task key
(``fetch``, ``fetch-2``); a task made by Prefect code (drop-in mode) gets Prefect's shape
instead, ``fetch-3f9`` (:func:`default_task_run_name`).
"""

from __future__ import annotations

import threading
import uuid
from typing import Any, NamedTuple

#: The uuid5 namespace of flowtop's run ids (a fixed value: ids must not change between
#: processes or versions).
NAMESPACE = uuid.UUID("6f1c2d1e-6a55-4a8e-9d4c-0f10b7f1a0e1")


class PrefectFlowRun(NamedTuple):
    """Who a drop-in flow's retry is to Prefect code: its first attempt's flow run."""

    id: uuid.UUID
    name: str


#: Each retry of a drop-in flow, by its engine run id: the flow run it is an attempt of
#: (``same_flow_run``). Kept for the latest ``_RETRIES_KEPT`` retries of the process, so a
#: monitor left running for months does not grow with them (a few hundred bytes each);
#: a retry older than that is seen under its own id again.
_RETRIES: dict[str, PrefectFlowRun] = {}
_RETRIES_KEPT = 10_000
_retries_lock = threading.Lock()


def same_flow_run(retry_run_id: str, first: PrefectFlowRun) -> None:
    """The engine's run ``retry_run_id``, a drop-in flow's retry, is to Prefect code the
    flow run ``first``, as Prefect retries the same flow run: its ``flow_run.id`` (and
    every id naming it: ``task_run.flow_run_id``, ``state_details``, ``prefect.runtime``,
    a subflow's ``parent_flow_run_id``) and ``flow_run.name`` are ``first``'s."""
    with _retries_lock:
        _RETRIES[retry_run_id] = first
        while len(_RETRIES) > _RETRIES_KEPT:
            del _RETRIES[next(iter(_RETRIES))]


def retried_flow_run(run_id: str) -> PrefectFlowRun | None:
    """The flow run that the engine's run ``run_id`` retries (:func:`same_flow_run`);
    None for a run that is no drop-in flow's retry."""
    return _RETRIES.get(run_id)


def prefect_uuid(run_id: str | uuid.UUID) -> uuid.UUID:
    """The UUID Prefect code sees for ``run_id``: a UUID as it is, a UUID's text (an inline
    call's ``uuid4().hex``, an id that went through ``str()``) read back, a drop-in flow's
    retry its first attempt's (:func:`same_flow_run`), anything else (flowtop's run and
    task run ids) the uuid5 of its text."""
    if isinstance(run_id, uuid.UUID):
        return run_id
    retried = _RETRIES.get(run_id)
    if retried is not None:
        return retried.id
    if len(run_id) in (32, 36):
        try:
            return uuid.UUID(run_id)
        except ValueError:
            pass  # 32 or 36 characters that are not a UUID's: named below
    return uuid.uuid5(NAMESPACE, run_id)


def optional_uuid(run_id: str | uuid.UUID | None) -> uuid.UUID | None:
    """:func:`prefect_uuid`, None for none (a task called outside any flow has no flow run)."""
    return None if run_id is None else prefect_uuid(run_id)


def flow_run_of(task_run_id: str) -> str | None:
    """The flow run's id in the engine's id of a task run of a flow, ``<run id>:<task
    key>`` (a run id is hex: the first colon ends it); None for any other id (a call
    outside any flow is named by a UUID's text, and has no flow run)."""
    run_id, colon, _ = task_run_id.partition(":")
    return run_id if colon and run_id else None


#: Where drop-in mode's ``prefect.task`` and ``prefect.flow`` classes live
#: (``DropInTask``, ``DropInFlow``), which the engine never imports.
_DROP_IN_PACKAGE = "flowtop.compat."
#: What a class says of :func:`by_prefect_code` (a class's bases never change): True or
#: False, or None for a stand-in's class, whose instances each say (``by_prefect_code``).
_prefect_made: dict[type, bool | None] = {}


def by_prefect_code(made: object) -> bool:
    """Whether a task or flow was made by Prefect code: drop-in mode's ``prefect.task`` or
    ``prefect.flow`` (a class of ``flowtop.compat``, or a subclass of one), or a child's
    stand-in for one (``runtime.carried.Named``, its ``by_prefect_code`` true). Such a
    task's or flow's run gets Prefect's names (its run loggers, its default task run
    name) and its ``log_prints``; flowtop's own keep flowtop's."""
    kind = type(made)
    if kind not in _prefect_made:
        _prefect_made[kind] = _made_by(kind)
    found = _prefect_made[kind]
    if found is None:
        return getattr(made, "by_prefect_code", False) is True
    return bool(found)


def _made_by(kind: type) -> bool | None:
    """What ``kind`` says of :func:`by_prefect_code`: True for drop-in mode's classes,
    None for a stand-in's (an attribute ``by_prefect_code`` says), else False."""
    if any(c.__module__.startswith(_DROP_IN_PACKAGE) for c in kind.__mro__):
        return True
    return None if hasattr(kind, "by_prefect_code") else False


def default_task_run_name(task: Any, key: str, task_run_id: str) -> str:
    """The ``task_run.name`` of a call of ``task`` in a flow run that no ``task_run_name``
    names. Prefect 3 names it ``<task name>-`` and three hex digits (``fetch-3f9``: the
    head of a ``uuid4``, ``task_engine.create_task_run``); a task made by Prefect code gets
    that shape, its digits the head of the task run's UUID (``task_run.id``), so the
    same run has the same name wherever it is asked (a hook, its context, a child
    process). flowtop's own tasks keep flowtop's task key (``fetch``, ``fetch-2``), as
    the monitor and history name the call."""
    if not by_prefect_code(task):
        return key
    return f"{task.name}-{prefect_uuid(task_run_id).hex[:3]}"


def state_uuid(task_run_id: uuid.UUID, run_count: int, state_name: str) -> uuid.UUID:
    """The id of a task run's state: one per attempt and state, the same each time it is
    asked for. flowtop makes a run's Prefect ``State`` anew at each read (``future.state``,
    a hook's), where Prefect's server hands out one object, whose ``id`` is also the
    ``task_run.state_id`` of that run (``prefect_run_views.TaskRun.state_id``)."""
    return prefect_uuid(f"{task_run_id}:{run_count}:{state_name}")


__all__ = [
    "NAMESPACE",
    "PrefectFlowRun",
    "by_prefect_code",
    "default_task_run_name",
    "flow_run_of",
    "optional_uuid",
    "prefect_uuid",
    "retried_flow_run",
    "same_flow_run",
    "state_uuid",
]
