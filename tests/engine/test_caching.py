"""Prefect 3's task caching: a call whose cache key has a stored, unexpired result
completes with it instead of running (``engine/caching.py``, ``engine/cached_calls.py``)."""

from __future__ import annotations

import asyncio
import pickle
import threading
import time
from datetime import timedelta

import pytest

from flowtop import Flow, flow, task
from flowtop.engine.caching import (
    INPUTS,
    NO_CACHE,
    TASK_SOURCE,
    CachedResult,
    MemoryCache,
    task_input_hash,
)
from flowtop.engine.events import TaskStateChanged
from flowtop.engine.states import StateType

from .kit import Recorder

S = StateType


class Calls:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.made: list[object] = []

    def __call__(self, what: object) -> None:
        with self.lock:
            self.made.append(what)


@pytest.fixture
def cached_runner(make_runner, recorder: Recorder):
    return make_runner(4, sinks=(recorder,), cache=MemoryCache())


def run(runner, target, **kwargs):
    result = runner.start(target, **kwargs).final_result(10)
    runner.bus.flush()
    return result


def test_a_call_with_a_stored_key_completes_without_running(cached_runner, recorder) -> None:
    calls = Calls()

    @task(cache_policy=INPUTS)
    def square(x: int) -> int:
        calls(x)
        return x * x

    @flow
    def squares(n: int = 3) -> int:
        return sum(square(i) for i in range(n))

    assert run(cached_runner, squares).value == 5
    first = run(cached_runner, squares)
    assert first.value == 5 and calls.made == [0, 1, 2]  # the second run ran nothing
    steps = [e for e in recorder.task_events(first.run_id) if e.state is S.COMPLETED]
    assert all(e.reused and e.message.startswith("cached result of squares #1, ") for e in steps)
    assert run(cached_runner, squares, kwargs={"n": 4}).value == 14 and calls.made[-1] == 3


def test_a_static_flow_s_task_caches_too(cached_runner) -> None:
    calls = Calls()

    @task(cache_key_fn=task_input_hash)
    def fetch(region: str) -> str:
        calls(region)
        return region.upper()

    @task
    def shout(text: str) -> str:
        return text + "!"

    with Flow("static") as static:
        shout(fetch("eu"))  # served as the run begins: its downstream still runs
    assert run(cached_runner, static)["shout"].result == "EU!"
    assert run(cached_runner, static)["shout"].result == "EU!"
    assert calls.made == ["eu"]


def test_a_long_chain_of_cached_tasks_is_served_without_recursing(cached_runner) -> None:
    """Each hit readies the next task, whose hit readies the next: served one after the
    other, not one inside the other (3,000 deep would exhaust the stack)."""

    @task(cache_policy=INPUTS)
    def step(x: int) -> int:
        return x + 1

    with Flow("chain") as chain:
        value = step(0)
        for _ in range(2_999):
            value = step(value)
    assert run(cached_runner, chain).state is S.COMPLETED
    again = run(cached_runner, chain)
    assert again.state is S.COMPLETED and again["step-3000"].result == 3000
    assert all(state.message.startswith("cached result of") for state in again.states.values())


def test_an_argument_left_out_of_the_key_does_not_matter(cached_runner) -> None:
    calls = Calls()

    @task(cache_policy=INPUTS - "verbose")
    def total(x: int, verbose: bool = False) -> int:
        calls(x)
        return x + 1

    @flow
    def both() -> int:
        return total(1) + total(1, verbose=True) + total(2, verbose=True)

    assert run(cached_runner, both).value == 7
    assert calls.made == [1, 2]


def test_persist_result_caches_within_a_run_only(cached_runner) -> None:
    """Prefect's DEFAULT policy (inputs, source, run id) for ``persist_result=True``."""
    calls = Calls()

    @task(persist_result=True)
    def add(a: int, b: int) -> int:
        calls((a, b))
        return a + b

    @flow
    def twice() -> int:
        return add(1, 2) + add(1, 2)

    assert run(cached_runner, twice).value == 6 and len(calls.made) == 1
    run(cached_runner, twice)
    assert len(calls.made) == 2  # a new run: a new run id

    @flow
    def names() -> list[str]:  # a hit's state is named as Prefect names it
        return [add(2, 2, return_state=True).name, add(2, 2, return_state=True).name]

    assert run(cached_runner, names).value == ["Completed", "Cached"]


@pytest.mark.parametrize(
    "options",
    [{"cache_policy": NO_CACHE}, {"cache_key_fn": lambda context, parameters: None}, {}],
    ids=["NO_CACHE", "key fn gives None", "no caching asked"],
)
def test_without_a_key_every_call_runs(cached_runner, options) -> None:
    calls = Calls()

    @task(**options)
    def once(x: int) -> int:
        calls(x)
        return x

    for _ in range(2):
        with Flow("plain") as plain:
            once(1)
        run(cached_runner, plain)
    assert calls.made == [1, 1]


def test_refresh_cache_runs_and_stores_anew(cached_runner) -> None:
    calls = Calls()

    @task(cache_policy=INPUTS, refresh_cache=True)
    def fresh(x: int) -> int:
        calls(x)
        return len(calls.made)

    @flow
    def both() -> tuple[int, int]:
        return fresh(1), fresh(1)

    assert run(cached_runner, both).value == (1, 2)


def test_a_result_is_good_until_its_expiration() -> None:
    cache = MemoryCache()
    cache.put("past", CachedResult(1, "x #1", expires=time.time() - 1))
    cache.put("future", CachedResult(2, "x #1", expires=time.time() + 60))
    cache.put("forever", CachedResult(3, "x #1"))
    assert cache.get("past") is None
    assert [cache.get(k).value for k in ("future", "forever")] == [2, 3]  # type: ignore[union-attr]


def test_the_expiration_is_stored_with_the_result(make_runner) -> None:
    stored: dict[str, CachedResult] = {}

    class Recording(MemoryCache):
        def put(self, key: str, result: CachedResult) -> None:
            stored[key] = result
            super().put(key, result)

    @task(cache_policy=INPUTS, cache_expiration=timedelta(minutes=5))
    def short(x: int) -> int:
        return x

    with Flow("expiring") as expiring:
        short(1)
    before = time.time()
    run(make_runner(cache=Recording()), expiring)
    (result,) = stored.values()
    assert before + 299 < (result.expires or 0) < time.time() + 301


def test_a_key_that_cannot_be_computed_runs_the_task_and_says_why(cached_runner) -> None:
    def broken_key(context, parameters):
        raise RuntimeError("no key today")

    def exiting_key(context, parameters):
        raise SystemExit(3)  # the lookup is a pool job: this must not leave the task pending

    @task(cache_key_fn=exiting_key)
    def exits() -> int:
        return 9

    @task(cache_key_fn=broken_key)
    def work() -> int:
        return 7

    @task(cache_policy=INPUTS)
    def locked(lock: object) -> int:
        return 8

    with Flow("keyless") as keyless:
        work()
        locked(threading.Lock())
        exits()
    result = run(cached_runner, keyless)
    assert (result["work"].result, result["locked"].result, result["exits"].result) == (7, 8, 9)
    assert result["work"].message == "not cached: no cache key (RuntimeError: no key today)"
    assert result["exits"].message == "not cached: no cache key (SystemExit: 3)"
    assert result["locked"].message.startswith(
        "not cached: no cache key (the task's inputs cannot be hashed"
    )


def test_policies_add_up_and_the_source_is_part_of_the_key() -> None:
    def one() -> int:
        return 1

    def two() -> int:
        return 2

    class Context:
        def __init__(self, fn):
            self.task = task(fn)

    assert TASK_SOURCE.compute_key(Context(one), {}, {}) != TASK_SOURCE.compute_key(
        Context(two), {}, {}
    )
    combined = INPUTS + TASK_SOURCE
    assert combined.compute_key(Context(one), {"x": 1}, {}) != combined.compute_key(
        Context(one), {"x": 2}, {}
    )
    assert (INPUTS - "x").compute_key(None, {"x": 1}, {}) is None  # nothing left to hash


def test_a_cached_step_is_an_ordinary_completed_event(cached_runner, recorder) -> None:
    @task(cache_policy=INPUTS)
    def value(x: int) -> int:
        return x

    with Flow("evented") as evented:
        value(5)
    run(cached_runner, evented)
    second = run(cached_runner, evented)
    steps = [e for e in recorder.task_events(second.run_id) if isinstance(e, TaskStateChanged)]
    assert [e.state for e in steps] == [S.COMPLETED]
    assert steps[0].result == "5" and steps[0].attempt == 0


def test_a_rerun_runs_what_it_does_not_carry_over_whatever_the_cache_holds(
    cached_runner,
) -> None:
    """``t`` on a task that caches means "run it again": the rerun does, and stores the
    new result for later runs."""
    calls = Calls()

    @task(cache_policy=INPUTS)
    def fetch(x: int) -> int:
        calls(x)
        return len(calls.made)

    with Flow("again") as again:
        fetch(1)
    first = run(cached_runner, again)
    rerun = cached_runner.rerun_task(first, "fetch").final_result(10)
    cached_runner.bus.flush()
    assert (first["fetch"].result, rerun["fetch"].result) == (1, 2) and calls.made == [1, 1]
    assert run(cached_runner, again)["fetch"].result == 2  # the rerun's result, from the cache


def test_a_slow_cache_key_holds_up_no_other_task(cached_runner) -> None:
    """The key is computed outside the run's lock, which every state change needs: a
    ``cache_key_fn`` that hashes a large input for a while lets the other tasks run."""
    other_ran = threading.Event()
    seen: list[bool] = []

    def slow_key(context, parameters) -> str:
        seen.append(other_ran.wait(5))  # whether another task ran while the key was computed
        return "slow"

    @task(cache_key_fn=slow_key)
    def hashed() -> int:
        return 1

    @task
    def other() -> int:
        other_ran.set()
        return 2

    with Flow("keyed") as keyed:
        hashed()
        other()
    result = run(cached_runner, keyed)
    assert result.state is S.COMPLETED and seen == [True]


class SlowToPickle:
    """A result whose pickling waits until another task has run."""

    def __init__(self, other_ran: threading.Event) -> None:
        self.other_ran = other_ran

    def __reduce__(self):  # type: ignore[no-untyped-def]
        self.seen = self.other_ran.wait(5)  # whether another task ran while it was stored
        return (int, (7,))


def test_storing_a_large_result_holds_up_no_other_task(make_runner) -> None:
    """The result is kept (pickled, written) outside the run's lock too."""
    other_ran = threading.Event()
    started = threading.Event()

    @task(cache_key_fn=lambda context, parameters: "big")
    def big() -> SlowToPickle:
        started.set()
        return SlowToPickle(other_ran)

    @task
    def other() -> int:
        assert started.wait(5)
        other_ran.set()
        return 2

    with Flow("stored") as stored:
        big()
        other()
    cache = PicklingCache()
    result = run(make_runner(4, cache=cache), stored)
    assert result.state is S.COMPLETED and result["big"].result.seen is True
    assert result["big"].message == "" and list(cache.kept) == ["big"]


class PicklingCache(MemoryCache):
    """A ``MemoryCache`` that pickles what it keeps, as the folder cache does."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[str, bytes] = {}

    def put(self, key, result) -> None:  # type: ignore[no-untyped-def]
        self.kept[key] = pickle.dumps(result.value)
        super().put(key, result)


@pytest.fixture
def process_cache(monkeypatch: pytest.MonkeyPatch) -> MemoryCache:
    """This process's cache, empty for the test and thrown away after it."""
    cache = MemoryCache()
    monkeypatch.setattr("flowtop.engine.cached_calls.PROCESS_CACHE", cache)
    return cache


def test_a_task_called_outside_any_flow_caches_too(process_cache: MemoryCache) -> None:
    """As in Prefect 3, where such a call is a task run of its own: a second call with the
    same inputs completes with the stored result (its state named ``Cached``) and runs
    nothing; other inputs run."""
    calls = Calls()

    @task(cache_policy=INPUTS, cache_expiration=timedelta(minutes=5))
    def double(x: int) -> int:
        calls(x)
        return 2 * x

    first = double(21, return_state=True)
    assert first.result() == 42 and first.name == "Completed"
    again = double(21, return_state=True)
    assert again.result() == 42 and again.name == "Cached" and calls.made == [21]
    assert double(5) == 10 and calls.made == [21, 5]


def test_an_async_task_called_outside_any_flow_caches_too(process_cache: MemoryCache) -> None:
    calls = Calls()

    @task(cache_policy=INPUTS)
    async def triple(x: int) -> int:
        calls(x)
        return 3 * x

    async def twice() -> tuple[int, int]:
        return await triple(7), await triple(7)

    assert asyncio.run(twice()) == (21, 21) and calls.made == [7]


def test_a_task_called_by_another_task_caches_in_the_run_s_store(cached_runner) -> None:
    calls = Calls()

    @task(cache_policy=INPUTS)
    def inner(x: int) -> int:
        calls(x)
        return x + 1

    @task
    def outer() -> int:
        return inner(41)  # outside any flow's graph: inline, in this run's attempt

    with Flow("nested") as nested:
        outer()
    assert run(cached_runner, nested)["outer"].result == 42
    assert run(cached_runner, nested)["outer"].result == 42
    assert calls.made == [41]  # the runner's own store kept it, not this process's
    assert [kept.value for kept in cached_runner.cache._results.values()] == [42]


class ExitsWhenPickled:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        raise SystemExit(4)


def test_a_result_whose_pickling_exits_completes_uncached(make_runner) -> None:
    """Keeping the result runs on the attempt's thread: a ``SystemExit`` there must not
    end that thread and leave the task running for ever."""

    @task(cache_key_fn=lambda context, parameters: "exits")
    def odd() -> ExitsWhenPickled:
        return ExitsWhenPickled()

    with Flow("odd") as odd_flow:
        odd()
    result = run(make_runner(2, cache=PicklingCache()), odd_flow)
    assert result.state is S.COMPLETED
    assert result["odd"].message == "not cached: SystemExit: 4"


class ExitingStore(MemoryCache):
    """A store whose read runs user code that exits (unpickling a stored result may)."""

    def get(self, key):  # type: ignore[no-untyped-def]
        raise SystemExit(5)


def test_a_store_read_that_exits_runs_the_task(make_runner) -> None:
    @task(cache_policy=INPUTS)
    def plain(x: int) -> int:
        return x

    with Flow("read") as read:
        plain(1)
    result = run(make_runner(2, cache=ExitingStore()), read)
    assert result.state is S.COMPLETED and result["plain"].result == 1  # ran, then stored
