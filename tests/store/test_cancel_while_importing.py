"""``flowtop cancel`` of a run whose process still imports its flow file says it is queued.

The cancel is taken as the run starts (it then runs no task), however long the import
takes; after its 5 s wait the command said "did not take the request … it stays queued"
and exited 1, as if it had failed.
"""

from __future__ import annotations

from .conftest import flowtop, wait_until
from .test_store_cli import runs

SLOW_IMPORT = """
    import time
    from pathlib import Path
    from flowtop import Flow, task

    time.sleep(6)  # a heavy library, say

    @task
    def deploy() -> None:
        Path(__file__).with_name("deployed").touch()

    with Flow("slowimport") as flow:
        deploy()
"""


def test_a_cancel_while_the_flow_file_imports_is_queued_and_the_run_runs_nothing(ws) -> None:
    folder = ws(slowimport=SLOW_IMPORT)
    run_id = flowtop("run", ".", "--detach", cwd=folder).stdout.strip()
    told = flowtop("cancel", ".", run_id, cwd=folder)
    assert told.returncode == 0, told.stderr
    assert "queued: its process is still importing the flow file" in told.stdout
    wait_until(lambda: runs(folder, "CANCELLED"), "the run to end cancelled")
    assert not (folder / "deployed").exists()
