"""The "(out of memory?)" hint of a worker killed by SIGKILL: the machine's OOM kills are
read as the worker starts and once it has died, not before every attempt."""

from __future__ import annotations

import os
import signal

import pytest

from flowtop.engine import process_backend
from flowtop.engine.executors import ProcessBackend


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each read of the machine's OOM kill count, as the count it gave: one more each time
    (as if the OOM killer killed a process between any two reads)."""
    given: list[int] = []

    def counted() -> int:
        given.append(len(given) + 10)
        return given[-1]

    monkeypatch.setattr(process_backend, "oom_kills", counted, raising=False)
    # (its name before it was read once per worker, so the test fails there as it should)
    monkeypatch.setattr(process_backend, "_oom_kills", counted, raising=False)
    return given


def test_attempts_do_not_read_the_oom_count(reads: list[int]) -> None:
    backend = ProcessBackend(1)
    try:
        for n in range(3):
            value, error, _ = backend.call(abs, [-n], {}, timeout=None)
            assert (value, error) == (n, None)
    finally:
        backend.close()
    assert len(reads) == 1  # the worker's start alone


def test_a_worker_killed_after_an_oom_kill_says_out_of_memory(reads: list[int]) -> None:
    backend = ProcessBackend(1)
    try:
        assert backend.call(abs, [-1], {}, timeout=None)[:2] == (1, None)
        _, error, _ = backend.call(
            lambda: os.kill(os.getpid(), signal.SIGKILL), [], {}, timeout=None, name="hog"
        )
    finally:
        backend.close()
    assert str(error) == "the process running task 'hog' was killed by SIGKILL (out of memory?)"
    assert len(reads) == 2  # as the worker started, and once it had died


def test_a_worker_ending_on_its_own_reads_no_oom_count(reads: list[int]) -> None:
    backend = ProcessBackend(1)
    try:
        _, error, _ = backend.call(lambda: os._exit(3), [], {}, timeout=None, name="quits")
    finally:
        backend.close()
    assert str(error) == "the process running task 'quits' died (exit code 3)"
    assert len(reads) == 1
