"""Review 58: what the store says after kills and double keys.

- `n` (retry now) is aimed at the wait it was pressed on: a second `n` for that wait (a
  double press, or one in each of two monitors) cut the NEXT attempt's wait too, the
  queued command naming only the run and the task.
- A run killed during a retry wait: its attempt read "waiting to retry … retry after
  1m00s" (JSON ``AWAITING_RETRY``) in a run that was over.
- An attempt running when its process died had no duration (``-``, JSON null).
- A store refusing writes for a reason other than its mode was told to ``chmod u+rw``.
"""

from __future__ import annotations

import os
import stat
import threading
from contextlib import closing
from pathlib import Path

import pytest

from flowtop import Flow, StateType, task
from flowtop.attempt_story import failed_how, wait_story
from flowtop.engine import Runner
from flowtop.engine.events import ErrorInfo, RunStarted, TaskStateChanged
from flowtop.looks import INTERRUPTED
from flowtop.workspace import access, reaper
from flowtop.workspace.history import History
from flowtop.workspace.log_decode import RunInterrupted
from flowtop.workspace.log_fold import fold
from flowtop.workspace.owner_agent import aimed, aimed_at, apply_command, enqueue
from flowtop.workspace.store_client import StoreClient
from waits import wait_until

S = StateType


def _flapping(calls: list[int], gate: threading.Event) -> Flow:
    @task(max_retries=6, retry_delay=600)
    def flap() -> str:
        calls.append(1)
        gate.wait(10)  # each attempt fails once the test lets it
        raise ConnectionError("nope")

    with Flow("stopper") as flow:
        flap()
    return flow


def _waiting(run: object, attempt: int) -> bool:
    tr = run.tasks["flap"]  # type: ignore[attr-defined]
    return tr.state is S.AWAITING_RETRY and tr.attempt == attempt and not tr.hurried


def test_a_second_n_for_the_same_wait_cuts_no_other_wait() -> None:
    calls: list[int] = []
    gate = threading.Event()
    gate.set()
    runner = Runner(2)
    try:
        run = runner.start(_flapping(calls, gate))
        wait_until(lambda: _waiting(run, 1), "attempt 1's wait")
        gate.clear()  # attempt 2 holds until the second `n` has come
        assert apply_command(runner, run.run_id, "retry_now", aimed("flap", 1)) is True
        # the second press, the same wait: its attempt not begun yet, or begun
        assert apply_command(runner, run.run_id, "retry_now", aimed("flap", 1)) is False
        wait_until(lambda: len(calls) == 2, "attempt 2")
        assert apply_command(runner, run.run_id, "retry_now", aimed("flap", 1)) is False
        gate.set()
        wait_until(lambda: _waiting(run, 2), "attempt 2's wait")
        # aimed at attempt 1's wait, over: attempt 2's wait stands
        assert apply_command(runner, run.run_id, "retry_now", aimed("flap", 1)) is False
        assert apply_command(runner, run.run_id, "give_up", aimed("flap", 1)) is False
        assert _waiting(run, 2) and len(calls) == 2
        # a double press in this process: one cut
        assert run.retry_now("flap", 2) is True
        assert run.retry_now("flap") is False
        wait_until(lambda: _waiting(run, 3), "attempt 3's wait")
        assert len(calls) == 3
        assert apply_command(runner, run.run_id, "give_up", aimed("flap", 3)) is True
    finally:
        gate.set()
        runner.shutdown()


def test_the_attempt_travels_with_the_command(tmp_path: Path) -> None:
    """Queued by a client, a retry now names the wait the client last handed on (what
    the screen shows); its ``task`` column reads back as task and attempt."""
    db = tmp_path / ".flowtop" / "history.db"
    db.parent.mkdir()
    History(db).close()
    client = StoreClient(db, lambda events: None)
    try:
        client._hand(
            [
                RunStarted("r1", "stopper", 1, ("flap",), (7,), ("",)),
                TaskStateChanged("r1", "stopper", "flap", S.AWAITING_RETRY, 1, 7, 1.0),
            ]
        )
        client.command("r1", "retry_now", "flap")
        client.command("r1", "give_up", "flap", attempt=4)
        client.command("r1", "cancel")
        with closing(reaper.connect(db)) as conn:
            stored = [task for (task,) in conn.execute("SELECT task FROM commands ORDER BY id")]
    finally:
        client.close()
    assert [aimed_at(t) if t is not None else None for t in stored] == [
        ("flap", 1),
        ("flap", 4),
        None,
    ]
    assert aimed_at("plain") == ("plain", None)
    assert enqueue(db, "r1", "retry_now", "flap") > 0  # no attempt: as before


def _events(ts_killed: float) -> list[object]:
    return [
        RunStarted("r1", "f", 1, ("flap", "sleeper"), (7, 6), ("", "")),
        TaskStateChanged("r1", "f", "flap", S.RUNNING, 1, 7, 100.0),
        TaskStateChanged(
            "r1",
            "f",
            "flap",
            S.AWAITING_RETRY,
            1,
            7,
            100.1,
            retry_in=60.0,
            delay_explained="retry_delay=1m00s",
            error=ErrorInfo("ConnectionError", "nope"),
            duration=0.1,
        ),
        TaskStateChanged("r1", "f", "sleeper", S.RUNNING, 1, 6, 101.0),
        RunInterrupted("r1", "its process (pid 7 on vm) is gone", ts_killed),
    ]


def test_an_interrupted_runs_wait_and_running_attempt_are_over() -> None:
    flap, sleeper = fold([], _events(106.5))  # type: ignore[arg-type]
    (waited,) = flap.attempt_records
    assert waited.state == INTERRUPTED and waited.retry_in == 60.0  # not AWAITING_RETRY
    assert failed_how(waited, None) == ("then interrupted during its wait", "failed")
    assert wait_story(waited, None) == "interrupted during the 1m00s wait"
    (ran,) = sleeper.attempt_records
    assert ran.state == INTERRUPTED and ran.duration == pytest.approx(5.5)
    assert sleeper.duration == pytest.approx(5.5)
    # the reaper's own fold, its end not dated yet: no time made up
    _, unknown = fold([], _events(0.0))  # type: ignore[arg-type]
    assert unknown.attempt_records[0].duration is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root passes modes: the next test's case")
def test_a_mode_that_refuses_is_still_told_to_chmod(tmp_path: Path) -> None:
    store = tmp_path / ".flowtop" / "history.db"
    store.parent.mkdir()
    store.write_text("")
    store.chmod(stat.S_IRUSR)
    said = access.blocked(store, write=True)
    assert said is not None and "chmod u+rw" in said


def test_a_refusal_the_mode_does_not_make_is_not_told_to_chmod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An immutable file (``chattr +i``): ``os.access`` says no though its mode says yes."""
    store = tmp_path / ".flowtop" / "history.db"
    store.parent.mkdir()
    store.write_text("")
    store.chmod(0o600)
    logs = store.parent / "logs"
    logs.mkdir(mode=0o700)
    monkeypatch.setattr(access.os, "access", lambda path, mode: mode & os.W_OK == 0)
    said = access.blocked(store, write=True)
    assert said is not None and "chmod" not in said, said
    assert "refuses writes though its mode allows it" in said and "lsattr" in said
    folder = access.blocked(logs, write=True)
    assert folder is not None and "chmod" not in folder and "lsattr -d" in folder, folder
