"""An interrupt sent while the interrupted thread starts a thread reaches that thread.

CPython 3.11 makes a new thread's state on its starter's thread, with the starter's
ident, and fixes the ident only once the new thread runs; ``PyThreadState_SetAsyncExc``
by the starter's ident meanwhile reached the new thread, which died in its bootstrap
before it said it had started: its starter waited for it for good. An attempt that printed
starts the run's watchdog timer that way (``live_output``), under the timer's lock: a
``flowtop run`` cancelled by SIGTERM at that moment printed its end and never exited
(``Exception ignored in thread started by … flowtop-watchdog … TaskInterrupted``).
``user_call.raise_in`` now waits for a thread start in progress to end before it sends.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import pytest

from flowtop.engine.task_interrupted import TaskInterrupted
from flowtop.engine.user_call import UserCall


@pytest.fixture
def strays(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The threads an interrupt reached in their bootstrap (names)."""
    found: list[str] = []
    before = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if unraisable.exc_type is TaskInterrupted:
            found.append(repr(unraisable.object))
        else:
            before(unraisable)

    monkeypatch.setattr(sys, "unraisablehook", hook)
    return found


def starts_threads(stop: threading.Event) -> None:
    """A task's code that starts short threads one after another."""
    while not stop.is_set():
        child = threading.Thread(target=int, name="started-by-the-task")
        child.start()
        child.join()


def test_an_interrupt_never_lands_in_a_thread_being_started(strays: list[str]) -> None:
    for round_ in range(60):
        stop = threading.Event()
        call = UserCall(round_, None)
        ended: list[BaseException] = []

        def attempt(
            call: UserCall = call, stop: threading.Event = stop, ended: list[BaseException] = ended
        ) -> None:
            call.thread = threading.current_thread()
            try:
                call.run(starts_threads, [stop], {})
            except TaskInterrupted as exc:
                ended.append(exc)

        thread = threading.Thread(target=attempt, name=f"attempt-{round_}")
        thread.start()
        time.sleep(0.001 * (round_ % 5))  # (a different moment of its loop each round)
        call.time_out()
        thread.join(5)
        stop.set()
        thread.join(5)
        assert not thread.is_alive(), f"round {round_}: the attempt hung starting a thread"
        assert ended, f"round {round_}: the attempt was never interrupted"
        assert not strays, f"round {round_}: the interrupt reached {strays}"
