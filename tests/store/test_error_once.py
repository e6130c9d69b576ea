"""A failed step's message is stored once, and read back exactly (schema version 11).

A Python traceback ends with ``Type: message``: the log kept the message twice, on its
own and as the traceback's last line, and a 2 KB message made each failed step 2 KB
bigger (5,000 tasks failing three times each: a 74 MB run, 43 MB now). The body keeps
the message's length where the traceback ends with it; every error, and every row an
older flowtop wrote, reads back as it was.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.records import error_info
from flowtop.engine.states import StateType as S
from flowtop.workspace import history_fold, run_log
from flowtop.workspace.history import History

RUN = "0123456789ab"


def _raised(message: str) -> ErrorInfo:
    def dive(depth: int) -> None:
        if depth == 0:
            raise RuntimeError(message)
        dive(depth - 1)

    try:
        dive(30)
    except RuntimeError as exc:
        return error_info(exc)
    raise AssertionError("not raised")


def _failed(error: ErrorInfo) -> TaskStateChanged:
    return TaskStateChanged(RUN, "deep", "dive", S.FAILED, 1, 1, 2.0, error=error, duration=0.5)


def _attempt(error: ErrorInfo) -> list[TaskStateChanged]:
    return [TaskStateChanged(RUN, "deep", "dive", S.RUNNING, 1, 1, 1.5), _failed(error)]


def _roundtrip(error: ErrorInfo) -> list[ErrorInfo | None]:
    """``error`` as each kind of log row gives it back: a step alone (``p``), in a row of
    steps (``q``), and a run's end."""
    step = _failed(error)
    body, ts, took = history_fold.step_body(step), 2.0, 0.5
    alone = run_log.decode(body, RUN, ts, took)
    _, batch, times, durations = history_fold.batch_row([step, step])
    batched = run_log.decode_rows([(RUN, batch, times, durations)])
    end = RunFinished(RUN, "deep", 1, S.FAILED, {"FAILED": 1}, 1.0, 3.0, error=error)
    ended = run_log.decode(run_log.encode(end), RUN)
    got = [alone, *batched, ended]
    return [e.error for e in got if isinstance(e, TaskStateChanged | RunFinished)]


def test_a_failed_steps_message_is_stored_once(tmp_path: Path) -> None:
    message = "deep failure 7: " + "m" * 2000
    error = _raised(message)
    assert error.traceback.endswith(f"RuntimeError: {message}\n")
    history = History(tmp_path / "history.db")
    try:
        start = RunStarted(RUN, "deep", 1, ("dive",), (1,), ("",), None, 1.0)
        end = RunFinished(RUN, "deep", 1, S.FAILED, {"FAILED": 1}, 1.0, 3.0, error=error)
        history.sink([start, *_attempt(error), end])
        assert history.flush(10)
        detail = history.run_detail(RUN)
    finally:
        history.close()
    with closing(sqlite3.connect(tmp_path / "history.db")) as raw:
        bodies = [body for (body,) in raw.execute("SELECT body FROM events")]
    # once in the failed step, once in the run's end; before: twice in each
    assert [body.count(message) for body in bodies] == [0, 1, 1]
    (attempt,) = detail.tasks[0].attempt_records
    assert (attempt.error_type, attempt.error_message, attempt.traceback) == tuple(error)


@given(
    kind=st.text(max_size=8),
    message=st.text(max_size=40),
    before=st.text(max_size=40),
    after=st.sampled_from(["\n", "", "\n\n", "x\n", " \n"]),
)
def test_every_error_reads_back_exactly(kind: str, message: str, before: str, after: str) -> None:
    """Tracebacks that end with the message (and a newline) and ones that do not: a note
    after it, no traceback, an empty message, a message of newlines only."""
    for error in (
        ErrorInfo(kind, message, before + message + after),
        ErrorInfo(kind, message, ""),
        ErrorInfo(kind, message, message),
        ErrorInfo(kind, message, before),
    ):
        assert _roundtrip(error) == [error] * 4, error


def test_a_real_traceback_reads_back_exactly() -> None:
    for message in ("boom", "ünïcode ✓ 𝄞\nsecond line", "x" * 100_001, ""):
        error = _raised(message)
        assert _roundtrip(error) == [error] * 4


def test_rows_an_older_flowtop_wrote_still_read() -> None:
    error = _raised("warehouse down")
    old_step = f'["p","deep","dive","FAILED",1,1,null,"",{json.dumps(list(error))},null]'
    assert run_log.decode(old_step, RUN, 2.0, 0.5).error == error  # type: ignore[union-attr]
    old_end = json.dumps(
        ["run_finished", RUN, "deep", 1, "FAILED", {}, 1.0, 3.0, list(error), "", None]
    )
    assert run_log.decode(old_end, RUN).error == error  # type: ignore[union-attr]


def test_a_lone_surrogate_in_the_message_reads_back_alike_in_both(tmp_path: Path) -> None:
    """A lone surrogate is stored escaped (``history_fold._log``; it was replaced by
    ``?``): the message read back is the traceback's end still, as it was raised."""
    error = _raised("bad \udcff byte")
    history = History(tmp_path / "history.db")
    try:
        start = RunStarted(RUN, "deep", 1, ("dive",), (1,), ("",), None, 1.0)
        history.sink([start, *_attempt(error)])
        assert history.flush(10)
        (attempt,) = history.run_detail(RUN).tasks[0].attempt_records
    finally:
        history.close()
    assert attempt.error_message == "bad \udcff byte"
    assert attempt.traceback == error.traceback
