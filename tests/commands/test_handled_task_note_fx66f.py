"""``flowtop history``'s NOTE says a completed run's handled task failures (fx66f).

``parent`` caught a failed task of its own and a failed subflow: ``flowtop run`` ended
``(1 task failed, handled by the flow) (1 subflow failed, handled by the flow)``, as
``history --run`` and the monitor's header say, but NOTE said only ``1 subflow failed,
handled``; ``solo`` caught only a failed task, and NOTE said nothing of it. NOTE says
both now, in the same order, in ``handled_words``' shortest form.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from cli_kit import Here, flowtop

FLOWS = textwrap.dedent(
    """
    from flowtop import flow, task


    @task
    def boom():
        raise ValueError("task boom")


    @flow
    def kid():
        raise RuntimeError("kid boom")


    @flow
    def parent():
        try:
            boom()
        except ValueError:
            pass
        try:
            kid()
        except RuntimeError:
            pass
        return "ok"


    @flow
    def solo():
        try:
            boom()
        except ValueError:
            pass
    """
)
BOTH = "(1 task failed, handled by the flow) (1 subflow failed, handled by the flow)"


def note(flowtop_here: Here, folder: Path, flow: str) -> str:
    """The NOTE of ``flow``'s newest run in ``flowtop history``'s table (piped: whole)."""
    shown = flowtop_here("history", ".", "--flow", flow, cwd=folder)
    assert shown.returncode == 0, shown.stderr
    header, row = shown.stdout.splitlines()[:2]
    return row[header.index("NOTE") :]


def test_note_says_handled_tasks_and_subflows_as_flowtop_run(
    tmp_path: Path, flowtop_here: Here
) -> None:
    (tmp_path / "jobs.py").write_text(FLOWS)
    ran = flowtop("run", "jobs.py", "--flow", "parent", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "parent #1 COMPLETED: 1 failed in " in ran.stdout, ran.stdout
    assert BOTH in ran.stdout, ran.stdout
    assert note(flowtop_here, tmp_path, "parent") == "1 task, 1 subflow failed, handled"
    detail = flowtop_here("history", ".", "--run", "1", "--flow", "parent", cwd=tmp_path)
    assert detail.stdout.splitlines()[1].endswith(f": 1 failed {BOTH}"), detail.stdout


def test_note_says_a_handled_task_alone(tmp_path: Path, flowtop_here: Here) -> None:
    (tmp_path / "jobs.py").write_text(FLOWS)
    ran = flowtop("run", "jobs.py", "--flow", "solo", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "(1 task failed, handled by the flow)" in ran.stdout, ran.stdout
    assert note(flowtop_here, tmp_path, "solo") == "1 task failed, handled"
