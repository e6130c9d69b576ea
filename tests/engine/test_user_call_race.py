"""An interrupt lands in the user's code or nowhere, whatever the moment it comes.

Every sync attempt has a ``UserCall`` now (a cancel interrupts it, not only a timeout);
the call says where it is, and the interrupter asks, under one lock (``user_call``'s module
doc). Raised in flowtop's lines after the call, the exception would break the
run's bookkeeping; an interrupt said to keep the call from beginning must keep it so.

Each case stops one side before one of its reads or writes of the call's fields and lets
the other go as far as it can meanwhile: the interrupter stopped while the call begins
or ends, or the call stopped while the whole interrupt happens. Whichever the moment,
what the call raises comes out of ``run``, nothing lands in the lines after it, and a
call the interrupter kept from beginning never ran.
"""

from __future__ import annotations

import linecache
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from flowtop.engine import user_call
from flowtop.engine.user_call import UserCall

from .kit import wait_until

RUN = UserCall.run.__code__
INTERRUPT = UserCall.interrupt.__code__
#: Each side reads and writes the call's fields at most 7 times (a test below counts
#: them): every moment is one of the cases, the last ones past the end.
MOMENTS = range(9)


class Stop(BaseException):
    """What the interrupter raises (not an ``Exception``: raised as it is)."""


def _field(name: str) -> property:
    def get(self: Observed) -> Any:
        self.before_access()
        return self.fields[name]

    def put(self: Observed, value: Any) -> None:
        self.before_access()
        self.fields[name] = value

    return property(get, put)


class Observed(UserCall):
    """A ``UserCall`` where the thread ``stopping`` (set once it exists) stops before its
    ``moment``-th access to the call's fields (0: the first) until ``resume`` is set."""

    __slots__ = ("fields", "moment", "accesses", "stopping", "reached", "resume")

    _where = _field("_where")
    raised = _field("raised")
    _timeout = _field("_timeout")

    def __init__(self, thread: threading.Thread, moment: int) -> None:
        self.fields: dict[str, Any] = {}
        self.moment, self.accesses = moment, 0
        self.stopping: threading.Thread | None = None
        self.reached, self.resume = threading.Event(), threading.Event()
        super().__init__(0, thread)

    def before_access(self) -> None:
        if threading.current_thread() is not self.stopping:
            return
        if self.accesses == self.moment:
            self.reached.set()
            self.resume.wait(10)
        self.accesses += 1


class Case:
    """A call on a thread of its own, and its interrupter: ``run``'s outcome, whether
    ``fn`` ran, whether the interrupter raised in it; then the call's thread runs Python
    lines until told to stop, where an exception landing is the bug looked for here."""

    def __init__(self, fn: Callable[[], str], moment: int, monkeypatch: Any) -> None:
        self.fn, self.ran = fn, False
        self.outcome: str | None = None
        self.stray: list[BaseException] = []
        self.kept: list[bool] = []
        self.raised: list[type[BaseException]] = []
        self.returned, self.finish = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._main)
        self.call = Observed(self.thread, moment)
        self.interrupter = threading.Thread(
            target=lambda: self.kept.append(self.call.interrupt(Stop))
        )
        real = user_call.raise_in

        def raise_in(thread: threading.Thread, kind: type[BaseException] | None) -> None:
            if kind is not None:
                self.raised.append(kind)
            real(thread, kind)

        monkeypatch.setattr(user_call, "raise_in", raise_in)

    def _main(self) -> None:
        def fn() -> str:
            self.ran = True
            return self.fn()

        try:
            try:
                self.outcome = self.call.run(fn, [], {})
            except Stop:
                self.outcome = "stopped"
            self.returned.set()
            while not self.finish.is_set():  # flowtop's lines after the call
                pass
            for _ in range(10_000):  # one more look for an exception still pending
                pass
        except BaseException as exc:  # noqa: BLE001 - an interrupt outside the call: the bug
            self.stray.append(exc)
        finally:
            self.returned.set()

    def start(self, thread: threading.Thread, *, stopping: bool = False) -> None:
        """Start ``thread``; with ``stopping``, wait until it stopped at the moment (or ended)."""
        if stopping:
            self.call.stopping = thread
        thread.start()
        if stopping:  # (the call's thread, past the call, loops on: done too)
            done = self.returned if thread is self.thread else threading.Event()
            wait_until(lambda: self.call.reached.is_set() or done.is_set() or not thread.is_alive())

    def call_waits_on_the_lock(self) -> bool:
        """Whether the call waits inside ``run`` for the interrupter's lock."""
        return _waits_on_the_lock(self.thread, RUN)

    def interrupter_waits_on_the_lock(self) -> bool:
        """Whether the interrupter waits inside ``interrupt`` for the call's lock."""
        return _waits_on_the_lock(self.interrupter, INTERRUPT)

    def settle(self) -> None:
        """The stopped side goes on; both threads end; nothing landed outside ``run``,
        and a call said kept from beginning did not begin."""
        self.call.resume.set()
        self.interrupter.join(10)
        wait_until(self.returned.is_set)
        self.finish.set()
        self.thread.join(10)
        assert not self.interrupter.is_alive() and not self.thread.is_alive()
        assert self.stray == [], "the interrupt landed after the call"
        assert self.outcome in ("returned", "stopped")
        if self.outcome == "stopped":
            assert self.kept == [True]  # nothing raised that the interrupter did not say
        if self.kept == [True] and not self.raised:  # kept from beginning, it said
            assert not self.ran and self.outcome == "stopped"


def _waits_on_the_lock(thread: threading.Thread, code: Any) -> bool:
    """Whether ``thread`` is at a ``with self._lock`` line of ``code`` (the call's lock)."""
    frame = sys._current_frames().get(thread.ident or -1)
    if frame is None or frame.f_code is not code:
        return False
    line = linecache.getline(code.co_filename, frame.f_lineno or 0)
    return line.strip().startswith("with self._lock")


def waits_inside(inside: threading.Event, leave: threading.Event) -> Callable[[], str]:
    def fn() -> str:
        inside.set()
        leave.wait(10)
        return "returned"

    return fn


@pytest.mark.parametrize("moment", MOMENTS)
def test_an_interrupt_stopped_as_the_call_leaves_never_lands_after_it(
    moment: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside, leave = threading.Event(), threading.Event()
    case = Case(waits_inside(inside, leave), moment, monkeypatch)
    case.start(case.thread)
    assert inside.wait(10)
    case.start(case.interrupter, stopping=True)
    leave.set()  # the call leaves as far as it can while the interrupter is stopped
    wait_until(lambda: case.returned.is_set() or case.call_waits_on_the_lock())
    case.settle()


@pytest.mark.parametrize("moment", MOMENTS)
def test_an_interrupt_stopped_as_the_call_begins_never_lands_after_it(
    moment: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = Case(lambda: "returned", moment, monkeypatch)
    case.start(case.interrupter, stopping=True)
    case.start(case.thread)  # the call begins, and ends if it can, while it is stopped
    wait_until(lambda: case.returned.is_set() or case.call_waits_on_the_lock())
    case.settle()


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_call_stopped_anywhere_while_it_is_interrupted_raises_only_in_run(
    moment: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = Case(lambda: "returned", moment, monkeypatch)
    case.start(case.thread, stopping=True)
    case.start(case.interrupter)  # interrupts as far as it can while the call is stopped
    # (it waits for the lock where the call stopped holding it: until settle resumes it)
    wait_until(lambda: not case.interrupter.is_alive() or case.interrupter_waits_on_the_lock())
    case.settle()


def test_the_moments_cover_every_read_and_write_of_both_sides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inside, leave = threading.Event(), threading.Event()
    case = Case(waits_inside(inside, leave), len(MOMENTS), monkeypatch)
    case.start(case.thread)
    assert inside.wait(10)
    case.start(case.interrupter, stopping=True)  # never stopped: it counts its accesses
    case.interrupter.join(10)
    leave.set()
    case.settle()
    assert case.kept == [True] and case.outcome == "stopped" and case.raised == [Stop]
    assert 0 < case.call.accesses < len(MOMENTS)  # the interrupter's, raising in the call
    case = Case(lambda: "returned", len(MOMENTS), monkeypatch)
    case.start(case.thread, stopping=True)  # counts the call's
    wait_until(case.returned.is_set)
    case.start(case.interrupter)
    case.settle()
    assert case.kept == [False] and case.outcome == "returned"
    assert 0 < case.call.accesses < len(MOMENTS)
