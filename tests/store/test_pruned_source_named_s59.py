"""A cached result whose source run was pruned says so, where it is shown.

A task served from the cache reads ``cached result of cc #1, <when>``: the run that
stored the result, named as the run stored it. Once `flowtop history --prune` took that
run the words went on naming it as if it were there (`history --run`, the monitor's
detail pane, the history screen's run page, a rerun's "reused from run #2, cached result
of cc #1"): they read ``cached result of cc #1 (pruned), <when>`` now.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cli_kit import Here, flowtop
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace import store_client
from flowtop.workspace.reuse_origin import cached_source, pruned_said
from pilot_kit import screen_text, wait_for

from .test_tui_client import client_app

CACHED = """
from pathlib import Path

from flowtop import flow, task
from flowtop.cache_policies import INPUTS


@task(cache_policy=INPUTS)
def expensive(x: int) -> int:
    return x * 10


@task
def check(value: int) -> int:
    if not Path(__file__).with_name("ok").exists():
        raise ValueError("not yet")
    return value


@flow(name="cc")
def cc(n: int = 1) -> int:
    return check(expensive(n))
"""
#: When a result was stored, as a cache hit says it.
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"


@pytest.fixture
def two_runs(ws: Callable[..., Path]) -> Path:
    """A workspace whose ``cc`` ran twice: run #2 took ``expensive`` from the cache run
    #1 filled (both failed: ``check`` did)."""
    folder = ws(cc=CACHED)
    for _ in range(2):
        done = flowtop("run", "cc.py", cwd=folder)
        assert "cc #" in done.stdout and "FAILED" in done.stdout, done  # `check` did
    return folder


@pytest.fixture
def quick_looks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The monitor's client looks at its store at each poll, not once a second."""
    monkeypatch.setattr(store_client, "REAP_EVERY", 0.0)


def prune(folder: Path, keep: int) -> None:
    done = flowtop("history", ".", "--prune", str(keep), cwd=folder)
    assert done.returncode == 0 and "Removed 1 run" in done.stdout, done


def test_history_run_says_the_run_a_cached_result_came_from_was_pruned(
    here: Here, two_runs: Path
) -> None:
    shown = here("history", ".", "--run", "2", "--flow", "cc", cwd=two_runs).stdout
    assert re.search(rf"^expensive  COMPLETED  cached result of cc #1, {WHEN}$", shown, re.M)
    prune(two_runs, 1)
    shown = here("history", ".", "--run", "2", "--flow", "cc", cwd=two_runs).stdout
    assert re.search(  # old: `cached result of cc #1, …`, as if it were there
        rf"^expensive  COMPLETED  cached result of cc #1 \(pruned\), {WHEN}$", shown, re.M
    ), shown


def test_a_rerun_that_reused_a_cached_result_says_its_maker_was_pruned(
    here: Here, two_runs: Path
) -> None:
    """Run #3 reruns #2, which took its result from the cache run #1 filled."""
    (two_runs / "ok").touch()
    done = flowtop("run", "cc.py", "--rerun-of", "2", cwd=two_runs)
    assert done.returncode == 0, done.stderr
    done = flowtop("history", ".", "--prune", "2", cwd=two_runs)  # #1 goes
    assert done.returncode == 0 and "Removed 1 run" in done.stdout, done
    shown = here("history", ".", "--run", "3", "--flow", "cc", cwd=two_runs).stdout
    said = "reused from run #2, cached result of cc #1 (pruned), "
    assert re.search(rf"^expensive  COMPLETED  {re.escape(said)}{WHEN}$", shown, re.M), shown


async def test_the_monitor_says_so_once_a_prune_takes_the_source(
    two_runs: Path, quick_looks: None
) -> None:
    async with client_app(two_runs, "cc") as (app, pilot):
        await wait_for(pilot, lambda: "cached result of cc #1, " in screen_text(app), "run #2")
        assert "(pruned)" not in screen_text(app)
        prune(two_runs, 1)
        await wait_for(  # old: `cached result of cc #1`, for good
            pilot,
            lambda: screen_text(app).count("cached result of cc #1 (pruned)") == 3,
            "its title, why and attempt saying so",
        )


async def test_the_monitor_says_so_of_a_source_pruned_before_it_opened(
    two_runs: Path, quick_looks: None
) -> None:
    prune(two_runs, 1)
    async with client_app(two_runs, "cc") as (app, pilot):
        await wait_for(pilot, lambda: "cached result of cc #1 (pruned)" in screen_text(app), "it")
        await pilot.press("h")  # the history screen: run #2's page
        await wait_for(pilot, lambda: "cc    2" in screen_text(app), "the runs listed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "run #2's page")
        assert "cached result of cc #1 (pruned), " in screen_text(app)


WHEN_STORED = ", 2026-12-04 10:54:38"


@pytest.mark.parametrize(
    ("message", "source", "said"),
    [
        ("cached result of cc #1" + WHEN_STORED, ("cc", 1), "cached result of cc #1 (pruned)"),
        # a flow's name may hold ` #N, `: the run's number is the last one before the time
        ("cached result of a #2, b #13" + WHEN_STORED, ("a #2, b", 13), "… b #13 (pruned)"),
        ("cached result of cc #4", ("cc", 4), "cached result of cc #4 (pruned)"),
        ("cached result of cc #1 (pruned)" + WHEN_STORED, ("cc", 1), "… cc #1 (pruned)"),
        ("cached result of a call of f" + WHEN_STORED, None, ""),  # no run stored it
        ("reused from the source run", None, ""),
    ],
)
def test_the_run_a_cache_hit_names(message: str, source: tuple[str, int] | None, said: str) -> None:
    assert cached_source(message) == source
    marked = pruned_said(message)
    if not said:
        assert marked == message
    else:
        head = said.removeprefix("… ")
        assert marked.endswith(head + (WHEN_STORED if message.endswith(WHEN_STORED) else ""))
        assert marked.count("(pruned)") == 1
