"""A rerun of a static flow never feeds a stale result downstream (``rerun_reuse``).

A completed task is reused only when every task feeding it in the flow now is reused
too, and when the flow calls it as the source run's flow did (its constant arguments,
and which tasks feed it where). ``b`` of ``c(b(a2()))`` was reused with the value it
had computed from the replaced ``a``, and ``c`` got 22 for 202.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flowtop import Flow, task
from flowtop.engine import Runner
from flowtop.engine.rerun_reuse import call_fingerprint, in_feeding_order, reusable


def chain(calls: Counter[str], failing: set[str], first: str) -> Flow:
    """``c(b(FIRST()))``: ``a`` gives 10, ``a2`` 100; ``b`` adds 1, ``c`` doubles (or
    fails while in ``failing``)."""

    @task
    def a() -> int:
        calls["a"] += 1
        return 10

    @task
    def a2() -> int:
        calls["a2"] += 1
        return 100

    @task
    def b(x: int) -> int:
        calls["b"] += 1
        return x + 1

    @task
    def c(x: int) -> int:
        calls["c"] += 1
        if "c" in failing:
            raise RuntimeError("c is broken")
        return x * 2

    with Flow("chain") as flow:
        c(b({"a": a, "a2": a2}[first]()))
    return flow


def values(result: Any) -> dict[str, Any]:
    return {key: state.result for key, state in result.states.items()}


def test_a_task_fed_by_a_new_task_runs_again(runner: Runner) -> None:
    calls: Counter[str] = Counter()
    failing = {"c"}
    source = runner.run(chain(calls, failing, "a"), default_max_retries=0)
    assert source["c"].is_failed() and source["b"].result == 11

    failing.clear()
    rerun = runner.rerun_failed(source, flow=chain(calls, failing, "a2")).result(timeout=10)

    assert values(rerun) == {"a2": 100, "b": 101, "c": 202}
    assert calls["b"] == 2  # ran again: what fed it is new


def test_swapped_calls_of_one_task_are_not_reused_in_each_others_place(runner: Runner) -> None:
    """``extract("/orders")`` and ``extract("/refunds")`` swapped: the keys ``extract``
    and ``extract-2`` follow the call order, so by key the results swapped silently."""
    calls: Counter[str] = Counter()
    failing = {"net"}

    def build(first: str, second: str) -> Flow:
        @task
        def extract(path: str) -> str:
            calls[path] += 1
            return f"rows of {path}"

        @task
        def net(orders: str, refunds: str) -> str:
            if "net" in failing:
                raise RuntimeError("net is broken")
            return f"{orders} less {refunds}"

        with Flow("books") as flow:
            made = {path: extract(path) for path in (first, second, "/fees")}
            net(made["/orders"], made["/refunds"])
        return flow

    source = runner.run(build("/orders", "/refunds"), default_max_retries=0)
    failing.clear()
    swapped = build("/refunds", "/orders")
    rerun = runner.rerun_failed(source, flow=swapped).result(timeout=10)

    assert rerun["net"].result == "rows of /orders less rows of /refunds"
    # each reused from the key its call had in the source run (``reusable(by_call=True)``)
    assert calls == {"/orders": 1, "/refunds": 1, "/fees": 1}


def test_a_changed_constant_argument_runs_the_task_again(runner: Runner) -> None:
    @task
    def extract(path: str) -> str:
        return f"data from {path}"

    @task
    def load(data: str) -> str:
        return f"loaded {data}"

    def build(path: str) -> Flow:
        with Flow("load") as flow:
            load(extract(path))
        return flow

    source = runner.run(build("/orders"))
    rerun = runner.rerun_task(source, "load", flow=build("/customers")).result(timeout=10)
    assert rerun["load"].result == "loaded data from /customers"


def test_a_task_with_no_source_fingerprint_is_matched_by_key_if_its_feeders_are_reused() -> None:
    """A source run recorded before fingerprints were stored: the task is matched by its
    key (as every task was then), while one fed by what runs again still runs again."""
    calls: Counter[str] = Counter()
    flow = chain(calls, set(), "a2")
    kept = reusable(flow.nodes, ["b", "c"], {}, "run #1")
    assert list(kept.kept) == []
    assert kept.again == {
        "b": "it is fed by a2, which is not reused",
        "c": "it is fed by b, which is not reused",
    }
    kept = reusable(flow.nodes, ["a2", "b"], {}, "run #1")
    assert list(kept.kept) == ["a2", "b"]
    changed = {"b": "0" * 32}  # the source called it otherwise
    kept = reusable(flow.nodes, ["a2", "b", "c"], changed, "run #1")
    assert list(kept.kept) == ["a2"]
    assert kept.again["b"].startswith("its call changed since run #1")


def test_fingerprints_differ_by_argument_and_by_feeder_and_not_by_run() -> None:
    calls: Counter[str] = Counter()
    one, again, other = (chain(calls, set(), first) for first in ("a", "a", "a2"))
    assert call_fingerprint(one.nodes["b"]) == call_fingerprint(again.nodes["b"])
    assert call_fingerprint(one.nodes["b"]) != call_fingerprint(other.nodes["b"])
    assert call_fingerprint(one.nodes["c"]) == call_fingerprint(other.nodes["c"])


def test_the_feeding_order_puts_a_task_after_one_added_later_that_it_waits_for() -> None:
    @task
    def first() -> int:
        return 1

    @task
    def later() -> int:
        return 2

    flow = Flow("order")
    flow.add_task(first)
    flow.add_task(later)
    flow.set_dependencies(first, upstream_tasks=[later])
    assert in_feeding_order(flow.nodes) == ["later", "first"]
