"""A value at fault in one flow's task table of ``.flowtop/overrides.toml`` is said to
stop that flow's runs (``LoadError.stops_flow``), so the monitor words its row as what
it is, not ``✗ failed to load``; an error of the whole file names no flow."""

from __future__ import annotations

FLOW = """
from flowtop import Flow, task

@task
def load():
    return 1

with Flow("{name}") as flow:
    load()
"""


def test_a_bad_value_in_one_flows_table_names_that_flow(write, workspace):
    write("etl.py", FLOW.format(name="etl"))
    write("other.py", FLOW.format(name="other"))
    write(".flowtop/overrides.toml", '[flows."etl".tasks."load"]\nmax_retries = 4.5\n')
    ws = workspace()
    (error,) = ws.settings_errors
    assert (error.stops_flow, error.unused, error.in_part) == ("etl", False, False)
    write(".flowtop/overrides.toml", "[flows\n")
    ws.reload_paths([ws.root / ".flowtop" / "overrides.toml"])
    (error,) = ws.settings_errors
    assert error.stops_flow is None  # the whole file
