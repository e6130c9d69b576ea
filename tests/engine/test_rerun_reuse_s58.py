"""A rerun reuses exactly the results it should (rv375 §1, §2, §3, §7, §8, §9).

Two tasks named ``load`` in two modules swapped their stored results when the code
swapped their calls; a loop over a set numbered its calls otherwise in each process, so
a rerun repeated completed side effects; a cache hit was not carried over; a changed
lambda argument or default value was not a changed call; a ``cache_key_fn`` returning an
``int`` failed as ``'int' object has no attribute 'encode'``.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flowtop import Flow, Task, flow, task
from flowtop.engine import Runner
from flowtop.engine.caching import INPUTS, MemoryCache
from flowtop.engine.rerun_cache import filled_defaults, task_identity
from flowtop.engine.rerun_reuse import call_fingerprint, reusable


def named_load_tasks(calls: Counter[str], failing: set[str]) -> tuple[Task, Task, Task]:
    """Two functions, each a task named ``load`` (a csv and a db source), and ``report``
    of both, failing while ``"report"`` is in ``failing``."""

    @task(name="load")
    def csv_load(path: str) -> str:
        calls["csv"] += 1
        return f"csv rows of {path}"

    @task(name="load")
    def db_load(path: str) -> str:
        calls["db"] += 1
        return f"db rows of {path}"

    @task(max_retries=0)
    def report(a: str, b: str) -> str:
        if "report" in failing:
            raise RuntimeError("report fails")
        return f"A={a} | B={b}"

    return csv_load, db_load, report


def two_loads(calls: Counter[str], failing: set[str], csv_first: bool) -> Flow:
    """``report(csv.load("sales"), db.load("sales"))``, the two loads' lines in either
    order (``named_load_tasks``)."""
    csv_load, db_load, report = named_load_tasks(calls, failing)
    with Flow("swap") as built:
        if csv_first:
            a = csv_load("sales")
            b = db_load("sales")
        else:
            b = db_load("sales")
            a = csv_load("sales")
        report(a, b)
    return built


def test_two_tasks_named_alike_never_swap_results(runner: Runner) -> None:
    calls: Counter[str] = Counter()
    failing = {"report"}
    source = runner.run(two_loads(calls, failing, csv_first=True), default_max_retries=0)
    assert source["report"].is_failed()
    failing.clear()

    swapped = two_loads(calls, failing, csv_first=False)
    rerun = runner.rerun_failed(source, flow=swapped).result(timeout=10)

    assert rerun["report"].result == "A=csv rows of sales | B=db rows of sales"


def test_a_swapped_function_is_said_and_matched_by_call() -> None:
    calls: Counter[str] = Counter()
    before = two_loads(calls, set(), csv_first=True)
    after = two_loads(calls, set(), csv_first=False)
    was = {key: call_fingerprint(node) for key, node in before.nodes.items()}

    by_key = reusable(after.nodes, ["load", "load-2"], was, "run #1")
    assert by_key.kept == {}
    assert by_key.again["load"].startswith("it is now ")
    assert "db_load, was " in by_key.again["load"] and "csv_load in run #1" in by_key.again["load"]

    by_call = reusable(after.nodes, ["load", "load-2"], was, "run #1", by_call=True)
    assert by_call.kept == {"load": "load-2", "load-2": "load"}


def sends(regions: list[str]) -> Flow:
    """``collect([send(r) for r in regions])``: as a loop over a set, whose order is
    another in each process."""

    @task
    def send(region: str) -> str:
        return region

    @task
    def collect(sent: list[str]) -> int:
        return len(sent)

    with Flow("sends") as built:
        collect([send(r) for r in regions])
    return built


def test_a_call_made_under_another_key_is_reused_once() -> None:
    before = sends(["eu", "us", "apac", "eu"])
    after = sends(["us", "eu", "eu", "apac"])
    was = {key: call_fingerprint(node) for key, node in before.nodes.items()}
    completed = ["send", "send-2", "send-4"]  # apac (send-3) failed, collect never ran

    reuse = reusable(after.nodes, completed, was, "run #1", by_call=True)

    # us from send-2; both eu calls, each from one eu of the source; apac runs again
    assert reuse.kept["send"] == "send-2"
    assert {reuse.kept["send-2"], reuse.kept["send-3"]} == {"send", "send-4"}
    assert "send-4" not in reuse.kept and "collect" not in reuse.kept


def test_a_flow_run_records_the_call_a_cache_hit_served(make_runner: Any) -> None:
    from flowtop.engine.rerun_cache import call_hash

    runs: Counter[str] = Counter()

    @task(cache_policy=INPUTS)
    def heavy(n: int) -> int:
        runs["heavy"] += 1
        return n * 7

    @flow
    def cc(n: int = 2) -> int:
        return heavy(n)

    runner = make_runner(2, cache=MemoryCache())
    runner.start(cc).final_result(10)
    second = runner.start(cc).final_result(10)

    assert runs["heavy"] == 1 and second["heavy"].is_completed()
    assert second.inputs["heavy"] == call_hash(heavy, [2], {})


def with_lambda(fn: Callable[[int], int]) -> Flow:
    @task
    def fn_arg(f: Callable[[int], int]) -> int:
        return f(2)

    with Flow("ob") as built:
        fn_arg(fn)
    return built


def test_a_changed_lambda_argument_is_a_changed_call() -> None:
    tens = call_fingerprint(with_lambda(lambda v: v * 10).nodes["fn_arg"])
    again = call_fingerprint(with_lambda(lambda v: v * 10).nodes["fn_arg"])
    thousands = call_fingerprint(with_lambda(lambda v: v * 1000).nodes["fn_arg"])
    assert tens == again
    assert tens != thousands


def scaled(factor: int) -> Flow:
    def scale(x: int, factor: int = factor) -> int:
        return x * factor

    with Flow("dflt") as built:
        task(scale)(5)
        task(scale, name="given")(5, factor=3)
    return built


def test_a_changed_default_value_is_a_changed_call() -> None:
    one, hundred = scaled(1).nodes, scaled(100).nodes
    assert call_fingerprint(one["scale"]) != call_fingerprint(hundred["scale"])
    assert call_fingerprint(one["given"]) == call_fingerprint(hundred["given"])
    assert call_fingerprint(one["scale"]) == call_fingerprint(scaled(1).nodes["scale"])


def test_a_key_function_returning_no_str_is_named(make_runner: Any) -> None:
    @task(cache_key_fn=lambda context, parameters: 42)
    def int_key() -> int:
        return 1

    with Flow("ck") as built:
        int_key()
    result = make_runner(2, cache=MemoryCache()).start(built).final_result(10)

    assert result["int_key"].result == 1
    said = result["int_key"].message
    assert said.startswith("not cached: no cache key (TypeError: cache_key_fn test_")
    assert said.endswith("<lambda> returned int 42; it must return a str, or None for no caching)")


def test_a_static_loop_in_another_order_reruns_only_what_failed(runner: Runner) -> None:
    sent: list[str] = []
    failing = {"apac"}

    def looped(regions: list[str]) -> Flow:
        @task(max_retries=0)
        def send(region: str) -> str:
            sent.append(region)
            if region in failing:
                raise RuntimeError(f"{region} is down")
            return region.upper()

        @task
        def collect(done: list[str]) -> str:
            return " ".join(done)

        with Flow("sends") as built:
            collect([send(r) for r in regions])
        return built

    source = runner.run(looped(["eu", "us", "apac", "mea"]), default_max_retries=0)
    assert source["send-3"].is_failed()
    failing.clear()
    sent.clear()

    rerun = runner.rerun_failed(source, flow=looped(["us", "apac", "mea", "eu"])).result(10)

    assert sent == ["apac"]
    assert rerun["collect"].result == "US APAC MEA EU"


def test_a_flow_never_swaps_two_tasks_named_alike(runner: Runner) -> None:
    calls: Counter[str] = Counter()
    state, failing = {"csv_first": True}, {"report"}
    csv_load, db_load, report = named_load_tasks(calls, failing)

    @flow
    def swap() -> str:
        if state["csv_first"]:
            a, b = csv_load("sales"), db_load("sales")
        else:
            b, a = db_load("sales"), csv_load("sales")
        return report(a, b)

    source = runner.start(swap).final_result(10)
    assert source["report"].is_failed()
    state["csv_first"] = False
    failing.clear()

    rerun = runner.rerun_failed(source).final_result(10)

    assert rerun.value == "A=csv rows of sales | B=db rows of sales"
    assert calls == {"csv": 1, "db": 1}  # each reused from the key its call had


def test_a_flow_looping_in_another_order_reruns_only_what_failed(runner: Runner) -> None:
    sent: list[str] = []
    state = {"order": ["eu", "us", "apac", "latam"], "down": "apac"}

    @task(max_retries=0)
    def send(region: str) -> str:
        sent.append(region)
        if region == state["down"]:
            raise RuntimeError(f"{region} is down")
        return region

    @flow
    def st() -> list[str]:
        futures = [send.submit(r) for r in state["order"]]
        return [f.result() for f in futures]

    source = runner.start(st).final_result(10)
    assert source["send-3"].is_failed()
    state.update(order=["latam", "apac", "us", "eu"], down="")
    sent.clear()

    rerun = runner.rerun_failed(source).final_result(10)

    assert sent == ["apac"]
    assert rerun.value == ["latam", "apac", "us", "eu"]


def test_a_cache_hit_is_carried_over_by_a_rerun(make_runner: Any) -> None:
    runs: Counter[str] = Counter()
    state = {"fail": True}

    @task(cache_policy=INPUTS)
    def heavy(n: int) -> int:
        runs["heavy"] += 1
        return n * 7

    @task(max_retries=0)
    def fin(x: int) -> int:
        runs["fin"] += 1
        if state["fail"]:
            raise RuntimeError("not yet")
        return x

    @flow
    def cc(n: int = 2) -> int:
        return fin(heavy(n))

    runner = make_runner(2, cache=MemoryCache())
    runner.start(cc).final_result(10)
    hit = runner.start(cc).final_result(10)  # heavy from the cache, fin fails again
    assert runs == {"heavy": 1, "fin": 2} and hit["heavy"].is_completed()
    state["fail"] = False

    rerun = runner.rerun_failed(hit).final_result(10)

    assert rerun.value == 14 and runs == {"heavy": 1, "fin": 3}


def test_a_flow_file_s_own_task_is_named_bare_wherever_the_workspace_lies() -> None:
    """The loader names a flow file's module with a digest of its path: a workspace
    moved (or the flow run as a script) would make every task another call, and a rerun
    would reuse nothing. A helper module's task keeps its module's name."""

    def load() -> None:
        return None

    named = set()
    for module in ("flowtop_flows.etl_1a2b3c4d", "flowtop_flows.etl_99999999", "__main__"):
        load.__module__ = module
        named.add(task_identity(task(load)))
    assert named == {load.__qualname__}  # (it holds nothing: no hash of what it holds)
    load.__module__ = "csvsrc"
    assert task_identity(task(load)) == f"csvsrc.{load.__qualname__}"


def test_callables_named_alike_are_told_apart_by_what_they_hold() -> None:
    """A partial, a callable object and a factory's function are named by their function
    or class alone: two of them (``load`` from ``make_loader("db")`` and from
    ``make_loader("csv")``) swapped results on a rerun; a shout task replacing a
    load_csv partial took its result."""

    def make_loader(source: str) -> Any:
        def load(path: str) -> str:
            return f"{source} rows of {path}"

        return load

    def shout(text: str) -> str:
        return text.upper()

    class Loader:
        def __init__(self, source: str) -> None:
            self.source = source

        def __call__(self, path: str) -> str:
            return f"{self.source} rows of {path}"

    db, csv = task(make_loader("db"), name="load"), task(make_loader("csv"), name="load")
    assert task_identity(db) != task_identity(csv)
    assert task_identity(db) == task_identity(task(make_loader("db"), name="load"))
    assert task_identity(task(functools.partial(shout, "a"))) != task_identity(
        task(functools.partial(str.lower, "a"))
    )
    assert task_identity(task(Loader("db"))) != task_identity(task(Loader("csv")))


@task
def module_level(x: int) -> int:
    return x


def test_a_task_found_by_its_name_is_that_function_whatever_its_code() -> None:
    """A ``@task`` at a module's top is found there as its Task: named by module and
    qualname alone, an edit of its body (a docstring) is not another task, and its
    completed result is reused (its code was hashed, so every edit ran it again)."""
    assert task_identity(module_level) == f"{__name__}.module_level"


def test_what_a_callable_holds_names_it_by_its_values_only() -> None:
    """A bound method by its object's values, a partial by its function and values;
    objects they hold (a connection) and values made anew each process are told apart
    by their values alone."""
    import sqlite3

    class Source:
        def __init__(self, kind: str) -> None:
            self.kind = kind
            self.conn = sqlite3.connect(":memory:")

        def load(self, path: str) -> str:
            return f"{self.kind} rows of {path}"

    def count_orders(conn: object, day: str) -> str:
        return f"orders on {day}"

    def count_users(conn: object, day: str) -> str:
        return f"users on {day}"

    csv, parquet = Source("csv"), Source("parquet")
    assert task_identity(task(csv.load)) != task_identity(task(parquet.load))
    assert task_identity(task(csv.load)) == task_identity(task(Source("csv").load))
    conn = sqlite3.connect(":memory:")
    orders = task(functools.partial(count_orders, conn))
    assert task_identity(orders) != task_identity(task(functools.partial(count_users, conn)))


def test_a_path_default_is_compared_a_dict_default_is_not() -> None:
    def by_path(x: int, root: Path = Path("/data/a")) -> int:
        return x

    def by_memo(x: int, _memo: dict[int, int] | None = None) -> int:
        return x

    assert filled_defaults(task(by_path), (1,), {}) == {"root": Path("/data/a")}
    memo: dict[int, int] = {}
    by_memo.__defaults__ = (memo,)
    assert filled_defaults(task(by_memo), (1,), {}) == {}
