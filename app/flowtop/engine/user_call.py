"""A task attempt's call on a worker thread, which a time limit can interrupt.

Python cannot kill a thread, but it can raise an exception in one at its next Python
line (``PyThreadState_SetAsyncExc``): that is how Prefect stops a sync task past its
``timeout_seconds``, and a flow's direct task call at the flow's. A task looping in Python
then stops; one blocked in C (a long ``time.sleep``, a socket read) stops once that returns.
What is raised there is never an ``Exception`` (``in_code``): a task's own ``except
Exception`` around a flaky call would swallow it and run on beside its retry.

The exception must land in the user's code and nowhere else: raised in flowtop's own lines
after the call, it would break the run's bookkeeping. So the call says when it enters and
leaves the user's function, under a lock the interrupter takes too. An interrupt is raised
at most once, and only while the call is inside; one asked for before the call began makes
it not begin; one set as the call was leaving, not yet delivered, is cleared as it leaves,
and one delivered in those last lines comes out of ``run`` like an error of the call.
One asked for while the user's code is in flowtop's code it called (a task, a future's
``result()``) is raised as that returns (``call_guard``): landed inside, it broke the run.
Every sync attempt a run makes on this process's threads has one: a cancel interrupts it
too, not only a timeout.

A process the user's code forked comes back from the call as a copy of its thread: it ends
there, before it runs any of the engine (``left_in_a_fork``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any, NoReturn

from .call_guard import guard_of
from .errors import TaskTimeout
from .records import users_line
from .thread_starts import raise_in
from .value_text import safe_str

_BEFORE, _INSIDE, _AFTER = range(3)


class UserCall:
    """The call of one attempt (``token``) on ``thread`` (by default the one making this)."""

    __slots__ = (
        "thread",
        "token",
        "stack",
        "raised",
        "owed",
        "_guard",
        "_lock",
        "_where",
        "_timeout",
    )

    def __init__(self, token: int, thread: threading.Thread | None = None) -> None:
        self.thread = threading.current_thread() if thread is None else thread
        self.token = token
        #: Where the user's code was when it was interrupted (its frames, outermost first):
        #: the traceback a timeout's error shows, so a hang says which line it hung on.
        self.stack: TracebackType | None = None
        #: What interrupts it (``in_code``), once asked: raised in its code, or, if it is
        #: in flowtop's code meanwhile, as that returns (``call_guard``).
        self.raised: type[BaseException] | None = None
        #: Whether ``raised`` may still be on its way (sent to the thread, or kept while
        #: the thread was in flowtop's code): flowtop's code raises it then (``call_guard``).
        self.owed = False
        self._guard = guard_of(self.thread)
        self._lock = self._guard.lock  # its thread's: one for the calls nested on it
        self._where = _BEFORE
        self._timeout: float | None = None

    def run(
        self,
        fn: Callable[..., Any],
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        timeout: float | None = None,
    ) -> Any:
        """``fn(*args, **kwargs)``; raises the interrupt instead if one came first.
        ``timeout``: the limit its caller times it out at (``time_out``), which the
        ``TaskInterrupted`` raised in it then names. Called from flowtop's code, maybe
        inside an ``engine_code`` block: the user's function is not inside it."""
        guard = self._guard
        outer = None  # the depth in flowtop's code it began at (``call_guard``), once set
        try:
            with self._lock:
                if self.raised is not None:
                    raise self.raised()
                outer, guard.depth = guard.depth, 0
                guard.calls.append(self)
                self._where = _INSIDE
                self._timeout = timeout
            return fn(*args, **kwargs)
        finally:
            if outer is not None:
                with self._lock:  # plain stores first: an interrupt lands only at a call
                    self._where = _AFTER
                    guard.depth = outer
                    if guard.calls[-1] is self:
                        del guard.calls[-1]
                    if self.raised is not None or guard.owed(take=False) is not None:
                        raise_in(self.thread, None)  # one sent but not delivered: cleared

    def time_out(self) -> bool:
        """The call ran past its time limit: stop it with ``TaskInterrupted`` naming the
        limit (``task interrupted: timed out after 2 s``), raised in the user's code at its
        next Python line (an ``AsyncCall``'s coroutine is cancelled), or keep it from
        beginning; False when it has ended or was interrupted already."""
        return self.interrupt(TaskTimeout)  # the attempt's error: its code gets TaskInterrupted

    def interrupt(self, kind: type[BaseException]) -> bool:
        """Stop the call with ``kind``: raise in the user's code, at its next Python line,
        what stops it that way (``in_code``: an ``Exception`` kind, as ``TaskTimeout``,
        becomes ``TaskInterrupted``), or keep the call from beginning; False when it has
        ended or was interrupted already."""
        _import_interrupts(kind)
        with self._lock:
            if self._where == _AFTER or self.raised is not None:
                return False
            self.raised = in_code(kind, self._timeout)  # the limit ``run`` began with
            if self._where == _INSIDE:
                self.owed = True
                self.stack = self._user_frames()
                if self._guard.depth == 0:  # else raised as flowtop's code returns
                    raise_in(self.thread, self.raised)
            return True

    def stopped_where(self, why: str) -> str:
        """``why``, and the line the user's code was on when it was interrupted:
        ``the flow run timed out at poll.py:7 in poll_until_ready``."""
        frames = []
        tb = self.stack
        while tb is not None:
            code = tb.tb_frame.f_code
            frames.append((code.co_filename, tb.tb_lineno, code.co_name))
            tb = tb.tb_next
        where = users_line(frames)
        if where is None:
            return why
        file, line, name = where
        return f"{why} at {os.path.basename(file)}:{line} in {name}"

    def _user_frames(self) -> TracebackType | None:
        """The call's thread's frames inside ``run`` (the user's function and what it
        called), as a traceback; read while the call cannot leave (under the lock)."""
        frame = current_frames().get(self.thread.ident or -1)
        inside = []
        while frame is not None and frame.f_code is not _RUN:
            inside.append(frame)
            frame = frame.f_back
        if frame is None:  # not in the call after all
            return None
        stack = None
        for frame in inside:  # innermost first: each links to the one it called
            line = frame.f_lineno  # None in rare states of a frame: then its code's first line
            stack = TracebackType(
                stack, frame, max(frame.f_lasti, 0), line or frame.f_code.co_firstlineno
            )
        return stack


_RUN = UserCall.run.__code__


def past_the_call(tb: TracebackType | None) -> TracebackType | None:
    """The traceback of an error out of ``UserCall.run``, caught by its caller, from the
    user's function on: without the caller's frame and ``run``'s, which are flowtop's.
    (An error of the call itself, such as a missing argument, keeps ``run``'s line.)"""
    if tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None and tb.tb_frame.f_code is _RUN and tb.tb_next is not None:
        tb = tb.tb_next
    return tb


#: How many forks this process is from the one flowtop started in (``os.fork`` and all
#: that calls it: ``multiprocessing``, ``pty.fork``), counted in each child as it starts.
#: Read before and after an attempt's call, it tells whether the call came back in a
#: child it forked (``left_in_a_fork``): a global's read, where ``os.getpid()`` is a
#: system call (twice per attempt, 3% of what the engine spends on a trivial task's).
forks = 0


def _count_fork() -> None:
    global forks
    forks += 1


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_count_fork)


def left_in_a_fork(started_at: int, error: BaseException | None) -> None:
    """End this process now if it is not the one whose task attempt just returned or
    raised ``error`` (None: returned), which read ``started_at`` from ``forks`` before its
    call: a process the task's code forked.

    Such a child is a copy of the attempt's thread, and went on in flowtop's engine when
    the task's function came back: it scheduled the retry of an error, ran the task again
    (which forked again), or waited in the worker pool for ever, each copy holding a pipe
    (``flowtop run | cat``) open. It ends as a ``multiprocessing`` fork child does: status
    0 when the code returned, else 1 with the exception's line on stderr (a ``SystemExit``
    with its own code).
    """
    if forks != started_at:
        end_forked_child(error)


def end_forked_child(error: BaseException | None) -> NoReturn:
    """Leave a process forked in a task's code, which has no business in the engine:
    flush what it printed, say what ended it, and ``os._exit`` (no ``atexit`` of the run's,
    no ``finally`` of flowtop's; see ``left_in_a_fork``)."""
    code = 0
    if isinstance(error, SystemExit):  # sys.exit(n) in the child: its status, as in Python
        if isinstance(error.code, int):
            code = error.code
        elif error.code is not None:
            _to_stderr(f"{error.code}\n")
            code = 1
    elif error is not None:
        text = safe_str(error).splitlines()
        line = f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
        _to_stderr(f"process {os.getpid()}, forked in a task, ended with {line}\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # closed or broken: nothing more to keep
            if stream is not None:
                stream.flush()
    os._exit(code)


def _to_stderr(text: str) -> None:
    """``text`` on stderr, or nowhere when it cannot be written (closed, no stderr)."""
    with contextlib.suppress(Exception):  # the child ends either way
        if sys.stderr is not None:
            sys.stderr.write(text)


def in_code(kind: type[BaseException], timeout: float | None = None) -> type[BaseException]:
    """What is raised in the user's code to stop it with ``kind``: ``kind`` itself when
    ``except Exception`` cannot catch it (a flow's ``FlowInterrupted``), else
    ``TaskInterrupted``, an ``asyncio.CancelledError`` as Prefect's (``task_interrupted``),
    saying the ``timeout`` it ran past when known: an attempt past its timeout fails with
    ``TaskTimeout``, which a broad ``except`` in the task's code would swallow and run on."""
    if not issubclass(kind, Exception):
        return kind
    from .task_interrupted import timed_out_after  # imports asyncio: only when needed

    return timed_out_after(timeout)


#: Whether ``import_interrupts`` ran in this process (read without a lock: running it
#: twice costs nothing).
interrupts_imported = False


def import_interrupts() -> None:
    """Import what interrupting a call needs (``task_interrupted``, with ``asyncio``, and
    ``ctypes``), as a timeout is armed, on the timer thread (``Run._start``): left to the
    first interrupt, it made a process's first timeout come tens of ms late (0.1-0.4 s on
    a loaded host) while every later one came on time."""
    global interrupts_imported
    import ctypes  # noqa: F401 - imported for ``raise_in``, off the time it is needed

    _import_interrupts(TaskTimeout)
    interrupts_imported = True


def _import_interrupts(kind: type[BaseException]) -> None:
    """Import what ``in_code(kind)`` raises (``task_interrupted``, for an ``Exception``
    kind) before ``interrupt`` takes the call's lock: its first import (``asyncio``, tens of
    ms) under it would hold up the call's thread, which takes it to enter and leave."""
    if issubclass(kind, Exception):
        from . import task_interrupted  # noqa: F401 - its import cost paid here, off the lock


def current_frames() -> dict[int, FrameType]:
    """``sys._current_frames()``, read with the garbage collector paused.

    CPython 3.11's ``sys._current_frames()`` holds the interpreter's thread-list lock while
    it makes frame objects; a collection those allocations start may free a
    ``threading.local``, whose cleanup takes that lock again: the process froze for good,
    the timer thread that was giving up a timed-out task holding the GIL
    (python/cpython#106883; 3.12 pauses the collector itself)."""
    with _FRAMES_READ:  # one reader at a time: another's enable must not end our pause
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return sys._current_frames()
        finally:
            if was_enabled:
                gc.enable()


#: Held while ``current_frames`` pauses the collector: the timer thread (attempt and flow
#: timeouts) and flow bodies (a direct call's timeout) read frames at once, and one that
#: read "disabled" from the other's pause left the collector off for good.
_FRAMES_READ = threading.Lock()
