"""``watch 99`` / ``cancel 99`` of a run number no run has says which numbers there are:
it said the store may have been deleted since and a live run cancelled (``.flowtop was
deleted since …``), for a mistyped number in a store whose newest run is #10. A run id
no run has still says how far back the store goes."""

from __future__ import annotations

import pytest

from cli_kit import Here

from .conftest import flowtop

QUICK = """
    from flowtop import Flow, task

    @task
    def one():
        return 1

    with Flow("quick") as quick:
        one()

    with Flow("other") as other:
        one()
"""


@pytest.mark.parametrize(
    ("command", "hint"),
    [
        (("watch", "99"), "(each flow's newest run: other #1, quick #2)"),
        (("cancel", "#99"), "(each flow's newest run: other #1, quick #2)"),
        (("cancel", "99", "--flow", "quick"), "(quick's newest run is #2)"),
        (("watch", "quick.py", "99", "--flow", "other"), "(other's newest run is #1)"),
    ],
    ids=["watch", "cancel #", "cancel --flow", "watch FILE --flow"],
)
def test_a_run_number_no_run_has_says_which_there_are(
    here: Here, ws, command: tuple[str, ...], hint: str
) -> None:
    folder = ws(quick=QUICK)
    for flow in ("quick", "quick", "other"):
        assert flowtop("run", ".", "--flow", flow, cwd=folder).returncode == 0
    said = here(*command, cwd=folder)
    assert said.returncode == 2
    assert said.stderr.startswith(f"flowtop {command[0]}: no run ")
    assert said.stderr.endswith(f"history.db {hint}\n"), said.stderr
    assert "deleted" not in said.stderr


def test_a_run_number_in_a_store_with_no_runs_of_the_flow(here: Here, ws) -> None:
    folder = ws(quick=QUICK)
    assert flowtop("run", ".", "--flow", "quick", cwd=folder).returncode == 0
    said = here("watch", "3", "--flow", "other", cwd=folder)
    assert said.returncode == 2
    assert said.stderr.endswith("history.db (it holds no runs of other yet)\n"), said.stderr


def test_an_unknown_run_id_still_says_how_far_back_the_store_goes(here: Here, ws) -> None:
    folder = ws(quick=QUICK)
    assert flowtop("run", ".", "--flow", "quick", cwd=folder).returncode == 0
    said = here("cancel", "abcdef012345", cwd=folder)
    assert said.returncode == 2
    assert "(its oldest run started at " in said.stderr
    assert "if .flowtop was deleted since" in said.stderr
