"""``flowtop watch`` of a ``@flow`` parent whose process was killed ends its subflows too.

The parent's process killed (``kill -9``) while its subflow's run ran a task, ``watch``
printed the subflow's start and its task running, then the parent's INTERRUPTED line,
never an end for the subflow's run nor its task: the watch ended at its own run's
interruption, and a subflow's interruption was never shown. Each run of the family it
follows now ends before the parent, as a cancelled parent's subflows do: marked by the
reaper, the watch itself, or a reader that cannot mark the store.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from flowtop.commands import watch
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.private import private_folder

DEAD_OWNER = f"{reaper._HOST}:999999999:dead"
BOSS, CHILD = "b0550000000a", "c41d0000000b"


def killed_family(db: Path) -> None:
    """``boss`` #7 whose subflow's run ``child`` #9 runs ``work``, its process gone."""
    private_folder(db.parent)
    history = History(db)
    try:
        history(
            [
                RunStarted(BOSS, "boss", 7, (), (), (), ts=1000.0),
                RunStarted(CHILD, "child", 9, (), (), (), ts=1001.0, parent_run=BOSS),
                TaskStateChanged(CHILD, "child", "work", StateType.RUNNING, 1, 4, 1002.0),
            ]
        )
        assert history.flush()
        with sqlite3.connect(db) as raw:  # as if its process had died
            raw.execute("UPDATE runs SET owner = ?, pid = NULL", (DEAD_OWNER,))
    finally:
        history.close()


def cannot_mark(monkeypatch: pytest.MonkeyPatch) -> None:
    def connect(*_: Any, **__: Any) -> sqlite3.Connection:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(reaper, "connect", connect)


@pytest.mark.parametrize("how", ["reaped before", "reaped by the watch", "cannot mark"])
def test_the_subflow_and_its_task_end_before_the_parent(
    how: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    killed_family(db)
    if how == "reaped before":
        assert sorted(reaper.reap_store(db)) == [BOSS, CHILD]
    elif how == "cannot mark":
        cannot_mark(monkeypatch)
    assert watch.follow(db, BOSS, json_lines=False) == 1
    lines = capsys.readouterr().out.splitlines()
    ends = [i for i, line in enumerate(lines) if " INTERRUPTED" in line or "⚡" in line]
    said = [lines[i].split(" ", 1)[1].split(" (")[0].split(":")[0] for i in ends]
    said = [" ".join(words.split()[:3]) for words in said]
    assert said == ["child/work ⚡ interrupted", "child #9 INTERRUPTED", "boss #7 INTERRUPTED"]
    assert ends[-1] == len(lines) - 1, lines  # the parent's end last
    assert "its subflow child #9 was running work" in lines[-1]


def test_json_lines_end_the_subflow_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    killed_family(db)
    assert watch.follow(db, BOSS, json_lines=True) == 1
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    ends = [r["run_id"] for r in records if r["event"] == "run_interrupted"]
    assert ends == [CHILD, BOSS]
