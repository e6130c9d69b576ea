"""A store client's reused steps name the run whose attempt made the result (ro62).

The monitor said ``reused from run #2`` of run #3, a rerun of #2 which had reused the
task from #1, where ``history --run`` says ``reused from run #1, attempt 1``: it named
the source, not the origin. The client names it in the events it hands on, so a monitor
opened on #3 (which never read #1 or #2) says it too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowtop.engine.events import TaskStateChanged
from flowtop.tui.run_store import RunStore
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_client_origins import made_in

from .conftest import flowtop

FAILS_UNTIL_OK = """
    from pathlib import Path
    from flowtop import Flow, task

    @task
    def extract() -> int:
        return 1

    @task(max_retries=0)
    def load(x: int) -> None:
        if not Path(__file__).with_name("ok").exists():
            raise ConnectionError("warehouse down")

    with Flow("etl") as flow:
        load(extract())
"""


def test_a_rerun_of_a_rerun_names_the_run_that_made_its_reused_result(ws) -> None:
    folder = ws(etl=FAILS_UNTIL_OK)
    assert flowtop("run", ".", cwd=folder).returncode == 1  # #1: extract made, load fails
    rerun = ("run", ".", "--flow", "etl", "--rerun-of")
    assert flowtop(*rerun, "#1", cwd=folder).returncode == 1  # #2: extract reused from #1
    (folder / "ok").touch()
    assert flowtop(*rerun, "#2", cwd=folder).returncode == 0  # #3: extract reused via #2
    db = folder / ".flowtop" / "history.db"
    events: list[Any] = []
    client = StoreClient(db, events.extend)
    client.open()  # hands on the newest run, #3
    client.close()
    reused = [e for e in events if isinstance(e, TaskStateChanged) and e.reused]
    assert [(e.task, e.message) for e in reused] == [("extract", "reused from run #1")]
    store = RunStore()
    store.apply_batch(events)
    run = store.latest_for("etl")
    assert run is not None and run.number == 3
    assert run.rows["extract"].message == "reused from run #1"  # #2 was never read here
    assert made_in(db, reused[0].run_id)[1] == {"extract": "reused from run #1"}


def test_a_run_that_is_no_rerun_or_is_gone_names_no_origin(tmp_path: Path, ws) -> None:
    folder = ws(etl=FAILS_UNTIL_OK)
    assert flowtop("run", ".", cwd=folder).returncode == 1
    db = folder / ".flowtop" / "history.db"
    assert made_in(db, "no-such-run") == (None, {})
    assert made_in(tmp_path / "missing.db", "no-such-run") == (None, {})
