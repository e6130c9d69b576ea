"""A ``functools.lru_cache`` / ``functools.cache`` helper of a flow or helper module is
shipped by value as the module's plain functions are (its wrapper pickled by name made
every attempt fail with ``No module named 'flowtop_flows'``, or ``'helpers'`` on a real
cluster), with an empty cache in each attempt."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import fork_cli
from flowtop.engine.executors import DaskBackend

pytest.importorskip("cloudpickle")

CACHED_FLOW = """
    import functools

    from flowtop import Flow, task


    @functools.lru_cache
    def rate(currency: str) -> float:
        return {"EUR": 1.5}[currency]


    @functools.cache
    def fib(n: int) -> int:
        return n if n < 2 else fib(n - 1) + fib(n - 2)


    class Prices:
        @functools.lru_cache(maxsize=8, typed=True)
        def of(self, item: str) -> int:
            return len(item)


    @task(max_retries=2)
    def convert(amount: float) -> float:
        return amount * rate("EUR") + fib(20) + Prices().of("tea") + rate.cache_info().hits


    with Flow("cached") as flow:
        convert(10.0)
"""


def run_json(tmp_path: Path, name: str, source: str) -> list[dict[str, Any]]:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    args = ("run", str(tmp_path / f"{name}.py"), "--executor", "process", "--json")
    done = fork_cli.run(args, cwd=tmp_path, timeout=60, env=env)
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_cached_helpers_of_a_flow_file_run_on_the_process_executor(tmp_path: Path) -> None:
    events = run_json(tmp_path, "cached", CACHED_FLOW)
    states = [e for e in events if e.get("task") == "convert"]
    assert [e["state"] for e in states] == ["RUNNING", "COMPLETED"], states
    assert states[-1]["result"] == str(10.0 * 1.5 + 6765 + 3 + 0)  # a fresh cache: no hits
    assert events[-1]["state"] == "COMPLETED"


HELPERS = """
    import functools


    @functools.cache
    def rate(currency: str) -> float:
        return {"EUR": 1.5}[currency]
"""

HELPED_FLOW = """
    from flowtop import Flow, task

    from helpers import rate


    @task
    def convert(amount: float) -> float:
        return amount * rate("EUR")


    with Flow("helped") as flow:
        convert(10.0)
"""


def test_a_helper_module_s_cached_function_runs_on_a_cluster_s_worker(
    tmp_path: Path, process_cluster: object, run_flow: Callable[..., Any]
) -> None:
    (tmp_path / "helpers.py").write_text(textwrap.dedent(HELPERS))
    result = run_flow(HELPED_FLOW, "helped", DaskBackend(cluster=process_cluster))
    assert result["convert"].result == 15.0, result["convert"].exception
