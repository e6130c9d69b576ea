"""A stored parent's rerun plan reads its subflow runs on one connection, a query per
level of nesting, and decodes none of their parameters (``subflow_sources``).

It opened a store connection per subflow run, at every depth (``f``'s key bar plans a
rerun as each run shows), and decoded every subflow run's parameters there, a call
given a 1M-item list included, though a rerun's call matches by their text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from cli_kit import flowtop, stored_runs
from counted_json import CountedJson
from flowtop.engine import parameters
from flowtop.workspace import subflow_runs
from flowtop.workspace.store_reader import StoreReader
from flowtop.workspace.subflow_sources import stored_subflows

FLOWS = """
from flowtop import flow, task


@task
def work(name: str) -> str:
    return name


@flow
def leaf(name: str) -> str:
    return work(name)


@flow
def mid(name: str) -> list:
    return [leaf(f"{name}-1"), leaf(f"{name}-2")]


@flow
def root() -> list:
    return [mid("a"), mid("b")]
"""


def test_a_plan_reads_each_level_at_once_and_decodes_no_parameters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "flows.py").write_text(FLOWS)
    done = flowtop("run", "flows.py", "--flow", "root", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (parent,) = [run for run in stored_runs(tmp_path) if run.flow == "root"]
    opened: list[sqlite3.Connection] = []
    queries: list[str] = []
    real: Callable[[Path], sqlite3.Connection] = subflow_runs.connect_reader

    def counted(db: Path) -> sqlite3.Connection:
        conn = real(db)
        conn.set_trace_callback(queries.append)
        opened.append(conn)
        return conn

    monkeypatch.setattr(subflow_runs, "connect_reader", counted)
    counting = CountedJson()
    monkeypatch.setattr(parameters, "json", counting)

    sources = stored_subflows(StoreReader(tmp_path / ".flowtop" / "history.db"), parent.run_id)

    assert len(opened) == 1  # was 7: one per run read, the parent and its six below it
    assert len([q for q in queries if "FROM runs WHERE parent" in q]) == 3  # one a level
    assert counting.decoded == 0  # matched by text: decoded only when a call's differ
    assert len(sources) == 2 and len(sources.run_ids()) == 6
    below = [source.below for source in sources._sources]
    assert [len(found) for found in below if found is not None] == [2, 2]
    assert sources.all_completed()
