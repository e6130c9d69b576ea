"""`n` or `x` on a run whose process was just killed says the run had ended.

The key wrote its request, no process took it, and nothing was said: a moment later the
run read interrupted, the key's request unanswered. With no answer in ``ANSWER_WAIT``, the
key now looks at the run's process, and says the run ended before it could act.
"""

from __future__ import annotations

import os
import signal

import pytest

from flowtop.tui import run_control
from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace
from pilot_kit import toasts_said, wait_for

from .test_answers_off_the_queue import SIZE, slow, start_and_wait_for_the_retry
from .test_cancel_ack_s59 import run_pid

__all__ = ["slow"]  # (the fixture, used by name)


@pytest.mark.parametrize("key", ["n", "x"])
async def test_a_wait_key_on_a_killed_run_says_it_had_ended(
    slow: Workspace, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_control, "ANSWER_WAIT", 0.3)  # no process will answer
    app = FlowtopApp(slow, watch=False, run_processes=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_and_wait_for_the_retry(pilot, app)
        pid = run_pid(app)
        app.table.focus()
        with toasts_said(app) as said:
            os.kill(pid, signal.SIGKILL)
            await pilot.press(key)
            kept = "its wait could be cut" if key == "n" else "its task was given up"
            ended = f"Run #1 of slow had ended (INTERRUPTED) before {kept}"
            # old: nothing said, however long one waited
            try:
                await wait_for(pilot, lambda: any(ended in text for text in said), repr(ended))
            except AssertionError:
                raise AssertionError(repr(said)) from None
