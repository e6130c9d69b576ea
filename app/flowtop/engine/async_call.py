"""An ``async def`` task attempt's call on the event loop, which a time limit cancels.

A sync attempt past its time limit gets an exception raised in its thread
(``user_call``); an async one holds no thread: it is an asyncio task on the loop
(``aloop``), and Prefect 3 cancels it at its ``timeout_seconds``. So does this: the
coroutine gets ``CancelledError`` at its next ``await`` (code that never awaits goes on
until it does), and the timeout's traceback is where it was suspended. A flow run's
``timeout_seconds`` stops a running async attempt the same way.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .user_call import UserCall

if TYPE_CHECKING:
    import asyncio


class AsyncCall(UserCall):
    """The call of one async attempt (``token``): its coroutine and asyncio task once the
    loop starts it (``begun``), until it ends (``ended``); then its ``judge``."""

    __slots__ = ("coro", "task", "asked", "over", "judge")

    def __init__(self, token: int) -> None:
        super().__init__(token)
        self.coro: Coroutine[Any, Any, Any] | None = None
        self.task: asyncio.Task[Any] | None = None
        self.asked = False  # interrupted: cancelled, or not to begin
        self.over = False
        #: The thread that judges its outcome once it ended (``aloop.start_attempt``).
        self.judge: threading.Thread | None = None

    def begun(self, coro: Coroutine[Any, Any, Any], task: asyncio.Task[Any]) -> None:
        """On the loop, as the attempt's task is made: cancelled at once (before its first
        step: none of its code runs) when the time limit came first."""
        with self._lock:
            self.coro, self.task = coro, task
            asked = self.asked
        if asked:
            task.cancel()

    def ended(self) -> None:
        with self._lock:
            self.over = True

    def interrupt(self, kind: type[BaseException]) -> bool:
        """Cancel the attempt's task (whatever ``kind``: asyncio stops a task one way), or
        keep it from beginning; False when it has ended or was interrupted already."""
        with self._lock:
            if self.over or self.asked:
                return False
            self.asked = True
            task = self.task
            if task is None:
                return True  # ``begun`` cancels it
            self.stack = suspended_at(self.coro)
        with contextlib.suppress(RuntimeError):  # a loop closed meanwhile runs nothing
            task.get_loop().call_soon_threadsafe(task.cancel)
        return True


def suspended_at(coro: Any) -> TracebackType | None:
    """Where ``coro`` is (its frames and those of what it awaits, outermost first), as a
    traceback: the line an async attempt was on when its time ran out."""
    frames = []
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        frames.append(frame)
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    stack = None
    for frame in reversed(frames):  # innermost first: each links to the one it awaited
        line = frame.f_lineno or frame.f_code.co_firstlineno
        stack = TracebackType(stack, frame, max(frame.f_lasti, 0), line)
    return stack
