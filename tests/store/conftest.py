"""Run store tests: real processes sharing one workspace folder, as users run them."""

from __future__ import annotations

import functools
import json
import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import cli_kit
from flowtop import Flow
from flowtop.engine import Runner
from flowtop.engine.run import FlowRun
from flowtop.workspace import owner_agent
from flowtop.workspace.history import History
from flowtop.workspace.owner_agent import OwnerAgent
from waits import wait_until as wait_until  # (the store tests import it from here)

#: A flow whose first task counts its executions in a file, and whose second fails
#: until a file named ``ok`` exists: what reruns must reuse, and what they must redo.
ETL = """
    import os
    from pathlib import Path
    from flowtop import Flow, task

    HERE = Path(__file__).parent

    @task
    def extract():
        count = HERE / "extract-count"
        # (`or 0`: runs at once may read it between another's truncating and writing)
        n = int(count.read_text() or 0) if count.exists() else 0
        count.write_text(str(n + 1))
        return [1, 2, 3]

    @task(max_retries=1, retry_delay=0.05)
    def load(rows):
        if not (HERE / "ok").exists():
            raise ConnectionError("warehouse down")
        return sum(rows)

    with Flow("etl") as flow:
        load(extract())
"""

#: A task that waits a long time between retries: a run that stays live.
WAITING = """
    from flowtop import Flow, task

    @task(max_retries=3, retry_delay=30)
    def waiter():
        raise ConnectionError("not yet")

    with Flow("waiting") as flow:
        waiter()
"""


#: Set over the test's environment for the store tests' processes: their output written as
#: it comes. (flowtop is this checkout's: the tests run where it is installed editable. A
#: ``PYTHONPATH`` of its own here lost the drop-in modules collecting published, and with
#: them every store command in a whole suite started as a new Python: ``fork_cli.forkable``.)
STORE_ENV = dict(cli_kit.UNBUFFERED)


@pytest.fixture
def here(flowtop_here: cli_kit.Here) -> cli_kit.Here:
    """``flowtop ARGS`` called in this process, in the store tests' environment, for what
    does not depend on the process boundary (``history``, ``watch`` of a run, ``cancel``
    from another process than the run's): the same output, without a new interpreter."""
    return functools.partial(flowtop_here, env=STORE_ENV)


def env() -> dict[str, str]:
    """The whole environment of a process a store test starts itself (``Popen``)."""
    return {**os.environ, **STORE_ENV}


#: ``flowtop ARGS`` (``cli_kit.flowtop``) in the store tests' environment.
flowtop = functools.partial(cli_kit.flowtop, env=STORE_ENV)


def run_into(history: History, flow: Flow, *, workers: int = 4, stored: bool = True) -> FlowRun:
    """Run ``flow`` to its end with ``history`` as its sink and deliver every event; with
    ``stored``, wait until the history has written them too."""
    runner = Runner(workers, sinks=[history.sink], next_number=history.next_number)
    try:
        run = runner.start(flow)
        run.result(timeout=30)
        assert runner.bus.flush(30)
        if stored:
            assert history.flush(30)
    finally:
        runner.shutdown()
    return run


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture
def quick_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Owner agents' rounds back to back (a 1 ms poll, not 20 ms), each with a heartbeat
    (not one every half second), and a run's start that finds the store held gives up on
    it after 10 ms, not half a second: a test waits for rounds (``wait_rounds``), not
    for time."""
    monkeypatch.setattr(owner_agent, "POLL", 0.001)
    monkeypatch.setattr(owner_agent, "HEARTBEAT", 0.0)
    monkeypatch.setattr(owner_agent, "BEGIN_WAIT", 0.01)


def wait_rounds(agent: OwnerAgent, rounds: int, timeout: float = 20.0) -> None:
    """Wait until ``agent`` has finished ``rounds`` more rounds (``OwnerAgent.rounds``):
    one may have been under way, so ``rounds - 1`` of them began after this call."""
    target = agent.rounds + rounds
    wait_until(lambda: agent.rounds >= target, f"{rounds} rounds of the owner agent", timeout)


@pytest.fixture
def ws(tmp_path: Path) -> Callable[..., Path]:
    """A workspace folder with the given flow files (dedented)."""

    def make(**files: str) -> Path:
        for name, body in files.items():
            (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
        return tmp_path

    return make
