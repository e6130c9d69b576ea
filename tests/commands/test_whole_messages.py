"""A failure's whole message in ``flowtop run``'s human output.

A failed task's message was cut at 160 characters, and its end, where the cause most
often is, never showed; a retry's line (progress) is still one row.
"""

from __future__ import annotations

import io
from typing import Any

from flowtop.commands.message_lines import ROW_MOST, WHOLE_MOST
from flowtop.commands.printers import HumanPrinter
from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType


def _failure(message: str, state: StateType = StateType.FAILED) -> TaskStateChanged:
    return TaskStateChanged(
        "r1", "etl", "load", state, 2, 2, 0.0, retry_in=1.0, error=ErrorInfo("ValueError", message)
    )


def _printed(*events: Any) -> str:
    out = io.StringIO()
    printer = HumanPrinter(out, live=False)
    printer([RunStarted("r1", "etl", 3, ("load",), (2,), ("",), None, 0.0), *events])
    return out.getvalue()


CAUSE = "because: column 'amount' expects NUMERIC(10,2), got TEXT at row 4711"
LONG = "warehouse rejected the batch for table analytics.orders_daily " * 4 + "\x1b[31m" + CAUSE


def test_a_failed_task_s_message_keeps_its_end() -> None:
    printed = _printed(_failure(LONG))
    failed = next(line for line in printed.splitlines() if "✗ failed" in line)
    assert failed.endswith(f"␛[31m{CAUSE}")  # whole, the escape made harmless
    assert "\x1b" not in printed


def test_a_retry_s_line_is_still_one_row() -> None:
    printed = _printed(_failure(LONG, StateType.AWAITING_RETRY))
    retry = next(line for line in printed.splitlines() if "⟳ retry in" in line)
    said = retry.split("ValueError: ", 1)[1]
    assert len(said) == ROW_MOST and said.endswith("…") and CAUSE not in retry


def test_a_huge_message_keeps_its_start_and_its_end() -> None:
    huge = "start " + "x" * 100_000 + " " + CAUSE
    failed = _printed(_failure(huge)).splitlines()[-1]
    assert "ValueError: start xxx" in failed and failed.endswith(CAUSE)
    assert f"… {len(huge) - WHOLE_MOST:,} characters left out …" in failed
    assert len(failed) < WHOLE_MOST + 200


def test_a_flow_s_error_is_whole_too() -> None:
    ended = RunFinished(
        "r1", "etl", 3, StateType.FAILED, {}, 0.1, 0.0, error=ErrorInfo("RuntimeError", LONG)
    )
    printed = _printed(ended)
    assert printed.splitlines()[-1] == f"  flow raised RuntimeError: {LONG.replace(chr(27), '␛')}"


def test_a_cancelled_or_failed_task_s_reason_is_whole() -> None:
    reason = "cancelled: " + "the operator said so " * 12 + CAUSE
    step = TaskStateChanged("r1", "etl", "load", StateType.CANCELLED, 0, 2, 0.0, message=reason)
    assert _printed(step).splitlines()[-1].endswith(CAUSE)
