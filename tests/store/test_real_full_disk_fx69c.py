"""A run whose own output fills a real disk: its record goes on without the output.

On a 2 MB tmpfs with 300 KB left, a run's output took the disk's last byte. Its steps
were then kept out too: the write-ahead log, holding every page written since the run
began, could not be folded in (that needs room in the database before the log gives any
back), and every write, without output as well, needed room the log could not give.
``flowtop history`` read the run ``RUNNING … 1 completed, 1 running, 18 pending`` until
it ended, then ``COMPLETED … 1 completed, 19 interrupted`` though all 20 completed, and
``flowtop run`` exited 1. The store now leaves the disk's last room
(``closing_writes.KEEP_ROOM``) to the runs' steps and folds its log in while there is room.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.engine.events import RunFinished, RunStarted, TaskOutput, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import closing_writes
from flowtop.workspace.history import History
from flowtop.workspace.store_reader import StoreReader

from .conftest import flowtop, wait_until

S = StateType
RUN = "f69cf69cf69c"
TASKS = [f"step-{i}" for i in range(20)]
LINE = "x" * 3000 + "\n"  # each task prints ten of them, as the tester's did
LEFT = 300 * 1024  # what the other writer leaves free


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs, unmounted after the test whatever happens; skipped where this
    process may not mount one (not root, no ``mount``, a container without the right)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a real full disk needs root to mount a small tmpfs")
    where = tmp_path / "small"
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def fill(folder: Path, leave: int) -> None:
    """Another writer: takes the disk of ``folder`` until ``leave`` bytes are free."""
    with open(folder / "ballast", "wb") as out, contextlib.suppress(OSError):
        while (free := shutil.disk_usage(folder).free) > leave:
            out.write(b"\0" * min(64 * 1024, free - leave))
            out.flush()


def step(task: str, state: StateType, output: str = "") -> TaskStateChanged:
    return TaskStateChanged(RUN, "seqbig", task, state, 1, 1, 1000.0, output=output)


def test_steps_go_on_being_recorded_while_the_runs_output_fills_the_disk(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While it ran, the store took none of its steps: every reader saw it stuck."""
    monkeypatch.setattr(closing_writes, "KEEP_OUTPUT_FOR", 0.0)  # not 5 s: shed at once
    db = small_disk / ".flowtop" / "history.db"
    history = History(db, write_interval=0.01)
    reader = StoreReader(db)
    try:
        history([RunStarted(RUN, "seqbig", 1, tuple(TASKS), (1,) * 20, ("",) * 20, ts=1000.0)])
        assert history.flush()
        fill(small_disk, LEFT)
        for task in TASKS:
            history([step(task, S.RUNNING)])
            for _ in range(10):
                history([TaskOutput(RUN, "seqbig", task, 1, LINE, 1000.0)])
            history([step(task, S.COMPLETED, LINE * 10)])
            history.flush()  # (False while the disk is full: the run goes on)

        def completed() -> bool:
            detail = reader.run_detail(RUN)
            return detail is not None and all(t.state == "COMPLETED" for t in detail.tasks)

        wait_until(completed, "every step recorded while the run is live", 10)
        history([RunFinished(RUN, "seqbig", 1, S.COMPLETED, {"COMPLETED": 20}, 40.0, ts=1040.0)])
    finally:
        history.close()
    detail = reader.run_detail(RUN)
    assert detail is not None
    assert (detail.run.state, detail.run.counts) == ("COMPLETED", {"COMPLETED": 20})
    assert f"the disk of {db.parent} was full while it ran" in detail.run.note
    assert history.lost == 0


#: The tester's flow, shorter: its first task is the other writer, which leaves 300 KB;
#: the 3 after it print a 3 KB line every 100 ms (the tester's, every 200 ms), which the
#: store takes twice a second, a commit at a time, until the disk is full; then 500 tasks
#: end in a moment, their steps still to be written as the store closes.
SEQBIG = """
    import shutil
    import time
    from pathlib import Path

    from flowtop import Flow, task

    HERE = Path(__file__).parent

    @task
    def fill():
        with open(HERE / "ballast", "wb") as out:
            while (free := shutil.disk_usage(HERE).free) > 300 * 1024:
                out.write(bytes(min(64 * 1024, free - 300 * 1024)))
                out.flush()

    @task
    def step(_):
        for k in range(10):
            print(k, "x" * 3000, flush=True)
            time.sleep(0.1)  # the workload's pace, as the tester's flow had it

    @task
    def quick(_):
        return 1

    with Flow("seqbig") as flow:
        done = fill()
        for i in range(3):
            done = step(done)
        for i in range(500):
            quick(done)
"""


def test_flowtop_run_whose_output_fills_the_disk_records_every_step(small_disk: Path) -> None:
    """It exited 1 ("the last 1,003 events were not recorded") and the run read
    "COMPLETED … 3 completed, 501 interrupted": at close not even its steps without
    output fitted."""
    (small_disk / "seqbig.py").write_text(textwrap.dedent(SEQBIG))
    done = flowtop("run", "seqbig.py", "--flow", "seqbig", cwd=small_disk)
    assert done.returncode == 0, done.stderr  # by the run's outcome: its record is whole
    assert "was full" in done.stderr  # said, as a warning
    (run,) = StoreReader(small_disk / ".flowtop" / "history.db").runs()
    assert (run.state, run.counts) == ("COMPLETED", {"COMPLETED": 504})
    assert f"the disk of {small_disk / '.flowtop'} was full" in run.note
