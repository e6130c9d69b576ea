"""A rerun cancelled while its file still imported ran no task: a rerun of it now stands
for its source, as a rerun whose import failed does. It ran every task again instead (a
monitor's ``f`` then ``c``, then ``f``: the completed upstream work lost)."""

from __future__ import annotations

import time

from .conftest import flowtop, wait_until

FLOW = """
import time
from pathlib import Path
from flowtop import Flow, task

HERE = Path(__file__).parent
if (HERE / "slow").exists():  # the rerun's import: time to cancel it
    time.sleep(2)

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


def test_a_rerun_of_a_rerun_cancelled_while_importing_reuses_the_first_run_s_results(ws) -> None:
    folder = ws(slowfail=FLOW)
    assert flowtop("run", ".", cwd=folder).returncode == 1
    (folder / "slow").touch()
    launched = flowtop("run", ".", "--rerun-of", "1", "--detach", cwd=folder)
    rerun = launched.stdout.strip()
    assert rerun, launched.stderr
    time.sleep(0.3)
    assert flowtop("cancel", ".", rerun, cwd=folder).returncode == 0
    wait_until(
        lambda: " CANCELLED " in flowtop("history", ".", cwd=folder).stdout, "the rerun's end"
    )
    (folder / "slow").unlink()
    (folder / "fixed").touch()
    again = flowtop("run", ".", "--rerun-of", rerun, cwd=folder)
    assert again.returncode == 0, again.stderr
    assert "ok_part ✓ completed (attempt 1) (reused)" in again.stdout, again.stdout
    assert (folder / "ran").read_text() == "x"  # once: in run #1
