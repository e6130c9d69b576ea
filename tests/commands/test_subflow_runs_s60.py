"""``history --run`` of a parent ``@flow`` names its subflow runs; ``flowtop run`` says a
cache hit's run was pruned (explorer rv403, §5 and §8).

§5: a parent whose body called subflows printed ``run id … · 0 tasks``, its parameters and
its result, nothing more: its children (``region-ingest #1``, ``#2``) were found only by
scanning every flow's history, while the monitor's main screen said ``its subflows ran as
runs of their own: region-ingest #1, region-ingest #2``.

§8: ``flowtop run``'s line named the run whose cached result a task took as if it were
still there (``cached result of cached #1, …``) once a prune took it, where ``history
--run`` and the monitor say ``cached result of cached #1 (pruned), …``. The ``--json``
event keeps the engine's words (the store's).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from cli_kit import flowtop
from flowtop.commands.cache_hit_words import CacheSources

Here = Callable[..., subprocess.CompletedProcess[str]]

CACHED = """\
from datetime import timedelta

from flowtop import flow, task


@task(cache_key_fn=lambda ctx, params: "dim", cache_expiration=timedelta(hours=1))
def lookup(name: str) -> str:
    return name


@flow
def cached() -> str:
    return lookup("customer")
"""

INGEST = """\
from flowtop import flow


@flow
def region_ingest(region: str) -> int:
    return len(region)


@flow
def daily_ingest(regions: list[str] = ["eu", "usa"]) -> int:
    return sum(region_ingest(r) for r in regions)
"""


def test_history_run_of_a_parent_names_its_subflow_runs(tmp_path: Path, flowtop_here: Here) -> None:
    (tmp_path / "ingest.py").write_text(INGEST)
    done = flowtop("run", ".", "--flow", "daily-ingest", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = flowtop_here("history", ".", "--run", "1", "--flow", "daily-ingest", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    said = shown.stdout
    assert "result: 5" in said, said
    assert "subflow runs (each a run of its own):" in said, said
    lines = said.splitlines()
    assert "  ✓ region-ingest #1  COMPLETED" in lines, said
    assert "  ✓ region-ingest #2  COMPLETED" in lines, said
    assert said.index("region-ingest #1") < said.index("region-ingest #2"), said  # call order

    as_json = flowtop_here(
        "history", ".", "--run", "1", "--flow", "daily-ingest", "--json", cwd=tmp_path
    )
    assert as_json.returncode == 0, as_json.stderr
    record = json.loads(as_json.stdout.splitlines()[0])
    assert record["record"] == "run" and record["flow"] == "daily-ingest", record
    children = record["subflow_runs"]
    assert [(c["flow"], c["run"], c["state"]) for c in children] == [
        ("region-ingest", 1, "COMPLETED"),
        ("region-ingest", 2, "COMPLETED"),
    ], children
    # each is a run one looks up by its id
    child = flowtop_here("history", ".", "--run", children[1]["run_id"], cwd=tmp_path)
    assert "region-ingest #2" in child.stdout and "child of daily-ingest #1" in child.stdout


def test_a_run_that_called_no_subflow_says_nothing_of_them(
    tmp_path: Path, flowtop_here: Here
) -> None:
    (tmp_path / "ingest.py").write_text(INGEST)
    done = flowtop("run", ".", "--flow", "region-ingest", "-p", "region=eu", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = flowtop_here("history", ".", "--run", "1", "--flow", "region-ingest", cwd=tmp_path)
    assert "subflow" not in shown.stdout, shown.stdout
    as_json = flowtop_here(
        "history", ".", "--run", "1", "--flow", "region-ingest", "--json", cwd=tmp_path
    )
    assert "subflow_runs" not in json.loads(as_json.stdout.splitlines()[0])


def test_run_says_a_cache_hit_s_run_was_pruned(tmp_path: Path) -> None:
    (tmp_path / "cached.py").write_text(CACHED)
    for _ in range(2):  # #1 fills the cache, #2 takes from it
        done = flowtop("run", ".", "--flow", "cached", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert "(cached result of cached #1, " in done.stdout, done.stdout  # #1 is there
    pruned = flowtop("history", ".", "--prune", "1", cwd=tmp_path)
    assert pruned.returncode == 0 and "Removed 1 run" in pruned.stdout, pruned
    done = flowtop("run", ".", "--flow", "cached", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "(cached result of cached #1 (pruned), " in done.stdout, done.stdout
    as_json = flowtop("run", ".", "--flow", "cached", "--json", cwd=tmp_path)
    hit = next(
        event for event in map(json.loads, as_json.stdout.splitlines()) if event.get("reused")
    )
    assert hit["message"].startswith("cached result of cached #1, "), hit  # the engine's words


def test_cache_words_without_a_store_are_the_engine_s() -> None:
    sources = CacheSources()
    said = "cached result of etl #1, 2026-12-04 10:54:38"
    assert sources.said(said) == said
    sources.store = Path("/nonexistent/history.db")  # unreadable: read as there
    assert sources.said(said) == said
    assert sources.said("reused from the source run") == "reused from the source run"
