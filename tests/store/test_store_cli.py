"""The run store through the CLI: runs outlive whoever started them; any flowtop acts on any run."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import fork_cli
from cli_kit import Here
from flow_texts import slow_import
from flowtop.workspace.history_records import RunRecord
from flowtop.workspace.run_log import LogTail, RunInterrupted
from flowtop.workspace.store_reader import StoreReader

from .conftest import ETL, WAITING, env, flowtop, json_lines, wait_until


def store(folder: Path) -> Path:
    return folder / ".flowtop" / "history.db"


def runs(folder: Path, state: str | None = None) -> list[RunRecord]:
    """The store's runs (none while it is still being created)."""
    try:
        found = StoreReader(store(folder)).runs()
    except sqlite3.Error:
        return []
    return [r for r in found if state is None or r.state == state]


def run_process(folder: Path, *extra: str, output: bool = True) -> subprocess.Popen[str]:
    """``flowtop run . [extra]`` in the background, its output piped (or dropped)."""
    pipe = subprocess.PIPE if output else subprocess.DEVNULL
    return fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", ".", *extra],
        cwd=folder,
        stdout=pipe,
        stderr=pipe,
        text=True,
        env=env(),
    )


def rerun_once_fixed(folder: Path, by_number: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """Run ``etl`` (it fails until a file ``ok`` exists), fix it, rerun it from the store
    in a new process (naming the run by its id, or its number): the first run's id and
    the rerun's events."""
    first = flowtop("run", ".", "--json", cwd=folder)
    assert first.returncode == 1, first.stderr
    source = json_lines(first.stdout)[0]["run_id"]
    (folder / "ok").touch()
    ref = "#1" if by_number else source
    again = flowtop("run", ".", "--flow", "etl", "--rerun-of", ref, "--json", cwd=folder)
    assert again.returncode == 0, again.stderr
    return source, json_lines(again.stdout)


@pytest.mark.parametrize("by_number", [False, True], ids=["by-id", "by-number"])
def test_a_rerun_in_a_new_process_reuses_stored_results(ws, by_number: bool) -> None:
    folder = ws(etl=ETL)
    source, events = rerun_once_fixed(folder, by_number)
    assert events[0]["rerun_of"] == source
    extract = [e for e in events if e.get("task") == "extract"]
    assert [e.get("reused") for e in extract] == [True]
    assert (folder / "extract-count").read_text() == "1"  # not executed again


def test_rerun_of_a_task_reruns_it_and_its_downstream(ws) -> None:
    folder = ws(etl=ETL)
    (folder / "ok").touch()
    source = json_lines(flowtop("run", ".", "--json", cwd=folder).stdout)[0]["run_id"]
    again = flowtop(
        "run", ".", "--flow", "etl", "--rerun-of", source, "--task", "extract", "--json", cwd=folder
    )
    assert again.returncode == 0, again.stderr
    assert (folder / "extract-count").read_text() == "2"
    assert not any(e.get("reused") for e in json_lines(again.stdout))


def test_a_rerun_of_another_flows_run_says_whose_run_it_is(ws) -> None:
    """By the short id ``history`` prints: it was said not to exist at all."""
    folder = ws(etl=ETL, other="from flowtop import Flow\n\nother = Flow('other')\n")
    (folder / "ok").touch()
    source = json_lines(flowtop("run", ".", "--flow", "etl", "--json", cwd=folder).stdout)[0]
    again = flowtop("run", ".", "--flow", "other", "--rerun-of", source["run_id"][:6], cwd=folder)
    says = f"flowtop run: run {source['run_id']} is a run of 'etl', not of 'other'\n"
    assert (again.returncode, again.stderr) == (2, says)


def test_a_result_that_cannot_be_stored_runs_again_and_says_why(ws) -> None:
    folder = ws(
        gen="""
        from flowtop import Flow, task

        @task
        def make():
            return (i for i in range(3))  # a generator: neither pickle nor cloudpickle takes it

        @task(max_retries=0)
        def use(items):
            raise ValueError("boom")

        with Flow("gen") as flow:
            use(make())
        """
    )
    source = json_lines(flowtop("run", ".", "--json", cwd=folder).stdout)[0]["run_id"]
    again = flowtop("run", ".", "--flow", "gen", "--rerun-of", source, cwd=folder)
    assert "make runs again: its result can't be pickled" in again.stderr


def test_run_numbers_are_never_given_twice_by_concurrent_processes(ws) -> None:
    folder = ws(etl=ETL)
    (folder / "ok").touch()
    procs = [run_process(folder, "--json") for _ in range(3)]
    numbers = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        numbers.append(json_lines(out)[0]["run"])
    assert sorted(numbers) == [1, 2, 3]


def test_detach_returns_at_once_and_watch_follows_to_the_end(ws, here: Here) -> None:
    folder = ws(etl=ETL)
    (folder / "ok").touch()
    started = flowtop("run", ".", "--flow", "etl", "--detach", cwd=folder)
    assert started.returncode == 0, started.stderr
    run_id = started.stdout.strip()
    assert len(run_id) == 12
    watched = flowtop("watch", ".", run_id, "--json", cwd=folder)
    assert watched.returncode == 0, watched.stderr
    events = json_lines(watched.stdout)
    if events[0]["event"] == "run_starting":  # its process still imported the flow file
        assert events.pop(0)["run_id"] == run_id  # (said live only: not in the replay below)
    assert events[0]["event"] == "run_started" and events[0]["run_id"] == run_id
    assert events[-1]["event"] == "run_finished" and events[-1]["state"] == "COMPLETED"
    assert here("watch", ".", "--flow", "etl", cwd=folder).returncode == 0  # replays a finished run
    between = here("watch", ".", "--json", run_id, cwd=folder)  # an option between the two
    assert json_lines(between.stdout) == events, between.stderr


def test_watch_exits_1_for_a_failed_run(here: Here, ws) -> None:
    folder = ws(etl=ETL)
    flowtop("run", ".", cwd=folder)
    watched = here("watch", ".", cwd=folder)
    assert watched.returncode == 1
    assert "etl #1 FAILED" in watched.stdout
    misspelt = here("watch", ".", "--flow", "etk", cwd=folder)
    assert misspelt.returncode == 2
    assert "no runs of flow 'etk' in " in misspelt.stderr
    assert "(did you mean 'etl'?); flows with runs: etl" in misspelt.stderr


#: A @flow that fails its first time and retries itself (a new linked run) once.
RETRYING = """
    from pathlib import Path
    from flowtop import flow, task

    @task
    def step():
        return 1

    @flow(retries=1, retry_delay=0.2)
    def fretry():
        step()
        marker = Path(__file__).with_name("tried")
        if not marker.exists():
            marker.write_text("1")
            raise RuntimeError("first time")
        return "ok"
"""


def test_watch_follows_a_flow_s_own_retry_to_its_end(here: Here, ws) -> None:
    """`run --detach` then `watch` exited 1 on the first run's failure while its retry,
    in the same process, went on to complete (`flowtop run` itself exits 0): a CI job
    failed on a job that succeeded."""
    folder = ws(fretry=RETRYING)
    run_id = flowtop("run", ".", "--detach", cwd=folder).stdout.strip()
    watched = here("watch", ".", run_id, "--json", cwd=folder)
    assert watched.returncode == 0, watched.stdout + watched.stderr
    ended = [e for e in json_lines(watched.stdout) if e["event"] == "run_finished"]
    assert [(e["state"], e.get("retry_in")) for e in ended] == [
        ("FAILED", 0.2),
        ("COMPLETED", None),
    ]
    human = here("watch", ".", run_id, cwd=folder)  # replayed: the same two runs
    assert human.returncode == 0
    assert "FAILED: 1 completed in" in human.stdout
    assert "; the flow retries in 0.2s, as a new run" in human.stdout
    assert "fretry #2 COMPLETED" in human.stdout


def test_watch_stops_when_its_reader_leaves(ws) -> None:
    """`watch … | head -1` went on until the run ended (or for good), then until its next
    line (a 30 s retry wait here): exit 141 once the reader is gone, written to or not."""
    folder = ws(waiting=WAITING)
    owner = run_process(folder, "--json")
    try:
        run = wait_until(lambda: runs(folder, "RUNNING"), "a live run")[0]
        watcher = fork_cli.popen(
            [sys.executable, "-m", "flowtop", "watch", ".", run.run_id, "--json"],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(),
        )  # fmt: skip
        assert watcher.stdout is not None
        watcher.stdout.readline()
        watcher.stdout.close()  # as `head -1` does
        assert watcher.wait(timeout=10) == 141  # (the retry, its next line, is 30 s away)
    finally:
        owner.kill()
        owner.wait()


def test_cancel_reaches_a_run_owned_by_another_process(here: Here, ws) -> None:
    folder = ws(waiting=WAITING)
    owner = run_process(folder, "--json")
    try:
        run = wait_until(lambda: runs(folder, "RUNNING"), "a live run")[0]
        assert run.owner.startswith(f"pid {owner.pid} on ")
        listed = here("history", ".", cwd=folder)
        assert "RUNNING" in listed.stdout and f"pid {owner.pid}" in listed.stdout
        cancelled = here("cancel", ".", run.run_id, cwd=folder)
        assert cancelled.returncode == 0, cancelled.stderr
        assert "Cancelled run #1 of waiting" in cancelled.stdout
        out, _ = owner.communicate(timeout=20)
    finally:
        if owner.poll() is None:
            owner.kill()
    assert json_lines(out)[-1]["state"] == "CANCELLED"
    again = here("cancel", ".", run.run_id, cwd=folder)
    assert again.returncode == 1 and "is not running (CANCELLED)" in again.stderr


def test_ctrl_c_cancels_a_foreground_run_records_it_and_exits_130(ws) -> None:
    folder = ws(waiting=WAITING)
    owner = run_process(folder)
    try:
        wait_until(lambda: runs(folder, "RUNNING"), "a live run")
        owner.send_signal(signal.SIGINT)
        out, err = owner.communicate(timeout=20)
    finally:
        if owner.poll() is None:
            owner.kill()
    assert owner.returncode == 130
    assert "waiting #1 CANCELLED" in out
    assert err.endswith("flowtop run: interrupted (Ctrl+C)\n"), err
    (run,) = runs(folder)
    assert run.state == "CANCELLED"


SLOW_IMPORT = slow_import("slowimp")


@pytest.mark.parametrize(
    ("sig", "code", "said"), [(signal.SIGINT, 130, "Ctrl+C"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_a_signal_while_the_flow_file_imports_stops_the_command(ws, sig, code, said) -> None:
    """Ctrl+C or a pod's SIGTERM during a slow import read as a broken flow file (`si.py:2:
    KeyboardInterrupt`, "no flow named 'slowimp'"), exit 2: a usage error."""
    folder = ws(slowimp=SLOW_IMPORT)
    owner = run_process(folder, "--flow", "slowimp")
    try:
        wait_until(lambda: (folder / "importing").exists(), "the import to begin")
        owner.send_signal(sig)
        _, err = owner.communicate(timeout=20)
    finally:
        if owner.poll() is None:
            owner.kill()
    assert owner.returncode == code, err
    assert err.endswith(f"flowtop run: interrupted ({said})\n"), err


def test_a_killed_owner_s_run_is_marked_interrupted_by_a_reader(ws) -> None:
    folder = ws(waiting=WAITING)
    owner = run_process(folder, output=False)
    wait_until(lambda: runs(folder, "RUNNING"), "a live run")
    owner.kill()
    owner.wait()
    watched = flowtop("watch", ".", "--json", cwd=folder, timeout=30)
    assert watched.returncode == 1
    last = json_lines(watched.stdout)[-1]
    assert last["event"] == "run_interrupted" and f"pid {owner.pid}" in last["reason"]
    (run,) = runs(folder)
    assert run.state == "INTERRUPTED" and "is gone" in run.note
    tail = LogTail(store(folder))
    assert isinstance(tail.read()[-1], RunInterrupted)
    tail.close()


def test_a_dead_run_in_a_store_that_cannot_be_written_reads_interrupted(
    ws, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A read-only store (a colleague's): nothing can mark the run, and `history` said
    RUNNING for good while `watch` waited for ever. (As root every file is writable: the
    store's refusal is stood in for by a reaper that marks nothing.)"""
    import argparse

    from flowtop.commands import history, watch
    from flowtop.workspace import history as workspace_history

    folder = ws(waiting=WAITING)
    owner = run_process(folder, output=False)
    wait_until(lambda: runs(folder, "RUNNING"), "a live run")
    owner.kill()
    owner.wait()
    reap_store = workspace_history.reap_store
    monkeypatch.setattr(workspace_history, "reap_store", lambda db: [])  # history's too
    args = argparse.Namespace(
        path=str(folder), run=None, flow=None, limit=50, json=True, prune=None
    )
    assert history.main(args) == 0
    (record,) = json_lines(capsys.readouterr().out)
    assert record["state"] == "INTERRUPTED" and "(not marked" in record["note"]
    # ended at its last sign of life, as its mark will say (it had no end, no duration),
    # counted from its body's start, after the import, as the mark counts it (s56)
    assert record["finished"] >= record["started"], record
    assert 0.0 <= record["duration"] <= record["finished"] - record["started"], record
    watched = argparse.Namespace(target=[str(folder)], flow=None, json=False)
    assert watch.main(watched) == 1
    said = capsys.readouterr().out
    # a run killed before its first task's start reached the store says so first
    ended = r"INTERRUPTED[^(]* \((ended before any task .*: )?its process \(pid"
    assert re.search(ended, said), said
    assert "(not marked" in said
    assert [r.state for r in runs(folder)] == ["RUNNING"]  # as stored: nothing wrote
    monkeypatch.setattr(workspace_history, "reap_store", reap_store)  # marked now
    assert history.main(args) == 0
    (marked,) = json_lines(capsys.readouterr().out)
    assert marked["state"] == "INTERRUPTED" and "(not marked" not in marked["note"], marked
    assert (marked["finished"], marked["duration"]) == (record["finished"], record["duration"])


def test_a_store_from_a_newer_flowtop_is_refused_and_left_untouched(ws, here: Here) -> None:
    folder = ws(etl=ETL)
    flowtop("run", ".", cwd=folder)
    db = store(folder)
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 99")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the main file
    before = db.read_bytes()
    for command in (("history", "."), ("watch", "."), ("run", ".")):
        result = (flowtop if command[0] == "run" else here)(*command, cwd=folder)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        line = result.stderr.strip().splitlines()[-1]
        assert "history.db" in line and "newer flowtop" in line, (command, result.stderr)
    assert db.read_bytes() == before


def test_prune_keeps_the_newest_runs_of_each_flow(here: Here, ws) -> None:
    folder = ws(etl=ETL)
    for _ in range(4):
        flowtop("run", ".", cwd=folder)
    pruned = here("history", ".", "--prune", "2", cwd=folder)
    assert pruned.returncode == 0 and "Removed 2 runs;" in pruned.stdout
    runs = StoreReader(store(folder)).runs()
    assert [r.number for r in runs] == [4, 3]
    with sqlite3.connect(store(folder)) as raw:
        for table in ("events", "result_batches"):  # its results go with a run
            kept = {r for (r,) in raw.execute(f"SELECT DISTINCT run_id FROM {table}")}
            assert kept == {r.run_id for r in runs}, table
    assert json_lines(flowtop("run", ".", "--json", cwd=folder).stdout)[0]["run"] == 5


def test_a_garbage_store_is_one_line_for_every_command_that_reads_it(ws, here: Here) -> None:
    folder = ws(etl=ETL)
    (folder / ".flowtop").mkdir()
    (folder / ".flowtop" / "history.db").write_bytes(b"not a database" * 300)
    for command in (("history", "."), ("watch", "."), ("cancel", ".", "abcd"), ("run", ".")):
        result = (flowtop if command[0] == "run" else here)(*command, cwd=folder)
        assert result.returncode == 2, (command, result.stderr)
        (line,) = result.stderr.strip().splitlines()
        assert "history.db" in line and "move it away" in line, (command, line)


def test_a_store_a_run_cannot_write_says_so_not_to_move_it_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only .flowtop/ was told "if it is not a flowtop store, move it away". (Faked:
    root writes any file, so the test says what access() would answer another user.)"""
    from flowtop.workspace import history
    from flowtop.workspace.history_records import HistoryError

    db = tmp_path / ".flowtop" / "history.db"
    db.parent.mkdir()
    db.write_bytes(b"unreadable: it stands for a store this user may not open" * 100)
    monkeypatch.setattr(history.os, "access", lambda path, mode: False)
    with pytest.raises(HistoryError, match=r"a run needs write access to .*flowtop and its files"):
        history.History(db)


def test_prune_refuses_odd_counts_in_one_line(here: Here, ws) -> None:
    folder = ws(etl=ETL)
    flowtop("run", ".", cwd=folder)
    for value in ("-1", "99999999999999999999", "x"):
        result = here("history", ".", "--prune", value, cwd=folder)
        assert result.returncode == 2, (value, result.stderr)
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("flowtop history: argument --prune:"), line
    assert len(StoreReader(store(folder)).runs()) == 1


FLAKY_FLOW = """
    from pathlib import Path
    from flowtop import flow, task

    @task(max_retries=1)
    def extract(source: str) -> int:
        marker = Path(f"{source}-failed-once")
        if not marker.exists():
            marker.touch()
            raise ConnectionError("reset")
        return 1

    @task
    def load(n: int) -> int:
        if not Path("ok").exists():
            raise ValueError("warehouse down")
        return n

    @flow
    def etl() -> int:
        return load(extract("api"))
"""


def test_a_reused_call_of_a_flow_function_keeps_the_attempt_it_completed_on(ws) -> None:
    """As a static flow's reused task does: ``extract`` completed on its 2nd attempt, and
    its reused row says so (it said 0/2), in a rerun from the store and in-process."""
    _, events = rerun_once_fixed(ws(etl=FLAKY_FLOW))
    extract = [e for e in events if e.get("task") == "extract"]
    assert [(e["state"], e["attempt"], e.get("reused")) for e in extract] == [
        ("PENDING", 0, None),  # a @flow's call is pending until its inputs are known
        ("COMPLETED", 2, True),
    ]


WAITING_FLOW = """
    from flowtop import flow, task

    @task
    def ready() -> int:
        return 1

    @task(max_retries=3, retry_delay=30)
    def waiter() -> int:
        raise ConnectionError("not yet")

    @flow
    def nightly() -> int:
        return ready() + waiter()
"""


def test_history_counts_a_live_flow_function_s_tasks_so_far(here: Here, ws) -> None:
    """A @flow plans no task: mid-run its row said "0 tasks"; it says what it reached."""
    folder = ws(nightly=WAITING_FLOW)
    run_id = flowtop("run", ".", "--detach", cwd=folder).stdout.strip()
    try:
        row = wait_until(
            lambda: next(
                (
                    line
                    for line in here("history", cwd=folder).stdout.splitlines()
                    if run_id in line and "awaiting retry" in line
                ),
                None,
            ),
            "the run waiting on its retry",
        )
        assert "RUNNING" in row and "1 completed, 1 awaiting retry" in row, row
        (record,) = json_lines(here("history", "--json", cwd=folder).stdout)
        assert record["counts"] == {"COMPLETED": 1, "AWAITING_RETRY": 1}
    finally:
        here("cancel", run_id, cwd=folder)


def test_history_of_a_finished_flow_function_that_called_no_task(here: Here, ws) -> None:
    """Its counts are empty: ``0 tasks: running`` was said of a COMPLETED run."""
    folder = ws(quiet="from flowtop import flow\n\n@flow\ndef quiet() -> int:\n    return 1\n")
    assert flowtop("run", ".", cwd=folder).returncode == 0
    detail = here("history", "--run", "1", cwd=folder).stdout.splitlines()
    assert "COMPLETED" in detail[0] and detail[1].endswith(" · 0 tasks"), detail


CACHED = """
    from datetime import timedelta
    from pathlib import Path

    from flowtop import flow, task
    from flowtop.cache_policies import INPUTS

    CALLS = Path(__file__).with_name("calls.txt")


    @task(cache_policy=INPUTS, cache_expiration=timedelta(hours=1))
    def expensive(x: int) -> int:
        with CALLS.open("a") as f:
            f.write(f"{x}\\n")
        return x * 10


    @task(cache_policy=INPUTS)
    def unpicklable(x: int):
        return (i for i in range(x))  # a generator: its result cannot be kept


    @flow(name="cached")
    def cached(n: int = 2) -> int:
        unpicklable(n)
        return sum(expensive(i) for i in range(n))
"""


def test_a_cached_result_outlives_the_process_that_stored_it(ws) -> None:
    """The workspace keeps cached results as files (``.flowtop/cache/``, private): a
    later ``flowtop run`` finds them, as Prefect finds its local result storage."""
    folder = ws(cached=CACHED)
    first = flowtop("run", ".", cwd=folder)
    assert first.returncode == 0, first.stderr
    assert (
        "cached/unpicklable ✓ completed (attempt 1/1, +3 on Retry) (not cached: its result "
        "can't be pickled" in first.stdout
    )
    second = flowtop("run", ".", cwd=folder)
    assert second.returncode == 0, second.stderr
    assert (folder / "calls.txt").read_text() == "0\n1\n"  # the second run called nothing
    assert "cached/expensive ✓ completed (cached result of cached #1, " in second.stdout
    assert "→ 10" in second.stdout
    cache = folder / ".flowtop" / "cache"
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    assert all(oct(f.stat().st_mode & 0o777) == "0o600" for f in cache.iterdir())
    third = flowtop("run", ".", "-p", "n=3", cwd=folder)  # a new input: only it runs
    assert third.returncode == 0 and (folder / "calls.txt").read_text() == "0\n1\n2\n"


TICKING = """
import time
from flowtop import Flow, task

@task
def tick():
    for n in range(600):
        print("tick", n, flush=True)
        time.sleep(0.1)

with Flow("ticking") as flow:
    tick()
"""


def test_a_killed_run_keeps_its_time_and_what_its_attempt_printed(here: Here, ws) -> None:
    """Killed 2 s into a task, its run read `0.36ms` (the time of its last task step) and
    its attempt `INTERRUPTED -` with no output, although the store held both."""
    folder = ws(ticking=TICKING)
    owner = run_process(folder, output=False)
    wait_until(lambda: runs(folder, "RUNNING"), "a live run")
    (live,) = runs(folder, "RUNNING")
    wait_until(
        lambda: "tick 15" in here("history", ".", "--run", live.run_id, cwd=folder).stdout,
        "its output so far",
    )  # 1.5 s into its task: a heartbeat or more after its last step
    owner.kill()
    owner.wait()
    shown = here("history", ".", "--run", live.run_id, cwd=folder)  # a reader marks it
    (run,) = runs(folder)
    assert run.state == "INTERRUPTED", run
    assert run.duration is not None and run.duration >= 1.0, run.duration
    assert "tick 0" in shown.stdout and "tick 15" in shown.stdout, shown.stdout


def test_a_launched_run_killed_before_its_interpreter_started_leaves_a_record(ws) -> None:
    """The run process reserved its run itself, after Python and flowtop had loaded: a
    `flowtop run --detach` killed in its first 0.1 s left no run, and `watch ID` waited
    10 s for one. Its launcher records it now, owned by the new process."""
    import os

    from flowtop.workspace.history import History, reap_store
    from flowtop.workspace.launcher import launch

    folder = ws(etl=ETL)
    History(store(folder)).close()  # the store exists, as `--detach` makes sure
    launched = launch(folder, "etl", state_dir=folder / ".flowtop")
    os.kill(launched.pid, signal.SIGKILL)  # before it could import anything
    (run,) = runs(folder)
    assert run.run_id == launched.run_id and run.number == 1
    os.waitpid(launched.pid, 0)  # this test is its parent: reap it, as init would
    assert reap_store(store(folder)) == [launched.run_id]
    (run,) = runs(folder)
    assert run.state == "INTERRUPTED" and f"pid {launched.pid}" in run.note, run


def test_a_launched_run_takes_over_the_record_its_launcher_made(here: Here, ws) -> None:
    folder = ws(etl=ETL)
    (folder / "ok").touch()
    started = flowtop("run", ".", "--flow", "etl", "--detach", cwd=folder)
    run_id = started.stdout.strip()
    watched = here("watch", ".", run_id, cwd=folder)
    assert watched.returncode == 0, watched.stderr
    (run,) = runs(folder)
    assert run.state == "COMPLETED" and run.note == "", run  # not reaped as its own orphan


def test_a_rerun_of_a_rerun_that_did_not_start_reuses_what_its_source_completed(ws) -> None:
    """`f` on a file broken meanwhile made a run that did not start, recorded without its
    source: the next `f` reran it, and so ran every task again (and a @flow with its
    defaults, not the source's parameters)."""
    folder = ws(etl=ETL)
    first = flowtop("run", ".", "--json", cwd=folder)
    source = json_lines(first.stdout)[0]["run_id"]
    flow_file = folder / "etl.py"
    good = flow_file.read_text()
    flow_file.write_text(good + "\nraise RuntimeError('db down')\n")
    broken = flowtop(  # as the TUI's f launches it: a run process with its run id
        "run",
        "etl.py",
        "--flow",
        "etl",
        "--run-id",
        "0123456789ab",
        "--rerun-of",
        source,
        cwd=folder,
    )
    assert broken.returncode == 2 and "db down" in broken.stderr
    flow_file.write_text(good)
    (folder / "ok").touch()
    again = flowtop("run", ".", "--flow", "etl", "--rerun-of", "0123456789ab", "--json", cwd=folder)
    assert again.returncode == 0, again.stderr
    events = json_lines(again.stdout)
    assert events[0]["rerun_of"] == source
    assert (folder / "extract-count").read_text() == "1"  # reused, not run again


MUTATES = """
    from pathlib import Path
    from flowtop import flow, task

    @task
    def make():
        return [1]

    @flow(name="mutates")
    def mutates():
        made = make()
        made.extend(range(1000))
        if not (Path(__file__).parent / "ok").exists():
            raise ValueError("first")
        return len(made)
"""


def test_a_rerun_reuses_a_result_as_its_task_returned_it(ws) -> None:
    """The store pickled results a moment after they completed: a body that extended a
    returned list had the rerun reuse the extended list (1,001 items, not 1)."""
    folder = ws(mutates=MUTATES)
    first = flowtop("run", ".", "--json", cwd=folder)
    source = json_lines(first.stdout)[0]["run_id"]
    (folder / "ok").touch()
    again = flowtop("run", ".", "--rerun-of", source, "--json", cwd=folder)
    assert again.returncode == 0, again.stderr
    events = json_lines(again.stdout)
    made = next(e for e in events if e.get("task") == "make" and e["state"] == "COMPLETED")
    assert made["reused"] and made["result"] == "[1]"
    assert events[-1]["state"] == "COMPLETED"
