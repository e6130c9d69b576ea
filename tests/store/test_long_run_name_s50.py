"""A run named from a long parameter (``@flow(flow_run_name="run-{name}")``) padded every
row of ``flowtop history``'s table to the name's width (60,000 columns for a 60,000
character parameter); the table now cuts it, and ``--run N`` shows it whole."""

from __future__ import annotations

from cli_kit import Here

from .conftest import flowtop

FLOW = """
from flowtop import flow, task

@task
def step():
    return 1

@flow(flow_run_name="run-{name}")
def named(name: str = "x"):
    step()
"""


def test_a_long_run_name_is_cut_in_the_table_and_whole_in_the_run_s_page(ws, here: Here) -> None:
    folder = ws(named=FLOW)
    long = "a" * 3_000
    assert flowtop("run", ".", "-p", f"name={long}", cwd=folder).returncode == 0
    assert flowtop("run", ".", "-p", "name=short", cwd=folder).returncode == 0
    table = here("history", ".", cwd=folder).stdout.splitlines()
    assert all(len(row) < 200 for row in table), [len(row) for row in table]
    assert "2 (run-short)" in table[1] and "1 (run-aaaa" in table[2] and "…)" in table[2]
    page = here("history", ".", "--run", "1", cwd=folder).stdout
    assert f"run-{long}" in page
