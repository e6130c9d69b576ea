"""What a sync task attempt past its ``timeout`` gets raised in its code: ``TaskInterrupted``,
an ``asyncio.CancelledError``.

It used to be the attempt's own error, ``TaskTimeout``: a ``TimeoutError``, which a
polling loop's broad ``except Exception`` swallowed, so the attempt ran on beside its retry
(side effects twice, after the flow had read ``TimedOut``). Prefect 3.9.1 raises its
``CancelledError`` there, a subclass of asyncio's, and flowtop cancels an ``async def``
attempt at its timeout: so one ``except asyncio.CancelledError:`` (or a ``finally:``)
cleans up after a timeout in any task, sync or async, here as in Prefect, and ``except
Exception`` lets it through. The attempt itself fails with ``TaskTimeout`` as before.

A module of its own because ``asyncio`` is imported here: half of the engine's import
time, it is imported only once something is interrupted (``user_call.in_code``), as
``aloop`` imports it only when a loop is made.
"""

from __future__ import annotations

import asyncio

from .errors import Interrupt


class TaskInterrupted(asyncio.CancelledError, Interrupt):
    """Raised at a timed-out sync attempt's next Python line (see the module doc)."""

    def __str__(self) -> str:
        return "the attempt ran past its timeout and is stopped here (it failed with TaskTimeout)"


__all__ = ["TaskInterrupted"]
