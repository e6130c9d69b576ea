"""A run's page learns that a prune took its run from its own refresh (``run_pruned``).

Beside the refresh that reads the run (on one connection), a second poll looked at the
store every second, on a connection of its own, for that same run: two timers, and at
the page's opening three connections (the poll's look, its version watch, the read).
The refresh looks now, on its read's connection, and the page closes with the same toast.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from flowtop.tui.screens import run_detail
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace import reaper, store_reader
from flowtop.workspace.pruning import prune_runs
from pilot_kit import wait_for

from .snapshot_apps import HostApp
from .test_run_page_pruned_pr62 import said, two_runs


def counted_connections(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    opened: list[Path] = []
    real = store_reader.connect_reader

    def connect(path: Path) -> sqlite3.Connection:
        opened.append(path)
        return real(path)

    monkeypatch.setattr(store_reader, "connect_reader", connect)
    return opened


async def test_the_refresh_is_the_one_look(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "history.db"
    reader = two_runs(db)
    detail = reader.run_detail("run-2")
    timers: list[Any] = []
    real_interval = RunDetailScreen.set_interval

    def interval(screen: RunDetailScreen, every: float, callback: Any, **kw: Any) -> Any:
        if getattr(callback, "__module__", "").startswith("flowtop."):  # not Textual's own
            timers.append(callback)
        return real_interval(screen, every, callback, **kw)

    monkeypatch.setattr(RunDetailScreen, "set_interval", interval)
    monkeypatch.setattr(run_detail, "REFRESH", 3600.0)  # refreshed below, by hand
    opened = counted_connections(monkeypatch)
    app = HostApp(lambda: RunDetailScreen(detail, reader))
    async with app.run_test(size=(120, 24)) as pilot:
        page = app.screen
        assert isinstance(page, RunDetailScreen)
        await wait_for(pilot, lambda: page.detail.subflows is not None, "the first read")
        await app.workers.wait_for_complete()
        assert [each.__name__ for each in timers] == ["_refresh"]  # old: the poll's too
        assert len(opened) == 2, opened  # its version watch, and one read; old: 3
        with closing(reaper.connect(db)) as conn:
            assert prune_runs(conn, 1) == ["run-1"]  # another run: the page stays
        opened.clear()
        page._refresh()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(opened) == 1 and app.results == [] and not said(app)
        page._refresh()  # the store unchanged: not read
        await app.workers.wait_for_complete()
        assert len(opened) == 1
        with closing(reaper.connect(db)) as conn:
            assert prune_runs(conn, 0) == ["run-2"]
        page._refresh()
        await wait_for(pilot, lambda: app.results == [None], "the page to close")
        assert said(app)
        assert sum(n.message.startswith("Run #2 of f was pruned") for n in app._notifications) == 1
