"""A cache hit names the run that made its result, never a run the store did not record.

A ``--no-history`` run numbers itself (its start says ``(not recorded: --no-history)``),
yet the result it cached was labelled with that count: two recorded runs after it read
``cached result of cache-flow #1, …``, naming the store's #1 (itself a cache hit), and
``history --run 2`` kept the wrong pointer. Such a result now reads ``cached result of
cache-flow (not recorded), …``; a result a recorded run cached keeps its number (and
``(pruned)`` once a prune took that run); a run in another workspace folder has a cache
of its own, so its results are never offered here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from cli_kit import Here

from .conftest import flowtop

CACHE_FLOW = """
from prefect import flow, task
from prefect.tasks import task_input_hash


@task(cache_key_fn=task_input_hash)
def add(x: int) -> int:
    return x + 1


@flow(name="cache-flow")
def cache_flow() -> int:
    return add(1)
"""
#: When a result was stored, as a cache hit says it.
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
UNRECORDED = rf"cached result of cache-flow \(not recorded\), {WHEN}"


def run(folder: Path, *more: str) -> str:
    done = flowtop("run", "--prefect-compat", *more, "c.py", cwd=folder)
    assert done.returncode == 0 and "COMPLETED" in done.stdout, done
    return done.stdout


def hit(stdout: str) -> str:
    """What ``flowtop run``'s line of ``add`` said it completed with."""
    found = re.search(r"^\S+ cache-flow/add ✓ completed \((.*)\) → 2$", stdout, re.M)
    assert found is not None, stdout
    return found[1]


def test_a_result_an_unrecorded_run_cached_names_no_stored_run(
    here: Here, ws: Callable[..., Path]
) -> None:
    folder = ws(c=CACHE_FLOW)
    assert hit(run(folder, "--no-history")) == "attempt 1/1"
    first, second = run(folder), run(folder)
    # old: `cached result of cache-flow #1, …`: the unrecorded run's own count, which the
    # store gave to run #1 (the first line here, itself a cache hit)
    assert re.fullmatch(UNRECORDED, hit(first)), first
    assert re.fullmatch(UNRECORDED, hit(second)), second
    shown = here("history", ".", "--run", "2", "--flow", "cache-flow", cwd=folder).stdout
    assert re.search(rf"^add  COMPLETED  {UNRECORDED}$", shown, re.M), shown
    again = run(folder, "--no-history")  # another unrecorded run: not its own #1 either
    assert re.fullmatch(UNRECORDED, hit(again)), again


def test_a_result_a_recorded_run_cached_names_it_until_it_is_pruned(
    here: Here, ws: Callable[..., Path]
) -> None:
    folder = ws(c=CACHE_FLOW)
    assert hit(run(folder)) == "attempt 1/1"
    made_by_1 = rf"cached result of cache-flow #1, {WHEN}"
    assert re.fullmatch(made_by_1, hit(run(folder, "--no-history")))  # the store's #1
    assert re.fullmatch(made_by_1, hit(run(folder)))
    pruned = flowtop("history", ".", "--prune", "1", cwd=folder)
    assert pruned.returncode == 0 and "Removed 1 run" in pruned.stdout, pruned
    gone = rf"cached result of cache-flow #1 \(pruned\), {WHEN}"
    shown = here("history", ".", "--run", "2", "--flow", "cache-flow", cwd=folder).stdout
    assert re.search(rf"^add  COMPLETED  {gone}$", shown, re.M), shown
    assert re.fullmatch(gone, hit(run(folder)))  # run #3's line too


def test_a_run_in_another_workspace_folder_caches_apart(
    tmp_path: Path, ws: Callable[..., Path]
) -> None:
    folder = ws(c=CACHE_FLOW)
    assert hit(run(folder)) == "attempt 1/1"
    other = tmp_path / "other"
    other.mkdir()
    (other / "c.py").write_text(CACHE_FLOW)
    assert hit(run(other)) == "attempt 1/1"  # not `cached result of cache-flow #1` of there
    assert re.fullmatch(rf"cached result of cache-flow #1, {WHEN}", hit(run(other)))
    assert re.fullmatch(rf"cached result of cache-flow #1, {WHEN}", hit(run(folder)))
