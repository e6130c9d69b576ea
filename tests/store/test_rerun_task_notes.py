"""``--rerun-of N --task KEY`` (the monitor's ``t``) says why tasks outside KEY's
downstream run too: what did not complete in run N has no result to reuse, so it runs
again, and nothing had said so (a user rerunning ``poll`` watched an unrelated slow
task run again, wondering why)."""

from __future__ import annotations

from .conftest import flowtop, json_lines

FLOW = """
from flowtop import Flow, task

@task
def poll():
    return 1

@task
def report(x):
    return x

@task(max_retries=0)
def flaky():
    raise ConnectionError("down")

@task(max_retries=0)
def slow():
    raise TimeoutError("late")

with Flow("pipe") as flow:
    report(poll())
    flaky()
    slow()
"""


def test_a_task_rerun_names_the_tasks_that_run_again_for_not_completing(ws) -> None:
    folder = ws(pipe=FLOW)
    source = json_lines(flowtop("run", ".", "--json", cwd=folder).stdout)[0]["run_id"]
    again = flowtop("run", ".", "--rerun-of", source, "--task", "poll", "--json", cwd=folder)
    assert "flaky, slow run again too: they did not complete in run #1" in again.stderr
    ran = {e["task"] for e in json_lines(again.stdout) if e.get("state") == "RUNNING"}
    assert ran == {"poll", "report", "flaky", "slow"}


def test_a_task_rerun_of_a_run_where_all_else_completed_says_nothing_more(ws) -> None:
    folder = ws(pipe=FLOW.replace("    flaky()\n    slow()\n", ""))
    source = json_lines(flowtop("run", ".", "--json", cwd=folder).stdout)[0]["run_id"]
    again = flowtop("run", ".", "--rerun-of", source, "--task", "report", cwd=folder)
    assert again.returncode == 0, again.stderr
    assert "run again too" not in again.stderr
