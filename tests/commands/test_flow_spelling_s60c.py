"""``--flow café`` typed in NFC names the flow defined ``cafe\\u0301`` (NFD): one name
spelt two ways (``option_checks.same_name``), as flowtop refuses a second flow spelt the
other way. ``list``, ``run``, ``history``, ``watch`` and ``cancel`` said "no flow named"
or "no runs of flow 'café'" (fx_loose, s60c)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from cli_kit import Here, flowtop, stored_runs
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.workspace.history import History

NFD = "cafe\u0301"
NFC = unicodedata.normalize("NFC", NFD)

FLOW = """\
from flowtop import Flow, task

@task
def brew():
    return 1

with Flow("cafe\\u0301") as flow:
    brew()
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """``flows/cafe.py`` defines the flow ``cafe\\u0301``; the store holds its runs #1, #2."""
    assert NFC != NFD
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "cafe.py").write_text(FLOW, encoding="utf-8")
    db = flows / ".flowtop" / "history.db"
    db.parent.mkdir(mode=0o700)
    store = History(db)
    store([RunStarted("0123456789ab", NFD, 1, (), (), (), ts=1_700_000_000.0)])
    store([RunFinished("0123456789ab", NFD, 1, StateType.COMPLETED, {}, 0.5, ts=1_700_000_001.0)])
    store([RunStarted("0123456789cd", NFD, 2, (), (), (), ts=1_700_000_002.0)])
    store([RunFinished("0123456789cd", NFD, 2, StateType.COMPLETED, {}, 0.5, ts=1_700_000_003.0)])
    assert store.flush()
    store.close()
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ("history", "flows"),
        ("history", "flows/cafe.py"),  # the file names its flows
        ("history", "flows", "--run", "1"),
        ("history", "flows", "--prune", "1"),
        ("watch", "flows", "1"),
        ("watch", "flows"),
        ("cancel", "flows"),
        ("list", "flows"),
    ],
)
def test_a_flow_spelt_the_other_way_is_found(
    folder: Path, flowtop_here: Here, args: tuple[str, ...]
) -> None:
    done = flowtop_here(*args, "--flow", NFC, cwd=folder)
    said = done.stdout + done.stderr
    assert "no flow named" not in said and "no runs" not in said, said
    assert "defines no flow" not in said and "no run #1" not in said, said
    if args[0] == "cancel":  # found: ended, nothing to cancel
        assert "is not running" in said, said
    else:
        assert done.returncode == 0, said
    if "--prune" in args:  # the older run of the flow is gone
        assert [run.number for run in stored_runs(folder / "flows")] == [2], said


def test_run_runs_the_flow_spelt_the_other_way(folder: Path) -> None:
    done = flowtop("run", "flows", "--flow", NFC, cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [run.flow for run in stored_runs(folder / "flows")] == [NFD] * 3  # (two before)
