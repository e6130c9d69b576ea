"""``flowtop history`` / ``history --run`` show a parameter's control characters one way
(rv401 §8, fx_loose s60c): ``payload="\\u001b]0;PARAM\\u0007\\x9b2J"`` mixed JSON's
``\\u001b`` for C0 with flowtop's own ``\\x9b`` for C1. Every one is JSON's now."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.parameters import describe
from flowtop.engine.states import StateType
from flowtop.workspace.history import History

PAYLOAD = "\x1b]0;PARAM\x07\x9b2J"
SHOWN = 'payload="\\u001b]0;PARAM\\u0007\\u009b2J"'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder ``flows`` whose store holds a run given ``payload=PAYLOAD``."""
    db = tmp_path / "flows" / ".flowtop" / "history.db"
    db.parent.mkdir(parents=True, mode=0o700)
    store = History(db)
    given = json.dumps({"payload": PAYLOAD})
    store([RunStarted("0123456789ab", "etl", 1, (), (), (), ts=1.0, parameters=given)])
    store([RunFinished("0123456789ab", "etl", 1, StateType.COMPLETED, {}, 0.5, ts=2.0)])
    assert store.flush()
    store.close()
    return tmp_path


def test_history_run_shows_every_control_character_as_json_does(
    folder: Path, flowtop_here: Here
) -> None:
    done = flowtop_here("history", "flows", "--run", "1", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert f"parameters: {SHOWN}\n" in done.stdout, done.stdout


@pytest.mark.parametrize(
    ("char", "shown"),
    [("\x7f", "\\u007f"), ("\x85", "\\u0085"), ("\u202e", "\\u202e"), ("\ufeff", "\\ufeff")],
)
def test_other_unseen_characters_are_json_escapes_too(char: str, shown: str) -> None:
    assert describe({"p": f"a{char}b"}) == f'p="a{shown}b"'
