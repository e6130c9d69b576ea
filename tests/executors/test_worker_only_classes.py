"""An outcome the coordinator cannot unpickle (a class from a library only the workers
have) still says what the task raised, its traceback and what it printed; a worker on
another flowtop version is named as the cause."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import flowtop
from flowtop.engine import shipping
from flowtop.engine.errors import RemoteTraceback

pytest.importorskip("cloudpickle")

WORKER_LIBRARY = """
class DriverError(Exception):
    pass


def query():
    print("connecting")
    raise DriverError("relation 'orders' does not exist")


def row():
    print("fetched")
    return DriverError("a row object")
"""


class WorkerLibrary:
    """A library importable while the attempt runs (as on a worker), then forgotten (as
    by a coordinator that does not have it)."""

    def __init__(self, folder: Path) -> None:
        (folder / "driverlib.py").write_text(WORKER_LIBRARY)
        self.folder = str(folder)
        sys.path.insert(0, self.folder)
        self.module = importlib.import_module("driverlib")

    def forget(self) -> None:
        sys.modules.pop("driverlib", None)
        if self.folder in sys.path:
            sys.path.remove(self.folder)

    def run_there_then_home(self, name: str) -> tuple[object, BaseException | None, str]:
        data = shipping.run_pickled(
            shipping.pack(getattr(self.module, name), [], {}), "Dask worker"
        )
        self.forget()
        return shipping.unpack(data, name, "Dask worker")


@pytest.fixture
def library(tmp_path: Path) -> Iterator[WorkerLibrary]:
    made = WorkerLibrary(tmp_path)
    yield made
    made.forget()


def test_an_exception_only_the_workers_can_import_is_still_described(
    library: WorkerLibrary,
) -> None:
    value, error, output = library.run_there_then_home("query")
    assert value is None and isinstance(error, flowtop.ShippingError)
    assert str(error) == (
        "exception of task 'query' could not be received from the Dask worker: "
        "DriverError: relation 'orders' does not exist (unpickling it failed: "
        "ModuleNotFoundError: No module named 'driverlib')"
    )
    assert isinstance(error.__cause__, RemoteTraceback)
    assert 'driverlib.py", line 8, in query' in str(error.__cause__)
    assert output == "connecting\n"


def test_a_result_only_the_workers_can_import_keeps_its_output(library: WorkerLibrary) -> None:
    value, error, output = library.run_there_then_home("row")
    assert value is None and isinstance(error, flowtop.ShippingError)
    assert str(error) == (
        "result of task 'row' could not be received from the Dask worker: "
        "ModuleNotFoundError: No module named 'driverlib'"
    )
    assert output == "fetched\n"


def test_a_library_only_the_coordinator_has_is_named_with_what_to_do(
    library: WorkerLibrary,
) -> None:
    """The reverse: the task's module is an installed library the worker lacks."""
    payload = shipping.pack(library.module.query, [], {})
    library.forget()  # as on a worker without it
    _, error, _ = shipping.unpack(shipping.run_pickled(payload, "Dask worker"), "query", "w")
    assert str(error) == (
        "the task could not be loaded in the Dask worker: ModuleNotFoundError: No module "
        "named 'driverlib' (a worker needs every library the task imports installed)"
    )


def test_an_outcome_from_another_flowtop_version_says_so() -> None:
    import cloudpickle

    older = cloudpickle.dumps(("ok", 42, ""))  # what a worker sent before the envelope
    with pytest.raises(ValueError, match="start the workers with the flowtop version"):
        shipping.unpack(older, "task", "Dask worker")
