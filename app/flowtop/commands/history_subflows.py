"""What ``flowtop history --run`` says of the subflows a run called: each a run of its
own, named as ``history --run N --flow FLOW`` finds it (``StoreReader.subflows``, read
on the run's own connection: ``StoreReader.one_read``).

``subflow runs (each a run of its own):`` then ``  ✓ region-ingest #19  COMPLETED``, one
call a line, those that did not complete first: a subflow's own retries once, as its last
run (``  ✗ kid #2 (retry of #1)  FAILED``), one that reused every task ``↺``, as the
monitor's main screen lists them (``subflow_runs.subflow_calls``, ``failed_first``).
Under ``--json`` the run's record gets ``"subflow_runs"``, a list of ``run_id``,
``flow``, ``run`` and ``state``, when it called any: every run, the retried ones too,
each retry marked ``"retry_of"`` (the id of the run it retried) and each run retried
``"retried": true`` (a script counting failed calls leaves those out), one that reused
every task ``"reused": true``. A child whose
process is gone and that the store could not mark reads as the table reads it
(``gone``: INTERRUPTED).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from itertools import pairwise
from typing import Any

from ..printable import Writer, printable
from ..workspace.store_reader import StoreReader
from ..workspace.subflow_runs import SubflowRun, failed_first, retried_label, subflow_calls


def called_runs(
    history: StoreReader, run_id: str, gone: Mapping[str, tuple[object, ...]]
) -> tuple[SubflowRun, ...]:
    """The subflow runs ``run_id`` called, each in the state a reader shows (``gone``:
    the runs whose process is gone, unmarked, by id, their shown state first); on the
    connection of the ``history.one_read()`` around it, if any."""
    return tuple(
        replace(child, state=str(gone[child.run_id][0])) if child.run_id in gone else child
        for child in history.subflows(run_id)
    )


def print_subflows(called: Sequence[SubflowRun], out: Writer) -> None:
    """The subflow calls a run made, after its tasks, each as its last run (nothing when
    it called none)."""
    if not called:
        return
    print(file=out)
    print("subflow runs (each a run of its own):", file=out)
    for last, before in failed_first(subflow_calls(called), lambda run: run.failed):
        label = f"{last.look[0] if last.look else '?'} {retried_label(last, before)}"
        reused = " (every task reused)" if last.reused else ""
        print(f"  {printable(label)}  {printable(last.state)}{reused}", file=out)


def subflows_json(called: Sequence[SubflowRun]) -> dict[str, Any]:
    """What a run's ``record: run`` object adds: ``subflow_runs`` when it called any,
    every run, a retry and the run it retried marked."""
    if not called:
        return {}
    retry_of: dict[str, str] = {}
    for last, before in subflow_calls(called):
        for run, retry in pairwise([*before, last]):
            retry_of[retry.run_id] = run.run_id
    retried = set(retry_of.values())
    return {
        "subflow_runs": [
            {
                **child.as_json(),
                **({"retried": True} if child.run_id in retried else {}),
                **({"retry_of": retry_of[child.run_id]} if child.run_id in retry_of else {}),
            }
            for child in called
        ]
    }
