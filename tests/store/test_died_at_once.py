"""A run whose process died before any task row was written says so, and how it is known.

Its file ended the process as it was imported (``os._exit``): the run read ``INTERRUPTED
0 tasks  interrupted: its process (pid … on …) is gone``, with no word that no task had
started, where its table and its counts had nothing to show either.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from flowtop.workspace.launcher import launch

from .conftest import flowtop

#: Imports fine for a loader; ends the process that imports it once ``armed`` exists.
DIES = """
    import os

    from flowtop import Flow, task

    @task
    def work():
        return 1

    with Flow("dies") as flow:
        work()

    if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), "armed")):
        os._exit(3)
"""

SAID = "ended before any task was recorded as started: its process (pid {} on "


def test_a_run_whose_process_died_importing_says_no_task_started(tmp_path: Path) -> None:
    (tmp_path / "dies.py").write_text(textwrap.dedent(DIES))
    (tmp_path / "armed").touch()
    launched = launch(tmp_path / "dies.py", "dies", state_dir=tmp_path / ".flowtop")
    os.waitpid(launched.pid, 0)  # its child: gone once its import ended it
    done = flowtop("history", str(tmp_path), "--json")
    assert done.returncode == 0, done
    (run,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert (run["state"], run["tasks"]) == ("INTERRUPTED", 0)
    assert run["note"].startswith(f"interrupted: {SAID.format(launched.pid)}"), run["note"]
    assert run["note"].endswith(") is gone"), run["note"]
    watched = flowtop("watch", str(tmp_path), launched.run_id)
    assert watched.returncode == 1, watched
    last = watched.stdout.splitlines()[-1]
    assert f" dies #1 INTERRUPTED ({SAID.format(launched.pid)}" in last, last
    assert last.endswith(") is gone)"), last
    assert len(watched.stdout.splitlines()) == 1, watched.stdout  # no start made up for it
