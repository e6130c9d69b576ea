"""A cancel the owner applied is answered, even when the run it ended was the process's
last: ``flowtop cancel`` said "did not take the request within 5 s; it stays queued"
for a run it had cancelled (seen on a CI machine whose disk was busy).

The owner agent applies a command, then records its outcome. The cancel ended the run,
the run's end let ``flowtop run`` return, and its process exited with the agent (a daemon
thread) between the two: the run was CANCELLED, the command never answered. The patch
widens that moment to half a second, as a slow disk did.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from .conftest import WAITING, env, flowtop, wait_until
from .test_store_cli import runs

#: The owner's agent records a command's outcome 0.5 s after applying it.
SLOW_OUTCOME = """
import time
from flowtop.workspace import owner_agent
real = owner_agent.apply_command
def slow(*args):
    done = real(*args)
    if args[2] == "cancel":
        time.sleep(0.5)
    return done
owner_agent.apply_command = slow
"""


def test_a_cancel_that_ends_the_last_run_is_answered(ws) -> None:
    folder: Path = ws(waiting=WAITING)
    code = (
        f"import sys\n{textwrap.dedent(SLOW_OUTCOME)}\nfrom flowtop.cli import main\n"
        "sys.exit(main(['run', '.', '--json']))"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", code], cwd=folder, stdout=subprocess.PIPE, text=True, env=env()
    )
    try:
        run = wait_until(lambda: runs(folder, "RUNNING"), "a live run")[0]
        cancelled = flowtop("cancel", ".", run.run_id, cwd=folder)
        owner.communicate(timeout=20)
    finally:
        if owner.poll() is None:
            owner.kill()
    assert cancelled.returncode == 0, cancelled.stderr
    assert "Cancelled run #1 of waiting" in cancelled.stdout
    assert runs(folder)[0].state == "CANCELLED"
