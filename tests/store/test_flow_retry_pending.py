"""A ``@flow``'s own retry is a live run from the moment the run before it fails.

It used to start only after ``retry_delay_seconds``: meanwhile the store held nothing
live, so ``flowtop cancel`` said the run was not running (and the retry started anyway),
a second client's rerun of the failed run was accepted (two retry chains), ``--prune``
could delete the run mid-chain, and a run process killed in the wait left no run for the
reaper to mark: the retry silently never happened.
"""

from __future__ import annotations

import signal
from pathlib import Path

from cli_kit import Here

from .conftest import flowtop, json_lines, wait_until
from .test_store_cli import run_process, runs

ALWAYS_FAILS = """
    from pathlib import Path
    from flowtop import flow, task

    @task(max_retries=0)
    def load() -> None:
        with open(Path(__file__).with_name("bodies"), "a") as out:
            out.write("ran\\n")
        raise ConnectionError("warehouse down")

    @flow(name="pretry", retries=2, retry_delay=30)
    def pretry() -> None:
        load()
"""


def bodies(folder: Path) -> int:
    path = folder / "bodies"
    return len(path.read_text().splitlines()) if path.exists() else 0


def waiting_retry(folder: Path) -> tuple[str, str]:
    """Start ``pretry`` in its own process; once its first run failed, the ids of that
    run and of its retry (live, waiting out its 30 s delay)."""

    def pair() -> tuple[str, str] | None:
        failed = runs(folder, "FAILED")
        live = runs(folder, "RUNNING")
        if len(failed) == 1 and len(live) == 1 and live[0].rerun_of == failed[0].run_id:
            return failed[0].run_id, live[0].run_id
        return None

    found: tuple[str, str] = wait_until(pair, "the first run failed, its retry live")
    return found


def test_a_flow_retry_waiting_its_delay_is_live_cancellable_and_not_rerun_twice(
    here: Here, ws
) -> None:
    folder = ws(pretry=ALWAYS_FAILS)
    owner = run_process(folder, "--json")
    try:
        first, retry = waiting_retry(folder)
        assert bodies(folder) == 1

        again = flowtop("run", ".", "--flow", "pretry", "--rerun-of", first, cwd=folder)
        assert again.returncode == 2, again.stdout + again.stderr  # a second retry chain
        assert "already running" in again.stderr

        told = here("cancel", ".", first, cwd=folder)
        assert told.returncode == 1
        assert f"is not running (FAILED); run #2, which reruns it, is: flowtop cancel {retry}" in (
            told.stderr
        )

        cancelled = here("cancel", ".", retry, cwd=folder)
        assert cancelled.returncode == 0, cancelled.stderr
        assert owner.wait(timeout=20) == 1  # `flowtop run` ends with its retry, at once
        out, _ = owner.communicate()
        started = [e for e in json_lines(out) if e["event"] == "run_started"]
        assert [(e["run_id"], e.get("starts_in")) for e in started] == [
            (first, None),
            (retry, 30.0),  # live from the first run's end, its body due in 30 s
        ]
        ended = {e["run_id"]: e for e in json_lines(out) if e["event"] == "run_finished"}
        assert ended[retry]["duration"] == 0.0  # its wait is not its work
        assert (
            ended[retry]["note"]
            == "cancelled in its 30s retry delay, so its body never ran: by the user"
        )
    finally:
        if owner.poll() is None:
            owner.kill()
        owner.wait()
    states = {r.run_id: r.state for r in runs(folder)}
    assert states == {first: "FAILED", retry: "CANCELLED"}
    assert bodies(folder) == 1  # the cancelled retry never ran its body
    listed = {r["run_id"]: r for r in json_lines(here("history", ".", "--json", cwd=folder).stdout)}
    assert listed[retry]["duration"] == 0.0  # it had said 5.8s, a wait that was no work
    assert (
        listed[retry]["note"]
        == "cancelled in its 30s retry delay, so its body never ran: by the user"
    )


def test_a_flow_retry_stopped_in_its_delay_says_who_stopped_it(ws) -> None:
    folder = ws(pretry=ALWAYS_FAILS)
    owner = run_process(folder, "--json")
    try:
        _, retry = waiting_retry(folder)
        owner.send_signal(signal.SIGTERM)
        out, _ = owner.communicate(timeout=20)
    finally:
        if owner.poll() is None:
            owner.kill()
        owner.wait()
    ended = {e["run_id"]: e for e in json_lines(out) if e["event"] == "run_finished"}
    assert ended[retry]["note"] == (
        "cancelled in its 30s retry delay, so its body never ran: SIGTERM (flowtop run was stopped)"
    )


def test_a_flow_retry_whose_process_dies_in_the_wait_reads_interrupted(here: Here, ws) -> None:
    folder = ws(pretry=ALWAYS_FAILS)
    owner = run_process(folder, output=False)
    try:
        first, retry = waiting_retry(folder)
    finally:
        owner.kill()
        owner.wait()
    listed = here("history", ".", cwd=folder)  # reaps the store, as every command does
    assert listed.returncode == 0, listed.stderr
    states = {r.run_id: r.state for r in runs(folder)}
    assert states == {first: "FAILED", retry: "INTERRUPTED"}
    rerun = flowtop("run", ".", "--flow", "pretry", "--rerun-of", retry, "--detach", cwd=folder)
    assert rerun.returncode == 0, rerun.stderr  # and it can be rerun, as any lost run
    again = rerun.stdout.strip()  # it fails as before, and its own retry waits: cancelled,
    waiting = wait_until(  # so that no run process outlives the test
        lambda: [r for r in runs(folder, "RUNNING") if r.rerun_of == again], "the rerun's retry"
    )
    assert here("cancel", ".", waiting[0].run_id, cwd=folder).returncode == 0


def test_the_human_line_of_a_flow_retry_says_when_its_body_starts(here: Here, ws) -> None:
    folder = ws(pretry=ALWAYS_FAILS.replace("retry_delay=30", "retry_delay=0.2"))
    done = flowtop("run", ".", cwd=folder)
    assert done.returncode == 1
    assert "; the flow retries in 0.2s, as a new run" in done.stdout
    assert "pretry #2 started: tasks appear as the flow reaches them; its body starts in 0.2s" in (
        done.stdout
    )
    assert bodies(folder) == 3  # and it does start: retries=2
    listed = json_lines(here("history", ".", "--json", cwd=folder).stdout)
    retries = [r["duration"] for r in listed if r["rerun_of"]]
    assert len(retries) == 2 and max(retries) < 0.15  # its body's time, not its 0.2 s wait


def test_a_run_start_s_wait_is_kept_in_the_log_and_an_older_line_has_none() -> None:
    """A window opened during the wait replays the run's start from the store's log."""
    from flowtop.engine.events import RunStarted
    from flowtop.workspace.run_log import decode, encode

    started = RunStarted("r2", "pretry", 2, (), (), (), "r1", 5.0, starts_in=30.0)
    assert decode(encode(started), "r2") == started
    older = encode(started._replace(starts_in=None)).removesuffix(",null,0]") + "]"
    assert decode(older, "r2").starts_in is None  # logged before it existed: none


def test_a_run_end_s_note_is_kept_in_the_log_and_an_older_line_has_none() -> None:
    from flowtop.engine.events import RunFinished
    from flowtop.engine.states import StateType
    from flowtop.workspace.run_log import decode, encode

    why = "cancelled in its 30s retry delay, so its body never ran: by the user"
    ended = RunFinished("r2", "pretry", 2, StateType.CANCELLED, {}, 0.0, 5.0, note=why)
    assert decode(encode(ended), "r2") == ended
    older = encode(ended._replace(note="")).removesuffix(',""]') + "]"
    assert decode(older, "r2").note == ""  # logged before it existed: none
