"""``flowtop run --rerun-of N --task load`` on a parent ``@flow`` whose ``load`` is its
subflows' task, not its own.

It was accepted (``load`` is a task of the flow's module) and then changed nothing: the
subflows' ``load`` stayed reused, and nothing said so. README: "a task that run lacks:
exit 2". Now refused with exit 2, naming the subflow whose task it is; a task the parent's
own code calls (added since the run) is still accepted.
"""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop

FLOWS = """\
from flowtop import flow, task

@task
def extract(region: str) -> list:
    return [region, 1]

@task
def load(rows: list) -> int:
    return len(rows)

@task
def audit() -> int:
    return 0

@flow(name="region-ingest")
def region_ingest(region: str) -> int:
    return load(extract(region))

@flow(name="daily")
def daily() -> int:
    return sum(region_ingest(r) for r in ("eu", "us"))
"""


def test_a_subflows_task_is_refused_on_the_parents_rerun(tmp_path: Path) -> None:
    (tmp_path / "pipe.py").write_text(FLOWS)
    first = flowtop("run", "pipe.py", "--flow", "daily", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = flowtop(
        "run", "pipe.py", "--flow", "daily", "--rerun-of", "1", "--task", "load", cwd=tmp_path
    )
    assert again.returncode == 2, again.stdout + again.stderr
    assert "run #1 of daily has no task 'load'" in again.stderr, again.stderr
    assert "region-ingest" in again.stderr, again.stderr  # where that task is
    assert "started" not in again.stderr, again.stderr  # nothing ran


def test_a_task_the_parent_calls_since_is_still_accepted(tmp_path: Path) -> None:
    (tmp_path / "pipe.py").write_text(FLOWS)
    assert flowtop("run", "pipe.py", "--flow", "daily", cwd=tmp_path).returncode == 0
    changed = FLOWS.replace(
        'return sum(region_ingest(r) for r in ("eu", "us"))',
        'audit()\n    return sum(region_ingest(r) for r in ("eu", "us"))',
    )
    (tmp_path / "pipe.py").write_text(changed)
    again = flowtop(
        "run", "pipe.py", "--flow", "daily", "--rerun-of", "1", "--task", "audit", cwd=tmp_path
    )
    assert again.returncode == 0, again.stdout + again.stderr
