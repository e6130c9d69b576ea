"""A task whose retry was running when its run's process died says so in LAST ERROR,
live and in the history, as a task interrupted on its first attempt does: it blamed its
earlier attempt's error (``slow ⚡ Interrupted 2/3 … ShippingError: …`` beside ``last ⚡
Interrupted … interrupted: its process … is gone``)."""

from __future__ import annotations

from flowtop.engine.events import ErrorInfo, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.run_store import RunStore
from flowtop.tui.screens.last_error import last_error
from flowtop.tui.widgets.column_fit import error_cell
from flowtop.workspace.history_records import AttemptRecord, TaskRecord
from flowtop.workspace.run_log import RunInterrupted

S = StateType
T0 = 1_000.0
WHY = "its process (pid 42) is gone"
FAILED = ErrorInfo("ShippingError", "the process running task 'slow' died")


def test_a_retry_cut_by_a_dead_process_reads_interrupted_live() -> None:
    store = RunStore()
    store.apply_batch(
        [
            RunStarted("r1", "f", 1, ("slow", "last"), (3, 3), ("2× 1s",) * 2, None, T0),
            TaskStateChanged("r1", "f", "slow", S.RUNNING, 1, 3, T0 + 1),
            TaskStateChanged("r1", "f", "slow", S.AWAITING_RETRY, 1, 3, T0 + 2, 1.0, error=FAILED),
            TaskStateChanged("r1", "f", "slow", S.RUNNING, 2, 3, T0 + 3),
            TaskStateChanged("r1", "f", "last", S.RUNNING, 1, 3, T0 + 3),
        ]
    )
    store.apply_batch([RunInterrupted("r1", WHY, T0 + 5)])
    run = store.latest_for("f")
    assert run is not None
    assert error_cell(run.rows["slow"]) == error_cell(run.rows["last"]) == f"interrupted: {WHY}"


def test_a_retry_cut_by_a_dead_process_reads_interrupted_in_the_history() -> None:
    def attempt(number: int, state: str, error: str | None) -> AttemptRecord:
        return AttemptRecord(
            number, state, T0 + number, 0.5, None, error and "ShippingError", error, None, "",
            None, "",
        )  # fmt: skip

    def task(key: str, *attempts: AttemptRecord) -> TaskRecord:
        return TaskRecord(
            key, "INTERRUPTED", len(attempts), 3, "", None, False, WHY, None, None, T0, 0.5,
            T0 + 0.5, attempts,
        )  # fmt: skip

    slow = task("slow", attempt(1, "FAILED", FAILED.message), attempt(2, "INTERRUPTED", None))
    last = task("last", attempt(1, "INTERRUPTED", None))
    assert last_error(slow) == last_error(last) == f"interrupted: {WHY}"
