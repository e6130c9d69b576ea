"""Threads given up on that still run: a script's exit waits a little for them.

A sync attempt past its timeout, or running when its run was cancelled or timed out, is
given up on: the pool starts a worker in its place (``pool.WorkerPool.abandon``) and the
thread, a daemon, goes on alone; what it prints from then on (its ``except TimeoutError:``
handler, once the call it was blocked in returns) goes to the terminal
(``capture.Captured.taken``). The run ends without waiting for it, as it should.
``flowtop run`` then waits for such threads a little before it exits
(``commands.late_output``); a script that calls ``Flow.run()`` or a ``@flow`` function
did not, and the interpreter's exit took them with it: a timed-out task's last print, a
moment later, never showed. So the first thread given up on in a process sets up a wait
at its exit (``atexit``): at most ``GRACE`` seconds in all, none once every such thread
is done (an exit where no thread was ever given up on does not even look), and a thread
still blocked past it (``time.sleep(3600)``) is left to the exit, as before. Ctrl+C ends
the wait. A flowtop command (``capture.capture_info_logs``) waits its own way, or not at
all: this wait is not added to it.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable

from . import capture

#: The most a process waits, at its exit, for threads given up on (seconds).
GRACE = 1.0
#: How often it looks whether they are done (seconds).
EVERY = 0.01

_lock = threading.Lock()
_threads: set[threading.Thread] = set()
_hooked = False


def gave_up(thread: threading.Thread) -> None:
    """``thread`` was given up on in its call: the exit waits for it (a little)."""
    global _hooked
    with _lock:
        for gone in [known for known in _threads if not known.is_alive()]:
            _threads.discard(gone)
        _threads.add(thread)
        if not _hooked:
            _hooked = True
            atexit.register(_at_exit)


def running() -> int:
    """How many threads given up on are still running."""
    with _lock:
        return sum(1 for thread in _threads if thread.is_alive())


def wait(
    grace: float = GRACE,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = time.sleep,
    still_running: Callable[[], int] = running,
) -> None:
    """Wait until no thread given up on runs, or ``grace`` seconds have passed.

    ``still_running`` counts those threads, asked again at each look: by default this
    process's (``running``); ``flowtop run`` counts its own pool's instead
    (``commands.late_output``), as it knows which executor ran its flow."""
    deadline = clock() + grace
    while still_running() and (left := deadline - clock()) > 0:
        sleep(min(EVERY, left))


def _at_exit() -> None:
    if capture._pinned:  # a flowtop command owns the process: it waited already, or won't
        return
    try:
        wait()
    except KeyboardInterrupt:  # Ctrl+C: the exit goes on, without a traceback
        return
