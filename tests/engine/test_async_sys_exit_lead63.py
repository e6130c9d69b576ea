"""An ``async def`` task that calls ``sys.exit()`` fails as its sync twin does: asyncio
re-raises ``SystemExit`` out of the event loop's ``run_forever``, and the loop's thread
ended, leaving the run waiting for good (found beside the drop-in ``sys.exit`` work)."""

from __future__ import annotations

import sys

from flowtop import StateType, flow, task
from flowtop.engine import Runner


@task
async def quits() -> None:
    sys.exit(4)


@flow
async def calls_quits() -> str:
    try:
        await quits()
    except SystemExit as exc:
        return f"exit {exc.code}"
    return "went on"


@task
async def answers() -> int:
    return 7


@flow
async def after() -> int:
    return await answers()


def test_an_async_task_s_sys_exit_fails_it_and_the_loop_goes_on() -> None:
    with Runner(2) as runner:
        result = runner.start(calls_quits).result(timeout=20)  # old: never returned
        assert result.state is StateType.COMPLETED
        assert result.value == "exit 4"
        assert runner.start(after).result(timeout=20).value == 7  # the loop still runs
