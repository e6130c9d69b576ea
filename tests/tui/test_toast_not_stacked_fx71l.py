"""The same toast said again takes the place of the one still shown (fx71l).

In a folder of no flow, each press of `o`, `y`, `n`, `x`, `w` or `r` added one more
`No flows here yet…` toast: six presses, six identical toasts piled up at the screen's
foot. The newest now takes the place of the one still shown, whether the keys came one
at a time or in one read (their toasts' ``Notify`` still queued as the next key acts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets._toast import Toast

from flowtop.tui.app import FlowtopApp
from pilot_kit import toasts_said, wait_for

from .conftest import FakeWorkspace
from .test_answers_off_the_queue import SIZE
from .test_keys_after_cancel_fx71d import NO_FLOWS, burst

KEYS = ("o", "y", "n", "x", "w", "r")


def shown(app: FlowtopApp) -> set[str]:
    """The identities of the toasts on the screen."""
    return {toast._notification.identity for toast in app.screen.query(Toast)}


def kept(app: FlowtopApp) -> set[str]:
    """The identities of the toasts the app keeps (``_notifications``)."""
    return {notification.identity for notification in app._notifications}


@pytest.mark.parametrize("one_read", [False, True])
async def test_a_toast_said_again_replaces_the_one_shown(tmp_path: Path, one_read: bool) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {}), watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        with toasts_said(app) as said:
            if one_read:
                burst(app, *KEYS)
            else:
                for key in KEYS:
                    await pilot.press(key)
                    await wait_for(pilot, lambda k=key: len(said) > KEYS.index(k), "its toast")

            def settled() -> Any:
                return len(said) == len(KEYS) and shown(app) == kept(app)

            await wait_for(pilot, settled, "six toasts said, and the screen showing them")
        assert said == [NO_FLOWS] * len(KEYS), said
        # old: six `No flows here yet…` toasts, one above the other
        assert [n.message for n in app._notifications] == [NO_FLOWS]
        assert len(shown(app)) == 1
