"""Why a ``@flow`` parent's rerun is refused a ``--task`` that only its subflows ran.

A subflow's run is a run of its own: ``--rerun-of N --task load`` of a parent whose
``load`` is its subflow's task reran nothing and said nothing. Both ``flowtop run`` paths
refuse it with these words: the foreground as it plans the rerun (``reruns``),
``--detach`` before it launches a run process (``commands.run_detach``), where it said
``has no task 'load'`` alone.
"""

from __future__ import annotations

from .store_reader import StoreReader
from .subflow_sources import subflows_with_task


def subflow_task_refusal(
    history: StoreReader, source_id: str, number: int, flow: str, task: str
) -> str | None:
    """Why run ``number`` of ``flow`` (``source_id``) has no ``task`` when a subflow run it
    called (at any depth) recorded one: which subflow to rerun instead. None otherwise."""
    there = subflows_with_task(history, source_id, task)
    if not there:
        return None
    return (
        f"run #{number} of {flow} has no task {task!r}: it is a task of its subflow "
        f"{there[0]}, whose runs are runs of their own (rerun one with --flow {there[0]} "
        f"--rerun-of N --task {task})"
    )
