"""The attempt a dead process was running reads ⚡ in the detail pane, as in the history.

Its task's row said ``⚡ Interrupted``, and the history's run page said ``Attempt 1 ·
⚡ Interrupted``, while the main screen's attempt list drew it ■, a cancel's symbol.
"""

from __future__ import annotations

from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.detail_pane import body_text
from flowtop.workspace.run_log import RunInterrupted

S = StateType
T0 = 1_000.0


def _event(key: str, state: StateType, ts: float) -> TaskStateChanged:
    return TaskStateChanged("r1", "slow", key, state, 1, 3, ts)


def _attempts(store: RunStore, key: str) -> str:
    run = store.latest_for("slow")
    assert run is not None
    return body_text(run.rows[key], None, now=T0 + 10).plain.split("Attempts\n")[1]


def test_the_attempt_a_dead_process_ran_reads_interrupted() -> None:
    store = RunStore()
    store.apply_batch(
        [
            RunStarted("r1", "slow", 1, ("wait", "stop"), (3, 3), ("2× 30s",) * 2, None, T0),
            _event("wait", S.RUNNING, T0 + 1),
            _event("stop", S.RUNNING, T0 + 1),
            _event("stop", S.CANCELLED, T0 + 2),  # cancelled by the user before it died
        ]
    )
    store.apply_batch([RunInterrupted("r1", "its process (pid 42) is gone", T0 + 5)])
    died = _attempts(store, "wait").splitlines()[0]
    assert "⚡" in died and "■" not in died, died
    cancelled = _attempts(store, "stop").splitlines()[0]
    assert "■" in cancelled and "⚡" not in cancelled, cancelled
