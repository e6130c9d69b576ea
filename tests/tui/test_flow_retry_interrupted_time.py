"""The monitor's time of a ``@flow`` retry whose process died: from its body's start.

Killed while the header read ``⟳ Starts in …``, the retry read ``nightly run #4 (flow
retry) ⚡ Interrupted 1.2s``: the run model counted from its ``run_started``, logged as
its delay began, though its body never ran. Its live time already counted from the
body's start (``RunModel.elapsed``); its end now does too, as the store's does.
"""

from __future__ import annotations

import pytest

from flowtop.engine.events import RunStarted
from flowtop.tui.model import RunModel
from flowtop.workspace.run_log import RunInterrupted
from pilot_kit import FrozenClock

T0 = 1_700_000_000.0
WHY = "its process (pid 5961 on vm) is gone"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """The clock the models put event times on (the TUI's own: ``RunModel.clock``)."""
    frozen = FrozenClock(T0 + 100)
    monkeypatch.setattr(RunModel, "clock", frozen)
    return frozen


def retry(starts_in: float) -> RunModel:
    """Run #4 of ``nightly``, a flow retry logged at ``T0``, its body due ``starts_in`` later."""
    started = RunStarted("r4", "nightly", 4, (), (), (), "r3", T0, starts_in=starts_in)
    return RunModel.from_started(started)


@pytest.mark.usefixtures("clock")
def test_a_flow_retry_killed_in_its_delay_shows_no_time() -> None:
    run = retry(30.0)
    run.apply(RunInterrupted("r4", WHY, T0 + 1.2, flow="nightly", run=4))
    assert run.process_died
    assert run.duration == 0.0  # it read 1.2s, the wait it had
    assert run.elapsed(T0 + 100) == 0.0


@pytest.mark.usefixtures("clock")
def test_a_flow_retry_killed_in_its_body_counts_from_its_start() -> None:
    run = retry(2.0)
    run.apply(RunInterrupted("r4", WHY, T0 + 6.0, flow="nightly", run=4))
    assert run.duration == pytest.approx(4.0)  # not 6 s: its first 2 s were its delay
