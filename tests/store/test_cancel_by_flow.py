"""``flowtop cancel [PATH] --flow NAME`` without RUN cancels NAME's one live run (it asked
"which run?" though the answer was in the store), and run #0, which no run is, is said
to be one (run numbers start at 1), not blamed on a deleted store."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.workspace.history_records import RunRecord

from .conftest import WAITING, flowtop, wait_until
from .test_store_cli import run_process, runs

QUICK = """
    from flowtop import Flow, task

    @task
    def one():
        return 1

    with Flow("quick") as flow:
        one()
"""


def _stop(owners: list[subprocess.Popen[str]]) -> None:
    for owner in owners:
        if owner.poll() is None:
            owner.kill()
        owner.communicate(timeout=20)


def test_cancel_with_flow_alone_takes_its_one_live_run(here: Here, ws) -> None:
    folder = ws(waiting=WAITING)
    owner = run_process(folder, "--json")
    try:
        run = wait_until(lambda: runs(folder, "RUNNING"), "a live run")[0]
        cancelled = here("cancel", "--flow", "waiting", cwd=folder)  # no PATH, no RUN
        assert cancelled.returncode == 0, cancelled.stderr
        assert cancelled.stdout == f"Cancelled run #1 of waiting ({run.run_id})\n"
        assert owner.wait(timeout=20) == 1  # its run ended CANCELLED
    finally:
        _stop([owner])
    again = here("cancel", ".", "--flow", "waiting", cwd=folder)
    assert again.returncode == 1, again.stderr
    assert again.stderr == (
        f"flowtop cancel: run #1 of waiting ({run.run_id}) is not running (CANCELLED)\n"
    )


def test_cancel_with_flow_lists_its_live_runs_when_several_are(here: Here, ws) -> None:
    folder = ws(waiting=WAITING)
    owners = [run_process(folder, "--json", output=False) for _ in range(2)]
    try:
        live = wait_until(lambda: len(runs(folder, "RUNNING")) == 2 and runs(folder), "2 runs")
        refused = here("cancel", "waiting.py", "--flow", "waiting", cwd=folder)
        assert refused.returncode == 2
        said = refused.stderr
        assert said.startswith("flowtop cancel: flow 'waiting' has 2 live runs: #2 ("), said
        assert all(f"#{r.number} ({r.run_id}, started " in said for r in live), said
        assert said.endswith(f"; name one, as in flowtop cancel waiting.py {live[0].run_id}\n")
        assert len(runs(folder, "RUNNING")) == 2  # neither was cancelled
    finally:
        _stop(owners)


def test_cancel_without_run_or_flow_names_the_live_run_it_may_mean(here: Here, ws) -> None:
    """It asked "which run?" and sent the user to `flowtop history` for the one live run
    the store knew of: now it names it, as the command that cancels it."""
    folder = ws(waiting=WAITING, quick=QUICK)
    assert flowtop("run", ".", "--detach", "--flow", "waiting", cwd=folder).returncode == 0
    run = wait_until(lambda: runs(folder, "RUNNING"), "a live run")[0]
    try:
        asked = here("cancel", ".", cwd=folder)
        assert asked.returncode == 2
        said = asked.stderr
        assert said.startswith(
            f"flowtop cancel: which run? the one live run here is waiting #1 ({run.run_id}, "
            "started "
        ), said
        assert said.endswith(f": flowtop cancel . {run.run_id}\n"), said
        assert runs(folder, "RUNNING") == [run]  # not cancelled: it was only named
        of_file = here("cancel", "quick.py", cwd=folder)  # no run of its flows is live
        assert of_file.returncode == 2
        assert of_file.stderr == (
            "flowtop cancel: which run? give its number or id (see `flowtop history`), or "
            "--flow NAME; no run of quick.py's flows is live now\n"
        )
    finally:
        assert here("cancel", run.run_id, cwd=folder).returncode == 0


@pytest.mark.parametrize(
    "command",
    [("cancel", "0"), ("cancel", "#0"), ("watch", "0"), ("history", ".", "--run", "0")],
    ids=" ".join,
)
def test_run_zero_is_said_to_be_none_not_a_deleted_store(
    here: Here, ws, command: tuple[str, ...]
) -> None:
    folder = ws(quick=QUICK)
    assert flowtop("run", ".", cwd=folder).returncode == 0
    said = here(*command, cwd=folder)
    assert said.returncode == 2
    store = folder / ".flowtop" / "history.db"
    assert said.stderr == f"flowtop {command[0]}: no run #0 in {store}: run numbers start at 1\n"


def test_run_zero_before_the_first_run_is_not_a_deleted_store(here: Here, tmp_path: Path) -> None:
    said = here("cancel", "0", cwd=tmp_path)
    assert said.returncode == 2
    store = tmp_path / ".flowtop" / "history.db"
    assert said.stderr == (
        f"flowtop cancel: no run #0: run numbers start at 1 (no runs yet: {store} does not exist)\n"
    )


NESTED = """
    from flowtop import flow, task

    @task(max_retries=3, retry_delay=30)
    def waiter():
        raise ConnectionError("not yet")

    @flow
    def child():
        waiter()

    @flow
    def parent():
        child()
"""


def test_cancel_without_run_names_a_parent_not_its_live_subflow(here: Here, ws) -> None:
    """A parent running a subflow is two live runs; "which run?" listed both and offered
    the subflow's id to cancel, where cancelling the parent cancels both (as `watch`
    follows the parent)."""
    folder = ws(nested=NESTED)
    assert flowtop("run", ".", "--detach", "--flow", "parent", cwd=folder).returncode == 0

    def both_with_the_link() -> list[
        RunRecord
    ]:  # (the child's row may come before its parent's id)
        live = runs(folder, "RUNNING")
        linked = len(live) == 2 and all(r.parent or r.flow == "parent" for r in live)
        return live if linked else []

    live = wait_until(both_with_the_link, "2 runs, the subflow's linked to its caller")
    parent = next(r for r in live if r.flow == "parent")
    try:
        asked = here("cancel", ".", cwd=folder)
        assert asked.returncode == 2
        assert asked.stderr.startswith(
            f"flowtop cancel: which run? the one live run here is parent #1 ({parent.run_id}, "
        ), asked.stderr
        assert asked.stderr.endswith(f": flowtop cancel . {parent.run_id}\n")
    finally:
        here("cancel", ".", parent.run_id, cwd=folder)
