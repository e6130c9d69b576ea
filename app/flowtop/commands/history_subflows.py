"""What ``flowtop history --run`` says of the subflows a run called: each a run of its
own, named as ``history --run N --flow FLOW`` finds it (``subflow_runs``).

``subflow runs (each a run of its own):`` then ``  region-ingest #19  COMPLETED``, one a
line; under ``--json`` the run's record gets ``"subflow_runs"``, a list of ``run_id``,
``flow``, ``run`` and ``state``, when it called any. A child whose process is gone and
that the store could not mark reads as the table reads it (``gone``: INTERRUPTED).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..printable import Writer, printable
from ..workspace.subflow_runs import SubflowRun, subflow_runs


def called_runs(
    db: Path, run_id: str, gone: Mapping[str, tuple[object, ...]]
) -> tuple[SubflowRun, ...]:
    """The subflow runs ``run_id`` called, each in the state a reader shows (``gone``:
    the runs whose process is gone, unmarked, by id, their shown state first)."""
    return tuple(
        replace(child, state=str(gone[child.run_id][0])) if child.run_id in gone else child
        for child in subflow_runs(db, run_id)
    )


def print_subflows(called: Sequence[SubflowRun], out: Writer) -> None:
    """The subflow runs a run called, after its tasks (nothing when it called none)."""
    if not called:
        return
    print(file=out)
    print("subflow runs (each a run of its own):", file=out)
    for child in called:
        print(f"  {printable(child.label)}  {printable(child.state)}", file=out)


def subflows_json(called: Sequence[SubflowRun]) -> dict[str, Any]:
    """What a run's ``record: run`` object adds: ``subflow_runs`` when it called any."""
    return {"subflow_runs": [child.as_json() for child in called]} if called else {}
