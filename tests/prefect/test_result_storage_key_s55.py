"""Prefect 3's ``@task(result_storage_key=...)`` in drop-in mode (``caching.StorageKey``),
checked against Prefect 3.9.1 running the same file.

The template, formatted for each call with its ``parameters`` and ``prefect.runtime``'s
``flow_run``, ``task_run`` and ``deployment``, is the call's cache key: a later call
whose key formats the same is served the stored result without running (in a flow's run,
from a later run of the workspace, or outside any flow), for its ``cache_expiration``,
unless ``refresh_cache``. It replaces any other policy (``cache_policy=INPUTS``, a
``cache_key_fn``) but ``NO_CACHE`` and ``persist_result=False``, which cache nothing. A
field the call has not fails the task, as Prefect's ``KeyError: 'nme'`` does: every
attempt (retries included) fails with it, the task's code never run, its hooks called.
"""

from __future__ import annotations

import asyncio
import textwrap
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from flowtop import task as flowtop_task
from flowtop.compat import prefect_imports
from flowtop.engine.caching import CachedResult, MemoryCache, StorageKeyError
from flowtop.engine.runner import Runner
from flowtop.engine.states import StateType
from flowtop.workspace.workspace import Workspace

with prefect_imports():
    from prefect import flow, task
    from prefect.cache_policies import INPUTS, NO_CACHE


class Recording(MemoryCache):
    """A cache that keeps what was put in it, by key, to be read by the test."""

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[str, CachedResult] = {}

    def put(self, key: str, result: CachedResult) -> None:
        self.stored[key] = result
        super().put(key, result)


def run_flow(cache: MemoryCache, target: Any, **kwargs: Any) -> Any:
    with Runner(4, cache=cache) as runner:
        return runner.run(target, kwargs=kwargs)


@pytest.fixture
def process_cache(monkeypatch: pytest.MonkeyPatch) -> MemoryCache:
    """This process's cache (a call outside any flow), empty for the test."""
    cache = MemoryCache()
    monkeypatch.setattr("flowtop.engine.cached_calls.PROCESS_CACHE", cache)
    return cache


def test_the_docs_example_a_second_call_whose_key_matches_does_not_run() -> None:
    """Prefect's docs: ``hello_world()`` twice runs once; the key is the template formatted
    with the call's parameters, defaults applied (``hello-world.json``)."""
    calls: list[str] = []

    @task(result_storage_key="hello-{parameters[name]}.json")
    def hello_world(name: str = "world") -> str:
        calls.append(name)
        return f"hello {name}"

    @flow
    def greet() -> list[str]:
        return [hello_world(), hello_world(), hello_world("x")]

    cache = Recording()
    result = run_flow(cache, greet)
    assert result.value == ["hello world", "hello world", "hello x"]
    assert calls == ["world", "x"]
    assert sorted(cache.stored) == ["hello-world.json", "hello-x.json"]
    assert result["hello_world-2"].message.startswith("cached result of greet #")


def test_a_later_workspace_run_is_served_from_the_key(tmp_path: Path) -> None:
    """Two runs of a Prefect file in a workspace, each with a runner of its own: the
    second is served the result the first kept in ``.flowtop/cache/`` under the key."""
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    ran = tmp_path / "ran.txt"
    (tmp_path / "greet.py").write_text(
        textwrap.dedent(
            f"""
            from prefect import flow, task

            @task(result_storage_key="hello-{{parameters[name]}}.json")
            def hello(name: str = "world"):
                with open({str(ran)!r}, "a") as file:
                    file.write(name + "\\n")
                return f"hello {{name}}"

            @flow
            def greet(name: str = "world"):
                return hello(name)
            """
        )
    )
    with Workspace(tmp_path) as workspace:
        changed = workspace.load()
        assert not changed.errors, changed.errors
        greet = workspace.flows["greet"]
        values, messages = [], []
        for _ in range(2):
            with workspace.make_runner(record=False) as runner:
                result = runner.run(greet)
            values.append(result.value)
            messages.append(result["hello"].message)
    assert values == ["hello world", "hello world"]
    assert ran.read_text() == "world\n"  # the second run did not run it
    assert messages[0] == "" and messages[1].startswith("cached result of greet")
    assert len(list((tmp_path / ".flowtop" / "cache").iterdir())) == 1


def test_a_field_the_call_has_not_fails_every_attempt_naming_the_key_and_field() -> None:
    """Prefect 3.9.1: ``KeyError: 'nme'``, retried (``Retry 1/1``), then ``Failed``; the
    task's code never runs; its hooks are called as for any failure."""
    calls: list[str] = []
    hooks: list[str] = []

    @task(
        result_storage_key="out-{parameters[nme]}.json",
        retries=1,
        on_failure=[lambda t, run, state: hooks.append(state.name)],
    )
    def typo(name: str) -> str:
        calls.append(name)
        return name

    states: list[Any] = []

    @flow
    def broken() -> None:
        states.append(typo("a", return_state=True))

    result = run_flow(MemoryCache(), broken)
    (state,) = states
    assert state.is_failed() and calls == [] and hooks == ["Failed"]
    assert len(result.attempts["typo"]) == 2  # its retry too
    with pytest.raises(KeyError) as raised:  # Prefect's type: ``except KeyError`` matches
        state.result()
    assert isinstance(raised.value, StorageKeyError)
    assert str(raised.value) == (
        "task 'typo': result_storage_key 'out-{parameters[nme]}.json': {parameters[nme]}: "
        "the call has no parameter 'nme' (its parameters: name)"
    )


@pytest.mark.parametrize(
    ("template", "kind", "why"),
    [
        (
            "out-{nope}.json",
            StorageKeyError,
            "{nope}: no such field (it can name the call's parameters[…], and flow_run.…, "
            "task_run.…, deployment.…)",
        ),
        (
            "out-{flow_run.nope}",
            AttributeError,
            "{flow_run.nope}: flowtop.runtime.flow_run has no attribute 'nope'",
        ),
        ("out-{parameters[cfg][zone]}", StorageKeyError, "{parameters[cfg][zone]}: no key 'zone'"),
        ("out-{parameters", ValueError, "expected '}' before end of string"),
    ],
    ids=["unknown field", "unknown attribute", "missing key", "no template"],
)
def test_each_bad_field_says_which(template: str, kind: type[Exception], why: str) -> None:
    @task(result_storage_key=template)
    def keyed(cfg: dict[str, str]) -> str:
        return "ran"

    states: list[Any] = []

    @flow
    def broken() -> None:
        states.append(keyed({"region": "eu"}, return_state=True))

    run_flow(MemoryCache(), broken)
    (state,) = states
    with pytest.raises(kind) as raised:
        state.result()
    assert str(raised.value) == f"task 'keyed': result_storage_key {template!r}: {why}"


def test_the_key_reads_the_call_s_flow_run_and_task_run() -> None:
    """Formatted in the call's task run context, as Prefect formats it: two tasks whose
    keys format the same share one result, as they share Prefect's file."""
    calls: list[str] = []

    @task(result_storage_key="{flow_run.flow_name}-{task_run.task_name}-{parameters[n]}")
    def first(n: int) -> int:
        calls.append("first")
        return n * 10

    @task(result_storage_key="shared-{parameters[n]}")
    def left(n: int) -> int:
        calls.append("left")
        return n

    @task(result_storage_key="shared-{parameters[n]}")
    def right(n: int) -> int:
        calls.append("right")
        return -n

    @flow(name="keys")
    def keys() -> list[int]:
        return [first(1), left(2), right(2)]

    cache = Recording()
    assert run_flow(cache, keys).value == [10, 2, 2]  # right was served left's result
    assert calls == ["first", "left"]
    assert sorted(cache.stored) == ["keys-first-1", "shared-2"]


def test_refresh_cache_runs_and_the_expiration_is_kept_with_the_result() -> None:
    calls: list[int] = []

    @task(result_storage_key="fresh-{parameters[n]}", refresh_cache=True)
    def fresh(n: int) -> int:
        calls.append(n)
        return len(calls)

    @task(result_storage_key="short-{parameters[n]}", cache_expiration=timedelta(minutes=5))
    def short(n: int) -> int:
        return n

    @flow
    def twice() -> list[int]:
        return [fresh(1), fresh(1), short(3)]

    cache = Recording()
    before = time.time()
    assert run_flow(cache, twice).value == [1, 2, 3] and calls == [1, 1]
    assert cache.stored["fresh-1"].value == 2 and cache.stored["fresh-1"].expires is None
    assert before + 299 < (cache.stored["short-3"].expires or 0) < time.time() + 301


def test_an_expired_result_runs_the_task_again() -> None:
    calls: list[int] = []

    @task(result_storage_key="old-{parameters[n]}", cache_expiration=timedelta(hours=1))
    def old(n: int) -> int:
        calls.append(n)
        return n

    @flow
    def once() -> int:
        return old(4)

    cache = MemoryCache()
    cache.put("old-4", CachedResult(40, "once #0", expires=time.time() - 1))
    assert run_flow(cache, once).value == 4 and calls == [4]
    cache.put("old-4", CachedResult(44, "once #0", expires=time.time() + 60))
    assert run_flow(cache, once).value == 44 and calls == [4]


def test_prefect_s_rules_with_the_other_caching_options() -> None:
    """As Prefect 3.9.1's ``Task``: the key replaces ``cache_policy`` and ``cache_key_fn``
    (``cache_policy`` reads None), ``NO_CACHE`` and ``persist_result=False`` cache nothing,
    and the key alone turns ``persist_result`` on."""
    calls: list[str] = []

    def noted(name: str) -> Any:
        def body(x: int) -> int:
            calls.append(name)
            return x

        body.__name__ = name
        return body

    by_inputs = task(cache_policy=INPUTS, result_storage_key="k-inputs")(noted("by_inputs"))
    by_fn = task(cache_key_fn=lambda ctx, p: f"fn-{p['x']}", result_storage_key="k-fn")(
        noted("by_fn")
    )
    no_cache = task(cache_policy=NO_CACHE, result_storage_key="k-none")(noted("no_cache"))
    unpersisted = task(persist_result=False, result_storage_key="k-off")(noted("unpersisted"))

    @flow
    def rules() -> list[int]:
        return [each(x) for each in (by_inputs, by_fn, no_cache, unpersisted) for x in (1, 2)]

    assert run_flow(MemoryCache(), rules).value == [1, 1, 1, 1, 1, 2, 1, 2]
    assert calls == ["by_inputs", "by_fn", "no_cache", "no_cache", "unpersisted", "unpersisted"]
    assert (by_inputs.cache_policy, by_inputs.persist_result) == (None, True)
    assert by_inputs.result_storage_key == "k-inputs" and by_fn.cache_policy is None
    assert no_cache.cache_policy is NO_CACHE and no_cache.persist_result is True
    assert unpersisted.cache_policy is NO_CACHE and unpersisted.persist_result is False
    assert by_inputs.caching is not None
    assert by_inputs.caching.describe() == "result_storage_key 'k-inputs'"


def test_a_call_outside_any_flow_is_served_from_its_key_or_fails(
    process_cache: MemoryCache,
) -> None:
    """As in Prefect 3, where such a call is a task run of its own: ``Cached`` the second
    time; a bad key raises its error from the call."""
    calls: list[int] = []

    @task(result_storage_key="alone-{parameters[x]}")
    def alone(x: int) -> int:
        calls.append(x)
        return 2 * x

    @task(result_storage_key="alone-{parameters[y]}")
    def typo(x: int) -> int:
        calls.append(-x)
        return x

    assert alone(21) == 42
    again = alone(21, return_state=True)
    assert again.result() == 42 and again.name == "Cached" and calls == [21]
    with pytest.raises(StorageKeyError, match=r"\{parameters\[y\]\}: the call has no param"):
        typo(1)
    assert calls == [21]


def test_an_async_task_s_key_serves_it_and_a_bad_one_fails_it() -> None:
    calls: list[int] = []

    @task(result_storage_key="async-{parameters[x]}")
    async def triple(x: int) -> int:
        calls.append(x)
        return 3 * x

    @task(result_storage_key="async-{parameters[nope]}")
    async def broken(x: int) -> int:
        calls.append(-x)
        return x

    @flow
    async def both() -> list[Any]:
        states = [await broken(1, return_state=True)]
        return [await triple(7), await triple(7), states[0].is_failed()]

    assert run_flow(MemoryCache(), both).value == [21, 21, True]
    assert calls == [7]
    with pytest.raises(StorageKeyError):
        asyncio.run(broken(2))


def test_flowtop_s_own_task_takes_it_and_a_key_that_is_no_text_is_refused() -> None:
    """flowtop's ``@task`` has Prefect's other caching options, and this one the same
    way; a key that is no ``str`` is refused where the task is made."""
    calls: list[int] = []

    @flowtop_task(result_storage_key="own-{parameters[x]}")
    def own(x: int) -> int:
        calls.append(x)
        return x

    @flow
    def twice() -> list[int]:
        return [own(5), own(5)]

    assert run_flow(MemoryCache(), twice).value == [5, 5] and calls == [5]
    with pytest.raises(TypeError, match=r"task 'bad': result_storage_key must be a str"):

        @task(result_storage_key=Path("out.json"))
        def bad() -> None: ...


def test_the_run_shows_the_failure_as_a_failed_task() -> None:
    """The failure is the task's: its run fails as for any error raised in the task."""

    @task(result_storage_key="{parameters[missing]}")
    def typo(x: int) -> int:
        return x

    @flow
    def fails() -> int:
        return typo(1)

    result = run_flow(MemoryCache(), fails)
    assert result.state is StateType.FAILED
    assert result["typo"].type is StateType.FAILED
    assert "{parameters[missing]}: the call has no parameter 'missing'" in str(
        result["typo"].exception
    )
