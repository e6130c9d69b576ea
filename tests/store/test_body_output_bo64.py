"""A ``@flow`` body's own output reaches the store, the watch and the monitor as it comes.

It rode only on its run's ``run_finished``: a run whose process was killed mid-body (``kill
-9`` of a run started with ``--detach`` or the monitor's ``r``) lost all its body had
printed (``history --run`` showed none), and ``watch --json`` and the monitor showed none of
it until the body returned, while a running task's output came in pieces
(``live_output``). The body's output now comes in the same pieces, ``task_output`` rows of
the log whose task is ``FLOW_BODY``.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import cli_kit
from flowtop import flow
from flowtop.commands import watch
from flowtop.engine import Runner, live_output
from flowtop.engine.events import FLOW_BODY, RunFinished, RunStarted, TaskOutput
from flowtop.tui.model import RunModel
from flowtop.workspace.history import History
from flowtop.workspace.store_reader import StoreReader

from .conftest import flowtop, wait_until

#: A @flow whose body prints a line, then waits for a file named ``go`` (never made here).
WAITING_BODY = """
    import time
    from pathlib import Path
    from flowtop import flow

    HERE = Path(__file__).parent

    @flow
    def chatty():
        print("body before")
        while not (HERE / "go").exists():
            time.sleep(0.01)
        print("body after")
"""


def _owner_pid(db: Path, run_id: str) -> int:
    """The pid of the process the store says runs ``run_id`` (``host:pid:tag``)."""
    with closing(sqlite3.connect(db)) as conn:
        (owner,) = conn.execute("SELECT owner FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    return int(str(owner).rsplit(":", 2)[1])


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status


def test_a_killed_detached_run_keeps_what_its_body_printed(
    ws: Callable[..., Path], here: cli_kit.Here
) -> None:
    folder = ws(chatty=WAITING_BODY)
    started = flowtop("run", "chatty.py", "--detach", cwd=folder)
    assert started.returncode == 0, started.stderr
    run_id = started.stdout.strip()
    db = folder / ".flowtop" / "history.db"
    reader = StoreReader(db)
    try:
        wait_until(
            lambda: "body before" in reader.run_detail(run_id).output,
            "the body's line in the store while it runs",
        )
    except AssertionError:
        (folder / "go").touch()  # no run left waiting for good
        raise
    pid = _owner_pid(db, run_id)
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: _gone(pid), "the run's process to die")
    said = here("history", "--run", "1", cwd=folder)
    assert said.returncode == 0, said.stderr
    assert "chatty #1  INTERRUPTED" in said.stdout, said.stdout
    assert "flow output:\n  body before\n" in said.stdout, said.stdout
    assert "body after" not in said.stdout
    as_json = here("history", "--run", "1", "--json", cwd=folder)
    (run,) = [r for r in map(json.loads, as_json.stdout.splitlines()) if r["record"] == "run"]
    assert run["output"] == "body before\n"


def test_a_watch_of_a_killed_run_shows_what_its_body_printed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db, run_id = tmp_path / "history.db", "b0d1b0d1b0d1"
    history = History(db)  # this process owns it: the watch is made to find it gone
    monkeypatch.setattr(watch, "reap_quietly", lambda _db, _cmd: {run_id: "its process is gone"})
    try:
        history.sink(
            [
                RunStarted(run_id, "chatty", 1, (), (), (), ts=1.0),
                TaskOutput(run_id, "chatty", FLOW_BODY, 0, "body ", 1.5),
                TaskOutput(run_id, "chatty", FLOW_BODY, 0, "before\n", 2.0),
            ]
        )
        assert history.flush(10)
        assert watch.follow(db, run_id, json_lines=False) == 1
    finally:
        history.close()
    rows = capsys.readouterr().out.splitlines()
    # as it came (its two pieces one line), not again under the run's end
    assert rows[1:] == ["body before", rows[-1]], rows
    assert "chatty #1 INTERRUPTED" in rows[-1], rows


@pytest.fixture
def look_often(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_output, "EVERY", 0.02)


@pytest.mark.usefixtures("look_often")
def test_the_body_s_output_reaches_the_sinks_before_the_body_returns() -> None:
    go_on = threading.Event()

    @flow(name="chatty")
    def chatty() -> None:
        print("body before")
        assert go_on.wait(10)  # held until the test has seen the line live
        print("body after")

    seen: list[Any] = []
    lock = threading.Lock()

    def sink(events: list[Any]) -> None:
        with lock:
            seen.extend(events)

    def pieces() -> list[TaskOutput]:
        with lock:
            return [e for e in seen if isinstance(e, TaskOutput)]

    with Runner(sinks=[sink]) as runner:
        run = runner.start(chatty)
        wait_until(lambda: "body before\n" in "".join(p.text for p in pieces()), "a piece")
        live = pieces()
        assert all(p.task == FLOW_BODY for p in live)
        assert live[0].as_json() == {
            "event": "flow_output",
            "run_id": run.run_id,
            "flow": "chatty",
            "text": "body before\n",
            "ts": live[0].ts,
        }
        go_on.set()
        run.final_result(10)
        runner.bus.flush()
    (end,) = [e for e in seen if isinstance(e, RunFinished)]
    assert end.output == "body before\nbody after\n"  # its end still carries all of it
    model = RunModel("chatty", (), run_id=run.run_id, number=1)  # the monitor's, as they come
    assert model.apply(live[0]) == FLOW_BODY  # (its detail pane is drawn anew)
    assert model.output == "body before\n"
    model.apply(end)
    assert model.output == end.output
