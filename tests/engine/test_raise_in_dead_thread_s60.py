"""An interrupt is never raised by the ident of a thread that has ended.

A thread's ident is given again to a thread started after it ends. An interrupt raised by
a dead attempt thread's ident landed in the run's timer thread, started that moment from
an attempt's ``print``: it raised ``TaskInterrupted`` in its bootstrap before saying it had
started, and its starter waited for good holding the timer's lock, as did the run's
shutdown (a CI run of the suite hung on it for the test's 120 s).
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

import pytest

from flowtop.engine.task_interrupted import TaskInterrupted
from flowtop.engine.user_call import raise_in


def test_a_dead_thread_is_not_raised_into(monkeypatch: pytest.MonkeyPatch) -> None:
    raised: list[Any] = []
    monkeypatch.setattr(
        ctypes.pythonapi, "PyThreadState_SetAsyncExc", lambda *args: raised.append(args) or 1
    )
    ended = threading.Thread(target=lambda: None)
    ended.start()
    ended.join()
    raise_in(ended, TaskInterrupted)
    assert raised == []  # old: raised by its ident, which a new thread may hold now
