"""A failed watch is started again, and the screen says reload is off until it works.

The app showed "File watching stopped: …" for 10 s and then never reloaded a save again,
with nothing on screen to say so. Now it retries with a growing pause, and a line above
the keys says hot reload is off and why for as long as that is true.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from flowtop.tui import reload_actions
from flowtop.tui.app import FlowtopApp
from flowtop.tui.reload_actions import ReloadOff
from pilot_kit import wait_for

from .conftest import FakeChange, FakeWorkspace


class FailingFirst(FakeWorkspace):
    """A workspace whose first ``failures`` watches fail as a full inotify table does."""

    failures = 3
    watches = 0

    async def watch(self, stop_event: Any) -> AsyncIterator[FakeChange]:
        self.watches += 1
        if self.watches <= self.failures:
            raise OSError(28, "OS file watch limit reached")
        async for change in super().watch(stop_event):
            yield change


def reload_off_said(app: FlowtopApp) -> str:
    return "".join(str(line.render()) for line in app.screen.query(ReloadOff))


async def test_reload_is_said_off_while_the_watch_fails_and_comes_back(
    workspace: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reload_actions, "RETRY_FIRST", 0.05)
    monkeypatch.setattr(reload_actions, "SETTLED", 0.3)
    failing = FailingFirst(workspace.root, workspace.flows, workspace.errors)
    app = FlowtopApp(failing, watch=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: reload_off_said(app), "the reload-off line")
        assert "Hot reload is off" in reload_off_said(app)
        assert "OS file watch limit reached" in reload_off_said(app)
        assert len(app.screen.query(ReloadOff)) == 1  # one line, however many failures
        await wait_for(pilot, lambda: failing.changes is not None, "a watch that works")
        await wait_for(pilot, lambda: not app.screen.query(ReloadOff), "the line to go")
        assert failing.watches == failing.failures + 1
        assert failing.changes is not None
        failing.changes.put_nowait(FakeChange("Reloaded demo.py", flows=["demo"]))
        await wait_for(
            pilot,
            lambda: any("Reloaded demo.py" in str(n.message) for n in app._notifications),
            "the save to be reloaded after the failures",
        )
