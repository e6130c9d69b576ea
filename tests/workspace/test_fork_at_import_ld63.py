"""A flow file that forks at import (``os.fork()`` at its top, both sides going on) loads
as it would without the fork: the copy ends as its import comes back to flowtop.

The copy went on in flowtop: in the monitor's flow host it read the host's socket beside
the host, and hot reload of every file stopped without a word; in ``flowtop list``'s
loader child it wrote a second reply, and the file was called broken with a false reason
("the import ended the process (exit code 0)") while ``flowtop run`` loaded it; and a
run process's copy ran the run too (the monitor said Interrupted of a run its history
said COMPLETED). Each test's flow file writes the pid of every copy it forks, and the
test kills any left (none should be).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_kit import Here, flowtop
from flowtop.workspace.remote_workspace import RemoteWorkspace

FORKER = """
import os
from flowtop import Flow, task

child = os.fork()  # both sides go on, as a careless library's would
if child:
    with open({pids!r}, "a") as pids:
        pids.write(f"{{child}}\\n")


@task
def t():
    with open({ran!r}, "a") as ran:
        ran.write(f"{{os.getpid()}}\\n")
    return 1


with Flow("forker") as f:
    t()
"""


def good(tasks: int) -> str:
    """A flow file of one flow, ``good1``, of ``tasks`` tasks."""
    defs = "".join(f"@task\ndef g{i}():\n    return {i}\n\n" for i in range(tasks))
    calls = "".join(f"    g{i}()\n" for i in range(tasks))
    return f"from flowtop import Flow, task\n\n{defs}with Flow('good1') as f:\n{calls}"


@pytest.fixture
def forker(tmp_path: Path) -> Iterator[Path]:
    """``forker.py`` in ``tmp_path``; every process it forked killed after the test."""
    pids, ran = tmp_path / "forked.pids", tmp_path / "ran.pids"
    path = tmp_path / "forker.py"
    path.write_text(FORKER.format(pids=str(pids), ran=str(ran)), encoding="utf-8")
    yield path
    for line in pids.read_text().split() if pids.exists() else ():
        with contextlib.suppress(OSError):
            os.kill(int(line), signal.SIGKILL)


def test_flowtop_list_lists_a_file_that_forks_at_import(
    tmp_path: Path, forker: Path, flowtop_here: Here
) -> None:
    listed = flowtop_here("list", str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert "forker" in listed.stdout
    assert "ended the process" not in listed.stderr


def test_a_run_of_a_file_that_forks_at_import_runs_once(tmp_path: Path, forker: Path) -> None:
    ran = flowtop("run", "forker.py", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "ran.pids").read_text().count("\n") == 1  # not once per copy
    history = flowtop("history", cwd=tmp_path)
    assert history.stdout.count("COMPLETED") == 1, history.stdout


def test_the_monitors_flow_host_reloads_every_save_beside_a_file_that_forks(
    tmp_path: Path, forker: Path
) -> None:
    saved = tmp_path / "a_good.py"
    saved.write_text(good(1), encoding="utf-8")
    with RemoteWorkspace(tmp_path) as ws:
        ws.load()
        assert set(ws.shapes) == {"good1", "forker"}, ws.errors
        for tasks in (2, 3, 4):
            saved.write_text(good(tasks), encoding="utf-8")
            ws.reload_paths([saved])
            assert len(ws.shapes["good1"].nodes) == tasks, ws.errors
        assert ws.host_error is None
