"""``flowtop history --prune N``: delete all but the newest N runs of each flow (of one
flow, or of a flow file's), their attempts, events and stored results, and give their
room back to the file system. Apart from ``history`` itself, which lists and shows runs.
"""

from __future__ import annotations

import argparse
import functools
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..engine.events import json_record
from ..engine.suggest import did_you_mean, some_of
from ..formats import plural, size_text
from ..printable import printable, say
from ..workspace.history import History
from ..workspace.history_records import HistoryError
from ..workspace.run_log import UNREADABLE
from ..workspace.store_errors import PRUNING, no_write_access, store_advice
from ..workspace.store_reader import StoreReader
from .store_access import FileFlows


class Typed(int):
    """A number typed on the command line (``typed``), not an option's default: ``--limit``
    has one (50), and ``--prune`` refuses a ``--limit`` given, ``--limit 50`` too."""


def typed(parse: Callable[[str], int]) -> Callable[[str], int]:
    """The argparse type ``parse``, its number marked ``Typed``: argparse applies an
    option's type to what is typed alone, never to a default given as a number."""

    @functools.wraps(parse)
    def read(text: str) -> int:
        return Typed(parse(text))

    return read


def ignored_by_prune(args: argparse.Namespace) -> str | None:
    """Why ``args`` are refused: ``--prune`` with an option it does not use (``--run``,
    ``--limit``: ``history --help`` has no other), as argparse says two options that
    exclude each other. ``--prune 5 --run 3`` pruned every flow (not run 3), and
    ``--prune 5 --limit 2`` listed nothing, both exit 0. None when there is none."""
    ignored = {"--run": args.run is not None, "--limit": isinstance(args.limit, Typed)}
    given = [option for option, there in ignored.items() if there]
    if args.prune is None or not given:
        return None
    return (
        f"argument {' and '.join(given)}: not allowed with argument --prune, which deletes "
        "all but each flow's newest N runs and lists none (see flowtop history --help)"
    )


def flow_without_runs(db: Path, flow: str | None) -> str | None:
    """Why ``--prune N --flow flow`` is refused: the store ``db`` holds runs, none of
    ``flow`` (a misspelt name, said as ``history --flow flow`` says it: ``no_runs_of``).
    It said ``Removed 0 runs; kept the newest 5 of nope.``, exit 0. None when ``flow``
    has runs, or none is asked for, or the store holds none (or cannot be read now: the
    prune says why)."""
    if flow is None or not db.is_file():
        return None
    reader = StoreReader(db)
    try:
        if reader.runs(flow, limit=1) or not reader.runs(limit=1):
            return None
        flows = reader.flows()
    except (HistoryError, sqlite3.Error, *UNREADABLE):
        return None
    return no_runs_of(db, flows, flow, None)


def no_runs_of(db: Path, flows: list[str], flow: str | None, within: FileFlows | None) -> str:
    """What ``history`` says when ``flow`` (None: the flows of the flow file ``within``)
    has no runs in the store ``db`` whose ``flows`` have: a close name first (``did you
    mean``), then which flows have runs."""
    whose = f"flow {flow!r}" if flow is not None else f"the flows of {within}"
    hint = did_you_mean(flow, flows) if flow is not None else ""
    with_runs = some_of(flow or "", flows, noun="flows")
    return f"no runs of {whose} in {db}{hint}; flows with runs: {with_runs}"


def prune(
    db: Path,
    keep: int,
    flow: str | None,
    *,
    among: Sequence[str] | None = None,
    as_json: bool = False,
    of: str = "",
) -> int:
    """``--prune N``: keep the newest N runs of each flow (of ``flow``, or of those
    ``among`` some: the flow file ``of``'s) and their results; live runs stay, and the
    subflow runs a kept run called (``pruning.prune_runs``).
    ``as_json``: one JSON object (runs ``removed``, the ``keep`` asked for, the store's
    ``bytes_before`` and ``bytes_after``, and ``kept_beyond``: the runs kept past the
    newest N, by why), for a script that prunes."""
    # Said before anything is asked or opened: opening a store it cannot write, the run
    # store says "a run needs write access", and a prune is not a run.
    refused = no_write_access(db, PRUNING)
    if refused is not None:
        say(f"{db}: cannot prune the run store: {refused}", command="flowtop history")
        return 2
    # one transaction per name; None: every flow of the store in one
    flows: list[str | None] = [flow] if flow is not None else [*among] if among else [None]
    if keep == 0 and not as_json and sys.stdin.isatty() and not _confirm_prune_all(db, flows):
        print("Nothing deleted.")
        return 1
    try:
        history = History(db)
    except HistoryError as exc:
        say(str(exc))
        return 2
    except UNREADABLE as exc:  # what the reaper of its dead runs read (``reap_quietly``)
        say(f"{db}: cannot prune the run store: {unwritten_row(exc)}", command="flowtop history")
        return 2
    before = _store_size(db)
    removed = 0
    try:
        for name in flows:
            removed += history.prune(keep, name)
        compacted = removed > 0 and history.compact()
    except sqlite3.Error as exc:  # each flow's prune is one transaction: those before stand
        advice = store_advice(exc, db, writing=True, writer=PRUNING)
        done = f"; {plural(removed, 'run')} of the flows before it removed" if removed else ""
        say(f"{db}: cannot prune the run store ({exc}{done}); {advice}")
        return 2
    finally:
        history.close()  # folds the WAL in: the size below is the file's own
    beyond = _kept_beyond(db, keep, flows)
    if as_json:
        print(pruned_json(removed, keep, before, _store_size(db), beyond))
        return 0
    said = f"Removed {plural(removed, 'run')}; kept the newest {keep} {_kept_of(flow, among, of)}"
    said += f"{_kept_more(beyond)}."
    if compacted:
        was, now = size_text(before), size_text(_store_size(db))
        said += (
            f" The store went from {was} to {now}." if was != now else f" The store stays {now}."
        )
    elif removed:
        said += (
            " The store keeps its size for now (another flowtop was writing to it, a run is"
            " live, or the disk lacks room for a copy of it); later runs reuse the space."
        )
    print(said)
    return 0


def _confirm_prune_all(db: Path, flows: Sequence[str | None]) -> bool:
    """``--prune 0`` typed at a terminal deletes every finished run (of ``flows``; None:
    of every flow): asked first, as a slip of one digit loses the whole history. A script
    (no terminal) is not asked."""
    named = [flow for flow in flows if flow is not None]
    try:
        count = StoreReader(db).count(among=named) if named else StoreReader(db).count()
    except sqlite3.Error:
        return True  # History says what is wrong with the store, next
    if count == 0:
        return True
    scope = (
        f" of flow{'s' if len(named) > 1 else ''} {', '.join(map(repr, named))}" if named else ""
    )
    question = (
        f"--prune 0 deletes every finished run{scope} in {db} ({plural(count, 'run')} "
        "recorded), with their attempts and results. Delete them? [y/N] "
    )
    try:
        answer = input(printable(question))
    except (EOFError, KeyboardInterrupt):
        print()
        return False
    return answer.strip().lower() in ("y", "yes")


def _kept_of(flow: str | None, among: Sequence[str] | None, of: str) -> str:
    """Whose runs a prune kept the newest of: ``of slow`` (``--flow slow``), ``of each
    flow of etl.py`` (a flow file's), ``of each flow``. It said ``of each flow`` of a
    prune of one flow, whose other flows' runs were all kept."""
    if flow is not None:
        return f"of {printable(flow)}"
    if among and of:
        return f"of each flow of {printable(of)}"
    return "of each flow"


def _kept_beyond(db: Path, keep: int, flows: Sequence[str | None]) -> dict[str, int]:
    """The runs past the newest ``keep`` finished ones of ``flows`` that stayed, by why
    (``pruning.kept_beyond``: live, called by a kept run, …); {} for none, or a store
    that cannot be read now (the prune itself is said)."""
    from ..workspace.pruning import kept_beyond
    from ..workspace.subflow_runs import reading

    said: dict[str, int] = {}
    try:
        with reading(db) as conn:
            for name in flows:
                for why, count in kept_beyond(conn, keep, name).items():
                    said[why] = said.get(why, 0) + count
    except (sqlite3.Error, HistoryError, OSError):
        return {}
    return said


def _kept_more(said: dict[str, int]) -> str:
    """``, and 2 more that a kept run called``, ``, and 2 live runs``: the runs past the
    newest N that stayed (``_kept_beyond``), and why; "" for none. "kept the newest 1
    of leaf" left 3 runs of it; live ones were kept and not said, the sum short of what
    ``history`` lists."""
    from ..workspace.pruning import LIVE, WHYS

    whys = [(why, said[why]) for why in WHYS if said.get(why)]
    total = sum(n for _, n in whys)
    if [why for why, _ in whys] == [LIVE]:
        return f", and {plural(total, 'live run')}"
    if len(whys) < 2:
        return "".join(f", and {total} more {why}" for why, _ in whys)
    return f", and {total} more ({', '.join(f'{n} {why}' for why, n in whys)})"


def pruned_json(removed: int, keep: int, before: int, after: int, beyond: dict[str, int]) -> str:
    """The one object of ``--prune N --json``, its keys the same with no store to prune
    (all 0): a script reading ``kept_beyond`` failed on a workspace no run had used yet."""
    fields = {"removed": removed, "keep": keep, "bytes_before": before, "bytes_after": after}
    return json_record({**fields, "kept_beyond": _as_json(beyond)})


def _as_json(said: dict[str, int]) -> dict[str, int]:
    """``kept_beyond`` of ``--prune N --json``: the runs kept past the newest N finished
    ones, by why, each key present (0: none), as the words say them."""
    from ..workspace.pruning import WHY_KEYS

    return {key: said.get(why, 0) for why, key in WHY_KEYS.items()}


def unwritten_row(exc: Exception) -> str:
    """What a row of the runs table that is not what flowtop writes (a crafted heartbeat)
    stopped: said with the exception."""
    return f"a row of its runs table is not what flowtop writes ({type(exc).__name__}: {exc})"


def _store_size(db: Path) -> int:
    """The store's bytes on disk: the database and its write-ahead log."""
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())
