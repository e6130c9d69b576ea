"""ctrl+z hung flowtop for good where no shell has job control (``ssh -tt host 'cd ws &&
flowtop'``, ``setsid -w flowtop``): Textual stopped the process and nothing ever sent it
SIGCONT, so the screen stayed blank and q or ctrl+c only echoed. Now it stops only where
a shell can resume it, and says why it does not elsewhere."""

from __future__ import annotations

import os
from typing import Any

import pytest
from textual.app import App
from textual.drivers.headless_driver import HeadlessDriver

from flowtop.tui.app import FlowtopApp
from flowtop.tui.view_actions import shell_can_resume
from pilot_kit import wait_for

SESSION_LEADER = 4242
OWN_JOB = 4300


@pytest.mark.parametrize(
    ("process_group", "session", "resumable"),
    [
        (OWN_JOB, SESSION_LEADER, True),  # a job of an interactive shell: fg resumes it
        (SESSION_LEADER, SESSION_LEADER, False),  # bash -c, ssh's command, setsid, exec
    ],
)
def test_only_a_job_of_its_own_can_be_resumed(
    process_group: int, session: int, resumable: bool
) -> None:
    assert shell_can_resume(process_group, session) is resumable


def _messages(app: App[Any]) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def _press_ctrl_z(
    workspace: Any, monkeypatch: pytest.MonkeyPatch, process_group: int
) -> tuple[list[str], list[str]]:
    """ctrl+z in the monitor, in ``process_group`` of session ``SESSION_LEADER``, with a
    driver that can stop the process (the test's own cannot) and Textual's stop recorded
    instead of made: what stopped and the notices shown."""
    stopped: list[str] = []

    def stop(app: App[Any]) -> None:
        stopped.append(type(app.screen).__name__)

    monkeypatch.setattr(App, "action_suspend_process", stop)
    monkeypatch.setattr(HeadlessDriver, "can_suspend", property(lambda driver: True))
    monkeypatch.setattr(os, "getpgrp", lambda: process_group)
    monkeypatch.setattr(os, "getsid", lambda pid: SESSION_LEADER)
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+z")
        await pilot.pause()
        if not stopped:
            await wait_for(pilot, lambda: _messages(app), "the notice")
        return stopped, _messages(app)


async def test_without_job_control_ctrl_z_says_why_and_keeps_running(
    workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stopped, messages = await _press_ctrl_z(workspace, monkeypatch, SESSION_LEADER)
    assert stopped == []
    assert messages == ["^z: no shell here can resume flowtop (no job control); q quits"]


async def test_in_a_job_control_shell_ctrl_z_still_stops(
    workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stopped, messages = await _press_ctrl_z(workspace, monkeypatch, OWN_JOB)
    assert stopped == ["Screen"]
    assert messages == []
