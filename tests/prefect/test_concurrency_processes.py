"""``flowtop.concurrency`` limits hold across processes, as Prefect's server-side limits
hold across workers: every run the TUI, a browser or ``flowtop run`` starts is a process
of its own, and two of them must not each take a limit's slots."""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import fork_cli
from flowtop.concurrency import slots
from flowtop.concurrency.slots import Limit, Short, SlotStore, Taken
from flowtop.concurrency.sync import concurrency
from flowtop.workspace.ownership import Owner

#: A flow whose three tasks each hold the ``database`` limit for 0.15 s, writing when
#: (and the workspace's ``region`` variable, as the task reads it) to ``$SPANS``.
GUARDED = """
    import os, time
    from flowtop import Flow, task
    from flowtop.concurrency.sync import concurrency
    from flowtop.variables import Variable

    @task
    def query():
        with concurrency("database"):
            start = time.time()
            time.sleep(0.15)
            with open(os.environ["SPANS"], "a") as out:
                out.write(f"{os.getpid()} {start} {time.time()} {Variable.get('region')}\\n")

    flow = Flow("guarded")
    for i in range(3):
        flow.add_task(query, key=f"q{i}")
"""


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flowtop.toml").write_text(
        '[concurrency]\ndatabase = 1\n[variables]\nregion = "eu"\n'
    )
    monkeypatch.setenv("SPANS", str(tmp_path / "spans.txt"))
    return tmp_path


def spans(workspace: Path) -> list[tuple[float, float, str, str]]:
    """Each block's (start, end, pid, region), in the order they started."""
    lines = (workspace / "spans.txt").read_text().splitlines()
    return sorted(
        (float(start), float(end), pid, region)
        for pid, start, end, region in (line.split() for line in lines)
    )


def assert_one_at_a_time(blocks: list[tuple[float, float, str, str]]) -> None:
    for before, after in itertools.pairwise(blocks):
        assert after[0] >= before[1]  # one slot: no two blocks at once, whichever process


def test_two_runs_in_their_own_processes_share_a_limit(workspace: Path) -> None:
    (workspace / "guarded.py").write_text(textwrap.dedent(GUARDED))
    command = [sys.executable, "-m", "flowtop", "run", "guarded.py", "--quiet"]
    runs = [fork_cli.popen(command, cwd=workspace) for _ in range(2)]
    assert [run.wait(timeout=60) for run in runs] == [0, 0]
    blocks = spans(workspace)
    assert len(blocks) == 6 and len({pid for _, _, pid, _ in blocks}) == 2
    assert_one_at_a_time(blocks)


def test_a_run_on_the_process_executor_uses_its_workspace_s_limits_and_variables(
    workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A task on a worker process has no run context there: the run ships it its
    workspace, whatever the worker's current directory is."""
    (workspace / "guarded.py").write_text(textwrap.dedent(GUARDED))
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    command = [sys.executable, "-m", "flowtop", "run", str(workspace / "guarded.py")]
    run = subprocess.run(
        [*command, "--executor", "process", "--quiet"], cwd=elsewhere, timeout=60, check=False
    )
    assert run.returncode == 0
    blocks = spans(workspace)
    assert len({pid for _, _, pid, _ in blocks}) > 1  # on several worker processes
    assert {region for _, _, _, region in blocks} == {"eu"}
    assert_one_at_a_time(blocks)
    assert not (elsewhere / ".flowtop").exists()


#: ``GUARDED`` with the limit taken by the tasks' tag, as Prefect's tag limits are.
TAGGED = """
    import os, time
    from flowtop import Flow, task

    @task(tags=["database"])
    def query():
        start = time.time()
        time.sleep(0.15)
        with open(os.environ["SPANS"], "a") as out:
            out.write(f"{os.getpid()} {start} {time.time()} -\\n")

    flow = Flow("tagged")
    for i in range(3):
        flow.add_task(query, key=f"q{i}")
"""


def test_a_tag_limit_holds_across_runs_and_their_worker_processes(workspace: Path) -> None:
    (workspace / "flowtop.toml").write_text('[concurrency]\n"tag:database" = 1\n')
    (workspace / "tagged.py").write_text(textwrap.dedent(TAGGED))
    command = [sys.executable, "-m", "flowtop", "run", "tagged.py", "--quiet"]
    runs = [
        fork_cli.popen(command, cwd=workspace),
        fork_cli.popen([*command, "--executor", "process"], cwd=workspace),
    ]
    assert [run.wait(timeout=60) for run in runs] == [0, 0]
    blocks = spans(workspace)
    # the run process's own threads, and a worker of the other run's process executor
    assert len(blocks) == 6 and len({pid for _, _, pid, _ in blocks}) >= 2
    assert_one_at_a_time(blocks)


def test_the_slots_of_a_process_killed_inside_a_block_come_back(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from flowtop.concurrency.sync import concurrency\n"
            "with concurrency('database'):\n    print('held', flush=True); time.sleep(60)",
        ],
        cwd=workspace,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(TimeoutError), concurrency("database", timeout_seconds=0.2):
            pass  # held by the other process while it lives
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    tries: list[Taken | Short] = []
    take = SlotStore.take

    def noted(self: SlotStore, *args: Any, **kwargs: Any) -> Taken | Short:
        tries.append(take(self, *args, **kwargs))
        return tries[-1]

    monkeypatch.setattr(SlotStore, "take", noted)
    with concurrency("database", timeout_seconds=5):
        pass
    assert [type(t) for t in tries] == [Taken]  # given back for it at its first try


def test_a_limits_file_from_a_newer_flowtop_is_refused_and_left_alone(workspace: Path) -> None:
    (workspace / ".flowtop").mkdir()
    path = workspace / ".flowtop" / "limits.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    with (
        pytest.raises(ValueError, match=r"limits\.db: made by a newer flowtop \(layout 99"),
        concurrency("database"),
    ):
        pass
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
    conn.close()


def test_a_workspace_that_cannot_keep_the_slots_is_one_clear_error(workspace: Path) -> None:
    (workspace / ".flowtop").write_text("a file where the folder should be")
    with (
        pytest.raises(ValueError, match=r"limits\.db: cannot keep concurrency limits there"),
        concurrency("database"),
    ):
        pass


def test_without_a_boot_id_a_holder_is_looked_at_by_its_pid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not Linux: no boot id, no start time. A holder sends no heartbeat, so its pid
    alone tells whether it is gone; its slots would otherwise never come back."""
    me = Owner.current()
    monkeypatch.setattr(Owner, "current", classmethod(lambda cls: Owner(me.host, me.pid, "", "")))
    store = SlotStore(tmp_path / "limits.db")
    one = {"database": Limit(1, 0.0)}
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    with store._write() as conn:  # a block of that process, which ended inside it
        conn.execute("INSERT INTO pools VALUES ('database', 1, 0)")
        conn.execute(
            "INSERT INTO holders(name, slots, host, pid, boot, start) VALUES (?, 1, ?, ?, '', '')",
            ("database", me.host, int(dead.stdout)),
        )
    assert isinstance(store.take(one, 1, hold=True), Taken)
    assert isinstance(store.take(one, 1, hold=True), Short)  # this process's own: kept


def test_a_new_file_opened_by_several_processes_at_once_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Turning on WAL while another process does the same is refused at once (no busy
    wait): seen as `database is locked` from a worker of a run in CI. It is tried again."""
    refusals = [2]

    class Contended(sqlite3.Connection):
        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
            if sql == "PRAGMA journal_mode=WAL" and refusals[0]:
                refusals[0] -= 1
                raise sqlite3.OperationalError("database is locked")
            return super().execute(sql, *args)  # type: ignore[arg-type]

    real = sqlite3.connect
    monkeypatch.setattr(slots.sqlite3, "connect", lambda *a, **k: real(*a, factory=Contended, **k))
    store = SlotStore(tmp_path / "limits.db")
    assert refusals == [0]
    assert isinstance(store.take({"database": Limit(1, 0.0)}, 1, hold=True), Taken)


def test_a_file_that_is_not_a_limits_file_is_named_with_what_to_do(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flowtop.cli import main

    (workspace / ".flowtop").mkdir()
    (workspace / ".flowtop" / "limits.db").write_bytes(b"not sqlite at all" * 100)
    with (
        pytest.raises(ValueError, match=r"limits\.db: .*delete it while no run is going"),
        concurrency("database"),
    ):
        pass
    assert main(["limits", str(workspace)]) == 2
    assert "delete it while no run is going" in capsys.readouterr().err
