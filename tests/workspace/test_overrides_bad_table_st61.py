"""A value at fault in one flow's table of ``.flowtop/overrides.toml`` stops that flow's
runs only: a run of another flow goes on with the rest of the file (it stopped every
flow's runs, while the monitor said it kept the last good settings)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flowtop.workspace import Workspace

ETL = """
from flowtop import Flow, task

@task
def load():
    return 1

with Flow("etl") as flow:
    load()
"""
OTHER = ETL.replace('"etl"', '"other"')
BAD_ETL = '[flows."other".tasks."load"]\nmax_retries = 2\n\n[flows."etl".tasks."load"]\nmax_retries = 4.5\n'
SAID = (
    '.flowtop/overrides.toml:5: [flows."etl".tasks."load"]: max_retries must be an integer '
    ">= 0, got float 4.5"
)

Write = Callable[[str, str | bytes], Path]


def retries(ws: Workspace, name: str) -> int | None:
    flow = ws.flows[name]
    return ws.policy_for(flow, flow.node("load")).max_retries


def test_a_run_of_another_flow_goes_on_with_the_rest_of_the_file(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    write("etl.py", ETL)
    write("other.py", OTHER)
    write(".flowtop/overrides.toml", BAD_ETL)
    ws = workspace(load=False)
    ws.load(flow="other")  # as `flowtop run --flow other` loads it
    assert ws.settings_error is None
    assert retries(ws, "other") == 2  # its override is in use


def test_a_run_of_that_flow_or_of_all_is_refused(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    write("etl.py", ETL)
    write("other.py", OTHER)
    write(".flowtop/overrides.toml", BAD_ETL)
    one = workspace(load=False)
    one.load(flow="etl")
    assert str(one.settings_error) == SAID
    every = workspace()
    assert str(every.settings_error) == SAID and every.settings_warnings == []


def test_a_bad_table_of_a_flow_that_does_not_exist_stops_no_run(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    write("other.py", OTHER)
    write(".flowtop/overrides.toml", BAD_ETL)
    ws = workspace()
    assert ws.settings_error is None
    assert [str(w) for w in ws.settings_warnings] == [SAID]


def test_the_monitor_keeps_the_last_good_table(
    write: Write, workspace: Callable[..., Workspace]
) -> None:
    write("etl.py", ETL)
    write("other.py", OTHER)
    path = write(".flowtop/overrides.toml", '[flows."etl".tasks."load"]\nmax_retries = 1\n')
    ws = workspace()
    assert retries(ws, "etl") == 1
    path.write_text(BAD_ETL)
    change = ws.reload_paths([path])
    assert change.settings_kept and [str(e) for e in change.errors] == [SAID]
    assert retries(ws, "etl") == 1 and str(ws.settings_error) == SAID
