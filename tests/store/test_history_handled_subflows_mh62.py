"""The history screen's row of a parent run that handled a failed subflow (mh62).

`daily` caught the failure of its subflow `region` (us): the monitor's header, `flowtop
run` and `watch` said `(1 subflow failed, handled by the flow)`, where the history
screen's row read `daily 1 ✓ Completed` and an empty Counts cell. It says so there now,
a subflow's own retry that completed counting as no failure (as ``f`` reads the call).
"""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.screens.history import counts_cell, handled_subflows
from flowtop.workspace.store_reader import StoreReader

from .conftest import flowtop

PIPE = """
import os
from flowtop import flow, task

HERE = os.path.dirname(os.path.abspath(__file__))

@task(max_retries=0)
def load(region: str) -> int:
    if region == "us":
        raise ValueError("us rows rejected")
    return len(region)

@task(max_retries=0)
def once() -> int:
    mark = os.path.join(HERE, "tried")
    if not os.path.exists(mark):
        open(mark, "w").close()
        raise ValueError("first try")
    return 1

@task
def prep() -> int:
    return 0

@flow(name="region")
def region(name: str) -> int:
    return load(name)

@flow(name="kid", retries=1)
def kid() -> int:
    return once()

@flow(name="daily")
def daily() -> None:
    prep()
    for name in ("eu", "us"):
        try:
            region(name)
        except ValueError:
            pass

@flow(name="mom")
def mom() -> int:
    return kid() + 1
"""

STYLES = {"error": "red"}


def test_a_parent_that_handled_a_failed_subflow_says_so_in_its_row(tmp_path: Path) -> None:
    (tmp_path / "pipe.py").write_text(PIPE.lstrip())
    for flow in ("daily", "mom"):
        done = flowtop("run", ".", "--flow", flow, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    reader = StoreReader(tmp_path / ".flowtop" / "history.db")
    records = reader.runs()
    handled = handled_subflows(reader, records)
    by_flow = {record.flow: record for record in records}
    # mom's kid failed, then its retry completed; daily's failed, none cancelled
    assert handled == {by_flow["daily"].run_id: (1, 0)}
    cell = counts_cell(by_flow["daily"], STYLES, handled[by_flow["daily"].run_id]).plain
    assert cell.endswith("1 subflow failed, handled"), cell
    assert counts_cell(by_flow["mom"], STYLES).plain == ""


def test_a_history_read_elsewhere_says_nothing_of_subflows() -> None:
    assert handled_subflows(object(), []) == {}
