"""``flowtop watch [PATH] [RUN_ID | --flow NAME]``: follow a run, whoever started it.

Replays the run's events from its start out of the store's event log, then follows
them live, printed as ``flowtop run`` prints its own (human lines, or ``--json``), and
exits with the run's code: 0 completed, 1 anything else. A run whose process died is
marked interrupted here too, so a watch never waits for a run that can no longer end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from ..engine.events import RunFinished
from ..engine.states import StateType
from ..printable import printable
from .printers import HumanPrinter, JsonPrinter
from .store_access import find_run, store_path

#: How often the log is read (seconds).
POLL = 0.05
#: How long ``watch RUN_ID`` waits for a run that is not in the store yet (just detached).
STARTING = 10.0
#: How often a watcher checks that the run's owner is still alive (seconds).
REAP_EVERY = 1.0


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        nargs="*",
        metavar="[PATH] [RUN_ID]",
        help="flow folder or file (default ./flows, else .) and the run id (default: the newest run)",
    )
    parser.add_argument("--flow", metavar="NAME", help="the newest run of this flow")
    parser.add_argument("--json", action="store_true", help="print one JSON object per event")


def main(args: argparse.Namespace) -> int:
    found = store_path(args.target, "watch")
    if isinstance(found, int):
        return found
    db, run_ref = found
    record = find_run(db, run_ref, args.flow, "watch", quiet=run_ref is not None)
    # A run launched from this folder may not be in the store yet: wait for it, but not
    # for an id no launch here gave out (a typo is said at once).
    waits = run_ref is not None and launched(db.parent, run_ref)
    deadline = time.monotonic() + (STARTING if waits else 0.0)
    while record is None:
        waiting = time.monotonic() < deadline
        if waiting:
            time.sleep(POLL)
        record = find_run(db, run_ref, args.flow, "watch", quiet=waiting)
    if isinstance(record, int):
        if run_ref is not None:
            say_launch_log(db.parent, run_ref)
        return record
    return follow(db, record.run_id, json_lines=args.json)


#: Lines of a run process's own output shown when its run never reached the store.
LOG_LINES = 20


def launched(state_dir: Path, prefix: str) -> bool:
    """Whether a run whose id starts with ``prefix`` was launched from this folder (its
    process keeps a log named by its id, see ``workspace.launcher``)."""
    from ..workspace.launcher import LOGS

    try:
        names = os.listdir(state_dir / LOGS)
    except OSError:
        return False
    prefix = prefix.lower()
    return any(name.startswith(prefix) and name.endswith(".log") for name in names)


def say_launch_log(state_dir: Path, run_id: str) -> None:
    """A run detached with this id that never reached the store: what its process printed
    before it could (``workspace.launcher`` keeps it), if anything."""
    from ..workspace.launcher import LOGS

    log = state_dir / LOGS / f"{run_id}.log"
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return
    if lines:
        shown = "\n".join(f"  {printable(line)}" for line in lines[-LOG_LINES:])
        print(f"flowtop watch: its run process wrote ({log}):\n{shown}", file=sys.stderr)


def follow(db: Path, run_id: str, *, json_lines: bool) -> int:
    """Print ``run_id``'s events from its start until it ends; its exit code."""
    from ..workspace.history import reap_store
    from ..workspace.run_log import LogTail, RunInterrupted, first_event_id

    out = sys.stdout
    printer = (
        JsonPrinter(out)
        if json_lines
        else HumanPrinter(out, live=out.isatty(), verbose=True, run_output=True)
    )
    tail = LogTail(db, first_event_id(db, run_id))
    next_reap = 0.0
    try:
        while True:
            events = tail.read(run_id=run_id)
            engine_events = [e for e in events if not isinstance(e, RunInterrupted)]
            if engine_events:
                printer(engine_events)
            for event in events:
                if isinstance(event, RunFinished):
                    return 0 if event.state is StateType.COMPLETED else 1
                if isinstance(event, RunInterrupted):
                    if json_lines:
                        print(json.dumps(event.as_json()), file=out, flush=True)
                    else:
                        print(f"run {run_id} INTERRUPTED: {printable(event.reason)}", file=out)
                    return 1
            if not events:
                printer.tick()  # the status line's clock goes on through a retry wait
                now = time.monotonic()
                if now >= next_reap:
                    reap_store(db)
                    next_reap = now + REAP_EVERY
                time.sleep(POLL)
    finally:
        tail.close()
