"""An attempt's own exception comes back as itself from a worker; a worker's crash is
one failed attempt; ``ShippingError`` can be named; an unreachable executor set in
``flowtop.toml`` names its line.

The flows are written to files and loaded by a ``Workspace``, so their exception classes
are made as a user's are (shipped by value, made again on the worker) and after Dask is
imported (``distributed`` registers tblib's exception pickling for the classes that exist
when it is imported, which would hide the bug on the coordinator's side).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import flowtop
import flowtop.exceptions
from flowtop.engine import shipping
from flowtop.engine.errors import RemoteTraceback
from flowtop.engine.executors import DaskBackend, ProcessBackend

ERRORS_FLOW = """
    from flowtop import Flow, task


    class TwoArgErr(Exception):
        def __init__(self, code, detail):
            super().__init__(f"{code}: {detail}")
            self.code = code


    class Prefixed(Exception):  # rebuilt as Prefixed("HTTP 404"): "HTTP HTTP 404"
        def __init__(self, code):
            super().__init__(f"HTTP {code}")
            self.code = code


    class Wrapped(Exception):
        def __init__(self, message, inner):
            super().__init__(message)
            self.inner = inner


    class MissingFile(FileNotFoundError):
        def __init__(self, path):
            super().__init__(2, "No such file", path)


    class Slotted(Exception):
        __slots__ = ("status",)

        def __init__(self, status):
            super().__init__(f"status {status}")
            self.status = status


    @task(retry_on=[TwoArgErr], max_retries=2, retry_delay=0.01)
    def two_arg():
        raise TwoArgErr(503, "unavailable")


    @task
    def prefixed():
        raise Prefixed(404)


    @task
    def wrapped():
        error = Wrapped("outer", TwoArgErr(500, "inner"))
        error.add_note("while calling the API")
        raise error


    @task
    def missing_file():
        raise MissingFile("/data/in.csv")


    @task
    def slotted():
        raise Slotted(418)


    with Flow("errors") as flow:
        slotted()
        two_arg()
        prefixed()
        wrapped()
        missing_file()
"""

CRASH_FLOW = """
    import os
    from pathlib import Path

    from flowtop import Flow, ShippingError, task

    LOG = Path(__file__).with_name("runs.txt")


    @task(retry_on=[ShippingError], max_retries=1, retry_delay=0.01)
    def crashes():
        with LOG.open("a") as f:
            f.write("ran\\n")
        os._exit(1)


    with Flow("crash") as flow:
        crashes()
"""


def make_backend(kind: str, request: pytest.FixtureRequest) -> Any:
    if kind == "process":
        return ProcessBackend(2)
    fixture = "process_cluster" if kind == "dask-processes" else "cluster"
    return DaskBackend(workers=2, cluster=request.getfixturevalue(fixture))


@pytest.mark.parametrize("kind", ["process", "dask", "dask-processes"])
def test_a_tasks_exception_comes_back_as_its_own_class(
    kind: str, run_flow: Callable[..., Any], request: pytest.FixtureRequest
) -> None:
    result = run_flow(ERRORS_FLOW, "errors", make_backend(kind, request))

    # retry_on matched it on every attempt: the class is the flow module's own
    assert len(result.attempts["two_arg"]) == 3
    error = result["two_arg"].exception
    assert type(error).__name__ == "TwoArgErr"
    assert (error.args, error.code) == (("503: unavailable",), 503)
    assert isinstance(error.__cause__, RemoteTraceback)
    assert "TwoArgErr: 503: unavailable" in str(error.__cause__)

    prefixed = result["prefixed"].exception
    assert (str(prefixed), prefixed.code) == ("HTTP 404", 404)  # __init__ not called again

    wrapped = result["wrapped"].exception
    assert type(wrapped.inner).__name__ == "TwoArgErr" and wrapped.inner.code == 500
    assert wrapped.__notes__ == ["while calling the API"]

    slotted = result["slotted"].exception
    assert (str(slotted), slotted.status) == ("status 418", 418)

    missing = result["missing_file"].exception
    assert isinstance(missing, FileNotFoundError)
    assert (missing.errno, missing.filename) == (2, "/data/in.csv")


def test_an_error_that_cannot_be_made_without_its_arguments_is_still_reported() -> None:
    """A class whose ``__new__`` needs arguments is not rebuilt: the attempt fails with
    a ShippingError that names the task, as before."""

    class NeedsArguments(Exception):
        def __new__(cls, code: int, detail: str) -> NeedsArguments:
            return super().__new__(cls, code, detail)

        def __init__(self, code: int, detail: str) -> None:
            super().__init__(f"{code}: {detail}")

    def raises() -> None:
        raise NeedsArguments(1, "x")

    data = shipping.run_pickled(shipping.pack(raises, [], {}), "test")
    _, error, _ = shipping.unpack(data, "raises", "test")
    assert isinstance(error, flowtop.ShippingError)
    assert "exception of task" in str(error) and "NeedsArguments" in str(error)


def test_private_slots_are_set_again() -> None:
    class Slotted(Exception):
        __slots__ = ("__secret", "status")

        def __init__(self, status: int) -> None:
            super().__init__(f"status {status}")
            self.status = status
            self.__secret = "kept"

        def secret(self) -> str:
            return self.__secret

    error = Slotted(418)
    again = shipping.rebuild_error(Slotted, shipping._error_state(error))
    assert isinstance(again, Slotted)
    assert (again.args, again.status, again.secret()) == (("status 418",), 418, "kept")


def test_shipping_error_is_importable_and_a_crash_is_retried_on_it(
    tmp_path: Path, run_flow: Callable[..., Any]
) -> None:
    assert flowtop.ShippingError is shipping.ShippingError
    assert flowtop.exceptions.ShippingError is shipping.ShippingError
    result = run_flow(CRASH_FLOW, "crash", ProcessBackend(1))
    attempts = result.attempts["crashes"]
    assert len(attempts) == 2  # retry_on=[ShippingError] matched the first crash
    assert all("died (exit code 1)" in attempt.error.message for attempt in attempts)
    assert (tmp_path / "runs.txt").read_text() == "ran\n" * 2
    assert type(result["crashes"].exception) is flowtop.ShippingError


def test_the_local_cluster_does_not_run_a_task_again_when_its_worker_dies() -> None:
    pytest.importorskip("distributed")
    backend = DaskBackend(workers=1)
    try:
        client = backend.start()
        allowed = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures)
    finally:
        backend.close()
    assert allowed == 0


def test_a_killed_worker_from_a_cluster_that_reruns_says_how_to_stop_it() -> None:
    distributed = pytest.importorskip("distributed")
    from flowtop.engine.dask_backend import _could_not_run

    reran = distributed.scheduler.KilledWorker(task="t-1", last_worker=None, allowed_failures=3)
    message = str(_could_not_run("t", reran))
    assert "ran this attempt 4 times, each worker dying" in message
    assert "distributed.scheduler.allowed-failures is 3; 0 leaves retries" in message
    once = distributed.scheduler.KilledWorker(task="t-1", last_worker=None, allowed_failures=0)
    assert "allowed-failures" not in str(_could_not_run("t", once))
    assert str(_could_not_run("t", once)).startswith(
        "Dask could not run task 't': its worker died while running it (KilledWorker)"
    )


def test_an_unreachable_executor_from_flowtop_toml_names_its_line(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    (tmp_path / "one.py").write_text(
        "from flowtop import Flow, task\n\n@task\ndef t():\n    return 1\n\n"
        'with Flow("one") as flow:\n    t()\n'
    )
    (tmp_path / "flowtop.toml").write_text(
        '# the cluster\n[defaults]\nexecutor = "dask:tls://127.0.0.1:1"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")}

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "flowtop", "run", "one.py", *extra]
        return subprocess.run(
            command, cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env
        )

    from_file = run()
    assert from_file.returncode == 2
    assert "flowtop.toml:3: [defaults] executor: the Dask scheduler at tls://" in from_file.stderr
    given = run("--executor", "dask:tls://127.0.0.1:1")
    assert given.returncode == 2
    assert "flowtop.toml" not in given.stderr
    assert "the Dask scheduler at tls://127.0.0.1:1 needs TLS" in given.stderr
