"""A Dask scheduler with no worker, a library missing on a worker, a worker killed mid-attempt.

- Attempts handed to a scheduler with no worker (none joined, or the only one was killed)
  showed ``▶ running`` for good with no word: only their timeout ends that wait. It is said
  now as it begins, and again once a worker joins.
- A library only the coordinator has failed the attempt naming cloudpickle's frame as the
  place (``cloudpickle.py:476 in subimport``) and no worker: it names the worker's address
  and no place.
- A killed worker's error started with Dask's text, the future's key filling the retry
  line's 160 characters before the worker's address: it says the worker first, shortly,
  Dask's text kept as its cause (the traceback).
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
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import flowtop as flowtop_package
from flowtop.commands.message_lines import ROW_MOST, one_line, raised_at
from flowtop.compat import children
from flowtop.engine import capture, dask_backend, shipping
from flowtop.engine.errors import RemoteTraceback
from flowtop.engine.executors import DaskBackend, ShippingError
from flowtop.engine.records import error_info
from waits import wait_until

pytest.importorskip("distributed", reason="the Dask executor needs distributed")

APP = str(Path(flowtop_package.__file__).parents[1])
#: A loaded machine may take a while to start Python processes (a guard, not a timing).
STARTUP = 90.0

Outcome = tuple[Any, BaseException | None, str]


def _double(x: int) -> int:
    return 2 * x


@pytest.fixture
def notes(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What the backend says (``capture.say_past``), in order with what else is put there."""
    said: list[object] = []
    monkeypatch.setattr(capture, "say_past", said.append)
    return said


def test_a_scheduler_with_no_worker_is_said_until_one_joins(notes: list[object]) -> None:
    """The client's copy of the worker count is never asked again here (an hour): the
    note that a worker joined comes from a result, and the stale 0 it keeps says no
    second wait for the next attempt."""
    import dask.config
    import distributed

    with distributed.LocalCluster(
        processes=False,
        n_workers=0,
        threads_per_worker=1,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster:
        backend = DaskBackend(workers=1, cluster=cluster)
        try:
            with dask.config.set({"distributed.client.scheduler-info-interval": "1h"}):
                backend.start()
            backend.submit(_double, [21], {}, timeout=None, on_done=lambda *o: notes.append(o))
            wait_until(lambda: notes, "a note that no worker runs the attempt")
            assert notes == [
                "waiting for a Dask worker: the local Dask scheduler has none; the run's "
                "attempts wait there until one joins (or their task's timeout ends the wait)"
            ]
            cluster.scale(1)
            wait_until(lambda: len(notes) == 3, "the attempt's end", timeout=60)
            assert notes[1:] == [
                "no longer waiting for a Dask worker: one joined the local Dask scheduler",
                (42, None, ""),
            ]
            backend.submit(_double, [1], {}, timeout=None, on_done=lambda *o: notes.append(o))
            wait_until(lambda: len(notes) == 4, "the second attempt's end", timeout=60)
            assert notes[3] == (2, None, "")
        finally:
            backend.close()


LIBRARY = "def answer():\n    return 42\n"


def test_a_library_missing_on_a_worker_names_the_worker_and_no_place(
    process_cluster: Any, tmp_path: Path
) -> None:
    """The library is importable here only: its function is pickled by reference, and the
    worker (a process of its own) cannot import it."""
    (tmp_path / "qa_extpkg_fx71j.py").write_text(LIBRARY)
    sys.path.insert(0, str(tmp_path))
    try:
        import qa_extpkg_fx71j  # type: ignore[import-not-found]  # written just above
    finally:
        sys.path.remove(str(tmp_path))
    backend = DaskBackend(workers=1, cluster=process_cluster)
    ended: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
    try:
        backend.submit(
            qa_extpkg_fx71j.answer, [], {}, timeout=None, on_done=lambda *o: ended.put(o)
        )
        _, error, _ = ended.get(timeout=60)  # a hang guard
    finally:
        backend.close()
        sys.modules.pop("qa_extpkg_fx71j", None)
    (worker,) = process_cluster.scheduler_info["workers"]
    assert isinstance(error, ShippingError)
    assert str(error) == (
        f"the task could not be loaded in the Dask worker at {worker}: ModuleNotFoundError: "
        "No module named 'qa_extpkg_fx71j' (a worker needs every library the task imports "
        "installed)"
    )
    traceback = error_info(error).traceback
    assert "cloudpickle" not in traceback
    assert raised_at(traceback, str(error)) == ""


def test_a_library_failing_its_own_import_on_a_worker_names_its_line(tmp_path: Path) -> None:
    """The frames past cloudpickle's stay: the library's line that failed is the place (a
    library the coordinator has only: its folder is no installed package's). And the
    Dask worker of flowtop's own cluster, in its process, is named by no address."""
    module = tmp_path / "qa_broken_fx71j.py"
    module.write_text(LIBRARY)
    sys.path.insert(0, str(tmp_path))
    try:
        import qa_broken_fx71j  # type: ignore[import-not-found]  # written just above

        payload = shipping.pack(qa_broken_fx71j.answer, [], {})
        sys.modules.pop("qa_broken_fx71j")
        module.write_text("import qa_not_there_fx71j\n" + LIBRARY)  # as on the worker
        _, error, _ = shipping.unpack(shipping.run_pickled(payload, "Dask worker"), "t", "w")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("qa_broken_fx71j", None)
    assert str(error).startswith(
        "the task could not be loaded in the Dask worker: ModuleNotFoundError: No module "
        "named 'qa_not_there_fx71j'"
    )
    assert isinstance(error, ShippingError) and isinstance(error.__cause__, RemoteTraceback)
    assert "cloudpickle" not in error.__cause__.text
    assert raised_at(error.__cause__.text, str(error)) == "qa_broken_fx71j.py:1 in <module>"


def _killed(allowed_failures: int) -> BaseException:
    import distributed

    worker = types.SimpleNamespace(address="tcp://10.0.0.7:40231")  # a WorkerState's
    key = "long-d5c0a4a1c6e54a4bb2f3c3a9b1e2f0aa"
    return distributed.scheduler.KilledWorker(key, worker, allowed_failures)


def test_a_killed_worker_is_named_first_and_dask_s_text_kept_as_the_cause() -> None:
    error = dask_backend._could_not_run("long", _killed(0))
    message = str(error)
    assert message == (
        "Dask could not run task 'long': its worker tcp://10.0.0.7:40231 died while "
        "running it (KilledWorker)"
    )
    assert len(f"⟳ retry in 0s (attempt 1/2): ShippingError: {message}") <= ROW_MOST
    traceback = error_info(error).traceback
    assert "KilledWorker: Attempted to run task 'long-d5c0a4a1" in traceback
    assert traceback.endswith(f"ShippingError: {message}\n")
    assert raised_at(traceback, message) == ""  # no frame of Dask's client named

    rerun = str(dask_backend._could_not_run("long", _killed(3)))
    assert rerun == (
        "Dask could not run task 'long': its scheduler ran this attempt 4 times, each worker "
        "dying, the last tcp://10.0.0.7:40231 (KilledWorker; its "
        "distributed.scheduler.allowed-failures is 3; 0 leaves retries to flowtop)"
    )
    assert "tcp://10.0.0.7:40231 (KilledWorker" in one_line(f"⟳ retry in 0s: {rerun}")


# -- a real cluster: a scheduler and a worker as processes of their own ------------------


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != children.ENV}
    env["PYTHONPATH"] = APP
    env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = "0"  # KilledWorker at once
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "dask", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=log.parent,
        )


@pytest.fixture
def scheduler_and_worker(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A scheduler's address, and its one worker (no nanny: a kill is its end)."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        log = tmp_path / "scheduler.log"
        args = ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
        started.append(_start(args, log))

        def address() -> str | None:
            found = re.search(r"Scheduler at:\s+(tcp://\S+)", log.read_text())
            return found.group(1) if found else None

        at = wait_until(address, "the scheduler's address", timeout=STARTUP)
        worker_log = tmp_path / "worker.log"
        args = ["worker", at, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny"]
        started.append(_start([*args, "--no-dashboard"], worker_log))
        wait_until(lambda: "Registered to" in worker_log.read_text(), "the worker", STARTUP)
        yield at, started[1]
    finally:
        for process in reversed(started):
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)


def test_a_killed_worker_is_named_and_the_retry_s_wait_for_another_is_said(
    scheduler_and_worker: tuple[str, subprocess.Popen[bytes]],
    tmp_path: Path,
    notes: list[object],
) -> None:
    address, worker = scheduler_and_worker
    started = tmp_path / "started"

    def _block(flag: str) -> None:  # (nested: pickled by value, no module to import there)
        Path(flag).write_text("running")
        threading.Event().wait(120)

    ended: queue.SimpleQueue[Outcome] = queue.SimpleQueue()

    def done(*outcome: Any) -> None:
        ended.put(outcome)

    backend = DaskBackend(address, workers=1)
    try:
        backend.submit(_block, [str(started)], {}, timeout=None, on_done=done, name="long")
        wait_until(started.exists, "the attempt to run on the worker", timeout=STARTUP)
        assert notes == []
        worker.send_signal(signal.SIGKILL)
        _, error, _ = ended.get(timeout=60)  # a hang guard
        assert re.fullmatch(
            r"Dask could not run task 'long': its worker tcp://127\.0\.0\.1:\d+ died while "
            r"running it \(KilledWorker\)",
            str(error),
        ), error
        assert "Attempted to run task 'test_a_killed_worker_" in error_info(error).traceback
        backend.submit(_block, [str(started)], {}, timeout=None, on_done=done, name="long")
        wait_until(lambda: notes, "a note that no worker is left", timeout=60)
        assert notes == [
            f"waiting for a Dask worker: the Dask scheduler at {address} has none; the run's "
            "attempts wait there until one joins (or their task's timeout ends the wait)"
        ]
        assert ended.empty()
    finally:
        backend.close()
