"""The CLI's words where a new user tripped on them (explorer rv395, F4, F5, F9).

- ``history --flow etll`` said ``no runs of flow 'etll'`` with no did-you-mean, where
  ``run`` and ``watch`` suggest ``etl``; ``history --run 1 --flow etll`` likewise.
- ``watch 11 flows`` (the run before the path) said only ``11: no such file or folder``:
  it now says the path goes first, with the order that works; ``cancel`` alike, and
  ``history 11`` suggests ``--run 11``.
- ``flowtop list``'s fan-out entry said ``(1000 tasks)`` under a header of ``1,001 tasks``.
- The README said a task's history Duration is "the task's, over all its attempts" (read
  as its elapsed time): it is its attempts' running times added up, the waits left out.
- ``history --prune 0`` declined at its question exits 1, which the exit table did not say.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.commands.list import _names
from flowtop.engine.events import RunStarted
from flowtop.workspace.history import History

T0 = 1_700_000_000.0
README = Path(__file__).resolve().parents[2] / "README.md"

Here = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder ``flows`` whose store holds run #1 of ``etl`` (the cwd is its parent)."""
    flows = tmp_path / "flows"
    db = flows / ".flowtop" / "history.db"
    db.parent.mkdir(parents=True, mode=0o700)
    store = History(db)
    store([RunStarted("0123456789ab", "etl", 1, (), (), (), ts=T0)])
    assert store.flush()
    store.close()
    return tmp_path


def test_history_of_a_misspelt_flow_suggests_the_flow_with_runs(
    folder: Path, flowtop_here: Here
) -> None:
    done = flowtop_here("history", "--flow", "etll", cwd=folder)
    assert done.returncode == 2
    assert "no runs of flow 'etll' in " in done.stderr, done.stderr
    # as `watch` and `cancel` say it
    assert done.stderr.rstrip().endswith("(did you mean 'etl'?); flows with runs: etl")

    one = flowtop_here("history", "--run", "1", "--flow", "etll", cwd=folder)
    assert one.returncode == 2
    assert "no run #1 of flow 'etll' in " in one.stderr, one.stderr
    assert one.stderr.rstrip().endswith("(did you mean 'etl'?)"), one.stderr
    far = flowtop_here("history", "--flow", "nosuch", cwd=folder)  # nothing close: no guess
    assert far.returncode == 2 and "did you mean" not in far.stderr, far.stderr


@pytest.mark.parametrize("command", ["watch", "cancel"])
def test_a_run_given_before_the_path_is_told_the_order(
    folder: Path, flowtop_here: Here, command: str
) -> None:
    done = flowtop_here(command, "1", "flows", cwd=folder)
    assert done.returncode == 2
    said = done.stderr.strip()
    assert said.startswith(f"flowtop {command}: 1: no such file or folder"), said
    assert f"flowtop {command} [PATH] [RUN]" in said, said
    assert said.endswith(f"(did you mean `flowtop {command} flows 1`?)"), said
    # a missing path before a word that is no path either: not a swap
    other = flowtop_here(command, "1", "elsewhere", cwd=folder)
    assert other.returncode == 2 and "did you mean" not in other.stderr, other.stderr


def test_history_of_a_run_number_given_as_its_path_suggests_run(
    folder: Path, flowtop_here: Here
) -> None:
    done = flowtop_here("history", "1", cwd=folder)
    assert done.returncode == 2
    said = done.stderr.strip()
    assert (
        said == "flowtop history: 1: no such file or folder; if 1 is a run: flowtop history --run 1"
    )
    word = flowtop_here("history", "etl", cwd=folder)  # a flow's name: as before
    assert word.stderr.strip().endswith("if etl is a flow's name: flowtop history --flow etl")


def test_a_long_fan_out_counts_its_tasks_as_the_header_does() -> None:
    said = _names([f"page-{n}" for n in range(1000)])
    assert said.endswith("page-999 (1,000 tasks)"), said


def _readme() -> str:
    return " ".join(README.read_text(encoding="utf-8").split())


def test_readme_says_a_task_s_duration_is_its_attempts_running_times_added_up() -> None:
    text = _readme()
    assert "over all its attempts" not in text
    clause = re.search(r"TIME is the current or last attempt's \(([^)]*)\)", text)
    assert clause is not None
    said = clause.group(1)
    assert (
        "running times added up" in said
        and "task's Duration" in said
        and "waits between them" in said
    ), said


def test_readme_exit_table_says_a_declined_prune_exits_1() -> None:
    rows = [
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith("| **1** |")
    ]
    assert len(rows) == 1 and "--prune 0" in rows[0], rows


def test_a_declined_prune_exits_1_saying_nothing_was_deleted(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the README's exit table says (apt's way: the command did not do what it was
    asked); a script is never asked."""
    import argparse
    import sys

    from flowtop.commands import history

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _question: "n")
    asked = argparse.Namespace(
        path=str(folder / "flows"), run=None, flow=None, limit=50, json=False, prune=0
    )
    assert history.main(asked) == 1
    assert capsys.readouterr().out == "Nothing deleted.\n"
