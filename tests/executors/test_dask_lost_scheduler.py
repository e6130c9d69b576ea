"""A scheduler that goes away under ``--executor dask:tcp://…``: every attempt in flight
or submitted afterwards ends, saying the scheduler was lost (Dask's own text named the
future's key and ``cancelled for reason: unknown``)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from flowtop.engine import dask_connect
from flowtop.engine.executors import AttemptStopped, DaskBackend, ShippingError
from waits import wait_until

from . import tasks

Outcome = tuple[Any, BaseException | None, str]


@pytest.fixture
def scheduler_alone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A scheduler with no worker on a TCP port: attempts wait there until it is closed.
    The client waits ``CONNECT_TIMEOUT`` for it to come back, 1 s here."""
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(dask_connect, "CONNECT_TIMEOUT", 1.0)
    cluster = distributed.LocalCluster(
        processes=False,
        n_workers=0,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=":0",  # no fixed port to collide with
        scheduler_kwargs={"dashboard": False},
        silence_logs=logging.CRITICAL,  # the client's "Failed to reconnect" line
    )
    yield cluster
    cluster.close()


def submitted(backend: DaskBackend) -> queue.SimpleQueue[Outcome]:
    """One attempt submitted to ``backend``; its outcome arrives on the queue returned."""
    ended: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
    backend.submit(
        tasks.count,
        ["/nonexistent/never-run"],
        {},
        timeout=None,
        on_done=lambda *outcome: ended.put(outcome),
    )
    return ended


def error_of(ended: queue.SimpleQueue[Outcome]) -> str:
    value, error, _ = ended.get(timeout=20)  # a hang guard: without a timeout none ends
    assert value is None and isinstance(error, ShippingError), error
    return str(error)


def test_attempts_end_saying_the_scheduler_was_lost(scheduler_alone: Any) -> None:
    address = scheduler_alone.scheduler_address
    backend = DaskBackend(address, workers=1)
    try:
        client = backend.start()
        in_flight = submitted(backend)
        scheduler_alone.close()
        assert error_of(in_flight) == (
            "Dask could not run task 'count': the connection to the Dask scheduler at "
            f"{address} was lost"
        )
        wait_until(lambda: client.status == "connecting", "reconnecting")
        while_reconnecting = submitted(backend)
        gone_for_good = (
            f"Dask could not run task 'count': the connection to the Dask scheduler at "
            f"{address} was lost and not restored within 1 s"
        )
        assert error_of(while_reconnecting) == gone_for_good
        wait_until(lambda: client.status == "closed", "closed")
        assert error_of(submitted(backend)) == gone_for_good
    finally:
        backend.close()


def test_an_attempt_stuck_on_a_client_that_gave_up_ends(scheduler_alone: Any) -> None:
    """A future submitted while the client closed stayed pending for ever, and its run
    with it: once the client is gone, every pending attempt ends."""
    backend = DaskBackend(scheduler_alone.scheduler_address, workers=1)
    try:
        client = backend.start()
        stuck = submitted(backend)
        client.status = "closing"  # as Dask leaves it when a submit lands mid-close
        assert "was lost and not restored" in error_of(stuck)
    finally:
        client.status = "running"
        backend.close()


def test_a_client_closing_under_a_cancel_leaves_results_coming(
    scheduler_alone: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quit closes the client while the results thread cancels an abandoned attempt:
    the cancel raised, ending that thread (a traceback on the terminal of ``flowtop run``)."""
    from distributed.client import ClosedClientError

    backend = DaskBackend(scheduler_alone.scheduler_address, workers=1)
    try:
        client = backend.start()
        stop = threading.Event()
        ended: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        backend.submit(
            tasks.count,
            ["/nonexistent/never-run"],
            {},
            timeout=None,
            abandoned=stop.is_set,
            on_done=lambda *outcome: ended.put(outcome),
        )

        def closed(*args: Any, **kwargs: Any) -> None:
            raise ClosedClientError("Client is closed. Can't send cancel message.")

        monkeypatch.setattr(client, "cancel", closed)
        stop.set()
        _, error, _ = ended.get(timeout=20)
        assert isinstance(error, AttemptStopped), error
        assert backend._collector is not None and backend._collector.is_alive()
    finally:
        backend.close()
