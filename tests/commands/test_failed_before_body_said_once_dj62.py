"""A flow run that fails before its body (its flow's settings table at fault, its
``flow_run_name`` template not fillable) says its error once: ``flowtop run`` printed
``flow raised TableAtFault: …`` and then the same text again as a traceback with no
frame, as ``history --run`` and the monitor read the stored run. Its record keeps no
traceback; a ``flow_run_name`` callable that raised keeps its frames."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import flowtop, stored_runs

FLOWS = """\
from flowtop import flow, task

@task
def step():
    return 1

@flow
def alpha():
    return step()

@flow
def beta():
    return alpha()

@flow(flow_run_name="run-{day[9]}")
def dated(day: str = "mon"):
    return 1

@flow
def delta():
    return dated()

def _boom():
    raise ZeroDivisionError("no name")

@flow(flow_run_name=_boom)
def boomed():
    return 1
"""

TABLE = '[flows.alpha.tasks.step]\nmax_retries = "lots"\n'
REFUSED = (
    'TableAtFault: .flowtop/overrides.toml:2: [flows."alpha".tasks."step"]: max_retries'
    " must be an integer >= 0, got str 'lots' ('alpha' does not run until its table is fixed)"
)
UNNAMED = "FlowRunNameIndexError: flow_run_name 'run-{day[9]}' cannot be filled: string index"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "jobs.py").write_text(FLOWS)
    (tmp_path / ".flowtop").mkdir()
    (tmp_path / ".flowtop" / "overrides.toml").write_text(TABLE)
    return tmp_path


def _lines_of(stdout: str, run: str) -> list[str]:
    """The lines of ``run``'s end (``alpha #1 FAILED``, and those under it)."""
    lines = stdout.splitlines()
    (at,) = [i for i, line in enumerate(lines) if f" {run} FAILED" in line]
    block = [lines[at]]
    for line in lines[at + 1 :]:
        if not line.startswith(" "):
            break
        block.append(line)
    return block


@pytest.mark.parametrize(
    ("parent", "child", "said"),
    [("beta", "alpha #1", REFUSED), ("delta", "dated #1", UNNAMED)],
    ids=["table_at_fault", "flow_run_name"],
)
def test_a_subflow_that_failed_before_its_body_says_why_once(
    folder: Path, parent: str, child: str, said: str
) -> None:
    done = flowtop("run", ".", "--flow", parent, cwd=folder)
    assert done.returncode == 1, done.stdout + done.stderr
    block = _lines_of(done.stdout, child)
    assert len(block) == 2, block  # its end, then its error: no frameless traceback
    assert block[1].startswith(f"  flow raised {said}"), block
    (run,) = [r for r in stored_runs(folder) if f"{r.flow} #{r.number}" == child]
    assert run.error is not None and not run.error.get("traceback"), run.error
    shown = flowtop("history", "--run", "1", "--flow", child.split()[0], ".", cwd=folder)
    assert shown.stdout.count(said.split(": ", 1)[1]) == 1, shown.stdout
    # the parent raised it from its call: its traceback, with its line, as before
    block = _lines_of(done.stdout, f"{parent} #1")
    assert "Traceback (most recent call last):" in block[2], block
    assert f"        return {child.split()[0]}()" in block, block


def test_a_run_named_by_a_callable_that_raised_keeps_its_frames(folder: Path) -> None:
    done = flowtop("run", ".", "--flow", "boomed", cwd=folder)
    assert done.returncode == 1, done.stdout + done.stderr
    block = _lines_of(done.stdout, "boomed #1")
    assert block[1] == "  flow raised ZeroDivisionError: no name", block
    assert block[2] == "    Traceback (most recent call last):", block
    assert 'raise ZeroDivisionError("no name")' in "\n".join(block), block
