"""A launched run's log goes once its end is in the store, also when the store confirms
the run's last writes only at its close: ``end_runs`` waits 5 s for them, and a store
slower than that (a busy disk, another process holding it) kept the log until a prune."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from .conftest import env

FLOW = """
    from flowtop import flow, task

    @task
    def one():
        return 1

    @flow
    def quick():
        return one()
"""

RUN_ID = "fx68late0001"

#: The store confirms no write while it is open: every wait of ``end_runs`` for them ends
#: unanswered, as on a disk slower than the wait; its close writes them.
LATE_CONFIRMS = f"""
import sys
from flowtop.workspace.history import History

_flush = History.flush

def _late(self, timeout=10.0):
    return _flush(self, timeout) if not self._writer.is_alive() else False

History.flush = _late
from flowtop.cli import main
sys.exit(main(["run", "quick.py", "--run-id", "{RUN_ID}", "--quiet"]))
"""


def _launched_run(folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``quick.py`` as a launched run (the log the launcher made already there)."""
    (folder / "quick.py").write_text(textwrap.dedent(FLOW))
    logs = folder / ".flowtop" / "logs"
    logs.mkdir(parents=True)
    (logs / f"{RUN_ID}.log").write_text("the run's output\n")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, env=env(),
        timeout=60,
    )  # fmt: skip


def test_a_log_whose_run_the_store_confirmed_only_at_its_close_goes(tmp_path: Path) -> None:
    done = _launched_run(tmp_path, LATE_CONFIRMS)
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / ".flowtop" / "logs").iterdir()) == []


def test_a_log_whose_run_was_not_recorded_stays(tmp_path: Path) -> None:
    """The store lost the run's events: the log is what tells what it did."""
    lost = LATE_CONFIRMS.replace(
        "History.flush = _late",
        "History.flush = _late\nHistory._write = lambda self, items: 1 / 0",
    )
    done = _launched_run(tmp_path, lost)
    assert done.returncode == 1, done.stderr
    assert [p.name for p in (tmp_path / ".flowtop" / "logs").iterdir()] == [f"{RUN_ID}.log"]
