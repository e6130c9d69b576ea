"""A full run store's disk reaches `n`'s toast, and the pane without a key press.

The detail pane named a full disk as what an overdue retry waited for (``StoreRoom``),
but `n` on that task still said "it waits for a slot …, or its run's process (stopped or
busy)"; and a disk that filled once the overdue text was on screen was not said until
the selection moved or an event came: the tick redrew only when the model's own text
changed, which a full disk does not change.
"""

from __future__ import annotations

import time

import pytest

from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.workspace import Workspace, store_room
from flowtop.workspace.store_room import LOOK_EVERY
from pilot_kit import FrozenClock, toasts_said, wait_for

from .test_answers_off_the_queue import SIZE, start_and_wait_for_the_retry
from .test_store_full_s60 import pane_text, slow

__all__ = ["slow"]  # the fixture, used by name

ROOMY = 10 * 1024 * 1024
FULL = "room in the run store: the disk of {} is full (0 bytes free), so its run's process"


async def test_n_says_the_store_is_full(slow: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FrozenClock(time.time())
    monkeypatch.setattr(RunModel, "clock", clock)
    app = FlowtopApp(slow, watch=False, run_processes=True, clock=clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_and_wait_for_the_retry(pilot, app)  # due in a minute
        monkeypatch.setattr(store_room, "free_bytes", lambda folder: 0)  # the disk fills
        clock.now += 120  # its retry is long overdue
        full = FULL.format(slow.state_dir)
        await wait_for(pilot, lambda: full in pane_text(app), "the pane to say it", timeout=30)
        with toasts_said(app) as said:
            await pilot.press("n")
            await wait_for(pilot, lambda: said, "what n says")
        # old: "waiter's wait is over: it waits for a slot of a concurrency limit on its
        # tags, or its run's process (stopped or busy)"
        assert said == [
            f"waiter's wait is over: it waits for {full} cannot record what it does "
            "(the retry may have started: it shows once there is room)"
        ]
        app.shutdown(cancel=True)  # its process would wait out its retries


async def test_a_disk_filling_under_the_overdue_text_is_said_unasked(
    slow: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(time.time())
    monkeypatch.setattr(RunModel, "clock", clock)
    free = {"bytes": ROOMY}
    monkeypatch.setattr(store_room, "free_bytes", lambda folder: free["bytes"])
    app = FlowtopApp(slow, watch=False, run_processes=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await start_and_wait_for_the_retry(pilot, app)
        clock.now += 120
        await wait_for(
            pilot, lambda: "stopped or busy" in pane_text(app), "the overdue text", timeout=30
        )
        free["bytes"] = 0  # the disk fills; nothing else happens, no key is pressed
        clock.now += LOOK_EVERY  # the store's room is looked at again
        # old: "stopped or busy" stayed until the selection moved or an event came
        await wait_for(
            pilot,
            lambda: FULL.format(slow.state_dir) in pane_text(app),
            "the pane to say the store's disk is full",
        )
        assert "stopped or busy" not in pane_text(app)
        free["bytes"] = ROOMY  # room is made: the pane says so again
        clock.now += LOOK_EVERY
        await wait_for(pilot, lambda: "stopped or busy" in pane_text(app), "the room said")
        app.shutdown(cancel=True)
