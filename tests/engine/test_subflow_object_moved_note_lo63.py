"""A subflow given an object (a connection) is rerun only from the source's call at the
same call place; called at another place in the parent's rerun (a loop over a set, async
branches) it ran afresh with no word why, where a task that runs again says so
(``X runs again: …``). It says so now, on ``flowtop run``'s stderr (a launched run's log:
the monitor's toast)."""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop

FLOWS = """\
from pathlib import Path

from flowtop import flow, task


class Conn:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn


@task
def fetch(region: str) -> str:
    if Path("fail").exists() and region == "b":
        raise ValueError("down")
    return region


@flow
def load(conn: Conn, region: str) -> str:
    return fetch(region)


@flow
def parent() -> None:
    conn = Conn("db")
    for region in Path("order.txt").read_text().split():
        load(conn, region)
"""


def test_a_moved_subflow_call_with_an_object_says_it_runs_again(tmp_path: Path) -> None:
    (tmp_path / "jobs.py").write_text(FLOWS)
    (tmp_path / "order.txt").write_text("a b")
    (tmp_path / "fail").write_text("")
    first = flowtop("run", "jobs.py", "--flow", "parent", cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    (tmp_path / "fail").unlink()
    (tmp_path / "order.txt").write_text("b a")  # another order: each call at another place
    rerun = flowtop("run", "jobs.py", "--flow", "parent", "--rerun-of", "1", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    said = rerun.stdout + rerun.stderr
    assert (
        "flowtop run: load runs again: it is given an object (conn), and such a subflow "
        "call is rerun only from the call at its own place in the source run, "
        "load-2 there (called in another order)"
    ) in said, said
    assert "flowtop run: load-2 runs again: it is given an object (conn)" in said, said


def test_no_note_when_the_calls_keep_their_places(tmp_path: Path) -> None:
    (tmp_path / "jobs.py").write_text(FLOWS)
    (tmp_path / "order.txt").write_text("a b")
    (tmp_path / "fail").write_text("")
    flowtop("run", "jobs.py", "--flow", "parent", cwd=tmp_path)
    (tmp_path / "fail").unlink()
    rerun = flowtop("run", "jobs.py", "--flow", "parent", "--rerun-of", "1", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert "runs again" not in rerun.stdout + rerun.stderr, rerun.stderr
    assert "(rerun of #2)" in rerun.stdout + rerun.stderr, rerun.stdout
