"""A screen's answer from a worker's thread, dropped if the screen is going meanwhile.

A screen's read on a thread handed its answer over with ``app.call_from_thread``, which
runs it whatever became of the screen: as the screen closes (Escape, the app exiting)
its widgets are removed before its workers are cancelled, and an answer landing between
the two ran on them: ``WorkerFailed: NoMatches`` and a crashed app (seen with the
history screen and a run's page). ``is_mounted`` never says a screen is gone; its
message loop has ended (``is_running``) before its widgets go.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec

from textual.widget import Widget

P = ParamSpec("P")


def still_up(screen: Widget) -> bool:
    """Is ``screen`` still in the app, its widgets there (not closing, nor the app)?"""
    return screen.is_attached and screen.is_running


def answer_from_thread(
    screen: Widget, step: Callable[P, object], *args: P.args, **kwargs: P.kwargs
) -> None:
    """From a worker's thread of ``screen``: ``step(*args, **kwargs)`` on the app's
    thread, waited for, if ``screen`` is still up then (``still_up``); else nothing.
    A screen under another one is up: its answers are shown."""
    if not still_up(screen):  # gone already (the app too, perhaps: it takes no calls)
        return
    screen.app.call_from_thread(lambda: step(*args, **kwargs) if still_up(screen) else None)
