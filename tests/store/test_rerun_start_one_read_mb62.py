"""A rerun's start handed on by a store client reads its source's row once (mb62).

``PruneWatch.sourced`` opened a connection for the source's number (``rerun_number``)
and ``Origins`` another, at the rerun's first reused step, that read the same row
(``number, rerun_of``) and went on up the chain: two connections a rerun's start. The
number comes from ``Origins``' read now.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.events import REUSED_FROM_SOURCE, RunStarted, TaskStateChanged
from flowtop.workspace import store_client_origins, store_client_prunes
from flowtop.workspace.history import History
from flowtop.workspace.store_client import StoreClient

from .test_origins_read_rh62 import record, run


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The connections the client's prune watch and origins open from now on."""
    opened: list[Path] = []
    for module in (store_client_origins, store_client_prunes):
        real = module.connect_reader

        def connect(path: Path, real: Any = real) -> sqlite3.Connection:
            opened.append(path)
            return real(path)  # type: ignore[no-any-return]

        monkeypatch.setattr(module, "connect_reader", connect)
    return opened


def _handed(db: Path, events: list[Any]) -> list[Any]:
    said: list[Any] = []
    client = StoreClient(db, said.extend)
    try:
        client._hand(events)  # (the batch a tail or a replay reads)
    finally:
        client.close()
    return said


def _chain(tmp_path: Path) -> tuple[Path, list[Any]]:
    """#1 makes a; #2 (a rerun of #1) carries a over and makes b; #3 (of #2) is handed
    on: it carries both over."""
    db = tmp_path / ".flowtop" / "history.db"
    third = run("3" * 12, 3, "2" * 12, a="reused", b="reused")
    record(
        db,
        run("1" * 12, 1, None, a="made", b="failed"),
        run("2" * 12, 2, "1" * 12, a="reused", b="made"),
        third,
    )
    return db, list(third)


def test_a_rerun_s_start_and_its_reused_steps_read_the_store_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, events = _chain(tmp_path)
    opened = _counted(monkeypatch)
    said = _handed(db, events)
    # the source's row with its chain, then whether #1 (named by a) was pruned; old: 3,
    # the source's row read for its number apart
    assert len(opened) == 2, opened
    (start,) = [e for e in said if type(e) is RunStarted]
    assert start.rerun_number == 2
    reused = {e.task: e.message for e in said if type(e) is TaskStateChanged and e.reused}
    assert reused == {"a": "reused from run #1", "b": "reused from run #2"}


def test_a_pruned_source_is_number_0_and_its_steps_say_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, events = _chain(tmp_path)
    history = History(db)
    try:
        assert history.prune(1, "slow")  # #1 and #2 go
    finally:
        history.close()
    opened = _counted(monkeypatch)
    said = _handed(db, events)
    assert len(opened) == 1, opened  # old: 2 (nothing named by number: nothing to look up)
    (start,) = [e for e in said if type(e) is RunStarted]
    assert start.rerun_number == 0
    reused = {e.task: e.message for e in said if type(e) is TaskStateChanged and e.reused}
    assert reused == {"a": "reused from a pruned run", "b": "reused from a pruned run"}


def test_an_unreadable_store_names_no_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, events = _chain(tmp_path)
    said: list[Any] = []
    client = StoreClient(db, said.extend)
    try:

        def broken(path: Path) -> sqlite3.Connection:
            raise sqlite3.OperationalError("disk I/O error")

        for module in (store_client_origins, store_client_prunes):
            monkeypatch.setattr(module, "connect_reader", broken)
        client._hand(events)
    finally:
        client.close()
    (start,) = [e for e in said if type(e) is RunStarted]
    assert start.rerun_number is None  # not known: not said to be 0 (pruned)
    reused = {e.message for e in said if type(e) is TaskStateChanged and e.reused}
    assert reused == {REUSED_FROM_SOURCE}
