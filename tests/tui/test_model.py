"""The event → row logic of the view model, without Textual."""

from __future__ import annotations

from dataclasses import fields

import pytest

from flowtop.engine import Flow, Retry, Runner, task
from flowtop.engine.events import (
    RETRIED_NOW,
    ErrorInfo,
    RunFinished,
    RunStarted,
    TaskOutput,
    TaskStateChanged,
)
from flowtop.engine.records import Attempt
from flowtop.engine.states import StateType
from flowtop.formats import fmt_duration
from flowtop.tui.model import RunModel, TaskRow
from flowtop.tui.row_views import counts_text, view_order
from flowtop.tui.run_store import RunStore
from flowtop.workspace.run_log import RunInterrupted

S = StateType
T0 = 1_000.0


def started(*keys: str, run_id: str = "r1", rerun_of: str | None = None) -> RunStarted:
    return RunStarted(
        run_id, "etl", 1, keys, tuple(4 for _ in keys), tuple("3× 1s" for _ in keys), rerun_of, T0
    )


def ev(
    key: str, state: StateType, attempt: int, ts: float, run_id: str = "r1", **kw
) -> TaskStateChanged:
    return TaskStateChanged(run_id, "etl", key, state, attempt, 4, ts, **kw)


def store_with(*events) -> RunStore:
    store = RunStore()
    store.apply_batch([started("a", "b", "c"), *events])
    return store


def test_run_started_makes_pending_rows_in_definition_order() -> None:
    run = store_with().latest_for("etl")
    assert run.order == ["a", "b", "c"]
    assert all(r.state is S.PENDING for r in run.rows.values())
    assert run.rows["a"].state_text(T0) == "… Pending"
    assert run.rows["a"].attempt_text() == "0/4" and run.rows["a"].policy == "3× 1s"


def test_a_retry_counts_down_from_the_event_time() -> None:
    err = ErrorInfo("ConnectionError", "reset", "Traceback…")
    store = store_with(
        ev("a", S.RUNNING, 1, T0 + 1),
        ev(
            "a",
            S.AWAITING_RETRY,
            1,
            T0 + 2,
            retry_in=3.0,
            delay_explained="1s × 2^1 = 2s, jitter +50% = 3s",
            error=err,
            duration=1.0,
        ),
    )
    row = store.latest_for("etl").rows["a"]
    assert row.retry_due == T0 + 5
    assert row.state_text(T0 + 2.9) == "⟳ Retry in 2.1s"
    assert row.state_text(T0 + 6) == "⟳ Retry due"  # never negative, never "in 0.0s"
    assert row.state_text(T0 + 9) == "⟳ Overdue 4s"  # late by more than a moment: said
    row.retry_due = T0 + 600  # a wait of minutes counts whole seconds (`584.1s` ticked 10×/s)
    assert [row.state_text(T0 + t) for t in (0, 15.95, 545)] == [
        "⟳ Retry in 10m00s",
        "⟳ Retry in 9m44s",
        "⟳ Retry in 55.0s",
    ]
    assert row.error_text() == "ConnectionError: reset"
    (attempt,) = row.attempts
    assert attempt.state is S.AWAITING_RETRY and attempt.retry_in == 3.0 and attempt.error is err
    assert attempt.delay_explained.startswith("1s × 2^1")


def test_every_attempt_is_kept_while_the_row_shows_the_latest() -> None:
    store = store_with(
        ev("a", S.RUNNING, 1, T0),
        ev(
            "a",
            S.AWAITING_RETRY,
            1,
            T0 + 1,
            retry_in=0.5,
            error=ErrorInfo("E", "first"),
            duration=1.0,
            output="out 1",
        ),
        ev("a", S.RUNNING, 2, T0 + 2),
        ev("a", S.COMPLETED, 2, T0 + 3, result="'ok'", duration=0.25),
    )
    row = store.latest_for("etl").rows["a"]
    assert row.state_text(T0 + 10) == "✓ Completed"
    assert row.attempt_text() == "2/4" and row.duration == 0.25 and row.result == "'ok'"
    assert [(a.number, a.state) for a in row.attempts] == [(1, S.AWAITING_RETRY), (2, S.COMPLETED)]
    assert row.attempts[0].output == "out 1" and row.attempts[0].error.message == "first"


def test_running_duration_is_live_and_final_duration_is_the_attempts() -> None:
    store = store_with(ev("a", S.RUNNING, 1, T0))
    row = store.latest_for("etl").rows["a"]
    assert row.state_text(T0) == "▶ Running"
    assert row.live_duration(T0 + 4) == 4.0
    store.apply_batch(
        [ev("a", S.FAILED, 1, T0 + 5, error=ErrorInfo("ValueError", "[bold]x[/"), duration=5.0)]
    )
    assert row.live_duration(T0 + 100) == 5.0
    assert row.state_text(T0) == "✗ Failed"
    assert row.error_text() == "ValueError: [bold]x[/"


def test_give_up_while_waiting_fails_the_last_attempt() -> None:
    store = store_with(
        ev("a", S.RUNNING, 1, T0),
        ev("a", S.AWAITING_RETRY, 1, T0 + 1, retry_in=60.0, error=ErrorInfo("E", "m")),
        ev("a", S.FAILED, 1, T0 + 2, error=ErrorInfo("E", "m"), message="given up by the user"),
    )
    row = store.latest_for("etl").rows["a"]
    assert row.retry_due is None and row.attempts[-1].state is S.FAILED
    assert row.message == "given up by the user"


def test_upstream_failed_cancelled_and_reused_rows() -> None:
    store = store_with(
        ev("a", S.COMPLETED, 1, T0, reused=True, result="1", message="reused from the source run"),
        ev("b", S.UPSTREAM_FAILED, 0, T0, message="upstream task 'x' did not complete"),
        ev("c", S.CANCELLED, 0, T0, message="cancelled by the user"),
    )
    rows = store.latest_for("etl").rows
    assert rows["a"].state_text(T0) == "↺ Reused" and rows["a"].attempts[0].reused
    assert (
        rows["b"].state_text(T0) == "⊘ Upstream failed"
        and "did not complete" in rows["b"].error_text()
    )
    assert rows["c"].state_text(T0) == "■ Cancelled" and not rows["b"].attempts


def test_a_run_whose_process_died_stops_its_countdowns_and_clocks() -> None:
    """Its header said interrupted while its rows went on: a retry counting down to 0.0s
    for ever, a task pending, a running attempt's clock ticking."""
    store = store_with(
        ev("a", S.RUNNING, 1, T0),
        ev("a", S.COMPLETED, 1, T0 + 1, result="1"),
        ev("b", S.RUNNING, 1, T0),
        ev("b", S.AWAITING_RETRY, 1, T0 + 1, retry_in=60.0, error=ErrorInfo("E", "m")),
        ev("c", S.RUNNING, 1, T0 + 1),
    )
    gone = RunInterrupted("r1", "its process (pid 42) is gone", T0 + 5)
    assert store.apply_batch([gone]) == {"r1": {"b", "c"}}  # their rows are redrawn
    run = store.latest_for("etl")
    assert run.state is S.FAILED and run.note == "interrupted: its process (pid 42) is gone"
    b, c = run.rows["b"], run.rows["c"]
    assert b.state_text(T0 + 100) == c.state_text(T0 + 100) == "⚡ Interrupted"
    assert b.retry_due is None and c.live_duration(T0 + 100) == 4.0  # ran until T0 + 5
    assert b.attempts[-1].error is not None  # its failure stays; the running one ends
    assert c.attempts[-1].state is S.CANCELLED and "pid 42" in c.error_text()
    assert counts_text(run) == "✓ 1 completed  ⚡ 2 interrupted"
    # The run itself reads as the history says it (the header and flows list said Failed).
    assert run.look == ("⚡", "Interrupted", "interrupted")
    assert store.latest_for("etl") is run and run.state is S.FAILED


def test_a_reused_row_counts_its_attempts_without_this_runs_budget() -> None:
    """Reused after max_retries was lowered to 0: ``3/1`` would read as a broken budget."""
    reused = TaskStateChanged("r1", "etl", "a", S.COMPLETED, 3, 1, T0, reused=True)
    row = store_with(reused).latest_for("etl").rows["a"]
    assert row.attempt_text() == "3" and row.attempt_text(compact=True) == "3"


def test_counts_follow_transitions_and_the_run_finishes() -> None:
    store = store_with(
        ev("a", S.RUNNING, 1, T0),
        ev("a", S.COMPLETED, 1, T0 + 1),
        ev("b", S.RUNNING, 1, T0),
        ev("b", S.FAILED, 1, T0 + 1, error=ErrorInfo("E", "")),
        ev("c", S.UPSTREAM_FAILED, 0, T0 + 1),
        RunFinished("r1", "etl", 1, S.FAILED, {}, 1.5, T0 + 2),
    )
    run = store.latest_for("etl")
    assert run.counts[S.COMPLETED] == 1 and run.counts[S.FAILED] == 1 and run.counts[S.PENDING] == 0
    assert counts_text(run) == "✓ 1 completed  ✗ 1 failed  ⊘ 1 upstream failed"
    assert run.state is S.FAILED and run.elapsed(T0 + 100) == 1.5


def test_apply_batch_reports_changed_keys_per_run_and_ignores_unknown_runs() -> None:
    store = RunStore()
    changed = store.apply_batch(
        [
            started("a", "b"),
            ev("a", S.RUNNING, 1, T0),
            ev("a", S.COMPLETED, 1, T0),
            ev("a", S.RUNNING, 1, T0, run_id="unknown"),
        ]
    )
    assert changed == {"r1": {"a"}}


def test_tasks_of_a_flow_function_get_rows_as_they_appear() -> None:
    store = RunStore()
    changed = store.apply_batch(
        [started(), ev("fetch", S.PENDING, 0, T0), ev("fetch", S.RUNNING, 1, T0)]
    )
    run = store.latest_for("etl")
    assert changed == {"r1": {"fetch"}}
    assert run.order == ["fetch"] and run.rows["fetch"].state is S.RUNNING and run.added == 1
    store.apply_batch([ev("fetch-2", S.PENDING, 0, T0)])
    assert (
        run.order == ["fetch", "fetch-2"]
        and run.counts[S.PENDING] == 1
        and run.counts[S.RUNNING] == 1
    )


def test_a_flow_functions_row_takes_its_policy_from_its_first_step() -> None:
    """A budget only Retry spends reads as one for a @flow call too: a plain failure
    ends it at once, so ``1/4`` would mislead."""
    store = RunStore()
    store.apply_batch(
        [
            started(),
            ev("plain", S.PENDING, 0, T0, policy="3× on Retry only 0s"),
            ev("plain", S.RUNNING, 1, T0),
            ev("tuned", S.PENDING, 0, T0, policy="3× 1s"),
            ev("tuned", S.RUNNING, 1, T0),
        ]
    )
    rows = store.latest_for("etl").rows
    assert (rows["plain"].policy, rows["plain"].attempt_text()) == (
        "3× on Retry only 0s",
        "1/1 (+3 on Retry)",
    )
    assert (rows["tuned"].policy, rows["tuned"].attempt_text()) == ("3× 1s", "1/4")


def test_a_flow_run_name_is_kept_printable() -> None:
    store = RunStore()
    store.apply_batch([RunStarted("r1", "report", 1, (), (), (), None, T0, name="daily\x1b[2J")])
    assert store.runs["r1"].run_name == "daily␛[2J"


@pytest.mark.parametrize("parent_first", [True, False])
def test_a_subflow_run_and_its_parent_name_each_other(parent_first: bool) -> None:
    """Live, the parent starts first; read back from the store, the child may come first."""
    parent = RunStarted("p1", "report", 2, (), (), (), None, T0)
    child = RunStarted("c1", "extract", 7, (), (), (), None, T0, parent_run="p1")
    store = RunStore()
    store.apply_batch([parent, child] if parent_first else [child, parent])
    assert store.runs["p1"].subflows == ["extract #7"]
    assert store.runs["c1"].parent_label == "report #2"


def test_a_new_run_of_the_flow_becomes_the_latest() -> None:
    store = store_with()
    store.apply_batch([started("a", "b", "c", run_id="r2", rerun_of="r1")])
    assert store.latest_for("etl").run_id == "r2" and store.latest_for("etl").rerun_of == "r1"
    assert set(store.runs) == {"r1", "r2"}


def test_filter_matches_task_names_and_state_words() -> None:
    store = store_with(
        ev("b", S.RUNNING, 1, T0), ev("b", S.FAILED, 1, T0), ev("c", S.UPSTREAM_FAILED, 0, T0)
    )
    run = store.latest_for("etl")
    assert view_order(run, query="FAIL") == ["b", "c"]
    assert view_order(run, query="upstream") == ["c"]
    assert view_order(run, query="pending") == ["a"]
    assert view_order(run, query="nothing") == []


def test_sort_modes() -> None:
    store = RunStore()
    store.apply_batch(
        [
            started("zeta", "alpha", "mid"),
            ev("zeta", S.RUNNING, 1, T0),
            ev("zeta", S.COMPLETED, 1, T0, duration=1.0),
            ev("alpha", S.RUNNING, 1, T0),
            ev("alpha", S.COMPLETED, 1, T0, duration=9.0),
            ev("mid", S.RUNNING, 1, T0),
            ev("mid", S.FAILED, 1, T0, duration=0.1),
        ]
    )
    run = store.latest_for("etl")
    assert view_order(run, sort="definition") == ["zeta", "alpha", "mid"]
    assert view_order(run, sort="state") == ["mid", "zeta", "alpha"]
    assert view_order(run, sort="name") == ["alpha", "mid", "zeta"]
    assert view_order(run, sort="duration") == ["alpha", "zeta", "mid"]
    with pytest.raises(ValueError, match="unknown sort mode 'size'"):
        view_order(run, sort="size")


def test_a_flow_not_run_yet_shows_its_tasks() -> None:
    preview = RunModel("etl", ["a", "b"])
    assert preview.run_id is None and preview.state is None
    assert (
        preview.rows["a"].state_text(T0) == "· Not run" and preview.rows["a"].attempt_text() == ""
    )


@pytest.mark.parametrize(
    ("seconds", "live", "recorded"),
    [
        (None, "", ""),
        (0.0042, "0.00s", "4ms"),
        (0.00002, "0.00s", "0.02ms"),
        (0.0005, "0.00s", "0.50ms"),  # read "0ms": Python rounds half to even
        (0.00099, "0.00s", "0.99ms"),
        (0.9996, "1.00s", "1.0s"),  # not "1000ms"
        (0.1234, "0.12s", "123ms"),
        (12.34, "12.3s", "12.3s"),
        (125, "2m05s", "2m05s"),
        (3725, "1h02m", "1h02m"),
        (-1, "0.00s", "0s"),
    ],
)
def test_fmt_duration_ticks_in_a_steady_width_and_records_down_to_the_millisecond(
    seconds, live, recorded
) -> None:
    assert fmt_duration(seconds, live=True) == live
    assert fmt_duration(seconds) == recorded


def test_the_monitors_attempts_are_the_engines_records_folded_from_events() -> None:
    """One attempt record: the view is the engine's ``Attempt`` plus what only events carry,
    and folding a real run's events gives the engine's own attempts, field for field."""
    events: list = []

    @task(retry_delay=0)
    def flaky(calls: list[int] = []) -> int:  # noqa: B006 - counts calls across retries
        calls.append(1)
        print(f"try {len(calls)}")
        if len(calls) < 3:
            raise Retry(f"attempt {len(calls)}")
        return len(calls)

    with Flow("etl") as flow:
        flaky()

    runner = Runner(2, sinks=(events.extend,))
    try:
        result = runner.start(flow).result(timeout=10)
    finally:
        runner.shutdown()
    store = RunStore()
    store.apply_batch(events)
    views = store.latest_for("etl").rows["flaky"].attempts
    engine = result.attempts["flaky"]
    assert len(engine) == 3 and all(isinstance(v, Attempt) for v in views)
    shared = [f.name for f in fields(Attempt)]
    assert [[getattr(v, n) for n in shared] for v in views] == [
        [getattr(a, n) for n in shared] for a in engine
    ]
    assert views[-1].result == "3" and not any(v.reused for v in views)


def test_a_running_attempt_shows_its_output_as_it_comes_and_its_end_brings_it_whole() -> None:
    def piece(text: str, attempt: int = 1) -> TaskOutput:
        return TaskOutput("r1", "etl", "a", attempt, text, T0 + 2)

    store = store_with(ev("a", S.RUNNING, 1, T0 + 1), piece("page 1\n"), piece("page 2 \x1b[2J\n"))
    row = store.latest_for("etl").rows["a"]
    assert row.attempts[-1].output == "page 1\npage 2 ␛[2J\n"  # escapes never reach the screen
    changed = store.apply_batch([piece("late\n", attempt=2)])  # not the attempt that runs
    assert changed == {"r1": set()} and "late" not in row.attempts[-1].output
    store.apply_batch([ev("a", S.COMPLETED, 1, T0 + 3, output="page 1\npage 2\npage 3\n")])
    store.apply_batch([piece("after its end\n")])
    assert row.attempts[-1].output == "page 1\npage 2\npage 3\n"


@pytest.mark.parametrize(
    ("then", "says"),
    [
        ([], "retry after 1m00s: fixed"),
        (
            [ev("a", S.RUNNING, 2, T0 + 11, message=RETRIED_NOW)],
            "retried now (n) after 11.0s of a planned 1m00s",
        ),
        ([ev("a", S.RUNNING, 2, T0 + 11)], "retry after 1m00s"),  # a clock set forward
        ([ev("a", S.FAILED, 1, T0 + 11, message="given up by the user")], "gave up during"),
        ([ev("a", S.CANCELLED, 1, T0 + 11)], "cancelled during the 1m00s wait"),
    ],
)
def test_the_detail_pane_says_what_became_of_a_wait_as_the_history_does(
    then: list[TaskStateChanged], says: str
) -> None:
    """It said "retry in 1m00s" of a wait `n`, `x` or a cancel had cut short."""
    from flowtop.tui.widgets.detail_pane import body_text

    store = store_with(
        ev("a", S.RUNNING, 1, T0),
        ev(
            "a",
            S.AWAITING_RETRY,
            1,
            T0 + 1,
            duration=0.0,
            retry_in=60.0,
            delay_explained="fixed",
            error=ErrorInfo("E", "m"),
        ),
        *then,
    )
    assert says in body_text(store.latest_for("etl").rows["a"], None).plain


def test_the_detail_pane_shows_a_running_attempts_last_lines() -> None:
    """Where a long task is now: its last lines (no count: the model keeps only a tail)."""
    from flowtop.tui.widgets.detail_pane import LIVE_LINES, body_text

    lines = "".join(f"row {i}\n" for i in range(30))
    store = store_with(ev("a", S.RUNNING, 1, T0 + 1), TaskOutput("r1", "etl", "a", 1, lines, T0))
    text = body_text(store.latest_for("etl").rows["a"], None).plain
    assert f"output so far (last {LIVE_LINES} lines):" in text
    assert "│ row 29" in text and f"│ row {30 - LIVE_LINES}\n" in text
    assert f"│ row {29 - LIVE_LINES}\n" not in text
    store.apply_batch([ev("a", S.COMPLETED, 1, T0 + 3, output=lines)])
    text = body_text(store.latest_for("etl").rows["a"], None).plain
    assert "output:" in text and "│ row 0\n" in text and "so far" not in text


def test_a_progress_bar_reads_as_the_terminal_left_it() -> None:
    """tqdm rewrites its line with ``\\r``: the pane showed every version of it, in one line."""
    from flowtop.tui.widgets.detail_pane import body_text

    bar = "".join(f"\r{p:3d}%|{'#' * (p // 10)}" for p in range(0, 101, 5))
    store = store_with(ev("a", S.RUNNING, 1, T0 + 1), TaskOutput("r1", "etl", "a", 1, bar, T0))
    text = body_text(store.latest_for("etl").rows["a"], None).plain
    assert "│ 100%|##########\n" in text and " 95%" not in text
    store.apply_batch([ev("a", S.COMPLETED, 1, T0 + 3, output="loading\r\n" + bar + "\ndone\n")])
    text = body_text(store.latest_for("etl").rows["a"], None).plain
    assert "│ loading\n│ 100%|##########\n│ done\n" in text


def test_a_pending_task_of_a_live_run_says_what_it_waits_for() -> None:
    """A task held back by a tag limit's slot stays PENDING with no event of its own:
    the detail pane says what a pending task can be waiting for."""
    from flowtop.tui.widgets.detail_pane import body_text

    store = store_with(ev("a", S.RUNNING, 1, T0 + 1))
    run = store.latest_for("etl")
    assert run.waiting_for("b", ["a"]) == "upstream a to finish"
    assert run.waiting_for("c", []) == "a free worker, or a slot of a concurrency limit on its tags"
    assert run.waiting_for("a", []) == ""  # running: nothing to wait for
    waiting = run.waiting_for("b", ["a"])
    assert (
        "Waiting for: upstream a to finish" in body_text(run.rows["b"], None, waiting=waiting).plain
    )
    store.apply_batch([ev("a", S.COMPLETED, 1, T0 + 2)])
    assert run.waiting_for("b", ["a"]).startswith("a free worker")
    store.apply_batch([RunFinished("r1", "etl", 1, S.CANCELLED, {}, 2.0, T0 + 3)])
    assert run.waiting_for("b", ["a"]) == ""  # the run is over: it waits for nothing


def test_a_long_task_name_gives_way_to_the_state_in_the_detail_title() -> None:
    """At 100 columns the title showed only the cut name: no `✗ Failed  attempt 2/2`."""
    from flowtop.tui.widgets.detail_pane import title_text

    row = TaskRow("a_very_long_task_name_" + "x" * 120, 0, StateType.FAILED, max_attempts=2)
    row.attempt = 2
    title = title_text(row, 0.0, width=80)
    title.truncate(80, overflow="ellipsis")
    assert title.plain.endswith("Failed  attempt 2/2") and "a_very_long_task_name_" in title.plain
    short = TaskRow("load", 0, StateType.FAILED, max_attempts=2)
    assert title_text(short, 0.0, width=80).plain.startswith("load  ")  # not padded


def test_a_traceback_line_that_wraps_goes_on_under_its_own_text() -> None:
    """A frame's ``File …`` line wrapped back to the traceback's edge (6 columns, not 8),
    and its source line too (README: wrapped lines keep their indent)."""
    from rich.console import Console

    from flowtop.tui.widgets.detail_pane import body_text

    tb = (
        "Traceback (most recent call last):\n"
        '  File "/very/long/path/to/the/flows/of/the/team/etl.py", line 12, in a_long_task_name\n'
        "    raise RuntimeError('a message long enough to wrap in a narrow pane')\n"
        "RuntimeError: a message long enough to wrap in a narrow pane\n"
    )
    store = store_with(
        ev("a", S.RUNNING, 1, T0),
        ev("a", S.FAILED, 1, T0 + 1, duration=1.0, error=ErrorInfo("RuntimeError", "m", tb)),
    )
    console = Console(width=40, record=True, color_system=None)
    console.print(body_text(store.latest_for("etl").rows["a"], None).renderable())
    lines = console.export_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("File "))
    assert lines[start].index("File") == 8
    assert len(lines[start + 1]) - len(lines[start + 1].lstrip()) == 8  # its wrapped part
    raised = next(i for i, line in enumerate(lines) if line.lstrip().startswith("raise "))
    assert lines[raised].index("raise") == 10
    assert len(lines[raised + 1]) - len(lines[raised + 1].lstrip()) == 10
