"""``flowtop watch`` of a parent cancelled while its subflow ran ends with the parent's
end: a cancel logs the parent's end first, then its subflow's cancelled task and end, and
the watch printed them so (``root #1 CANCELLED``, then ``leaf #1 CANCELLED``: the last
line was not the watched run's)."""

from __future__ import annotations

from pathlib import Path

from cli_kit import Here

from .conftest import wait_until
from .test_store_cli import run_process, runs

NESTED = """
    import time
    from pathlib import Path

    from flowtop import flow, task

    HERE = Path(__file__).parent


    @task
    def work(i: int) -> int:
        (HERE / "started").touch()
        while not (HERE / "never").exists():
            time.sleep(0.02)
        return i


    @flow(name="leaf")
    def leaf(i: int = 0) -> int:
        return work(i)


    @flow(name="root")
    def root() -> int:
        return leaf(1)
"""


def test_the_parents_end_comes_after_its_cancelled_subflows(here: Here, ws) -> None:
    folder: Path = ws(nested=NESTED)
    owner = run_process(folder, "--flow", "root", output=False)
    try:
        wait_until(lambda: (folder / "started").exists(), "the subflow's task running")
        (root,) = [run for run in runs(folder) if run.flow == "root"]
        cancelled = here("cancel", ".", root.run_id, cwd=folder)
        assert cancelled.returncode == 0, cancelled.stderr
        assert owner.wait(timeout=30) == 1
    finally:
        if owner.poll() is None:
            owner.kill()
        owner.wait(timeout=20)
    watched = here("watch", ".", root.run_id, cwd=folder)
    assert watched.returncode == 1, watched.stderr
    lines = watched.stdout.splitlines()
    ends = [line for line in lines if "CANCELLED" in line or "■ cancelled" in line]
    assert [end.split(" ", 2)[1] for end in ends] == ["leaf/work", "leaf", "root"], lines
    assert "root #1 CANCELLED" in lines[-1], lines
