"""How a test waits: on a condition, never for a while (issue 17 item 9).

The suite runs on two shared cores under load: a fixed sleep long enough on a quiet
machine is too short on a busy one. ``wait_until`` (a thread or a plain test) and
``until`` (a coroutine) poll a condition, their timeout a guard against a hang, no
timing check; ``WatchStarts`` tells when a workspace's watch is on. Pilot tests wait
with ``pilot_kit.wait_for``, which lets the app run between looks.

``tests/`` is not a package, but pytest puts it on ``sys.path`` for the packages under
it, so every suite imports this module by its plain name.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T],
    what: str = "",
    timeout: float = 20.0,
    interval: float = 0.01,
) -> T:
    """Poll ``condition`` until it is true and return what it returned; fail the test
    (not hang it) saying ``what`` was waited for when it never is."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(interval)
    return value


async def until(
    condition: Callable[[], T],
    what: str = "",
    timeout: float = 20.0,
    interval: float = 0.01,
) -> T:
    """``wait_until`` for a coroutine: the event loop runs on between looks."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        await asyncio.sleep(interval)
    return value


class WatchStarts:
    """Each start of a workspace watch (the first, and each restart), noted once it is on.

    The watcher catches up with what was saved before its watch was on once that watch is
    on (``flowtop.workspace.watcher._catch_up``): from then a save is seen one way or the
    other. A test waits for that (``await starts.on(n)``), not 0.3 s it hopes is enough;
    ``missed[i]`` is what the ``i``-th start found saved meanwhile."""

    def __init__(self, monkeypatch: Any) -> None:
        from flowtop.workspace import watcher

        self.missed: list[list[Path]] = []
        self._lock = threading.Lock()
        real = watcher._catch_up

        def noted(*args: Any, **kwargs: Any) -> list[Path]:
            missed = real(*args, **kwargs)
            with self._lock:
                self.missed.append(missed)
            return missed

        monkeypatch.setattr(watcher, "_catch_up", noted)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.missed)

    async def on(self, starts: int = 1, arriving: asyncio.Future[Any] | None = None) -> None:
        """Until the watch has been started ``starts`` times; raises what ended the watch
        (``arriving``, the watch's pending ``anext``) if it ended first."""

        def done() -> bool:
            return self.count >= starts or (arriving is not None and arriving.done())

        await until(done, f"watch start {starts} (seen {self.count})")
        if self.count < starts and arriving is not None:
            arriving.result()  # raises what ended it
            raise AssertionError(f"the watch yielded before start {starts}: {arriving.result()}")
