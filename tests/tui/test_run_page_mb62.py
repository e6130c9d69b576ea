"""A run's page is read on one connection, handed to each read (mb62).

``history_reads.read_run`` read the run, its subflow runs and whether the runs its cache
hits name were pruned inside ``StoreReader.one_read``: a thread-local connection that
every read of the reader on that thread took without being told. ``StoreReader.run_page``
opens one and reads them all on it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from flowtop.tui.screens.history_reads import read_run
from flowtop.workspace import store_reader, subflow_runs
from flowtop.workspace.store_reader import StoreReader

from .test_history_pages_s59 import CACHED_PRUNED, _store
from .test_run_page_one_read_fo62 import _live_parent


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    opened: list[Path] = []
    for module in (store_reader, subflow_runs):
        real = module.connect_reader

        def connect(path: Path, real: Any = real) -> sqlite3.Connection:
            opened.append(path)
            return real(path)  # type: ignore[no-any-return]

        monkeypatch.setattr(module, "connect_reader", connect)
    return opened


def test_a_page_with_a_pruned_cache_source_is_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = StoreReader(_store(tmp_path))
    opened = _counted(monkeypatch)
    page = reader.run_page("run-2", subflows=True)
    assert len(opened) == 1, opened
    assert page.task("b").message == CACHED_PRUNED  # the prune said, on that connection
    assert page.subflows == ()
    assert reader.run_page("run-2", subflows=False).subflows is None
    assert read_run(reader, "run-2") == page  # what a run's page reads


def test_a_page_s_subflow_runs_come_on_its_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, store = _live_parent(tmp_path)
    try:
        reader = StoreReader(db)
        opened = _counted(monkeypatch)
        page = reader.run_page("p", subflows=True)
        assert len(opened) == 1, opened
        assert page.subflows is not None
        assert [(run.flow, run.number) for run in page.subflows] == [("region-ingest", 1)]
        assert page.run.run_id == "p"
    finally:
        store.close()


def test_a_run_the_store_lacks_is_a_key_error(tmp_path: Path) -> None:
    reader = StoreReader(_store(tmp_path))
    with pytest.raises(KeyError, match="no run with id 'nope'"):
        reader.run_page("nope", subflows=True)
