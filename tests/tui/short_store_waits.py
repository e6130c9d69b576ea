"""A shorter wait for a store another process holds, for tests about a held store.

The product waits ``reaper.BUSY_TIMEOUT_MS`` (5 s) for another process's lock. The tests
that hold the store are about what the app does meanwhile (it keeps answering) and after
(it says why, then acts once it can), not about the 5 s: waiting them out was most of
those tests' time. The wait is a default bound as the functions are defined, so the
callers the TUI goes through get it as an argument instead.
"""

from __future__ import annotations

import functools

import pytest

from flowtop.workspace import launcher, owner_agent, reaper, run_numbers

#: How long a write waits for a held store in these tests (ms): long enough that ``?``
#: opens the help before it gives up on a loaded machine (2 s was not, once, with the suite
#: taking 10 minutes beside other work), short enough not to dominate.
HELD_WAIT_MS = 3000


#: How long a write waits for a held store in the tests that let go of it before the write
#: gives up (ms): the product's 5 s was, once, shorter than a loaded machine took between
#: holding the store and letting go (a suite of 16 minutes beside six other jobs).
PATIENT_WAIT_MS = 60_000


def shorten_held_store_waits(monkeypatch: pytest.MonkeyPatch, wait_ms: int = HELD_WAIT_MS) -> None:
    """Requests (``owner_agent.enqueue``) and reruns (``reserve_rerun``) made in this
    process wait ``wait_ms`` for a held store instead of the product's 5 s."""
    shorter = functools.partial(reaper.connect, busy_ms=wait_ms)
    monkeypatch.setattr(owner_agent, "connect", shorter)
    rerun = functools.partial(run_numbers.reserve_rerun, busy_ms=wait_ms)
    monkeypatch.setattr(launcher, "reserve_rerun", rerun)


def held_for_text() -> str:
    """How the app says the store was held past the wait (``run_numbers.StoreBusy``)."""
    return f"has held the run store for {HELD_WAIT_MS / 1000:g} s"
