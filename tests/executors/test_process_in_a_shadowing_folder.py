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


def test_what_other_threads_start_meanwhile_keeps_the_current_folder_on_its_path() -> None:
    """``PYTHONSAFEPATH`` set in ``os.environ`` while a worker started reached every
    subprocess any thread started then: ``python sub/tool.py`` lost ``sub/`` from its
    path and failed to import its sibling module (3 of 40 runs). Only multiprocessing's
    own command lines get ``-P``."""
    import multiprocessing.util

    from flowtop.engine.process_backend import _current_folder_off_path

    before = list(multiprocessing.util._args_from_interpreter_flags())
    with _current_folder_off_path():
        assert "PYTHONSAFEPATH" not in os.environ
        assert multiprocessing.util._args_from_interpreter_flags()[-1] == "-P"
    assert multiprocessing.util._args_from_interpreter_flags() == before
