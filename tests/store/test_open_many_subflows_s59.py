"""A client opening on a parent that called many subflow runs reads their outlines
through one reader and hands them on together: it opened a connection and handed a
batch per subflow run, and a monitor on a parent of 2,500 showed its runs 2.5 s after
its first frame, which read "not run yet" meanwhile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from flowtop.workspace import run_log
from flowtop.workspace.store_client import StoreClient

from .conftest import flowtop, wait_until
from .test_replay_on_open import SUBFLOWS


@pytest.mark.parametrize("on_thread", [False, True])
def test_the_outlines_of_a_parents_subflow_runs_come_in_one_batch_from_one_reader(
    ws: Any, monkeypatch: pytest.MonkeyPatch, on_thread: bool
) -> None:
    folder = ws(sub=SUBFLOWS.replace("range(3)", "range(40)"))
    assert flowtop("run", ".", "--flow", "parent", cwd=folder).returncode == 0
    readers = []
    real = run_log.connect_reader

    def counted(*args: Any, **kwargs: Any) -> Any:
        readers.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(run_log, "connect_reader", counted)
    batches: list[Sequence[Any]] = []
    client = StoreClient(folder / ".flowtop" / "history.db", batches.append)

    def started() -> list[Any]:
        return [e for batch in list(batches) for e in batch if type(e).__name__ == "RunStarted"]

    client.open(replay_on_thread=on_thread)
    wait_until(lambda: len(started()) == 41, "the parent and its 40 subflow runs replayed")
    client.close()
    assert len(batches) <= 3, [len(b) for b in batches]
    assert len(readers) <= 3  # the tail's own, the replay's, and the store's check
