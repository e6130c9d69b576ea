"""``history --prune`` never deletes the run a live rerun reruns (``pruning.prune_runs``).

A rerun is reserved (RUNNING, ``rerun_of`` set) before its process has imported the
flow file; that process reads its source only then. A prune in between deleted the
source, and the rerun the user had seen accepted ended "did not start: no run with id".
"""

from __future__ import annotations

import os
import subprocess
import textwrap
import time
from contextlib import closing
from pathlib import Path

import flowtop
import fork_cli
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.pruning import prune_runs
from flowtop.workspace.run_numbers import reserve_rerun
from flowtop.workspace.store_reader import StoreReader
from held_import import HELD_IMPORT

#: The ``app`` folder of the flowtop under test, for the ``flowtop`` processes started.
APP = Path(flowtop.__file__).resolve().parents[1]


def _finished(db: Path, flow: str, count: int) -> list[str]:
    """Record ``count`` finished (FAILED) runs of ``flow``; their ids, oldest first."""
    history = History(db)
    ids = []
    try:
        for _ in range(count):
            run_id = f"{flow}-{history.next_number(flow)}"
            number = int(run_id.rsplit("-", 1)[1])
            history.sink(
                [
                    RunStarted(run_id, flow, number, ("a",), (1,), ("",), None, time.time()),
                    RunFinished(run_id, flow, number, S.FAILED, {}, 1.0, time.time()),
                ]
            )
            ids.append(run_id)
        assert history.flush(10)
    finally:
        history.close()
    return ids


def _prune(db: Path, keep: int, flow: str | None = None) -> list[str]:
    with closing(reaper.connect(db)) as conn:
        return sorted(prune_runs(conn, keep, flow))


def _stored(db: Path) -> list[str]:
    return sorted(run.run_id for run in StoreReader(db).runs())


def test_the_source_of_a_reserved_rerun_is_kept(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    first, second = _finished(db, "f", 2)
    reserve_rerun(db, "f", "rerun", first)  # RUNNING, its process still importing
    assert _prune(db, 1) == []
    assert _stored(db) == sorted([first, second, "rerun"])
    assert _prune(db, 0, "f") == [second]  # nor with --prune 0 --flow f
    assert _stored(db) == sorted([first, "rerun"])


def test_only_the_source_is_kept_and_it_does_not_count_against_keep(tmp_path: Path) -> None:
    """The newest ``keep`` stay as before; the other runs go; the source stays besides."""
    db = tmp_path / "history.db"
    runs = _finished(db, "f", 4)
    others = _finished(db, "g", 2)
    reserve_rerun(db, "f", "rerun", runs[0])
    assert _prune(db, 1) == sorted([runs[1], runs[2], others[0]])
    assert _stored(db) == sorted([runs[0], runs[3], others[1], "rerun"])


def test_the_source_stays_while_its_ended_rerun_stands_for_it(tmp_path: Path) -> None:
    """A rerun that ended before any task ran stands for its source (pr62)."""
    db = tmp_path / "history.db"
    first, _ = _finished(db, "f", 2)
    reserve_rerun(db, "f", "rerun", first)
    with closing(reaper.connect(db)) as conn:
        conn.execute("UPDATE runs SET state = 'FAILED' WHERE run_id = 'rerun'")
    assert _prune(db, 1) == ["f-2"]  # (one that ran goes: test_prune_stood_for_pr62)


#: Its import held (``held_import``): the rerun is reserved, its process not started yet,
#: for as long as the prune takes on any machine, without a fixed sleep.
SLOW_IMPORT = (
    HELD_IMPORT
    + """
    from flowtop import Flow, task

    @task
    def fails():
        raise ValueError("no")

    with Flow("slow") as flow:
        fails()
"""
)


def _flowtop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return fork_cli.run(
        [*args],
        cwd=cwd,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(APP), "PYTHONUNBUFFERED": "1"},
    )


def test_a_prune_while_a_detached_rerun_imports_leaves_it_its_source(tmp_path: Path) -> None:
    """The explorer's case: two failed runs, ``--detach --rerun-of 1``, ``--prune 1``."""
    (tmp_path / "slow.py").write_text(textwrap.dedent(SLOW_IMPORT), encoding="utf-8")
    for _ in range(2):
        assert _flowtop("run", ".", "--flow", "slow", "--quiet", cwd=tmp_path).returncode == 1
    importing = tmp_path / "importing"
    importing.touch()
    detached = _flowtop("run", ".", "--flow", "slow", "--rerun-of", "1", "--detach", cwd=tmp_path)
    assert detached.returncode == 0, detached.stderr
    rerun = detached.stdout.strip()
    deadline = time.monotonic() + 20
    while importing.stat().st_size < 2:  # the listing's import, then the run process's
        assert time.monotonic() < deadline, "the rerun's process never began its import"
        time.sleep(0.01)
    pruned = _flowtop("history", ".", "--prune", "1", cwd=tmp_path)
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith("Removed 0 runs"), pruned.stdout
    importing.unlink()
    watched = _flowtop("watch", ".", rerun, cwd=tmp_path)
    assert "did not start" not in watched.stdout + watched.stderr
    run = next(
        r for r in StoreReader(tmp_path / ".flowtop" / "history.db").runs() if r.run_id == rerun
    )
    assert run.state == "FAILED" and run.tasks, run  # it ran its task again, and it failed
