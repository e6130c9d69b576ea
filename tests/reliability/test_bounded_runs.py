"""The TUI keeps the runs it can show, not every run of the session.

Only a flow's newest run is ever on screen (older ones live in the history database), so
a finished run is dropped from the view model once a newer run of its flow has started;
a run still going is kept until it ends. Without this, every rerun of a 10,000-task flow
added ~10 MB that was never given back (``tests/benchmarks/bench_memory.py``).
"""

from __future__ import annotations

from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.run_store import RunStore

S = StateType


def started(run_id: str, flow: str = "etl") -> RunStarted:
    return RunStarted(run_id, flow, int(run_id[-1]), ("a",), (1,), ("",))


def finished(run_id: str, flow: str = "etl") -> RunFinished:
    return RunFinished(run_id, flow, int(run_id[-1]), S.COMPLETED, {"COMPLETED": 1}, 0.1)


def test_a_finished_run_goes_when_a_newer_run_of_its_flow_starts() -> None:
    store = RunStore()
    store.apply_batch([started("r1"), finished("r1"), started("other1", "other")])
    assert set(store.runs) == {"r1", "other1"}  # another flow's run supersedes nothing
    store.apply_batch([started("r2")])
    assert set(store.runs) == {"r2", "other1"}
    assert store.take_evicted() == ["r1"] and store.take_evicted() == []
    assert store.latest_for("etl").run_id == "r2"


def test_a_run_still_going_is_kept_until_it_ends() -> None:
    store = RunStore()
    store.apply_batch([started("r1"), started("r2")])  # r1 still running
    assert set(store.runs) == {"r1", "r2"}
    late = TaskStateChanged("r1", "etl", "a", S.COMPLETED, 1, 1, 1.0, result="1")
    changed = store.apply_batch([late, finished("r1")])
    assert store.runs.keys() == {"r2"} and store.take_evicted() == ["r1"]
    assert "r1" in changed  # its last events were still folded in
    store.apply_batch([TaskStateChanged("r1", "etl", "a", S.FAILED, 1, 1, 2.0)])
    assert store.runs.keys() == {"r2"}  # a stray event of a dropped run is ignored
