"""A Ctrl+C the waiting thread did not see come still ends a script's wait for its run.

Python runs a signal's handler on the main thread, between two of its steps: a SIGINT
the kernel gave another thread (sent to the process), or one that came just before the
main thread's wait blocked, left that wait blocked until the run ended: in one full test
run of four, a Ctrl+C reached a script only after its task's 8 s call in C. A wait with
no time limit wakes every ``run_handle.WAKE`` seconds, so the handler runs then.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest

from flowtop.engine.run_handle import wait_for


def _raise(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@pytest.fixture
def sigint_on_another_thread() -> Iterator[threading.Event]:
    """A SIGINT that the kernel gives a helper thread, not the main one, in 0.1 s."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    old = signal.signal(signal.SIGINT, _raise)
    go = threading.Event()
    helper = threading.Thread(
        target=lambda: go.wait(10) and os.kill(os.getpid(), signal.SIGINT), daemon=True
    )
    helper.start()  # before the mask: the helper may take the signal
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield go
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        signal.signal(signal.SIGINT, old)
        go.set()
        helper.join(10)


def test_an_untimed_wait_hears_a_ctrl_c_it_did_not_see(
    sigint_on_another_thread: threading.Event,
) -> None:
    ended = threading.Event()  # the run: it ends only after 20 s (or the test's end)
    run_end = threading.Timer(20, ended.set)
    run_end.start()
    threading.Timer(0.1, sigint_on_another_thread.set).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            wait_for(ended, None)
        assert not ended.is_set(), "the wait heard the Ctrl+C only when the run ended"
    finally:
        ended.set()
        run_end.cancel()  # its thread, left waiting, held the worker's exit up to 20 s


def test_a_timed_wait_is_a_plain_wait() -> None:
    ended = threading.Event()
    assert wait_for(ended, 0.01) is False
    ended.set()
    assert wait_for(ended, None) is True
