"""A hang-up or ``kill`` never lands between a run's record and its process.

A run the monitor (or a browser tab) starts is recorded first, owned by the monitor until
its process has started and been handed the run (``launcher.launch``): a few
milliseconds, on a thread off the screen's. SIGHUP (the SSH link dropped, the terminal
closed) and SIGTERM are left to their default there, which ended the process at once,
wherever it stood. Between the record and the hand-over that left a run owned by a
process that was gone: a reader marked it INTERRUPTED, and the run process, started a
moment before, found its run so and cancelled itself; or no process was started, and an
empty log stayed in ``.flowtop/logs``. README: "a hang-up never cancels anything".

So in such a process those two signals wait for the launches under way (at most
``LONGEST``: a launch holding a busy store gives up before that), then end it as they
would have, after what the process asked to be done first (the monitor puts the
terminal back: ``tui/terminal_reset.py``). A process that handles them itself
(``flowtop run``, ``--detach``) is not changed.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

#: The longest a stop waits for the launches under way: a launch waits at most 5 s for
#: a busy store (``reaper.BUSY_TIMEOUT_MS``), then starts its process.
LONGEST = 10.0

_STOPS = tuple(getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name))
_launches = threading.Condition()
_under_way = 0
#: Done just before a stop ends the process (``stops_wait_for_launches``).
_last: list[Callable[[], None]] = []


@contextlib.contextmanager
def launching() -> Iterator[None]:
    """A launch is under way for the block: a stop waits for its end (see the module doc)."""
    global _under_way
    with _launches:
        _under_way += 1
    try:
        yield
    finally:
        with _launches:
            _under_way -= 1
            _launches.notify_all()


def stops_wait_for_launches(last: Callable[[], None] | None = None) -> None:
    """In the main thread, before a process starts launching runs off it: SIGHUP and
    SIGTERM, while left to their default, first let the launches under way finish, then
    call ``last`` (it must not raise), then end the process."""
    _last[:] = [last] if last is not None else []
    for stop in _STOPS:
        if signal.getsignal(stop) is signal.SIG_DFL:
            signal.signal(stop, _after_launches)


def _after_launches(signum: int, frame: FrameType | None) -> None:
    with _launches:
        _launches.wait_for(lambda: _under_way == 0, timeout=LONGEST)
    for last in _last:
        last()
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)  # ends the process as the default would have


__all__ = ["LONGEST", "launching", "stops_wait_for_launches"]
