"""A run that ended before the monitor opened is never shown live while it is read back.

The store client hands a stored run on whole, its end included, but the screen folds a
batch a slice at a time (``event_flush``), repainting in between: a reopened monitor
showed `fanout-1000 run #5 ▶ Running 5.97s`, its rows `⟳ Overdue`, for up to two minutes
under load, of a run that had completed in 785 ms. The fold here ends a slice after each
chunk (``fold_clock``), as a loaded machine does, and every slice's outcome is looked at.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.tui.app import FlowtopApp
from flowtop.tui.event_flush import CHUNK
from flowtop.workspace import Workspace
from flowtop.workspace.history import History
from pilot_kit import wait_for

from .conftest import run_into

PAGES = 300
FLAKY_EVERY = 20  # one page in twenty fails once, then completes on its retry
_failed: set[int] = set()


@task(retry_on=[TimeoutError], max_retries=2, retry_delay=0)
def fetch_page(page: int) -> int:
    if page % FLAKY_EVERY == 7 and page not in _failed:
        _failed.add(page)
        raise TimeoutError(f"page {page}: read timed out")
    return page


def fanout() -> Flow:
    with Flow("fanout") as flow:
        for page in range(PAGES):
            fetch_page(page)
    return flow


FILES = {
    "fanout.py": 'from flowtop import Flow\n\nflow = Flow("fanout")\n',
    "slow.py": 'from flowtop import Flow\n\nflow = Flow("slow")\n',
}

_ticks = itertools.count(0.0)


def jumping_clock() -> float:
    """Each look is a second after the one before: every slice ends after one chunk."""
    return next(_ticks)


@contextmanager
def stored(folder: Path, *, live_beside: bool) -> Iterator[None]:
    """``folder``'s store with a ``fanout`` run that completed (its retries done), and
    with ``live_beside`` a ``slow`` run live meanwhile (its writer, this process, open)."""
    for name, text in FILES.items():
        (folder / name).write_text(text)
    (folder / ".flowtop").mkdir()
    history = History(folder / ".flowtop" / "history.db")
    try:
        _failed.clear()
        run_into(history, fanout())
        if live_beside:
            started = RunStarted("51017f1ed000", "slow", 1, ("wait",), (4,), ("3× 20s",))
            waits = TaskStateChanged(
                "51017f1ed000", "slow", "wait", S.AWAITING_RETRY, 1, 4, started.ts, retry_in=20
            )
            history.sink([started, waits])
            assert history.flush(10)
        yield
    finally:
        history.close()


@pytest.mark.parametrize("live_beside", [True, False], ids=["another-run-live", "alone"])
async def test_a_stored_ended_run_is_shown_ended_at_every_frame(
    tmp_path: Path, live_beside: bool
) -> None:
    """Old: the slices before its end's showed it `▶ Running` with `⟳ Overdue` retries."""
    with stored(tmp_path, live_beside=live_beside):
        workspace = Workspace(tmp_path)
        workspace.load()
        app = FlowtopApp(workspace, watch=False, run_processes=True)
        app.fold_clock = jumping_clock
        seen: list[tuple[S | None, set[S | None], str]] = []  # each slice: run, its rows, header
        flush = app._flush_events

        def flush_and_look() -> None:
            flush()
            run = app.store.latest_for("fanout")
            shown = app.store.shown_for("fanout")
            if run is not None and shown is not None:
                header = str(app.header.render()) if app.selected_flow == "fanout" else ""
                rows = {row.state for row in run.rows.values()}
                seen.append((shown.state, rows, header))

        app._flush_events = flush_and_look  # type: ignore[method-assign]
        try:
            async with app.run_test(size=(120, 36)) as pilot:
                await wait_for(
                    pilot,
                    lambda: seen and seen[-1][0] is S.COMPLETED and not len(app.buffer),
                    "the stored run read back",
                )
                app.flow_list.select_flow("fanout")
                await wait_for(pilot, lambda: "Completed" in str(app.header.render()), "header")
                app.shutdown(cancel=False)
        finally:
            workspace.close()
    assert app.buffer.received > 2 * CHUNK  # its events took several slices to fold
    assert all(state is S.COMPLETED for state, _, _ in seen), [s for s, _, _ in seen]
    assert all(rows == {S.COMPLETED} for _, rows, _ in seen), [r for _, r, _ in seen]
    assert not any("Running" in header or "Overdue" in header for *_, header in seen)
