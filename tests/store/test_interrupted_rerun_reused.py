"""A rerun whose process died mid-run still says how many of its tasks it reused.

Only a run's recorded end wrote the ``reused`` count into its row: a rerun killed before
its end read "2 completed, 1 interrupted" with no "(2 reused)" and no ``reused`` in
``history --json``, while its tasks said "reused from run #1".
"""

from __future__ import annotations

from pathlib import Path

from cli_kit import Here

from .conftest import flowtop, json_lines, wait_until
from .test_store_cli import run_process

TWO_THEN_SLOW = """
    import time
    from pathlib import Path
    from flowtop import Flow, task

    @task
    def extract() -> int:
        return 1

    @task
    def clean(x: int) -> int:
        return x

    @task(max_retries=0)
    def load(x: int) -> None:
        if not Path(__file__).with_name("slow").exists():
            raise ConnectionError("warehouse down")
        Path(__file__).with_name("loading").touch()
        time.sleep(60)

    with Flow("etl") as flow:
        load(clean(extract()))
"""


def counts_now(here: Here, folder: Path) -> dict[str, int]:
    """The newest run's counts as ``history --json`` reads them now (a live run's too),
    asked in this process: a wait that started a ``flowtop`` a look cost 0.2 s of CPU a look."""
    listed = json_lines(here("history", ".", "--json", cwd=folder).stdout)
    return listed[0]["counts"] if listed else {}


def test_a_rerun_killed_mid_run_keeps_its_reused_count(ws, here: Here) -> None:
    folder = ws(etl=TWO_THEN_SLOW)
    assert flowtop("run", ".", cwd=folder).returncode == 1  # load fails; two tasks complete
    (folder / "slow").touch()
    owner = run_process(folder, "--flow", "etl", "--rerun-of", "#1", output=False)
    try:
        wait_until(lambda: (folder / "loading").exists(), "the rerun's load to run")
        stored = {"COMPLETED": 2, "RUNNING": 1}
        wait_until(lambda: counts_now(here, folder) == stored, "its reused steps to be stored")
    finally:
        owner.kill()
        owner.wait()
    listed = here("history", ".", "--json", cwd=folder)  # marks it, as every reader does
    rerun = json_lines(listed.stdout)[0]
    assert rerun["state"] == "INTERRUPTED"
    assert rerun.get("reused") == 2, rerun
    assert "(2 reused)" in here("history", ".", cwd=folder).stdout
