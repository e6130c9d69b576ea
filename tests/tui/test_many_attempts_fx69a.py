"""A task with thousands of attempts: the monitor keeps and draws its last ones, and says
how many came before them (fx69a).

A task that failed 20,000 times with no delay (``max_retries=20000, retry_delay=0``)
stalled the monitor: its detail pane drew every attempt with its traceback (120,000
lines laid out each time the flow was selected: 27-41 s, the process at 700 MB, and as
long again for the events of its live run), and so did its run's page in the history
(36 s, Escape unanswered meanwhile). Both draw the last ``SHOWN_ATTEMPTS`` now, under
``… 19,801 earlier attempts not shown``; the row keeps fewer than twice as many.
"""

from __future__ import annotations

from pathlib import Path

from flowtop.engine import Flow, task
from flowtop.engine.events import ErrorInfo, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.attempts_shown import SHOWN_ATTEMPTS
from flowtop.tui.run_store import RunStore
from flowtop.tui.screens.run_detail import RunDetailScreen, attempts_text
from flowtop.tui.widgets.detail_pane import body_text
from flowtop.workspace.history_records import AttemptRecord, RunDetail, RunRecord, TaskRecord
from pilot_kit import wait_for, wait_for_run, wait_for_text

from .conftest import FakeWorkspace
from .snapshot_apps import T0, HostApp

S = StateType
MANY = 20_001  # 20,000 retries and the first attempt
ERROR = ErrorInfo("ConnectionError", "down", 'Traceback …\n  raise ConnectionError("down")\n')


def events(attempts: int) -> list[RunStarted | TaskStateChanged]:
    """A run whose task ``flaky`` fails ``attempts`` times, retried at once each time."""

    out: list[RunStarted | TaskStateChanged] = [
        RunStarted("r1", "etl", 1, ("flaky",), (attempts,), ("many× 0s",), None, T0)
    ]
    for n in range(1, attempts + 1):
        out.append(TaskStateChanged("r1", "etl", "flaky", S.RUNNING, n, attempts, T0))
        last = n == attempts
        out.append(
            TaskStateChanged(
                "r1",
                "etl",
                "flaky",
                S.FAILED if last else S.AWAITING_RETRY,
                n,
                attempts,
                T0,
                retry_in=None if last else 0.0,
                delay_explained="" if last else "retry_delay=0s",
                error=ERROR,
                duration=0.001,
            )
        )
    return out


def numbered(text: str, prefix: str = "#") -> list[str]:
    """The attempts a text draws, by their numbers' words (``#19802``, ``Attempt 7``)."""
    lines = [line.strip() for line in text.splitlines()]
    return [line.split("  ")[0].split(" ·")[0] for line in lines if line.startswith(prefix)]


def test_a_task_with_20000_attempts_keeps_and_draws_its_last_ones() -> None:
    store = RunStore()
    store.apply_batch(events(MANY))
    row = store.runs["r1"].rows["flaky"]
    assert len(row.attempts) < 2 * SHOWN_ATTEMPTS  # old: 20,001, each with its error
    assert row.attempts_dropped + len(row.attempts) == MANY
    assert row.attempts[-1].number == MANY and row.attempts[-1].state is S.FAILED
    text = body_text(row, None, now=T0).plain
    first = MANY - SHOWN_ATTEMPTS + 1
    assert numbered(text) == [f"#{n}" for n in range(first, MANY + 1)]  # old: #1 … #20001
    lines = [line.strip() for line in text.splitlines()]
    under = lines[lines.index("Attempts") + 1 :]
    said = f"… {MANY - SHOWN_ATTEMPTS:,} earlier attempts not shown"
    assert under[0] == f"{said} (flowtop history --run lists each)"
    assert under[1].startswith(f"#{first}  ")


def test_a_task_with_a_few_hundred_attempts_shows_each_as_before() -> None:
    for attempts in (3, SHOWN_ATTEMPTS):
        store = RunStore()
        store.apply_batch(events(attempts))
        text = body_text(store.runs["r1"].rows["flaky"], None, now=T0).plain
        assert numbered(text) == [f"#{n}" for n in range(1, attempts + 1)]
        assert "earlier" not in text and "retry after 0s: retry_delay=0s" in text


def many_attempts_page(attempts: int) -> RunDetail:
    records = tuple(
        AttemptRecord(
            n,
            "FAILED" if n == attempts else "AWAITING_RETRY",
            T0,
            0.001,
            None,
            ERROR.type,
            ERROR.message,
            ERROR.traceback,
            "",
            None if n == attempts else 0.0,
            "" if n == attempts else "retry_delay=0s",
        )
        for n in range(1, attempts + 1)
    )
    task = TaskRecord(
        "flaky", "FAILED", attempts, attempts, "", None, False, "", "ConnectionError", "down",
        T0, 0.001, T0 + 1, records,
    )  # fmt: skip
    run = RunRecord("r1", "etl", 1, "FAILED", T0, T0 + 1, 1.0, None, None, {"FAILED": 1}, 1)
    return RunDetail(run, (task,))


def test_a_run_s_page_draws_a_task_s_last_attempts() -> None:
    (task,) = many_attempts_page(MANY).tasks
    text = attempts_text(task).plain
    first = MANY - SHOWN_ATTEMPTS + 1
    assert numbered(text, "Attempt ") == [f"Attempt {n}" for n in range(first, MANY + 1)]
    assert f"\n… {MANY - SHOWN_ATTEMPTS:,} earlier attempts not shown" in text
    (few,) = many_attempts_page(2).tasks
    assert numbered(attempts_text(few).plain, "Attempt ") == ["Attempt 1", "Attempt 2"]


async def test_the_page_of_a_run_with_20000_attempts_opens_and_closes() -> None:
    app = HostApp(lambda: RunDetailScreen(many_attempts_page(MANY)))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the page")
        shown = await wait_for_text(pilot, app, "ConnectionError: down", "Attempt ")
        assert f"… {MANY - SHOWN_ATTEMPTS:,} earlier attempts not shown" in shown
        assert f"Attempt {MANY - SHOWN_ATTEMPTS + 1} ·" in shown and "Attempt 1 ·" not in shown
        text = app.screen.query_one("#attempt-text")
        assert text.size.height < 10 * SHOWN_ATTEMPTS  # its lines laid out: old, 120,000
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results == [None], "the page closed")


def flaky_flow(retries: int) -> Flow:
    @task(max_retries=retries, retry_delay=0)
    def flaky() -> None:
        raise ConnectionError("down")

    flow = Flow("flaky")
    flow.add_task(flaky)
    return flow


async def test_the_detail_pane_of_a_task_with_many_attempts_starts_with_their_count(
    tmp_path: Path,
) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"flaky": flaky_flow(500)}))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for_run(pilot, app, StateType.FAILED)
        shown = await wait_for_text(pilot, app, "flaky  ✗ Failed  attempt 501/501")
        pane = [line.partition("▕")[2].strip() for line in shown.splitlines()]
        after = pane[pane.index("Attempts") + 1 :]
        assert after[0] == "… 301 earlier attempts not shown (flowtop history --run lists each)"
        assert after[1].startswith("#302  ")  # old: #1, and 500 more below it
        assert app.table.run is not None
        row = app.table.run.rows["flaky"]
        assert len(row.attempts) < 2 * SHOWN_ATTEMPTS and row.attempts[-1].number == 501
