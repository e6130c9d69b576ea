"""``--executor dask:tcp://…`` on a real cluster: a scheduler and a worker started as
processes of their own, as a user starts them (``dask scheduler``, ``dask worker``).

A scheduler killed mid-run left ~35 lines of ``distributed.client - ERROR`` traceback on
stderr once the run ended (its client, closed while it reconnected).
"""

from __future__ import annotations

import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import flowtop as flowtop_package
from flowtop.compat import children
from flowtop.engine import dask_backend, dask_connect
from flowtop.engine.executors import DaskBackend, ShippingError
from waits import wait_until

APP = str(Path(flowtop_package.__file__).parents[1])
#: A loaded machine may take a while to start Python processes (a guard, not a timing).
STARTUP = 90.0


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]


def _env() -> dict[str, str]:
    """A process started on its own: no drop-in modules named to it, flowtop importable."""
    env = {k: v for k, v in os.environ.items() if k != children.ENV}
    env["PYTHONPATH"] = APP
    return env


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "dask", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_env(),
            cwd=log.parent,
        )


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A scheduler on a free loopback port and one worker registered with it."""
    pytest.importorskip("distributed", reason="the Dask executor needs distributed")
    started: list[subprocess.Popen[bytes]] = []
    try:
        scheduler_log = tmp_path / "scheduler.log"
        started.append(
            _start(
                ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"],
                scheduler_log,
            )
        )

        def address() -> str | None:
            found = re.search(r"Scheduler at:\s+(tcp://\S+)", scheduler_log.read_text())
            return found.group(1) if found else None

        at = wait_until(address, "the scheduler's address", timeout=STARTUP)
        worker_log = tmp_path / "worker.log"
        started.append(
            _start(
                [
                    "worker",
                    at,
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    "2",
                    "--no-nanny",
                    "--no-dashboard",
                ],
                worker_log,
            )
        )
        wait_until(lambda: "Registered to" in worker_log.read_text(), "the worker", timeout=STARTUP)
        yield Cluster(at, *started)
    finally:
        for process in reversed(started):
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)


class Records(logging.Handler):
    """What reaches ``distributed.client``'s handlers (its own handler writes stderr)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record)


def test_a_client_closed_while_it_reconnects_logs_no_traceback(
    cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's attempts failed saying the scheduler was lost, the run ended and closed
    its client, still reconnecting: Dask logged the cancelled reconnect as an ERROR with
    a ``CancelledError`` traceback. The client's loggers are as before once it closed."""
    monkeypatch.setattr(dask_connect, "CONNECT_TIMEOUT", 120.0)  # still reconnecting at close
    client_logger = logging.getLogger("distributed.client")
    filters_before = list(client_logger.filters)
    records = Records()
    client_logger.addHandler(records)
    started = tmp_path / "started"

    def blocks(flag: str) -> None:  # (nested: pickled by value, no module to import there)
        Path(flag).write_text("running")
        threading.Event().wait(120)

    backend = DaskBackend(cluster.address, workers=1)
    try:
        client = backend.start()
        ended: queue.SimpleQueue[tuple[Any, BaseException | None, str]] = queue.SimpleQueue()
        backend.submit(blocks, [str(started)], {}, timeout=None, on_done=lambda *o: ended.put(o))
        wait_until(started.exists, "the attempt to run on the worker", timeout=STARTUP)
        cluster.scheduler.send_signal(signal.SIGKILL)
        cluster.scheduler.wait(timeout=30)
        _, error, _ = ended.get(timeout=60)  # a hang guard
        assert isinstance(error, ShippingError) and "was lost" in str(error), error
        assert client.status == "connecting"
        backend.close()
    finally:
        backend.close()
        client_logger.removeHandler(records)
    noisy = [r for r in records.seen if r.exc_info or r.levelno >= logging.ERROR]
    assert not noisy, [(r.levelname, r.getMessage(), r.exc_info) for r in noisy]
    assert client_logger.filters == filters_before


def test_another_client_traceback_is_one_warning_line() -> None:
    try:
        raise OSError("stream handler broke\nsecond line")
    except OSError:
        record = logging.LogRecord(
            "distributed.client", logging.ERROR, __file__, 1, "%s", ("x",), sys.exc_info()
        )
    assert dask_backend._ClientNoise().filter(record)
    assert record.levelname == "WARNING" and record.exc_info is None
    assert record.getMessage() == "Dask client: x OSError: stream handler broke second line"
