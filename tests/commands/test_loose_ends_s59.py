"""``watch 1 --flow etll`` and ``cancel 1 --flow etll`` ended ``(it holds no runs of etll
yet)``, where ``history --run 1 --flow etll`` suggests ``etl``: all three say it alike."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.engine.events import RunStarted
from flowtop.workspace.history import History

T0 = 1_700_000_000.0

Here = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder ``flows`` whose store holds run #1 of ``etl`` (the cwd is its parent)."""
    db = tmp_path / "flows" / ".flowtop" / "history.db"
    db.parent.mkdir(parents=True, mode=0o700)
    store = History(db)
    store([RunStarted("0123456789ab", "etl", 1, (), (), (), ts=T0)])
    assert store.flush()
    store.close()
    return tmp_path


@pytest.mark.parametrize("command", ["watch", "cancel", "history"])
def test_a_run_number_of_a_misspelt_flow_suggests_the_flow_with_runs(
    folder: Path, flowtop_here: Here, command: str
) -> None:
    run = ["--run", "1"] if command == "history" else ["1"]
    done = flowtop_here(command, *run, "--flow", "etll", cwd=folder)
    assert done.returncode == 2
    said = done.stderr.strip()
    assert said.startswith(f"flowtop {command}: no run #1 of flow 'etll' in "), said
    assert said.endswith(" (did you mean 'etl'?)"), said


@pytest.mark.parametrize("command", ["watch", "cancel"])
def test_a_flow_close_to_none_still_says_it_has_no_runs(
    folder: Path, flowtop_here: Here, command: str
) -> None:
    done = flowtop_here(command, "1", "--flow", "nosuch", cwd=folder)
    assert done.returncode == 2
    said = done.stderr.strip()
    assert said.endswith("(it holds no runs of nosuch yet)"), said
    assert "did you mean" not in said, said


def test_the_exit_status_page_says_a_declined_prune_exits_1() -> None:
    """As README's exit table does: the page it sums up says it too."""
    page = Path(__file__).resolve().parents[2] / "docs" / "exit-status.md"
    text = " ".join(page.read_text(encoding="utf-8").split())
    one = text.partition("**1**")[2].partition("**2**")[0]
    assert "history --prune 0" in one and "Nothing deleted." in one, one
