"""How a run ended, when the disk was too full for its end to be written to the store.

A run process that closes its store on a full disk, with the run's end among the events
it could not write, leaves the run RUNNING there; every reader then found its process
gone and said the run was interrupted (``its process … is gone``), though it completed.
An empty file needs no room on a full disk, only a name: the closing process leaves one
beside the store, ``history.db.end-of-<run id>.COMPLETED`` (``leave``), and the reaper
that finds the run's process gone reads it (``ended``): the run ends as the mark says, its
note saying that the store missed its end because the disk was full. A mark is trusted as
far as the store beside it (both are in the private ``.flowtop``), and only for a state a
run ends in (``RUN_ENDS``). Its tasks the store holds unfinished read INTERRUPTED: how
they ended went with the run's end, so a rerun runs them again rather than reuse what it
cannot read.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Mapping
from pathlib import Path

from ..engine.states import StateType

log = logging.getLogger("flowtop.history")

#: Between the store's name and the run's id in the name of an end mark.
_MARK = ".end-of-"

#: The states a run ends in (``FlowRun._final_state``): all an end mark may say.
RUN_ENDS = frozenset({StateType.COMPLETED.value, StateType.FAILED.value, StateType.CANCELLED.value})


def _sound(run_id: str) -> bool:
    """Whether ``run_id`` can be part of a file's name as it is (flowtop's are hex)."""
    return run_id.isascii() and run_id.isalnum()


def leave(path: Path, ends: Mapping[str, str]) -> None:
    """Leave an end mark beside the store ``path`` for each run id in ``ends``, with the
    state it ended in (a ``StateType`` value); what cannot be made is only logged."""
    for run_id, state in ends.items():
        if not (_sound(run_id) and state in RUN_ENDS):
            continue
        mark = path.with_name(f"{path.name}{_MARK}{run_id}.{state}")
        try:
            os.close(os.open(mark, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW, 0o600))
        except OSError as exc:
            log.debug("%s: the end of run %s not marked either: %s", path, run_id, exc)


def ended(path: Path) -> dict[str, str]:
    """The runs whose end marks stand beside the store ``path``, by id, with the state
    each ended in (the folder listed once, however many runs a reaper asks about). A mark
    saying no state a run ends in (made by hand) is left out: its run reads interrupted."""
    prefix = f"{path.name}{_MARK}"
    try:
        names = os.listdir(path.parent)
    except OSError:
        return {}
    marks: dict[str, str] = {}
    for name in names:
        run_id, dot, state = name.removeprefix(prefix).rpartition(".")
        if name.startswith(prefix) and dot and _sound(run_id) and state in RUN_ENDS:
            marks[run_id] = state
    return marks


def forget(path: Path, run_ids: Collection[str]) -> None:
    """Remove the end marks of ``run_ids`` (marked in the store now, their notes said)."""
    marks = ended(path) if run_ids else {}
    for run_id in run_ids:
        if run_id in marks:
            try:
                path.with_name(f"{path.name}{_MARK}{run_id}.{marks[run_id]}").unlink()
            except OSError as exc:
                log.debug("%s: end mark of run %s not removed: %s", path, run_id, exc)


def marked_at(path: Path | None, run_id: str) -> float:
    """When the end mark of ``run_id`` beside the store ``path`` was left (its file's
    time), 0 for none: when the run ended, where its last step the store has came long
    before (the disk was full: ``FAILED … in 19.9s`` for a run that went on to 56 s)."""
    if path is None or not _sound(run_id):
        return 0.0
    for state in sorted(RUN_ENDS):
        mark = path.with_name(f"{path.name}{_MARK}{run_id}.{state}")
        try:
            return os.stat(mark, follow_symlinks=False).st_mtime
        except OSError:
            continue
    return 0.0


def not_recorded(path: Path, state: str) -> str:
    """Why a run whose end mark says ``state`` reads as it does: the note it keeps, also
    the message of each of its tasks the store holds unfinished."""
    return (
        f"the run store missed its end: the disk of {path.parent} was full (the run ended {state})"
    )
