"""What the store commands share (``watch``, ``cancel``, ``history``): finding the store
and a run in it, among the flows of a flow file when PATH is one."""

from __future__ import annotations

import logging
import os
import re
import shlex
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

from ..engine.suggest import did_you_mean, some_of
from ..formats import moment
from ..printable import printable
from ..workspace.access import unreachable
from ..workspace.history_records import HistoryError, RunRecord
from ..workspace.run_refs import NUMBERS_FROM_1, NoRun, find_run_ref, numbered_zero
from ..workspace.store_errors import unreadable
from ..workspace.store_links import linked_store_part, planted_link_said
from ..workspace.store_reader import StoreReader
from .common import places_of, spelt_as

#: What became of a live run whose store was deleted (``owner_agent.STORE_GONE``).
GONE_RUNS = "; a run process cancels its run when its store is deleted"


def store_since(reader: StoreReader) -> str:
    """What a run reference no stored run answers to may mean besides a typo: the store
    was deleted (``rm -rf .flowtop``) and made again since that run was recorded, and the
    run went with the old one. Said with how far back the store goes, its oldest run's
    start, the one fact that tells; "" when that cannot be read."""
    try:
        oldest = reader.oldest_start()
    except (HistoryError, sqlite3.Error):
        return ""
    if oldest is None:
        return f" (it holds no runs: if .flowtop was deleted since, {_WENT_WITH_IT})"
    return (
        f" (its oldest run started at {moment(oldest, time.time())}: if .flowtop was deleted "
        f"since, {_WENT_WITH_IT})"
    )


def numbers_here(reader: StoreReader, flow: str | None, within: FileFlows | None) -> str:
    """What a run number no stored run has may be instead: the run numbers there are, each
    flow's newest (of ``flow``, or of ``within``'s flows). ``watch 99`` in a store whose
    newest run is #10 said the store may have been deleted since, and a live run
    cancelled: a mistyped number read as lost runs. A ``flow`` with no runs close to one
    with runs is taken for a typo, as ``history`` takes it: `` (did you mean 'etl'?)``.
    "" when that cannot be read."""
    names = (flow,) if flow is not None else within.names if within is not None else None
    try:
        every = reader.newest_per_flow()
    except (HistoryError, sqlite3.Error):
        return ""
    newest = [r for r in every if names is None or r.flow in names]
    if not newest:
        close = did_you_mean(flow, sorted(r.flow for r in every)) if flow is not None else ""
        of = "" if names is None else f" of {', '.join(names)}"
        return close or f" (it holds no runs{of} yet)"
    if flow is not None:
        return f" ({flow}'s newest run is #{newest[0].number})"
    newest.sort(key=lambda r: r.flow)
    if len(newest) == 1:
        return f" (the newest run here is {newest[0].flow} #{newest[0].number})"
    shown = ", ".join(f"{r.flow} #{r.number}" for r in newest[:5])
    more = f", and {len(newest) - 5} more flows" if len(newest) > 5 else ""
    return f" (each flow's newest run: {shown}{more})"


#: Said only as a possibility: most such references are typos, and the store cannot tell
#: whether it was ever deleted (it read as if it had been, for every unknown id).
_WENT_WITH_IT = "the runs recorded before went with it, and a live one was cancelled"


def usage(command: str, message: str) -> int:
    print(printable(f"flowtop {command}: {message}"), file=sys.stderr)
    return 2


def split_target(targets: list[str]) -> tuple[str, str | None]:
    """``[PATH] [RUN]`` as PATH and the run given: one argument is a path when it exists,
    else a run; the path defaults to ./flows (else the current folder), as for every
    other command."""
    path: str | None = None
    run: str | None = None
    if len(targets) == 2:
        path, run = targets
    elif len(targets) == 1:
        if Path(targets[0]).exists():
            path = targets[0]
        else:
            run = targets[0]
    return ("flows" if Path("flows").is_dir() else ".") if path is None else path, run


def store_path(targets: list[str], command: str) -> tuple[Path, str | None] | int:
    """The store of ``[PATH] [RUN]`` and the run id given, or an exit code after an error."""
    if len(targets) > 2:
        return usage(command, f"expected [PATH] [RUN], got {len(targets)} arguments")
    path, run = split_target(targets)
    if len(targets) == 1 and run is not None and "/" in run:  # `watch OLDPATH`: no run
        path, run = run, None
    places = places_of(path)
    if isinstance(places, str):
        return usage(command, said_with_move(places, path, command, run))
    db = places.store_path
    shut = unreachable(db)  # another user's private .flowtop: not "does not exist"
    if shut is not None:
        return usage(command, shut)
    linked = linked_store_said(db)  # one to nothing (a disk not mounted): not "no runs yet"
    if linked is not None:
        return usage(command, linked)
    if not db.is_file():
        if run is not None and numbered_zero(run):  # never recorded: not "deleted since"
            return usage(command, f"no run #0: {NUMBERS_FROM_1} (no runs yet: {db} does not exist)")
        went = moved_away(path, run, command)
        if went is not None:  # a folder made again where it was (a new checkout)
            return usage(command, f"no runs yet: {db} does not exist ({went})")
        if len(targets) == 1 and run is not None:  # `watch OLDPATH`: a path, not a run
            went = moved_away(run, None, command)
            if went is not None:
                return usage(command, f"{run}: no such file or folder: {went}")
        renamed = _renamed_beside(db)
        if renamed is not None:
            return usage(command, f"no runs yet: {db} does not exist ({renamed})")
        if run is not None:  # a run that was recorded there names a store deleted since
            return usage(
                command,
                f"no runs yet: {db} does not exist (or no more: deleted, it took the runs "
                f"it recorded with it{GONE_RUNS})",
            )
        return usage(command, f"no runs yet: {db} does not exist")
    return db, run


def linked_store_said(db: Path) -> str | None:
    """Why the store ``db`` is not opened when a link is on the way to it: at its name,
    a file SQLite keeps beside it, or its ``.flowtop`` (``store_links.linked_store_part``),
    said as ``flowtop run`` and the store's readers say it. One to nothing (a disk not
    mounted) or to itself read as no store: ``No run history yet: … does not exist``,
    where ``run`` refuses it. None when there is none (or a folder on the way cannot be
    looked in: ``access.unreachable`` says that)."""
    try:
        link = linked_store_part(db)
    except OSError:
        return None
    return None if link is None else planted_link_said(db, link, doing="open")


def said_with_move(
    said: str, path: str, command: str, run: str | None = None, *, else_hint: str = ""
) -> str:
    """``said`` of the missing ``path`` (``no such file or folder``), and where the
    workspace moved to with its store when a live run tells (``moved_away``), else
    ``else_hint`` (``; if mv1 is a flow's name: …``, which read wrong before the move)."""
    went = moved_away(path, run, command)
    return f"{said}{else_hint}" if went is None else f"{said}: {went}"


def moved_away(path: str, run: str | None, command: str) -> str | None:
    """Where the workspace ``path`` (a folder, or a flow file's) moved to with its store,
    when a live flowtop process of this user tells (``store_moved.moved_to``): its runs go
    on there, and ``flowtop cancel OLDPATH`` said they were deleted with it. None when
    none tells (nothing is known then: moved, or deleted, as said before)."""
    from ..workspace.store_moved import moved_to

    given = Path(path)
    file = given.name if given.suffix == ".py" else None
    went = moved_to(given.parent if file is not None else given)
    if went is None:
        return None
    target = went / file if file is not None else went
    then = shlex.join([command, str(target), *([run] if run else [])])
    return (
        f"the workspace moved to {printable(str(went))}, its run store with it, and its runs "
        f"go on there: flowtop {printable(then)}"
    )


def _renamed_beside(db: Path) -> str | None:
    """What to say of a run store beside the missing ``db``, in a folder of the workspace
    named for flowtop, not ``.flowtop`` (``mv .flowtop .flowtop-old``): renamed, it is the
    workspace's no more (its live runs were cancelled, as for one deleted), and only its
    name keeps flowtop from reading it. None when there is none."""
    try:
        with os.scandir(db.parent.parent) as entries:
            found = sorted(
                entry.name
                for entry in entries
                if "flowtop" in entry.name.lower()  # (``history.db`` is a common name)
                and entry.is_dir(follow_symlinks=False)
                and (Path(entry.path) / db.name).is_file()
            )
    except OSError:
        return None
    if not found:
        return None
    beside = Path(found[0]) / db.name
    return (
        f"{printable(str(beside))} is a run store: {db.parent.name} renamed? flowtop reads "
        f"{db.parent.name}/{db.name} alone, and cancels a live run whose store is renamed"
    )


@dataclass(frozen=True)
class FileFlows:
    """The flows a flow file defines, by name: what the file given as PATH names in the
    store that every flow of its folder shares (a run records its flow, not its file)."""

    file: str  # as the user gave it
    names: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.file} ({', '.join(self.names)})"

    def not_defining(self, flow: str | None) -> str | None:
        """Why ``--flow flow`` names no run here (the file defines no such flow), else None."""
        if flow is None or flow in self.names:
            return None
        return f"{self.file} defines no flow {flow!r} (its flows: {', '.join(self.names)})"


def flow_as_stored(db: Path, flow: str | None, within: FileFlows | None) -> str | None:
    """``--flow flow`` spelt as the flow file PATH or the store spell it (``spelt_as``):
    ``café`` typed in NFC finds the runs of a flow defined ``cafe\u0301``."""
    if flow is None or (within is not None and flow in within.names):
        return flow
    try:
        stored = StoreReader(db).flows() if db.is_file() else []
    except (HistoryError, sqlite3.Error):
        stored = []  # unreadable: the lookup that follows says why
    return spelt_as(flow, [*(within.names if within else ()), *stored])


def file_scope(path: str, command: str, db: Path, run: str | None) -> FileFlows | None:
    """``flows_of_file``, but for a run named by its id whose flow the file's source names
    (``"etl"``, ``def etl(``): None, every flow, at once. An id names one run, and the
    file's import is spared: a run stuck at something its file's import does too (a
    network mount, a lock) made ``flowtop cancel FILE ID`` wait 20 s for two imports."""
    if run is None or not db.is_file():
        return flows_of_file(path, command)
    hex_id = not run.lstrip("#").isdigit()
    # Digits may start an id too (6% of ids begin with six): an id when the run found by
    # them is the one whose id they start (else a number, of the file's own flows)
    if hex_id or (not run.startswith("#") and len(run) >= 4):
        from ..workspace.flow_naming import file_naming

        try:
            found = find_run_ref(StoreReader(db), run, None, "RUN")
        except (HistoryError, sqlite3.Error):
            found = None  # said by the lookup that follows
        if (
            isinstance(found, RunRecord)
            and (hex_id or found.run_id.startswith(run))
            and file_naming([Path(path)], found.flow) is not None
        ):
            return None
    return flows_of_file(path, command)


def flows_of_file(path: str, command: str) -> FileFlows | None:
    """The flows the flow file ``path`` defines; None for a folder, or a file whose flows
    cannot be told (it does not load, or defines none): every flow of its folder's store
    then, said on stderr. A flow file mid-edit with a syntax error still has a history.

    They are known by loading it, as ``flowtop list FILE`` does: in a loader process,
    so no user code runs in this one.
    """
    places = places_of(path)
    if isinstance(places, str) or places.only is None:
        return None  # (a bad PATH is the store's to say)
    from ..workspace.workspace_description import describe_workspace

    listed = describe_workspace(path)
    if listed.flows:
        return FileFlows(path, tuple(listed.flows))
    why = f"it does not load ({listed.errors[0]})" if listed.errors else "it defines no flows"
    print(
        printable(
            f"flowtop {command}: cannot tell which runs are of {path}'s flows: {why}; "
            "taking every flow of its folder"
        ),
        file=sys.stderr,
    )
    return None


@overload
def find_run(
    db: Path,
    run: str | None,
    flow: str | None,
    command: str,
    *,
    quiet: Literal[False] = False,
    within: FileFlows | None = None,
) -> RunRecord | int: ...
@overload
def find_run(
    db: Path,
    run: str | None,
    flow: str | None,
    command: str,
    *,
    quiet: bool,
    within: FileFlows | None = None,
) -> RunRecord | int | None: ...
def find_run(
    db: Path,
    run: str | None,
    flow: str | None,
    command: str,
    *,
    quiet: bool = False,
    within: FileFlows | None = None,
) -> RunRecord | int | None:
    """The run named by number or id (or a unique prefix), else the newest of ``flow``,
    else the newest; an exit code once the reason there is none was said. ``within``
    (PATH a flow file): only a run of that file's flows.

    ``quiet``: an unknown run is not reported but None returned (the caller may look
    again: a run just launched may not be stored yet). An ambiguous one is final.
    """
    from ..workspace.reaper import upgrade_store

    foreign = None if within is None else within.not_defining(flow)
    if foreign is not None:
        return usage(command, foreign)
    upgrade_store(db)  # a store an older flowtop wrote, as a run would (read-only: as it is)
    reader = StoreReader(db)
    try:
        if run is not None:
            found = run_in_file(reader, run, flow, "RUN", within)
            if isinstance(found, RunRecord):
                return found
            if quiet and isinstance(found, NoRun):  # not yet stored, rather than ambiguous
                return None
            if isinstance(found, NoRun):  # a number: which there are; an id: how far back
                numbered = re.fullmatch(r"#?[0-9]+", run) is not None
                found += numbers_here(reader, flow, within) if numbered else store_since(reader)
            return usage(command, found)
        if within is None or flow is not None:
            runs = reader.runs(flow, limit=1)
        else:  # the newest of each of the file's flows: the newest of them
            each = [r for name in within.names for r in reader.runs(name, limit=1)]
            runs = sorted(each, key=lambda r: (r.started, r.number), reverse=True)
        named = reader.flows() if flow is not None and not runs else []
    except HistoryError as exc:
        return usage(command, str(exc))
    except sqlite3.Error as exc:
        return usage(command, unreadable(exc, db))
    if not runs:
        # (`--flow ""` is a flow asked for too: "no runs in" read as an empty store)
        of_files = f" of the flows of {within}" if within else ""
        where = f" of flow {flow!r}" if flow is not None else of_files
        known = (
            f"{did_you_mean(flow, named)}; flows with runs: {some_of(flow, named, noun='flows')}"
            if flow is not None and named
            else ""
        )
        return usage(command, f"no runs{where} in {db}{known}")
    return runs[0]


def live_or_newest(
    db: Path, flow: str | None, command: str, *, within: FileFlows | None = None
) -> tuple[RunRecord, list[RunRecord]] | int:
    """The run ``watch`` and ``cancel`` take when given no RUN: the newest live run of
    ``flow`` (None: of every flow, or of ``within``'s), else its newest run; with the live
    runs, newest first (``cancel`` refuses to choose between several). An exit code once
    why there is none was said (``find_run``).

    A live subflow's run gives way to the live run that called it, which shows its
    events. ``watch --flow NAME`` replayed a newer run that had ended while an older one
    was still live, where ``cancel --flow NAME`` took the live one."""
    newest = find_run(db, None, flow, command, within=within)  # no runs at all: said there
    if isinstance(newest, int):
        return newest
    flows = (flow,) if flow is not None else None if within is None else within.names
    live = live_runs(db, flows)
    if not live:  # none, or unreadable now: its newest run, whose state is said as found
        return newest, []
    return (callers(live) or live)[0], live


def callers(live: list[RunRecord]) -> list[RunRecord]:
    """Of ``live`` runs, those no other of them called: a live subflow's run gives way to
    the run that called it (watching it shows the subflow's events, cancelling it cancels
    the subflow)."""
    ids = {run.run_id for run in live}
    return [run for run in live if run.parent not in ids]


def live_runs(db: Path, flows: tuple[str, ...] | None) -> list[RunRecord] | None:
    """The runs of ``flows`` (None: of every flow) live in the store at ``db``, newest
    first; None when the store cannot be read now."""
    from ..workspace.reaper import gone_unmarked

    try:
        running = StoreReader(db).running() if db.is_file() else []
    except (HistoryError, sqlite3.Error):
        return None
    gone = gone_unmarked(db)  # recorded RUNNING on a store it could not mark: not live
    return sorted(
        (r for r in running if (flows is None or r.flow in flows) and r.run_id not in gone),
        key=lambda r: (r.started, r.number),
        reverse=True,
    )


def run_in_file(
    reader: StoreReader, wanted: str, flow: str | None, option: str, within: FileFlows | None
) -> RunRecord | str:
    """The run ``wanted`` names (``find_run_ref``), of a flow of ``within`` when a flow file
    was given: a number is read as theirs (``3`` in a.py, b.py's flow holding a #3 too),
    and another flow's run is refused, not shown in their place."""
    if within is None:
        return find_run_ref(reader, wanted, flow, option)
    names = (flow,) if flow is not None else within.names
    found = [find_run_ref(reader, wanted, name, option) for name in names]
    runs = {r.run_id: r for r in found if isinstance(r, RunRecord)}
    if len(runs) > 1:
        flows = ", ".join(sorted({r.flow for r in runs.values()}))
        return f"run {wanted} exists for several flows of {within.file} ({flows}): add --flow NAME"
    if runs:
        return next(iter(runs.values()))
    said = [r for r in found if not isinstance(r, NoRun)]  # malformed, an ambiguous prefix
    if said:
        return said[0]
    other = find_run_ref(reader, wanted, None, option)
    if isinstance(other, RunRecord):
        return (
            f"run {wanted} is {other.flow} #{other.number} ({other.run_id}), not a run of "
            f"the flows of {within}: give the file that defines {other.flow!r}, or the folder"
        )
    return NoRun(f"no run {wanted} of the flows of {within} in {reader.path}")


def start_logged(db: Path, run_id: str) -> bool:
    """Whether run ``run_id`` has logged anything, its start first: a run with only its
    reservation (``run_start.Reservation``) is one whose process still imports the flow
    file (``run_lines.STARTING_WORDS``). Unknown (the store busy) counts as started, and
    the run is said as any other."""
    from contextlib import closing

    from ..workspace import run_stage
    from ..workspace.run_log import connect_reader

    try:
        with closing(connect_reader(db)) as conn:
            return run_stage.start_logged(conn, run_id)
    except sqlite3.Error:
        return True


@contextmanager
def warnings_held_on_failure() -> Iterator[None]:
    """Hold back what the run store's logger (``flowtop.history``) warns inside the block: said after it when the block
    succeeds, dropped when it raises, whose one line says it all. ``run --detach
    --rerun-of`` on a full disk warned "could not record launched run" (the rerun's
    reservation), then refused the run for the same full disk: two lines for one cause."""
    held: list[logging.LogRecord] = []

    def hold(record: logging.LogRecord) -> bool:
        held.append(record)
        return False

    target = logging.getLogger("flowtop.history")
    target.addFilter(hold)
    try:
        yield
    finally:
        target.removeFilter(hold)
    for record in held:  # (reached only when the block did not raise)
        target.handle(record)
