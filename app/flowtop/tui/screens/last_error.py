"""What a past run's page says in a task's Last error cell: what the main table's LAST ERROR
says of the same task, so a run reads the same live and from the history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...engine.states import StateType
from ...looks import INTERRUPTED, error_line

if TYPE_CHECKING:
    from ...workspace.history_records import TaskRecord


def last_error(record: TaskRecord) -> str:
    """The Last error cell's text, as the main table's LAST ERROR has it: the task's own
    error; else the last error an attempt of it raised (a task that retried its way to
    completing, or was cancelled while awaiting a retry); else why an upstream-failed or
    cancelled task did not run. Only the task's own error showed here: the page of a run
    read blank where the main screen said `ConnectionError: …` or `upstream task …`.
    A task its run's dead process left unfinished says so first, as the main table does:
    it blamed an earlier attempt's error, or read blank."""
    if record.state == INTERRUPTED and record.message:
        return f"interrupted: {record.message}"
    if record.error_type:
        return error_line(record.error_type, record.error_message)
    for attempt in reversed(record.attempt_records):
        if attempt.error_type:
            return error_line(attempt.error_type, attempt.error_message)
    if record.state in (StateType.UPSTREAM_FAILED.value, StateType.CANCELLED.value):
        return record.message
    return ""
