"""Prefect 3's ``prefect.concurrency`` (``flowtop.concurrency``): named limits from the
workspace's ``flowtop.toml``, held across the threads of one process. A missing limit
is checked side by side with Prefect (``concurrency_limits``)."""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from flowtop import flow, task
from flowtop.concurrency import ConcurrencySlotAcquisitionError, limits
from flowtop.concurrency.asyncio import concurrency as aconcurrency
from flowtop.concurrency.sync import concurrency, rate_limit
from flowtop.engine import Runner
from flowtop.workspace import Workspace


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flowtop.toml").write_text(
        "[concurrency]\ndatabase = 2\napi = { limit = 2, slot_decay_per_second = 20.0 }\n"
    )
    return tmp_path


def test_a_limit_holds_across_a_run_s_tasks(tmp_path: Path) -> None:
    (tmp_path / "flowtop.toml").write_text("[concurrency]\ndatabase = 2\n")
    inside, most = [0], [0]
    lock = threading.Lock()

    @task
    def query(i: int) -> int:
        with concurrency("database"):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.05)
            with lock:
                inside[0] -= 1
        return i

    @flow
    def report() -> list[int]:
        return [f.result() for f in [query.submit(i) for i in range(8)]]

    with Workspace(tmp_path) as workspace, workspace.make_runner(record=False) as runner:
        assert runner.run(report).value == list(range(8))
    assert most[0] == 2


def test_a_rate_limit_frees_its_slots_at_its_decay(here: Path) -> None:
    start = time.monotonic()
    for _ in range(4):  # two at once, then one per 1/20 s
        rate_limit("api")
    assert 0.07 <= time.monotonic() - start < 2


def test_a_wait_past_its_timeout_raises_prefect_s_error(here: Path) -> None:
    with (
        concurrency("database", occupy=2),
        pytest.raises(TimeoutError, match=r"timed out after 0\.1 second\(s\)"),
        concurrency("database", timeout_seconds=0.1),
    ):
        pass
    with concurrency("database", occupy=2):  # given back: free again
        pass


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: concurrency("database", occupy=3).__enter__(), "greater than the limit"),
        (lambda: rate_limit("database"), "Only concurrency limits with slot decay"),
        (lambda: concurrency("nope", strict=True).__enter__(), "must be created before"),
    ],
)
def test_what_a_limit_cannot_do_is_refused_as_prefect_refuses_it(
    here: Path, call: object, match: str
) -> None:
    with pytest.raises(ConcurrencySlotAcquisitionError, match=match):
        call()  # type: ignore[operator]


def test_a_missing_limit_is_skipped_and_the_task_s_output_says_so(here: Path) -> None:
    @task
    def guarded() -> str:
        with concurrency("nope"):
            return "ran"

    @flow
    def report() -> str:
        return guarded()

    with Runner() as runner:
        result = runner.run(report)
    assert result.value == "ran"
    (attempt,) = result.attempts["guarded"]
    assert "Concurrency limits ['nope'] do not exist - skipping acquisition." in attempt.output


def test_the_async_form_waits_without_blocking_the_loop(here: Path) -> None:
    async def main() -> list[str]:
        order: list[str] = []

        async def hold() -> None:
            async with aconcurrency("database", occupy=2):
                order.append("held")
                await asyncio.sleep(0.1)
            order.append("released")

        async def wait() -> None:
            await asyncio.sleep(0.02)
            async with aconcurrency("database"):
                order.append("second")

        await asyncio.gather(hold(), wait())
        return order

    assert asyncio.run(main()) == ["held", "released", "second"]


def test_a_bad_occupy_or_a_limit_broken_since_the_load_is_one_clear_error(here: Path) -> None:
    with pytest.raises(ValueError, match="occupy must be a whole number of slots >= 1, got 0"):
        concurrency("database", occupy=0).__enter__()
    (here / "flowtop.toml").write_text('[concurrency]\ndatabase = "two"\n')
    with pytest.raises(
        ValueError, match=r"flowtop\.toml: \[concurrency\] database: its limit must"
    ):
        concurrency("database").__enter__()


def test_a_limit_raised_while_a_block_waits_lets_it_in(here: Path) -> None:
    entered = threading.Event()

    def wait() -> None:
        with concurrency("database", timeout_seconds=5):
            entered.set()

    with concurrency("database", occupy=2):
        waiter = threading.Thread(target=wait)
        waiter.start()
        assert not entered.wait(0.1)  # both slots held
        (here / "flowtop.toml").write_text("[concurrency]\ndatabase = 3\n")
        assert entered.wait(2)  # in, while the block still holds its two
    waiter.join()


def test_a_task_waiting_for_slots_says_so_in_its_output(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "TELL_AFTER", 0.05)

    @task
    def guarded() -> str:
        with concurrency("database"):
            return "ran"

    @flow
    def report() -> str:
        return guarded()

    def free_soon(held: AbstractContextManager[None]) -> None:
        time.sleep(0.3)
        held.__exit__(None, None, None)

    held = concurrency("database", occupy=2)
    held.__enter__()
    threading.Thread(target=free_soon, args=(held,)).start()
    with Runner() as runner:
        result = runner.run(report)
    assert result.value == "ran"
    (attempt,) = result.attempts["guarded"]
    assert attempt.output.count("Waiting for concurrency slots of 'database' (2 slots)") == 1
