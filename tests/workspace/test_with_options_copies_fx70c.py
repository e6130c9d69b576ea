"""The monitor's next-run policy of a ``@flow`` call of a ``with_options`` copy is that copy's.

Every run happens in a ``flowtop run`` process of its own, so the flow host, which never
saw one, predicted each key's policy from the module's ``@task`` of its name: after
``step.with_options(max_retries=2, retry_delay=0.1)(1)`` ran ``1/3`` attempts, the POLICY
column read ``≠ 2× 0.1s → 3× on Retry only 0s``, as if edited since, and an override of
``max_retries = 5`` was predicted as ``5× 0s`` where the next run used ``5× 0.1s``. Now
the run process records how each copy differs (``task_copies``) and the host rebuilds it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from watchfiles import Change

import fork_cli
from flow_texts import WITH_OPTIONS as OPTS
from flowtop.workspace import Workspace
from flowtop.workspace.places import COPIES_FILE
from flowtop.workspace.watcher import WatchFilter

#: The same flow, its first call's copy given a delay no file can hold (a lambda).
UNWRITABLE = OPTS.replace("retry_delay=0.1", "retry_delay=lambda n: 0")

PLAIN = """
from flowtop import flow, task

@task(max_retries=1)
def step(x):
    return x

@flow
def own_opts():
    return step(1)
"""


def flowtop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return fork_cli.run(args, cwd=cwd, timeout=60, env=env)


def run_flow(tmp_path: Path) -> None:
    done = flowtop("run", ".", "--flow", "own-opts", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def summaries(ws: Workspace, *keys: str) -> list[str]:
    shape = ws.shapes["own-opts"]
    found = [shape.node(key) for key in keys]
    return [node.policy.summary if node is not None else "" for node in found]


def test_the_next_run_of_a_copy_is_predicted_as_the_copy_its_run_called(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    write("opts.py", OPTS)
    run_flow(tmp_path)
    ws = workspace()  # (a host started after the run: it saw none of its calls)
    # a third call, never made, is the module's task's as before
    assert summaries(ws, "step", "step-2", "step-3") == ["2× 0.1s", "4× 0s", "3× on Retry only 0s"]
    assert ws.shapes["own-opts"].unpredicted == frozenset()
    # settings apply over the copy, as in the run: an override keeps its delay of 0.1 s
    ws.set_override("own-opts", "step", max_retries=5)
    assert summaries(ws, "step") == ["5× 0.1s"]


def test_a_run_recording_copies_refreshes_the_shapes_quietly(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    """The monitor's host, opened before the run, hears of the file as a save of it: the
    flow's shape goes out again, with nothing said and no flow reloaded (auto-rerun reruns
    none), and the watcher passes that file."""
    write("opts.py", OPTS)
    ws = workspace()
    assert summaries(ws, "step") == ["3× on Retry only 0s"]  # no run yet: the module's task
    run_flow(tmp_path)
    copies = tmp_path / ".flowtop" / COPIES_FILE
    assert WatchFilter(tmp_path)(Change.added, str(copies))
    change = ws.reload_paths([copies])
    assert change.copied == ("own-opts",)
    assert change.flows == () and not change.settings_changed
    assert change.summary() == ""  # no toast
    assert set(ws.shape_changes(change)) == {"own-opts"}
    assert summaries(ws, "step", "step-2") == ["2× 0.1s", "4× 0s"]


def test_a_copy_that_cannot_be_rebuilt_is_unpredicted(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    """Not the module task's policy, a wrong guess: the monitor shows the run's own."""
    write("opts.py", UNWRITABLE)
    run_flow(tmp_path)
    ws = workspace()
    assert ws.shapes["own-opts"].unpredicted == frozenset({"step"})
    assert summaries(ws, "step-2") == ["4× 0s"]


def test_a_run_of_no_copy_writes_no_file_and_ends_the_flows_copies(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    copies = tmp_path / ".flowtop" / COPIES_FILE
    write("opts.py", PLAIN)
    run_flow(tmp_path)
    assert not copies.exists()
    write("opts.py", OPTS)
    run_flow(tmp_path)
    assert copies.exists()
    write("opts.py", PLAIN)
    run_flow(tmp_path)  # its latest run called the module's task: the copies go
    ws = workspace()
    assert summaries(ws, "step", "step-2") == ["1× 0s", "1× 0s"]
