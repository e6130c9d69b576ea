"""The history list says why a run has no task counts when its process died importing.

A run whose process ended as it imported the flow file (``os._exit``, a signal) is marked
interrupted by a reader and raised nothing: its row read `dies 1 ⚡ Interrupted` and a
blank where the counts go, while `flowtop history` says why in NOTE (README: the history
gives, "for a run that did not start, why").
"""

from __future__ import annotations

from flowtop.tui.screens.history import REASON_CELL, why_no_counts
from flowtop.workspace.history_records import RunRecord

STYLES = {"error": "red"}


def _record(state: str, note: str = "", error: dict[str, str] | None = None) -> RunRecord:
    return RunRecord(
        "r1", "dies", 1, state, 0.0, 0.2, 0.2, None, None, {}, 0, note=note, error=error
    )


def test_a_run_whose_process_died_importing_says_so_in_its_row() -> None:
    note = "interrupted: its process (pid 24842 on vm) is gone"
    said = why_no_counts(_record("INTERRUPTED", note), STYLES).plain
    assert said == note[: REASON_CELL - 1] + "…"
    # what a run's @flow raised still comes first, and a run with nothing to say has none
    error = {"type": "RuntimeError", "message": "the database is down"}
    assert why_no_counts(_record("FAILED", "a note", error), STYLES).plain.startswith(
        "flow raised Runtime"
    )
    assert why_no_counts(_record("COMPLETED"), STYLES).plain == ""
