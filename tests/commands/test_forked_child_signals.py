"""A process a task forks under ``flowtop run`` has plain Python's signal handling.

``flowtop run`` turns SIGTERM into a cancel of its runs (``run.Terminated``). A child a
task forked kept that handler: a fork ``multiprocessing.Pool`` ended by ``terminate()``
(SIGTERM to its idle workers) printed ``Process ForkPoolWorker-1: Traceback … Terminated``
on the terminal for each, where plain Python's workers end without a word.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")

FORKS = """
    import os
    import signal
    import time

    from flowtop import flow, task


    @task
    def forky():
        ready, said = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.write(said, b"x")
                time.sleep(30)
            except BaseException:  # flowtop's SIGTERM handler, inherited, raised here
                code = 3
            os._exit(code)
        os.read(ready, 1)
        os.kill(pid, signal.SIGTERM)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


    @flow
    def forks():
        return forky()
"""


def test_sigterm_ends_a_forked_child_as_in_plain_python(tmp_path: Path) -> None:
    (tmp_path / "forks.py").write_text(textwrap.dedent(FORKS))
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", "forks.py", "--json", "--no-history"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    completed = next(e for e in events if e.get("state") == "COMPLETED")
    assert completed["result"] == str(-signal.SIGTERM)  # killed by it, as by default
    assert "Traceback" not in done.stderr
