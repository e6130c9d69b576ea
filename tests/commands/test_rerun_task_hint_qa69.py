"""``flowtop run --rerun-of 1 --task extrct`` said only ``has no task 'extrct'``; a
misspelt task in a settings table gets a ``did you mean``, and so does this now, with and
without ``--detach`` (which refuses it before launching)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import flowtop

FLOW = """\
from flowtop import Flow, task

@task
def extract():
    return 1

flow = Flow("pipe")
flow.add_task(extract)
"""


@pytest.mark.parametrize("detached", [(), ("--detach",)], ids=["foreground", "detach"])
def test_a_misspelt_task_of_a_rerun_is_given_the_nearest_name(
    tmp_path: Path, detached: tuple[str, ...]
) -> None:
    (tmp_path / "pipe.py").write_text(FLOW)
    first = flowtop("run", "pipe.py", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = flowtop(
        "run", "pipe.py", "--rerun-of", "1", "--task", "extrct", *detached, cwd=tmp_path
    )
    assert again.returncode == 2, again.stdout + again.stderr
    assert "run #1 of pipe has no task 'extrct' (did you mean 'extract'?)" in again.stderr
