"""An open history screen (`h`) whose runs `flowtop history --prune` took meanwhile.

It said `No runs yet of nap` (the pruned flows were copied as it opened), where the same
screen reopened said `No runs of nap in the history (pruned)`, as the README has `h` say.
The open screen asks the store's own set now, and reads again once the store learns of
the prune after the screen had read the emptied store (its version unchanged since).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.history import HistoryScreen
from flowtop.workspace.history_records import RunDetail, RunRecord
from flowtop.workspace.store_notices import StoreGone
from pilot_kit import screen_text, wait_for, wait_for_text

from .test_messages_s58 import nap_workspace

SIZE = (120, 30)
PRUNED = "No runs of nap in the history (pruned): press r on the main screen"


class PrunableHistory:
    """A history that can tell when it changed (``VersionedHistory``), as a store can: the
    screen reads it again only then."""

    def __init__(self) -> None:
        self.records: list[RunRecord] = []
        self.changes = 0

    def version(self) -> tuple[int, ...]:
        return (self.changes,)

    def set(self, records: list[RunRecord]) -> None:
        self.records = records
        self.changes += 1

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return [r for r in self.records if flow is None or r.flow == flow][:limit]

    def count(self, flow: str | None = None) -> int:
        return len(self.runs(flow, None))

    def run_detail(self, run_id: str) -> RunDetail:
        raise KeyError(f"no run with id {run_id!r}")

    def close(self) -> None:
        pass


RECORD = RunRecord("r1", "nap", 1, "FAILED", 1.0, 2.0, 1.0, None, None, {"FAILED": 1}, 1)


@pytest.mark.parametrize("store_first", [False, True], ids=["screen-reads-first", "store-first"])
async def test_an_open_history_says_its_runs_were_pruned(tmp_path: Path, store_first: bool) -> None:
    workspace = nap_workspace(tmp_path)
    history = PrunableHistory()
    workspace.history = history  # type: ignore[assignment]  # a versioned one, as a store's
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the control")
        app.flow_list.select_flow("nap")
        started = RunStarted("r1", "nap", 1, ("nap",), (1,), ("",), ts=1.0)
        finished = RunFinished("r1", "nap", 1, StateType.FAILED, {"FAILED": 1}, 1.0, 2.0)
        app.buffer.append_batch([started, finished])
        history.set([RECORD])
        await wait_for_text(pilot, app, "run #1")
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the history")
        await wait_for_text(pilot, app, "History · flow nap · 1 run")
        # `history --prune 0` elsewhere: the store emptied, and the monitor told its log
        # went back under it (``StoreGone``, not said: a prune), in either order
        if store_first:
            app.buffer.append_batch([StoreGone("", 10.0, said=False)])
            await wait_for(pilot, lambda: app.store.pruned_away == {"nap"}, "the prune noticed")
            history.set([])
        else:
            history.set([])
            await wait_for_text(pilot, app, "No runs yet of nap")  # not known pruned yet
            app.buffer.append_batch([StoreGone("", 10.0, said=False)])
        await wait_for_text(pilot, app, PRUNED, "History · flow nap · no runs (pruned)")
        # old: `No runs yet of nap` stayed; reopened, it said the above
        assert "No runs yet" not in screen_text(app)
        await pilot.press("a")  # every flow's: pruned too
        await wait_for_text(pilot, app, "No runs in the history (pruned): press r")
