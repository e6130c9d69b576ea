"""Dask's ``Sending large graph of size …`` warning, advice on loading data with Dask,
is not shown for an attempt's large argument: the user wrote no Dask code to change."""

from __future__ import annotations

import warnings

import pytest

from flowtop import Flow, task
from flowtop.engine.states import StateType


@task
def big() -> bytes:
    return b"x" * 20_000


@task
def size(data: bytes) -> int:
    return len(data)


def test_a_large_argument_brings_no_dask_warning(make_runner) -> None:
    pytest.importorskip("distributed")  # (its defaults in Dask's config first)
    import dask.config as dask_config

    with Flow("big") as flow:
        size(big())
    runner = make_runner("dask")
    with (
        dask_config.set({"distributed.admin.large-graph-warning-threshold": "1kB"}),
        warnings.catch_warnings(record=True) as seen,
    ):
        warnings.simplefilter("always")
        run = runner.start(flow)
        assert run.result().state is StateType.COMPLETED
    assert not [w for w in seen if "large graph" in str(w.message)], [str(w.message) for w in seen]
