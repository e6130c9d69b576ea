"""``flowtop limits [PATH] [--json]``: the workspace's concurrency limits and who holds them.

Every run is a process of its own and they share the limits of ``flowtop.toml``'s
``[concurrency]`` table through ``.flowtop/limits.db``: when a task waits for a slot,
this says which processes hold them (as ``prefect concurrency-limit inspect`` does).
It only reads: a holder whose process is gone is shown so, and its slots come back at
the next request for them. A holder is named by its runs where the store has them
(``limits_runs``: ``2 by lim #1 (pid 4242 on vm)``), and a limit lowered while its
slots were held says so (``2 of 1 slots held (the limit was lowered …)``), and so does
one taken out of the file (``database: no longer in flowtop.toml; 2 slots still held``,
its holders below; ``--json`` lists it with ``"removed": true`` and no ``slots``).
Each process is named once per limit, with all the slots it holds (``per_process``):
two tasks of one run in a ``concurrency`` block each were two identical lines (``1 by
pid 4242 on build-1``, twice).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.events import json_record
from ..printable import printable
from .common import places_of, settings_error, unread_warning
from .store_access import usage

if TYPE_CHECKING:
    from ..concurrency.slots import Holder
    from ..workspace.ownership import Owner
    from .limits_runs import HeldBy


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", nargs="?", default=None, help="flow folder or file (default: ./flows, else .)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object")


def settings_problem(path: Path) -> str | None:
    """The settings files' error, checked as ``run`` and ``list`` check them (file, line,
    key): a mistake elsewhere in ``flowtop.toml`` makes its limits as doubtful."""
    from ..workspace import Workspace

    with Workspace(str(path), isolate_imports=False) as workspace:
        workspace.read_settings()
        error = settings_error(workspace)
    return None if error is None else printable(error)


def no_limits(toml: Path) -> str:
    """Said when there are no limits: why (no file, or no table in it), and how to add one."""
    if toml.is_file():
        return (
            f"No concurrency limits: {toml} has no [concurrency] table; add one to it:\n"
            f"{TABLE_EXAMPLE}"
        )
    return (
        f"No concurrency limits: {toml} does not exist; create it with a [concurrency] "
        f"table:\n{TABLE_EXAMPLE}"
    )


#: A ``[concurrency]`` table, as docs/prefect.md writes one (its concurrency limits).
TABLE_EXAMPLE = """\
  [concurrency]
  database = 2                                        # slots
  api = { limit = 5, slot_decay_per_second = 1.0 }    # a rate limit"""


def per_process(holders: Iterable[Holder]) -> list[Holder]:
    """``holders`` (one per block holding slots) as one per process and limit, holding
    the slots of all its blocks, in the order each was first seen."""
    merged: dict[tuple[str, object], Holder] = {}
    for h in holders:
        key = (h.name, h.owner)
        seen = merged.get(key)
        merged[key] = h if seen is None else seen._replace(slots=seen.slots + h.slots)
    return list(merged.values())


def main(args: argparse.Namespace) -> int:
    from ..code_settings import settings_table
    from ..concurrency.limits import limit_of
    from ..concurrency.slots import read_slots
    from ..workspace.places import LIMITS_FILE
    from ..workspace.private import FolderError, refuse_linked_store
    from .limits_runs import (
        holding_runs,
        over_limit,
        removed_json,
        removed_limits,
        removed_words,
    )

    path = Path(args.path)  # ``cli.main`` gives the default (``./flows``, else ``.``)
    places = places_of(path)
    if isinstance(places, str):
        return usage("limits", places)
    state = places.state_dir
    problem = settings_problem(path)
    if problem is not None:
        return usage("limits", problem)
    try:
        table = settings_table("concurrency", state)
        limits = {name: limit_of(state, name, value) for name, value in table.items()}
        # read_slots opened what a link there points at, making -wal and -shm beside it
        refuse_linked_store(state / LIMITS_FILE)
        # (read with no limit too: the holders of those taken out of flowtop.toml)
        held, blocks = read_slots(state / LIMITS_FILE, limits)
    except (ValueError, FolderError) as exc:
        print(f"flowtop limits: {printable(str(exc))}", file=sys.stderr)
        return 2
    holders = per_process(blocks)
    runs = holding_runs(state, (h.owner for h in holders))  # who they are, as history says
    warning = unread_warning(path)  # overrides in another user's private .flowtop
    if warning is not None:
        print(printable(warning), file=sys.stderr)
    if args.json:
        print(
            json_record(
                {
                    "limits": [
                        {
                            "name": name,
                            "slots": limit.slots,
                            "slot_decay_per_second": limit.decay,
                            "held": round(held.get(name, 0.0), 3),
                            "removed": False,
                        }
                        for name, limit in limits.items()
                    ]
                    + [  # taken out of flowtop.toml while held: its holders name it
                        removed_json(name, holding)
                        for name, holding in removed_limits(holders, limits).items()
                    ],
                    "holders": [
                        {
                            "limit": h.name,
                            "slots": h.slots,
                            "pid": h.owner.pid,
                            "host": h.owner.host,
                            "gone": h.gone,
                            "runs": [
                                {"run_id": r.run_id, "flow": r.flow, "number": r.number}
                                for r in runs.get(h.owner, [])
                            ],
                        }
                        for h in holders
                    ],
                }
            )
        )
        return 0
    if not limits:
        print(printable(no_limits(places.settings_path)))
    for name, limit in limits.items():
        decay = f", {limit.decay:g} freed per second" if limit.decay else ""
        amount = round(held.get(name, 0.0), 1)  # a decaying limit's slots free gradually
        over = over_limit(amount, limit.slots)  # (flowtop.toml lowered meanwhile)
        print(printable(f"{name}: {amount:g} of {limit.slots} slots held{decay}{over}"))
        _print_holders([h for h in holders if h.name == name], runs)
    for name, holding in removed_limits(holders, limits).items():
        print(printable(removed_words(name, holding, places.settings_path.name)))
        _print_holders(holding, runs)
    return 0


def _print_holders(holders: Iterable[Holder], runs: Mapping[Owner, list[HeldBy]]) -> None:
    """A limit's holders, a line each: ``  2 by etl #3 (pid 4242 on build-1)``."""
    from .limits_runs import holder_words

    for h in holders:
        who = holder_words(h.owner, runs.get(h.owner, []), h.gone)
        print(printable(f"  {h.slots} by {who}"))
