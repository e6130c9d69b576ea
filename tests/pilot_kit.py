"""Helpers for Textual pilot tests, shared by ``tests/tui`` and ``tests/reliability``,
and the frozen clock they and the printers' tests give the TUI and the printers.

``tests/`` is not a package, but pytest puts it on ``sys.path`` for the packages under
it, so both suites import this module by its plain name.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any


def screen_text(app: Any) -> str:
    """What the terminal would show, one line per screen row."""
    return "\n".join(
        "".join(segment.text for segment in line) for line in app.screen._compositor.render_strips()
    )


async def wait_for(
    pilot: Any, predicate: Callable[[], Any], what: str, timeout: float = 15.0
) -> None:
    """Let the app run until ``predicate()`` holds (a safety timeout, not a timing check)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def wait_for_text(pilot: Any, app: Any, *texts: str, timeout: float = 15.0) -> str:
    """Let the app run until the screen shows each of ``texts``; what it shows then. In
    place of a fixed pause before an assertion on the screen: no longer than it takes."""
    await wait_for(
        pilot,
        lambda: all(text in screen_text(app) for text in texts),
        f"the screen to show {texts!r}",
        timeout,
    )
    return screen_text(app)


async def wait_for_run(pilot: Any, app: Any, state: Any, what: str = "the run") -> None:
    """Let the app run until the shown run has reached ``state`` (a ``StateType``)."""
    await wait_for(
        pilot,
        lambda: app.table.run is not None and app.table.run.state is state,
        f"{what} (the shown run {state.value})",
    )


def footer_labels(app: Any) -> dict[str, str]:
    """The footer's labels by key, as it offers them now."""
    entries, _ = app.footer_entries()
    return dict(entries)


@contextlib.contextmanager
def toasts_said(app: Any) -> Iterator[list[str]]:
    """The message of every toast ``app`` shows in the block, in order, noted as the app
    adds it: still there once the toast has expired.

    The toasts shown (``app._notifications``) are no count to wait on: Textual drops each
    as it expires, so a wait for one more toast than before an action timed out when an
    earlier one (auto-rerun's lasts 2 s, a reload's 3) expired meanwhile, on a loaded
    machine."""
    said: list[str] = []
    shown = app._notifications
    add = shown.add

    def noted(notification: Any) -> Any:
        said.append(str(notification.message))
        return add(notification)

    shown.add = noted
    try:
        yield said
    finally:
        shown.add = add


class FrozenClock:
    """A clock that stands still unless a test sets ``now``: stable snapshots and countdowns.
    Its wall clock reads the same unless a test sets ``wall_now`` (a clock set back).

    A ``flowtop.tui.clock.LocalClock``, for the ``clock`` the app, its model and the
    printers take.
    """

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now
        self.wall_now: float | None = None

    def __call__(self) -> float:
        return self.now

    def readings(self) -> tuple[float, float]:
        return self.now, self.now if self.wall_now is None else self.wall_now
