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
from collections.abc import Callable, Mapping
from pathlib import Path

from flowtop.workspace.history_records import RunRecord
from flowtop.workspace.store_reader import StoreReader

#: Set over the test's environment for every ``flowtop`` a test starts: its output
#: written as it comes, so a hang shows what came before it.
UNBUFFERED: Mapping[str, str] = {"PYTHONUNBUFFERED": "1"}
#: ``flowtop``'s default: plain output too, whatever the test's terminal asks for.
PLAIN: Mapping[str, str] = {**UNBUFFERED, "NO_COLOR": "1"}


def flowtop(
    *args: str, cwd: Path | None = None, timeout: float = 60, env: Mapping[str, str] = PLAIN
) -> subprocess.CompletedProcess[str]:
    """``flowtop ARGS`` as a user types it, in ``cwd``, with ``env`` set over this process's
    environment (read at the call: a test's ``monkeypatch.setenv`` counts); a hang fails
    the test instead of the suite. The one way the command tests of every folder start
    it: theirs differed only in the variables (``functools.partial`` binds a folder's)."""
    return subprocess.run(
        [sys.executable, "-m", "flowtop", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env},
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
