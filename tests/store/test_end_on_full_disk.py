"""A run whose end finds the disk full: it reads as it ended, not that it died.

The run process could write nothing at close, so the run stayed RUNNING in the store;
every reader then found its process gone and said ``its process … is gone``, and once
space was back the run was marked so for good, though it had completed. Then it read
INTERRUPTED, its note saying it had completed; and ``flowtop run``'s last line said
history would not show the run, whose start it showed.
"""

from __future__ import annotations

import json
import sqlite3
import textwrap
from contextlib import closing
from pathlib import Path

import pytest

from .conftest import flowtop
from .test_full_disk_s45 import small_disk

#: A flow whose last task fills the disk its workspace is on, then prints: the run's end,
#: and the output with it, find no room left.
FILLS_THE_DISK = """
    import os

    from flowtop import flow, task

    HERE = os.path.dirname(os.path.abspath(__file__))

    @task
    def work():
        print("working")

    @task
    def fill_disk():
        with open(os.path.join(HERE, "filler"), "wb", buffering=0) as out:
            try:
                while True:
                    out.write(b"x" * 4096)
            except OSError:
                pass
        print("y" * 100_000)

    @flow
    def fills():
        work()
        fill_disk()
"""

#: Either way the store missed the run's end: with no room at all (an end mark), or with
#: room for its steps but not its last events (``(the run ended COMPLETED; its last 5
#: events were not recorded)``), which of the two depends on when the disk filled.
SAID = "the run store missed its end: the disk of {} was full (the run ended COMPLETED"


def run_note(folder: Path) -> tuple[str, str]:
    """The state and note ``flowtop history --json`` gives the folder's one run."""
    done = flowtop("history", str(folder), "--json")
    assert done.returncode == 0, done
    (run,) = [json.loads(line) for line in done.stdout.splitlines()]
    return run["state"], run["note"]


#: A run whose closing writes found room (SQLite reuses its WAL from the start once it was
#: checkpointed, which depends on timing): its steps and end are recorded, only its output
#: is not, as README says; the run is then tried again on a new disk, a few times.
ENDS_RECORDED = "(their steps and the runs' ends were)"
TRIES = 4


def test_a_run_that_ended_on_a_full_disk_says_its_end_was_not_recorded(tmp_path: Path) -> None:
    for attempt in range(TRIES):
        with small_disk(tmp_path / f"disk{attempt}") as disk:
            (disk / "fills.py").write_text(textwrap.dedent(FILLS_THE_DISK))
            done = flowtop("run", str(disk / "fills.py"))
            if done.returncode == 0 and ENDS_RECORDED in done.stderr:
                assert run_note(disk)[0] == "COMPLETED"  # its end went in: as it ended
                continue
            said = SAID.format(disk / ".flowtop")
            assert done.returncode == 1, done  # as the README says of a run not recorded
            last = done.stderr.splitlines()[-1]  # its start is in the store: history shows it
            assert "the run was not recorded" not in last and "show the run only up to" in last
            state, note = run_note(disk)  # the disk still full: nothing can be marked
            assert state == "COMPLETED"  # as its process ended it
            assert note.startswith(said) and "(not marked: the disk of" in note, note
            (disk / "filler").unlink()
            state, note = run_note(disk)  # marked now, for good
            assert state == "COMPLETED" and note.startswith(said), note
            assert "not marked" not in note
            assert [p.name for p in (disk / ".flowtop").iterdir() if ".end-of-" in p.name] == []
            with closing(sqlite3.connect(disk / ".flowtop" / "history.db")) as raw:
                assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            return
    pytest.skip(f"in {TRIES} runs the closing writes always found room: no end was missed")
