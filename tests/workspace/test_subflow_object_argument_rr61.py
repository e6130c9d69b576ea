"""A subflow given an object (a connection) is matched on its parent's rerun by call place.

The run store keeps such a parameter as its ``repr``, which names a memory address, other
in each process: a parent's rerun never matched the call, and the subflow ran every task
again, silently, where the same calls in a flat ``@flow`` were reused (their inputs are
hashed by value) (rv408 §3). Now the call at the same place, with the same other
parameters and an object there too, reruns its source; its tasks are matched by their
inputs' hash as a flat flow's are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from cli_kit import flowtop, stored_runs
from flowtop.engine.parameters import UNSTORED
from flowtop.engine.rerun_cache import SourceCalls
from flowtop.engine.subflow_reruns import (
    OBJECT,
    Recorded,
    SubflowSource,
    SubflowSources,
    comparable,
    holds_object,
)

OBJS = """\
from pathlib import Path

from flowtop import flow, task

HERE = Path(__file__).parent


class Conn:
    def __init__(self, dsn):
        self.dsn = dsn

    def query(self, q):
        return f"{self.dsn}:{q}"


@task(max_retries=0)
def run_query(conn, q: str) -> str:
    with (HERE / "called").open("a") as f:
        f.write(q + "\\n")
    if (HERE / f"down-{q}").exists():
        raise RuntimeError(f"{q} failed")
    return conn.query(q)


@flow
def child(conn, q: str) -> str:
    return run_query(conn, q)


@flow
def parent(dsn: str = "pg://db") -> list:
    conn = Conn(dsn)
    return [child(conn, "a"), child(conn, "b")]
"""


def test_a_subflow_given_a_connection_is_rerun_not_run_afresh(tmp_path: Path) -> None:
    (tmp_path / "objs.py").write_text(OBJS, encoding="utf-8")
    (tmp_path / "down-b").touch()
    assert flowtop("run", ".", "--flow", "parent", cwd=tmp_path).returncode == 1
    (tmp_path / "down-b").unlink()
    done = flowtop("run", ".", "--flow", "parent", "--rerun-of", "1", cwd=tmp_path)
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert (tmp_path / "called").read_text().split() == ["a", "b", "b"], said  # old: a b a b
    children = sorted(
        (r for r in stored_runs(tmp_path) if r.flow == "child"), key=lambda r: r.number
    )
    assert [(r.number, r.rerun_of_number, r.reused) for r in children[2:]] == [(3, 1, 1), (4, 2, 0)]


def test_another_connection_runs_the_subflows_tasks_again(tmp_path: Path) -> None:
    """Matched by place, the call's tasks still compare the object by value."""
    (tmp_path / "objs.py").write_text(OBJS, encoding="utf-8")
    (tmp_path / "down-b").touch()
    flowtop("run", ".", "--flow", "parent", cwd=tmp_path)
    (tmp_path / "down-b").unlink()
    args = ("run", ".", "--flow", "parent", "--rerun-of", "1", "-p", 'dsn="pg://other"')
    assert flowtop(*args, cwd=tmp_path).returncode == 0
    assert (tmp_path / "called").read_text().split() == ["a", "b", "a", "b"]


def _source(key: str, parameters: Mapping[str, object]) -> SubflowSource:
    return SubflowSource("child", key, Recorded(json.dumps(parameters)), key, SourceCalls)


def test_an_object_parameter_matches_at_its_call_place_only() -> None:
    stored = {"conn": {UNSTORED: "<Conn object at 0x7f01>"}, "q": "a"}
    called = comparable({"conn": {UNSTORED: "<Conn object at 0x7e99>"}, "q": "a"})
    assert called == {"conn": OBJECT, "q": "a"} and holds_object(called)
    assert not holds_object(comparable({"q": "a", "rows": [1, {"x": 2}]}))
    taken = SubflowSources([_source("child-2", stored)]).take(
        "child", "child", Recorded(json.dumps(called))
    )
    assert taken is None  # by value it could be another connection's call
    sources = SubflowSources([_source("child", stored), _source("child-2", stored)])
    taken = sources.take("child", "child-2", Recorded(json.dumps(called)))
    assert taken is not None and taken.key == "child-2"
