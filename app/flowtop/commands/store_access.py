"""What the store commands share (``watch``, ``cancel``): finding the store and a run in it."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Literal, overload

from ..engine.suggest import did_you_mean
from ..workspace.access import unreachable
from ..workspace.history_records import HistoryError, RunRecord
from ..workspace.run_refs import NoRun, find_run_ref
from ..workspace.store_errors import unreadable
from .common import places_of


def usage(command: str, message: str) -> int:
    print(f"flowtop {command}: {message}", file=sys.stderr)
    return 2


def store_path(targets: list[str], command: str) -> tuple[Path, str | None] | int:
    """The store of ``[PATH] [RUN]`` and the run id given, or an exit code after an error.

    One argument is a path when it exists, else a run id; the path defaults to ./flows
    (else the current folder), as for every other command.
    """
    if len(targets) > 2:
        return usage(command, f"expected [PATH] [RUN], got {len(targets)} arguments")
    path: str | None = None
    run: str | None = None
    if len(targets) == 2:
        path, run = targets
    elif len(targets) == 1:
        if Path(targets[0]).exists():
            path = targets[0]
        else:
            run = targets[0]
    if path is None:
        path = "flows" if Path("flows").is_dir() else "."
    places = places_of(path)
    if isinstance(places, str):
        return usage(command, places)
    db = places.store_path
    shut = unreachable(db)  # another user's private .flowtop: not "does not exist"
    if shut is not None:
        return usage(command, shut)
    if not db.is_file():
        return usage(command, f"no runs yet: {db} does not exist")
    return db, run


@overload
def find_run(
    db: Path, run: str | None, flow: str | None, command: str, *, quiet: Literal[False] = False
) -> RunRecord | int: ...
@overload
def find_run(
    db: Path, run: str | None, flow: str | None, command: str, *, quiet: bool
) -> RunRecord | int | None: ...
def find_run(
    db: Path, run: str | None, flow: str | None, command: str, *, quiet: bool = False
) -> RunRecord | int | None:
    """The run named by number or id (or a unique prefix), else the newest of ``flow``,
    else the newest; an exit code once the reason there is none was said.

    ``quiet``: an unknown run is not reported but None returned (the caller may look
    again: a run just launched may not be stored yet). An ambiguous one is final.
    """
    from ..workspace.reaper import upgrade_store
    from ..workspace.store_reader import StoreReader

    upgrade_store(db)  # a store an older flowtop wrote, as a run would (read-only: as it is)
    reader = StoreReader(db)
    try:
        if run is not None:
            found = find_run_ref(reader, run, flow, "RUN")
            if isinstance(found, RunRecord):
                return found
            if quiet and isinstance(found, NoRun):  # not yet stored, rather than ambiguous
                return None
            return usage(command, found)
        runs = reader.runs(flow, limit=1)
        named = reader.flows() if flow and not runs else []
    except HistoryError as exc:
        print(f"flowtop: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"flowtop: {unreadable(exc, db)}", file=sys.stderr)
        return 2
    if not runs:
        where = f" of flow {flow!r}" if flow else ""
        known = (
            f"{did_you_mean(flow, named)}; flows with runs: {', '.join(named)}"
            if flow and named
            else ""
        )
        return usage(command, f"no runs{where} in {db}{known}")
    return runs[0]
