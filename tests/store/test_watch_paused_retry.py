"""``watch`` of a ``@flow`` with retries waits for the retry while the process that
announced it is alive (stopped with SIGSTOP, say), rather than give up after a fixed
grace; it gives up once that process is gone."""

from __future__ import annotations

import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.commands import watch
from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.workspace import history as history_module
from flowtop.workspace import reaper
from flowtop.workspace.history import History

FIRST = "a1a1a1a1a1a1a1a1"
RETRY = "b2b2b2b2b2b2b2b2"


def _failed_with_a_retry(history: History) -> None:
    history.sink(
        [
            RunStarted(FIRST, "f", 1, (), (), (), None, 1.0),
            RunFinished(FIRST, "f", 1, S.FAILED, {}, 1.0, 2.0, retry_in=0.0),
        ]
    )
    assert history.flush(10)


def test_a_retry_is_waited_for_while_its_process_lives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It said ``retry did not start`` and exited 1 after 30 s, the run going on."""
    monkeypatch.setattr(watch, "RETRY_GRACE", 0.0)  # past the grace at once
    looked = threading.Semaphore(0)

    def reap_store(db: Path, *, mark: bool = True) -> list[str]:
        looked.release()
        return []

    # ``follow`` imports it when called: patched where it lives, it counts its rounds.
    monkeypatch.setattr(history_module, "reap_store", reap_store)
    db = tmp_path / "history.db"
    history = History(db)  # the owner: this process, alive (a stopped one is as alive)
    code: list[int] = []
    try:
        _failed_with_a_retry(history)
        follower = threading.Thread(
            target=lambda: code.append(watch.follow(db, FIRST, json_lines=True))
        )
        follower.start()
        for _ in range(2):  # twice round its loop past the grace, the retry not started
            assert looked.acquire(timeout=10), f"the watch ended: {code}"
        history.sink(
            [
                RunStarted(RETRY, "f", 2, (), (), (), FIRST, 3.0),
                RunFinished(RETRY, "f", 2, S.COMPLETED, {}, 1.0, 4.0),
            ]
        )
        assert history.flush(10)
        follower.join(10)
    finally:
        history.close()
    assert code == [0]
    assert "did not start" not in capsys.readouterr().err


def test_a_retry_whose_process_is_gone_is_given_up_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(watch, "RETRY_GRACE", 0.0)
    db = tmp_path / "history.db"
    history = History(db)
    try:
        _failed_with_a_retry(history)
    finally:
        history.close()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with closing(reaper.connect(db)) as conn:
        conn.execute("UPDATE runs SET pid = ? WHERE run_id = ?", (dead.pid, FIRST))
    assert watch.follow(db, FIRST, json_lines=True) == 1
    err = capsys.readouterr().err
    assert f"run {FIRST}'s retry did not start (its process (pid {dead.pid}" in err
