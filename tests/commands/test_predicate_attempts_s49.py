"""An attempt that completed with a result its ``retry_predicate`` rejected, in
``flowtop run``'s lines and ``flowtop history --run``.

Such an attempt is retried with no error (SPEC §3 rule 2). ``history --run`` listed it
``FAILED, retried`` with neither its result nor why, and ``flowtop run``'s line said
``⟳ retry in 0s (attempt 1/6)`` alone, where ``--json`` said ``retry_predicate returned
True``: it reads completed, and rejected, now.
"""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.attempt_story import PREDICATE_ASKED
from flowtop.cli import Parser
from flowtop.commands import history as command
from flowtop.commands.printers import HumanPrinter
from flowtop.engine import Runner
from flowtop.engine.events import ErrorInfo, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace.history import History
from flowtop.workspace.history_records import AttemptRecord, TaskRecord


def polling_flow() -> Flow:
    calls = itertools.count(1)

    @task(max_retries=5, retry_delay=0, retry_predicate=lambda s: s.result == "pending")
    def poll() -> str:
        return "pending" if next(calls) < 3 else "ok"

    with Flow("poller") as flow:
        poll()
    return flow


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, str]:
    """One run of ``polling_flow`` in ``tmp_path``'s store, and what ``flowtop run``'s
    printer printed of it."""
    history = History(tmp_path / ".flowtop" / "history.db")
    out = io.StringIO()
    runner = Runner(2, sinks=[history.sink, HumanPrinter(out, live=False)])
    try:
        result = runner.start(polling_flow()).result(timeout=30)
        runner.bus.flush(timeout=10)
        assert history.flush(10)
    finally:
        runner.shutdown()
        history.close()
    assert result.state is StateType.COMPLETED
    return tmp_path, out.getvalue()


def history_run(capsys: pytest.CaptureFixture[str], root: Path) -> str:
    parser = Parser(prog="flowtop history")
    command.configure(parser)
    assert command.main(parser.parse_args([str(root), "--run", "1"])) == 0
    return capsys.readouterr().out


def test_flowtop_run_says_why_a_completed_attempt_is_retried(
    recorded: tuple[Path, str],
) -> None:
    _, printed = recorded
    retries = [line for line in printed.splitlines() if "⟳ retry in" in line]
    assert len(retries) == 2
    assert retries[0].endswith(
        "poller/poll ⟳ retry in 0s (attempt 1/6): retry_predicate returned True → 'pending'"
    )
    assert "✓ completed (attempt 3/6) → 'ok'" in printed


def test_history_lists_a_rejected_attempt_as_completed_with_its_result(
    capsys: pytest.CaptureFixture[str], recorded: tuple[Path, str]
) -> None:
    out = history_run(capsys, recorded[0])
    attempts = [line.strip() for line in out.splitlines() if line.startswith("  attempt ")]
    assert len(attempts) == 3, out
    for line in attempts[:2]:
        assert line.startswith(("attempt 1  COMPLETED, retried  ", "attempt 2  COMPLETED, retried"))
        assert line.endswith("retry_predicate returned True → 'pending'"), line
    assert attempts[2].startswith("attempt 3  COMPLETED  ")
    assert "FAILED" not in out
    assert out.count("retry after 0s (retry_delay=0s)") == 2


def _printed_task(*attempts: AttemptRecord) -> str:
    task_record = TaskRecord(
        "poll", "CANCELLED", 1, 6, "5× 1m if predicate", None, False, "", None, None, 1.0, 0.1,
        2.0, attempts,
    )  # fmt: skip
    out = io.StringIO()
    command._print_task(task_record, out)
    return out.getvalue()


def _stored(state: str, error: str | None = None) -> AttemptRecord:
    result = None if error else "'pending'"
    return AttemptRecord(1, state, 1.0, 0.1, result, error, error, None, "", 60.0, "retry_delay=1m")


def test_a_rejected_attempt_whose_wait_a_cancel_ended_reads_completed() -> None:
    """It read ``CANCELLED``; a failed one in its place reads failed, as before."""
    rejected = _printed_task(_stored("CANCELLED"))
    assert "attempt 1  COMPLETED, then cancelled during its wait  " in rejected
    assert f"{PREDICATE_ASKED} → 'pending'" in rejected
    failed = _printed_task(_stored("CANCELLED", "ValueError"))
    assert "attempt 1  FAILED, then cancelled during its wait  " in failed
    assert PREDICATE_ASKED not in failed


def test_a_rejected_attempt_waiting_for_its_retry_says_so() -> None:
    assert "attempt 1  COMPLETED, waiting to retry  " in _printed_task(_stored("AWAITING_RETRY"))


def test_a_failed_attempt_s_retry_line_is_unchanged() -> None:
    """The reason goes on a retry's line only when there is no error to say why."""
    out = io.StringIO()
    printer = HumanPrinter(out, live=False)
    failed = TaskStateChanged(
        "r1", "etl", "load", StateType.AWAITING_RETRY, 1, 2, 0.0, retry_in=1.0,
        error=ErrorInfo("ValueError", "bad row"), message="max_retries is set",
    )  # fmt: skip
    printer([RunStarted("r1", "etl", 3, ("load",), (2,), ("",), None, 0.0), failed])
    retry = next(line for line in out.getvalue().splitlines() if "⟳" in line)
    assert retry.endswith("⟳ retry in 1s (attempt 1/2): ValueError: bad row")


def test_a_predicate_s_truthy_answer_is_said_as_the_run_said_it() -> None:
    out = io.StringIO()
    printer = HumanPrinter(out, live=False)
    rejected = TaskStateChanged(
        "r1", "etl", "poll", StateType.AWAITING_RETRY, 1, 2, 0.0, retry_in=1.0,
        result="'pending'", message="retry_predicate returned 'yes' (true)",
    )  # fmt: skip
    printer([RunStarted("r1", "etl", 3, ("poll",), (2,), ("",), None, 0.0), rejected])
    retry = next(line for line in out.getvalue().splitlines() if "⟳" in line)
    assert retry.endswith(": retry_predicate returned 'yes' (true) → 'pending'")
