"""What a stopped attempt leaves behind on the ``process`` executor (issue 59).

An attempt killed at its timeout, cancelled, shut down or orphaned by a killed run
process took only its worker with it: a ``sleep`` it had started lived on, reparented
to init, holding the run's stdout open (``flowtop run … | tail`` waited for it). Each
worker now leads its own session, and the whole group is killed. A worker killed by a
signal is said so ("was killed by SIGKILL"), not "died (exit code -9)".
"""

from __future__ import annotations

import logging
import multiprocessing.forkserver
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, task
from flowtop.engine import dask_backend, dask_connect
from flowtop.engine.executors import DASHBOARD_ENV, DaskBackend, ProcessBackend
from waits import wait_until


def gone(pid: int) -> bool:
    """Whether ``pid`` ended: no such process, or a zombie nobody reaped yet (the init of
    a container may never reap what was reparented to it)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):  # (gone between the open and the read)
        return True
    return stat[stat.rindex(b")") + 2 : stat.rindex(b")") + 3] == b"Z"


def start_sleep(pid_file: str) -> None:
    """Start a ``sleep`` child, say its pid (whole: written, then renamed), wait for it."""
    child = subprocess.Popen(["sleep", "300"])
    Path(pid_file + ".tmp").write_text(str(child.pid))
    os.replace(pid_file + ".tmp", pid_file)
    child.wait()


def start_sleep_and_die(pid_file: str) -> None:
    child = subprocess.Popen(["sleep", "300"])
    Path(pid_file + ".tmp").write_text(str(child.pid))
    os.replace(pid_file + ".tmp", pid_file)
    os.kill(os.getpid(), signal.SIGKILL)


def kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@task
def sleeps_in_a_child(pid_file: str) -> None:
    start_sleep(pid_file)


def child_pid(pid_file: Path) -> int:
    wait_until(pid_file.exists, "the task to start its child")
    return int(pid_file.read_text())


def forkserver_pid() -> int | None:
    return multiprocessing.forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined, no-any-return]  # private: not in typeshed


def test_a_timed_out_attempts_child_is_killed_too(tmp_path: Path) -> None:
    backend = ProcessBackend(1)
    try:
        assert backend.call(os.getpid, [], {}, timeout=None)[1] is None  # warm: started
        server = forkserver_pid()
        pid_file = tmp_path / "pid"
        _, error, _ = backend.call(start_sleep, [str(pid_file)], {}, timeout=2)
        assert type(error).__name__ == "TaskTimeout", error
        wait_until(lambda: gone(child_pid(pid_file)), "the attempt's sleep to be killed")
        # the fork server is no part of a worker's group: the next attempt still starts
        assert backend.call(os.getpid, [], {}, timeout=None)[1] is None
        assert forkserver_pid() == server
        if server is not None:
            assert not gone(server)
    finally:
        backend.close()


def test_a_cancelled_attempts_child_is_killed_too(
    make_runner: Callable[..., Any], tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    with Flow("cancelled") as flow:
        sleeps_in_a_child(str(pid_file))
    run = make_runner("process", workers=1).start(flow)
    pid = child_pid(pid_file)
    assert run.cancel()
    wait_until(lambda: gone(pid), "the cancelled attempt's sleep to be killed")


def test_a_shut_down_backends_attempt_children_are_killed(tmp_path: Path) -> None:
    backend = ProcessBackend(1)
    pid_file = tmp_path / "pid"
    errors: list[BaseException | None] = []
    caller = threading.Thread(
        target=lambda: errors.append(
            backend.call(start_sleep, [str(pid_file)], {}, timeout=None)[1]
        )
    )
    caller.start()
    try:
        pid = child_pid(pid_file)
    finally:
        backend.close()
        caller.join(30)
    wait_until(lambda: gone(pid), "the shut-down attempt's sleep to be killed")
    assert type(errors[0]).__name__ == "AttemptStopped", errors


def test_a_worker_that_killed_itself_takes_its_children_with_it(tmp_path: Path) -> None:
    backend = ProcessBackend(1)
    pid_file = tmp_path / "pid"
    try:
        _, error, _ = backend.call(start_sleep_and_die, [str(pid_file)], {}, timeout=None)
    finally:
        backend.close()
    assert "was killed by SIGKILL" in str(error), error
    wait_until(lambda: gone(child_pid(pid_file)), "the dead worker's sleep to be killed")


COORDINATOR = """
    import os
    import subprocess
    import sys
    from pathlib import Path

    from flowtop.engine.executors import ProcessBackend


    def start_sleep(pid_file):
        child = subprocess.Popen(["sleep", "300"])
        Path(pid_file + ".tmp").write_text(str(child.pid))
        os.replace(pid_file + ".tmp", pid_file)
        child.wait()


    if __name__ == "__main__":
        ProcessBackend(1).call(start_sleep, [sys.argv[1]], {}, timeout=None)
"""


def test_a_killed_coordinators_attempt_children_end_too(tmp_path: Path) -> None:
    """The run process killed (``kill -9``, the OOM killer): its workers ended, their
    children did not."""
    script = tmp_path / "coordinator.py"
    script.write_text(textwrap.dedent(COORDINATOR))
    pid_file = tmp_path / "pid"
    proc = subprocess.Popen([sys.executable, str(script), str(pid_file)], cwd=tmp_path)
    try:
        pid = child_pid(pid_file)
        proc.kill()
        proc.wait(30)
        wait_until(lambda: gone(pid), "the orphaned attempt's sleep to end")
    finally:
        proc.kill()
        proc.wait(30)


FLOW = """
    import subprocess

    from flowtop import Flow, task

    @task(timeout=1)
    def shell():
        subprocess.run(["sleep", "300"])

    with Flow("grandchild") as flow:
        shell()
"""


def test_a_piped_run_ends_its_output_when_the_run_ends(tmp_path: Path) -> None:
    """``flowtop run … | tail`` waited 300 s for the timed-out attempt's ``sleep``,
    which held the pipe open, though the run had ended."""
    (tmp_path / "grandchild.py").write_text(textwrap.dedent(FLOW))
    proc = subprocess.Popen(
        [sys.executable, "-m", "flowtop", "run", "grandchild.py", "--executor", "process"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out, _ = proc.communicate(timeout=120)  # a guard: the pipe's end is waited on
    finally:
        proc.kill()
    assert proc.returncode == 1, out
    assert "TaskTimeout" in out, out


def test_a_worker_killed_by_a_signal_says_which(tmp_path: Path) -> None:
    backend = ProcessBackend(1)
    try:
        _, error, _ = backend.call(kill_self, [], {}, timeout=None, name="kill_self")
    finally:
        backend.close()
    message = str(error)
    assert "the process running task 'kill_self' was killed by SIGKILL" in message, message
    assert "exit code" not in message, message


def test_how_a_worker_died_in_words() -> None:
    from flowtop.engine.process_backend import died

    assert died("t", 3, oom=False) == "the process running task 't' died (exit code 3)"
    assert died("t", -15, oom=False) == "the process running task 't' was killed by SIGTERM"
    assert died("t", -9, oom=False) == "the process running task 't' was killed by SIGKILL"
    assert died("t", -9, oom=True) == (
        "the process running task 't' was killed by SIGKILL (out of memory?)"
    )
    assert died("t", -200, oom=False) == "the process running task 't' was killed by signal 200"
    assert died("t", None, oom=False) == "the process running task 't' died"


# -- Dask's own words, where flowtop says the same (issue 59 §6) -------------------------
def test_a_taken_dashboard_port_prints_no_dask_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dask's ``UserWarning: Port 8787 is already in use`` (with its site-packages path)
    came before flowtop's own line with the link the dashboard got."""
    pytest.importorskip("distributed")
    monkeypatch.setenv(DASHBOARD_ENV, "1")
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))  # the dashboard's port, taken (8787 may come and go)
    taken.listen()
    port = taken.getsockname()[1]
    monkeypatch.setattr(dask_backend, "DASHBOARD_ADDRESS", f"127.0.0.1:{port}")
    backend = DaskBackend(workers=1)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            backend.start()
        assert backend.dashboard_link is not None
        assert f":{port}/" not in backend.dashboard_link
        assert [str(w.message) for w in seen if "already in use" in str(w.message)] == []
    finally:
        backend.close()
        taken.close()


def test_a_client_giving_up_on_its_scheduler_logs_no_dask_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``distributed.client - ERROR - Failed to reconnect to scheduler after 10.00
    seconds, closing client`` reached ``flowtop run``'s output raw, beside flowtop's own
    ``… was lost and not restored within 10 s``."""
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(dask_connect, "CONNECT_TIMEOUT", 1.0)
    cluster = distributed.LocalCluster(
        processes=False,
        n_workers=0,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=":0",
        scheduler_kwargs={"dashboard": False},
        silence_logs=False,  # Dask's logging as `flowtop run` has it
    )
    said: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]  # a handler that keeps
    client_log = logging.getLogger("distributed.client")
    client_log.addHandler(handler)
    backend = DaskBackend(cluster.scheduler_address, workers=1)
    try:
        client = backend.start()
        cluster.close()
        wait_until(lambda: client.status == "closed", "the client to give up")
    finally:
        client_log.removeHandler(handler)
        backend.close()
        cluster.close()
    assert [line for line in said if "Failed to reconnect" in line] == []
