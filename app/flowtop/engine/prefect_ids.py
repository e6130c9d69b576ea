"""Run ids as Prefect code gets them: a ``uuid.UUID``.

flowtop's own run ids are short hex strings (``records.new_run_id``, ``flowtop watch ID``)
and a task run's is ``<run id>:<task key>``; the run store, the monitor and history keep
those. Where a Prefect-facing object hands out an id (``flow_run.id``, ``task_run.id``,
``prefect.runtime``'s ids, a state's ``state_details``), it is :func:`prefect_uuid` of
flowtop's: a uuid5, so the same run gives the same UUID wherever it is asked (a hook, the
run context, a spawned process that restored the run) and ``flow_run.id ==
task_run.flow_run_id`` holds, as in Prefect.
"""

from __future__ import annotations

import uuid

#: The uuid5 namespace of flowtop's run ids (a fixed value: ids must not change between
#: processes or versions).
NAMESPACE = uuid.UUID("6f1c2d1e-6a55-4a8e-9d4c-0f10b7f1a0e1")


def prefect_uuid(run_id: str | uuid.UUID) -> uuid.UUID:
    """The UUID Prefect code sees for ``run_id``: a UUID as it is, a UUID's text (an inline
    call's ``uuid4().hex``, an id that went through ``str()``) read back, anything else
    (flowtop's run and task run ids) the uuid5 of its text."""
    if isinstance(run_id, uuid.UUID):
        return run_id
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


def state_uuid(task_run_id: uuid.UUID, run_count: int, state_name: str) -> uuid.UUID:
    """The id of a task run's state: one per attempt and state, the same each time it is
    asked for. flowtop makes a run's Prefect ``State`` anew at each read (``future.state``,
    a hook's), where Prefect's server hands out one object, whose ``id`` is also the
    ``task_run.state_id`` of that run (``prefect_run_views.TaskRun.state_id``)."""
    return prefect_uuid(f"{task_run_id}:{run_count}:{state_name}")


__all__ = ["NAMESPACE", "flow_run_of", "optional_uuid", "prefect_uuid", "state_uuid"]
