"""``flowtop run``'s end: a short wait for attempts given up on, so their last lines show.

A sync attempt past its timeout, or running when its run was cancelled, is given up on:
its worker thread (a daemon) goes on alone, and what it prints from then on (its
``except TimeoutError:`` handler, once the call it was blocked in returns) goes to the
terminal (``capture.Captured.taken``). The run ends without waiting for it, as it should;
but ``flowtop run`` then exited at once, and the interpreter's exit took those threads
with it: a timed-out task's last print, a second later, never showed. So the command
waits for them a little before it exits: at most ``GRACE`` seconds in all, not at all
when no attempt was given up on (every normal run), and a thread still blocked past it
(``time.sleep(3600)``) is left to the exit, as before. Ctrl+C meanwhile ends the wait.
A script's exit waits the same (``engine.given_up``), and not again after this one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..engine import given_up

#: The most ``flowtop run`` waits, at its end, for attempts given up on (seconds): as
#: long as a script's exit does.
GRACE = given_up.GRACE


def wait_for_given_up(
    executor: object,
    grace: float = GRACE,
    *,
    since: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = time.sleep,
) -> None:
    """Wait until no thread ``executor`` gave up on (``WorkerPool.abandoned``) is still
    in its call, or ``grace`` seconds have passed. An executor of processes or Dask has
    none: its workers are killed or told to stop, and print nothing here.

    ``since``: when the runs ended (a ``clock()`` time), the grace counting from then.
    The runner's shutdown before this may have waited already, for a line to a stdout
    nobody reads (``run_output.STOP_GRACE``): the two waits ran one after the other,
    and a stopped ``flowtop run`` whose task was blocked in C took 2 s to exit, where
    README promises about a second."""
    if since is not None:
        grace -= clock() - since
    given_up.wait(
        grace,
        clock=clock,
        sleep=sleep,
        still_running=lambda: getattr(executor, "abandoned", 0),
    )
