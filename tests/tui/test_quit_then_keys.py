"""Keys typed right after ``q`` (a burst: ``qestion`` typed into the wrong window) reach
an app that is quitting: ``e`` opened the retry editor as the app's screens came down,
and its mount failed (``NoMatches: '#field-max_retries'``), ending flowtop with a
traceback instead of quietly."""

from __future__ import annotations

from typing import Any

from textual import events

from flowtop.tui.app import FlowtopApp


async def test_keys_typed_after_q_do_not_break_the_quit(workspace: Any) -> None:
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for key in "qestion":  # one burst, as a terminal delivers keys typed quickly
            app.post_message(events.Key(key, key))
        await pilot.pause()
    assert app.return_code in (0, None), app.return_code
    assert app._exception is None, app._exception
