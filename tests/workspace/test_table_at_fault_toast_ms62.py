"""A save of ``.flowtop/overrides.toml`` with a value at fault in one flow's table says
what it does (ms62): that flow's runs stop until the table is fixed, and the other flows
run with the rest of the file. Its toast ended "kept the last good settings", untrue
for both; a file broken as a whole still keeps its last good version, and says so."""

from __future__ import annotations

from flowtop.workspace.changes import WorkspaceChanged

FLOW = """
from flowtop import Flow, task

@task
def load():
    return 1

with Flow("{name}") as flow:
    load()
"""


def test_a_table_at_fault_says_whose_runs_it_stops(write, workspace):
    write("etl.py", FLOW.format(name="etl"))
    write("other.py", FLOW.format(name="other"))
    overrides = write(".flowtop/overrides.toml", '[flows."etl".tasks."load"]\nmax_retries = 4.5\n')
    ws = workspace()
    write(".flowtop/overrides.toml", '[flows."etl".tasks."load"]\nmax_retries = 4.6\n')
    change = ws.reload_paths([overrides])
    said = change.summary()
    assert "kept the last good settings" not in said
    assert said.endswith(
        "etl does not run until its table is fixed; the other flows run with the rest of the file"
    )
    assert WorkspaceChanged.from_json(change.to_json()) == change  # as the flow host sends it
    write(".flowtop/overrides.toml", "[flows\n")
    assert ws.reload_paths([overrides]).summary().endswith("; kept the last good settings")
