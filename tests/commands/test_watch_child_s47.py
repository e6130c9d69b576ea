"""``flowtop watch`` names a subflow run's parent as ``flowtop history`` does.

Watching a subflow's run printed ``(child of run 0e3c33aafd90)`` where the history
says ``child of nightly #13``: the watch reads the watched run's events alone, and the
parent's start, which names it, is not among them.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import fork_cli
from flowtop.commands.watch import follow
from flowtop.workspace.store_reader import StoreReader

NIGHTLY = """
    from flowtop import flow


    @flow(name="export-day")
    def export_day(day: str) -> list[str]:
        return [day]


    @flow
    def nightly(day: str = "2026-01-15") -> None:
        export_day(day)
"""


def test_watching_a_subflow_run_names_its_parent_as_the_history_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "nightly.py").write_text(textwrap.dedent(NIGHTLY))
    ran = fork_cli.run(
        ["run", ".", "--flow", "nightly"],
        cwd=tmp_path,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    db = tmp_path / ".flowtop" / "history.db"
    child = next(run for run in StoreReader(db).runs() if run.flow == "export-day")
    assert child.child_of == "child of nightly #1"  # the history's words
    assert follow(db, child.run_id, json_lines=False) == 0
    said = capsys.readouterr().out
    assert "export-day #1 started" in said and "(child of nightly #1)" in said, said
    assert "child of run" not in said
