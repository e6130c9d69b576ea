"""A run's page closes with a toast once a prune took its run (``run_pruned``).

Left open over a run ``history --prune`` took elsewhere, the page showed it as it was
(a rerun's still saying its source's attempts "are there"); Enter on a history row as a
prune ran opened a run already deleted, with no word of it.
"""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.history_records import RunRecord
from flowtop.workspace.pruning import prune_runs
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import screen_text, wait_for, wait_for_text

from .snapshot_apps import HostApp

SAID = "Run #2 of f was pruned from the run history"


def two_runs(db: Path) -> StoreReader:
    """Run #1 of ``f`` failed; #2, a rerun of it, failed too."""
    history = History(db)
    try:
        for number, source in ((1, None), (2, "run-1")):
            run_id, now = f"run-{number}", time.time()
            history.next_number("f")
            history.sink(
                [
                    RunStarted(run_id, "f", number, ("a",), (1,), ("",), source, now),
                    TaskStateChanged(run_id, "f", "a", S.RUNNING, 1, 1, now),
                    TaskStateChanged(run_id, "f", "a", S.FAILED, 1, 1, now),
                    RunFinished(run_id, "f", number, S.FAILED, {"FAILED": 1}, 1.0, now),
                ]
            )
        assert history.flush(10)
    finally:
        history.close()
    return StoreReader(db)


def said(app: HostApp) -> bool:
    return any(n.message.startswith(SAID) for n in app._notifications)


def prune(db: Path) -> None:
    with closing(reaper.connect(db)) as conn:
        assert sorted(prune_runs(conn, 0)) == ["run-1", "run-2"]


async def test_an_open_page_closes_once_its_run_is_pruned(tmp_path: Path) -> None:
    reader = two_runs(tmp_path / "history.db")
    app = HostApp(lambda: RunDetailScreen(reader.run_detail("run-2"), reader))
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_for_text(pilot, app, "f #2")
        assert isinstance(app.screen, RunDetailScreen)
        prune(tmp_path / "history.db")
        await wait_for(pilot, lambda: app.results == [None], "the page to close")
        assert said(app) and "host app" in screen_text(app)


async def test_a_page_opened_on_a_run_pruned_meanwhile_closes_at_once(tmp_path: Path) -> None:
    """Enter on its row read the run just before a prune took it."""
    reader = two_runs(tmp_path / "history.db")
    detail = reader.run_detail("run-2")
    prune(tmp_path / "history.db")
    app = HostApp(lambda: RunDetailScreen(detail, reader))
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_for(pilot, lambda: app.results == [None], "the page to close")
        assert said(app)


async def test_a_page_whose_run_stays_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = two_runs(tmp_path / "history.db")
    looks: list[str] = []
    read = reader.with_id_prefix

    def counted(prefix: str, flow: str | None = None) -> list[RunRecord]:
        looks.append(prefix)
        return read(prefix, flow)

    monkeypatch.setattr(reader, "with_id_prefix", counted)
    app = HostApp(lambda: RunDetailScreen(reader.run_detail("run-2"), reader))
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_for(pilot, lambda: looks, "the page's first look")
        with closing(reaper.connect(tmp_path / "history.db")) as conn:
            assert prune_runs(conn, 1) == ["run-1"]  # the store changed: the page looks
        await wait_for(pilot, lambda: len(looks) > 1, "the page's look after the prune")
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen) and app.results == []
