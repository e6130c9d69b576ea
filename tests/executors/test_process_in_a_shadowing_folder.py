"""``--executor process`` run from inside a project folder that holds a module named like
one of the standard library's packages multiprocessing needs.

multiprocessing starts its forkserver and resource tracker as ``python -c …``, which
puts the current folder first on ``sys.path``: a project's own ``multiprocessing.py``
was imported there instead ("'multiprocessing' is not a package"), and every attempt
failed with ``ShippingError: could not start a process``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

FLOW = """
    import os

    from flowtop import Flow, task


    @task
    def where() -> str:
        return repr(os.environ.get('PYTHONSAFEPATH'))


    with Flow("calc") as flow:
        where()
"""


def test_process_attempts_start_from_a_folder_holding_multiprocessing_py(tmp_path: Path) -> None:
    (tmp_path / "multiprocessing.py").write_text("RATE = 3  # the project's own module\n")
    (tmp_path / "calc.py").write_text(textwrap.dedent(FLOW))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", "calc.py", "--executor", "process", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "is not a package" not in done.stderr
    ended = [json.loads(line) for line in done.stdout.splitlines()]
    (result,) = [e["result"] for e in ended if e.get("state") == "COMPLETED" and "result" in e]
    assert result == "'None'"  # what a task starts does not inherit the variable
