"""``flowtop run --rerun-of N`` of a static flow never feeds a stale result downstream.

A completed task of run N is reused only when every task feeding it in today's code is
reused too, and when the flow calls it as run N did (constant arguments, and which tasks
feed it): ``b`` was reused next to a new ``a2`` (``c → 24``, for 220), ``size`` was
reused while the ``big`` it had measured ran again, and two swapped ``extract`` calls
swapped their results silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .conftest import flowtop, json_lines

CHAIN = """
from pathlib import Path
from flowtop import Flow, task

@task
def a():
    return 11

@task
def b(x):
    return x + 1

@task(max_retries=0)
def c(x):
    if Path(__file__).with_name("broken").exists():
        raise RuntimeError("c is broken")
    return x * 2

@task
def d(x):
    return x

with Flow("chain") as flow:
    d(c(b(a())))
"""

#: ``CHAIN`` edited: ``b`` is fed by a new task ``a2``.
CHAIN_A2 = CHAIN.replace(
    "@task\ndef b(x)", "@task\ndef a2():\n    return 100\n\n@task\ndef b(x)"
).replace("d(c(b(a())))", "d(c(b(a2())))")

UNKEPT = """
import threading
from pathlib import Path
from flowtop import Flow, task

@task
def big():
    return threading.Lock()  # a result no pickle keeps

@task
def size(lock):
    return type(lock).__name__

@task(max_retries=0)
def last(name):
    if Path(__file__).with_name("broken").exists():
        raise RuntimeError("last is broken")
    return name

with Flow("unkept") as flow:
    last(size(big()))
"""

BOOKS = """
from pathlib import Path
from flowtop import Flow, task

@task
def extract(path):
    return f"data from {path}"

@task(max_retries=0)
def net(orders, refunds):
    if Path(__file__).with_name("broken").exists():
        raise RuntimeError("net is broken")
    return f"{orders} less {refunds}"

@task
def load(data):
    return f"loaded {data}"

with Flow("books") as flow:
    orders = extract("/orders")
    refunds = extract("/refunds")
    net(orders, refunds)
    load(extract("/customers"))
"""


def failed_once(folder: Path, name: str, text: str) -> str:
    """The id of a first run of ``text`` (as ``name``.py) that fails, the file then
    left as it is and the cause of the failure gone."""
    (folder / f"{name}.py").write_text(text)
    (folder / "broken").touch()
    first = json_lines(flowtop("run", ".", "--json", cwd=folder).stdout)
    (folder / "broken").unlink()
    assert first[-1]["state"] == "FAILED", first[-1]
    return str(first[0]["run_id"])


def rerun(folder: Path, source: str) -> tuple[list[dict[str, Any]], str]:
    done = flowtop("run", ".", "--rerun-of", source, "--json", cwd=folder)
    assert done.returncode == 0, done.stderr
    return json_lines(done.stdout), done.stderr


def ends(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Each task's last ``COMPLETED`` event: its result's repr, and whether reused."""
    return {
        e["task"]: (e.get("result"), bool(e.get("reused")))
        for e in events
        if e.get("state") == "COMPLETED" and "task" in e
    }


def test_a_task_fed_by_a_new_task_runs_again_with_its_value(tmp_path: Path) -> None:
    source = failed_once(tmp_path, "chain", CHAIN)
    (tmp_path / "chain.py").write_text(CHAIN_A2)
    events, said = rerun(tmp_path, source)
    assert ends(events) == {
        "a2": ("100", False),
        "b": ("101", False),
        "c": ("202", False),
        "d": ("202", False),
    }
    assert "b runs again: it is fed by a2, which is not reused" in said


def test_a_task_fed_by_a_result_that_was_not_kept_runs_after_it(tmp_path: Path) -> None:
    source = failed_once(tmp_path, "unkept", UNKEPT)
    events, said = rerun(tmp_path, source)
    order = [e["task"] for e in events if e.get("state") == "COMPLETED" and "task" in e]
    assert order == ["big", "size", "last"]
    assert not any(reused for _, reused in ends(events).values())
    assert "size runs again: it is fed by big, which is not reused" in said


def test_swapped_or_changed_calls_run_again(tmp_path: Path) -> None:
    source = failed_once(tmp_path, "books", BOOKS)
    edited = BOOKS.replace(
        '    orders = extract("/orders")\n    refunds = extract("/refunds")\n',
        '    refunds = extract("/refunds")\n    orders = extract("/orders")\n',
    ).replace('extract("/customers")', 'extract("/suppliers")')
    (tmp_path / "books.py").write_text(edited)
    events, said = rerun(tmp_path, source)
    results = ends(events)
    assert results["net"] == ("'data from /orders less data from /refunds'", False)
    assert results["load"] == ("'loaded data from /suppliers'", False)
    assert "extract-3 runs again: its call changed since run #1" in said
    assert results["extract"] == ("'data from /refunds'", True)  # the same call, moved


def test_an_unchanged_call_is_still_reused(tmp_path: Path) -> None:
    """Only what changed runs again: the swap of two lines leaves the third call alone."""
    source = failed_once(tmp_path, "books", BOOKS)
    edited = BOOKS.replace(
        '    orders = extract("/orders")\n    refunds = extract("/refunds")\n',
        '    refunds = extract("/refunds")\n    orders = extract("/orders")\n',
    )
    (tmp_path / "books.py").write_text(edited)
    events, _ = rerun(tmp_path, source)
    results = ends(events)
    assert results["extract-3"] == ("'data from /customers'", True)
    assert results["load"] == ("'loaded data from /customers'", True)
    assert results["extract"] == ("'data from /refunds'", True)  # extract-2's, by call


def test_a_rerun_of_a_completed_run_runs_only_a_task_added_since(tmp_path: Path) -> None:
    (tmp_path / "chain.py").write_text(CHAIN)
    first = json_lines(flowtop("run", ".", "--json", cwd=tmp_path).stdout)
    source = str(first[0]["run_id"])
    nothing = flowtop("run", ".", "--rerun-of", source, "--json", cwd=tmp_path)
    assert nothing.returncode == 0, nothing.stderr
    assert nothing.stderr.strip().endswith("Run #1 of chain has nothing to rerun")
    assert json_lines(nothing.stdout) == []  # no run recorded: all of it reused
    history = flowtop("history", "--flow", "chain", "--json", cwd=tmp_path)
    assert len(json_lines(history.stdout)) == 1, history.stdout

    added = CHAIN.replace("    d(c(b(a())))", "    n = c(b(a()))\n    d(n)\n    e(n)").replace(
        "@task\ndef d(x)", "@task\ndef e(x):\n    return x - 1\n\n@task\ndef d(x)"
    )
    (tmp_path / "chain.py").write_text(added)
    events, _ = rerun(tmp_path, source)
    assert ends(events) == {
        "a": ("11", True),
        "b": ("12", True),
        "c": ("24", True),
        "d": ("24", True),
        "e": ("23", False),
    }
    task = flowtop("run", ".", "--rerun-of", source, "--task", "e", "--json", cwd=tmp_path)
    assert task.returncode == 0, task.stderr
    assert ends(json_lines(task.stdout))["e"] == ("23", False)
    assert ends(json_lines(task.stdout))["c"] == ("24", True)
