"""The ``flowtop`` command as a user types it, and the runs it left in a folder's store,
for the command tests of every folder.

``tests/`` is not a package, but pytest puts it on ``sys.path`` for the packages under
it (as for ``pilot_kit``), so a test module in any folder imports this by its plain name.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from flowtop.workspace.history_records import RunRecord
from flowtop.workspace.store_reader import StoreReader


def flowtop(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``flowtop ARGS`` as a user types it; a hang fails the test instead of the suite."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "flowtop", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def stored_runs(folder: Path) -> list[RunRecord]:
    """The runs of ``folder``'s store, newest first ([] before it has one), read here."""
    db = folder / ".flowtop" / "history.db"
    return StoreReader(db).runs() if db.exists() else []


def wait_for_runs(
    folder: Path, done: Callable[[list[RunRecord]], bool], timeout: float = 30.0
) -> None:
    """Let ``folder``'s runs go on until ``done(stored_runs(folder))``, or ``timeout``
    seconds pass (the caller's assertion then says what was not so). Read in this
    process: a wait that asked ``flowtop history`` each look cost 0.2 s of CPU a look."""
    deadline = time.monotonic() + timeout
    while not done(stored_runs(folder)) and time.monotonic() < deadline:
        time.sleep(0.05)
