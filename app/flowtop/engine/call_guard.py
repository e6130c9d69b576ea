"""Flowtop's own code, called from a user's code that an interrupt may reach, runs whole.

A time limit or a cancel stops a sync task's or a flow body's code by raising an exception
in its thread at its next Python line (``user_call``). That code calls into flowtop: a
task, a future's ``result()``, a subflow. The next line may then be flowtop's own, and the
exception lands between two steps that must not be parted: in ``Condition.__exit__``
(Python code), before it releases the lock, so a run's lock stayed held by a thread that
had left it and every thread of the run waited on it for good (a timed-out flow whose
subflow waited on its task's future, about once in a thousand runs on a loaded machine);
or after a task is counted in its run and before it is started, so the run never ends.

So such engine code runs in ``engine_code()``: an interrupt asked for meanwhile is kept,
and raised as the block is left, at the user's line that called it (a wait in the block
looks every ``WAKE`` seconds, and gives up as soon as it sees one: ``interrupted``). One
sent to the thread before the block began, which may not have landed yet, is taken back
and raised as the block begins, before its first step. Either is raised by flowtop once
(``UserCall.owed``); blocks after it run, as the user's ``finally`` may need. The
interrupter and these blocks agree under the thread's lock.
"""

from __future__ import annotations

import threading
from typing import Protocol

from .thread_starts import raise_in


class Interruptible(Protocol):
    """A call of the user's code (``user_call.UserCall``), as its thread's guard reads it."""

    raised: type[BaseException] | None
    owed: bool


_KEY = "_flowtop_guard"


class ThreadGuard:
    """Per thread: the calls of the user's code running on it, and how deep it is in
    flowtop's code called from theirs. Its ``lock`` is every such call's."""

    __slots__ = ("lock", "calls", "depth")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        #: The calls running on the thread (``UserCall.run``), innermost last.
        self.calls: list[Interruptible] = []
        #: ``engine_code`` blocks entered and not left since the innermost call began.
        self.depth = 0

    def owed(self, *, take: bool) -> type[BaseException] | None:
        """Under ``lock``: what a call running on the thread was interrupted with and
        flowtop's code has not raised yet (``take``: it raises it now), if any."""
        for call in self.calls:
            if call.owed:
                call.owed = not take
                return call.raised
        return None


def guard_of(thread: threading.Thread) -> ThreadGuard:
    """``thread``'s guard, made at its first call (``setdefault``: one, whoever asks)."""
    guard: ThreadGuard | None = thread.__dict__.get(_KEY)
    if guard is None:
        guard = thread.__dict__.setdefault(_KEY, ThreadGuard())
    return guard


def _guard_here() -> ThreadGuard | None:
    """This thread's guard while a call of the user's code runs on it, else None."""
    guard: ThreadGuard | None = threading.current_thread().__dict__.get(_KEY)
    return guard if guard is not None and guard.calls else None


class engine_code:  # a block, named as one (like ``contextlib.suppress``)
    """Flowtop's code called from the user's: not interrupted inside (see the module)."""

    __slots__ = ("_guard",)

    def __enter__(self) -> None:
        self._guard = guard = _guard_here()
        if guard is None:
            return
        with guard.lock:
            asked = guard.owed(take=True) if guard.depth == 0 else None
            if asked is None:  # (inside a block already: kept for the outermost's end)
                guard.depth += 1
                return
            # sent to the user's code already, maybe not delivered yet: raised here, where
            # the user's line called flowtop, not in the block's steps
            raise_in(threading.current_thread(), None)
        raise asked()

    def __exit__(self, *exc: object) -> None:
        guard = self._guard
        if guard is None:
            return
        with guard.lock:
            guard.depth -= 1
            asked = None if guard.depth else guard.owed(take=True)
        if asked is not None:
            raise asked()


def interrupted() -> bool:
    """Whether a wait inside ``engine_code`` should give up: an interrupt came for this
    thread's user code (it is raised as the block is left)."""
    guard = _guard_here()
    if guard is None:
        return False
    with guard.lock:
        return guard.owed(take=False) is not None
