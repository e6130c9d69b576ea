"""Review s47 of the engine.

- A script importing only ``flowtop.engine`` (``from flowtop.engine import flow, task``)
  ran tasks tagged ``db`` with no limit, though ``flowtop.toml`` has ``"tag:db" = 1``:
  the limits were handed to the engine by ``flowtop.public_api`` alone.
- ``flowtop.task`` and drop-in ``prefect.task`` each spelled out the same overloads; they
  share one ``TaskDecorator`` now, typed for users as before (checked below with
  ``assert_type``, which mypy reads when it checks this file).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, assert_type

import pytest

from flowtop import task as flowtop_task
from flowtop.compat.prefect_tasks import DropInTask
from flowtop.compat.prefect_tasks import task as drop_in_task
from flowtop.engine import Task
from flowtop.engine import task as engine_task

# -- tag limits for a script that imports the engine alone ----------------------------------
SCRIPT = textwrap.dedent(
    """
    import sys
    import threading
    import time

    from flowtop.engine import flow, task

    lock = threading.Lock()
    inside = most = 0


    @task(tags=["db"])
    def query(i: int) -> int:
        global inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.05)
        with lock:
            inside -= 1
        return i


    @flow
    def report() -> int:
        return sum(future.result() for future in [query.submit(i) for i in range(4)])


    assert report() == 6
    assert "flowtop.public_api" not in sys.modules, "the script imported the engine alone"
    print(most)
    """
)


def test_a_script_importing_only_the_engine_keeps_the_tag_limits(tmp_path: Path) -> None:
    """As README's ``[concurrency] "tag:db" = 1`` says: one attempt of a ``db`` task at
    a time, whichever flowtop module the script imported. It printed 4."""
    (tmp_path / "flowtop.toml").write_text('[concurrency]\n"tag:db" = 1\n')
    (tmp_path / "script.py").write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, "script.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1\n"


def test_the_engine_alone_is_handed_the_workspace_s_slots() -> None:
    """``import flowtop.engine`` wires the limits without importing the workspace: the
    slot counter (``flowtop.concurrency``) is imported when a tagged task first asks."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from flowtop.engine import tag_limits\n"
            "assert tag_limits.slots is not None\n"
            "print(sorted(name for name in sys.modules if name.startswith(\n"
            "    ('flowtop.concurrency', 'flowtop.workspace', 'flowtop.public_api'))))\n",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


# -- one set of overloads for both task decorators ------------------------------------------
def _plain(x: int) -> int:
    return x


def test_both_task_decorators_are_typed_as_before() -> None:
    """Bare, with options, and with ``fn=`` by name: a ``Task``, or what makes one."""
    for decorate in (engine_task, flowtop_task):
        assert_type(decorate(_plain), Task)
        assert_type(decorate(name="n"), Callable[[Callable[..., Any]], Task])
        assert isinstance(decorate(_plain), Task)
        assert decorate(name="n")(_plain).name == "n"
        assert decorate(fn=_plain).name == "_plain"
    assert_type(drop_in_task(_plain), Task)
    assert_type(drop_in_task(retries=1), Callable[[Callable[..., Any]], Task])
    assert isinstance(drop_in_task(_plain), DropInTask)
    assert isinstance(drop_in_task(retries=1)(_plain), DropInTask)
    assert not isinstance(engine_task(_plain), DropInTask)


def test_the_decorators_say_what_they_are() -> None:
    assert engine_task.__doc__ and "max_retries" in engine_task.__doc__
    assert drop_in_task.__doc__ and "prefect.task" in drop_in_task.__doc__


def test_mypy_reads_the_typing_checks_of_this_file() -> None:
    """The ``assert_type`` lines above hold for mypy, strict, not only at run time. (In a
    process of its own: run in the test's, mypy left 1.6 million objects behind, and every
    full garbage collection of that worker took seconds, the last ones past its last test.
    Incremental, in the checkout's own cache: what CI's ``mypy`` run before the suite
    checked is read back, not checked again: 0.4 s instead of 2.5 s.)"""
    pytest.importorskip("mypy.api")
    config = Path(__file__).resolve().parents[2] / "pyproject.toml"
    cache = config.parent / ".mypy_cache"  # where ``mypy`` run in the checkout keeps it
    mypy = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache)]
    done = subprocess.run(
        [*mypy, "--config-file", str(config), __file__],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
