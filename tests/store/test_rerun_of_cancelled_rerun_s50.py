"""A rerun cancelled while its file still imported ran no task: a rerun of it now stands
for its source, as a rerun whose import failed does. It ran every task again instead (a
monitor's ``f`` then ``c``, then ``f``: the completed upstream work lost).

``--detach`` imports the file once itself (to check it) before the run's process imports
it: only the second import is slow, and the cancel goes as soon as it has begun."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.commands import cancel

from .conftest import flowtop, wait_until

FLOW = """
import time
from pathlib import Path
from flowtop import Flow, task

HERE = Path(__file__).parent
if (HERE / "slow").exists():
    with (HERE / "imports").open("a") as imports:
        print("import", file=imports)
    if len((HERE / "imports").read_text().splitlines()) > 1:  # the rerun's own import
        held_until = time.monotonic() + 120  # held until the test has cancelled the rerun
        while not (HERE / "release").exists() and time.monotonic() < held_until:
            time.sleep(0.01)

@task
def ok_part():
    with (HERE / "ran").open("a") as runs:
        runs.write("x")
    return 1

@task(max_retries=0)
def fails(x):
    if not (HERE / "fixed").exists():
        raise ValueError("not yet")
    return x

with Flow("slowfail") as flow:
    fails(ok_part())
"""


def imports(folder: Path) -> int:
    """How many times the file was imported since ``slow`` was made."""
    path = folder / "imports"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_a_rerun_of_a_rerun_cancelled_while_importing_reuses_the_first_run_s_results(
    ws, here: Here, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = ws(slowfail=FLOW)
    assert flowtop("run", ".", cwd=folder).returncode == 1
    (folder / "slow").touch()
    launched = flowtop("run", ".", "--rerun-of", "1", "--detach", cwd=folder)
    rerun = launched.stdout.strip()
    assert rerun, launched.stderr
    wait_until(lambda: imports(folder) == 2, "the rerun's process to begin importing the file")
    monkeypatch.setattr(cancel, "WAIT", 0.2)  # the command's wait: queued, as it imports
    cancelled = here("cancel", ".", rerun, cwd=folder)
    assert cancelled.returncode == 0, cancelled.stderr
    # queued, or (its process quick to look) ended at once: either way before any task ran
    said = cancelled.stdout
    assert "queued, as it is starting" in said or said.startswith("Cancelled run #2"), said
    (folder / "release").touch()  # the import ends: the run ends as it starts
    # read in this process: a wait that started a `flowtop history` a look cost 0.2 s of CPU a look
    wait_until(lambda: " CANCELLED " in here("history", ".", cwd=folder).stdout, "the rerun's end")
    (folder / "slow").unlink()
    (folder / "fixed").touch()
    again = flowtop("run", ".", "--rerun-of", rerun, cwd=folder)
    assert again.returncode == 0, again.stderr
    assert "ok_part ✓ completed (attempt 1) (reused)" in again.stdout, again.stdout
    assert (folder / "ran").read_text() == "x"  # once: in run #1
