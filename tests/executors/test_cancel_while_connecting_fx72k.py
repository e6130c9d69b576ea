"""A cancel of a run whose process connects to a Dask scheduler (``runs.stage``).

Nothing listening at the address, the process tried for 10 s: ``flowtop cancel`` said
"queued, as it is starting: its process is importing the flow file" under a header that
said "connecting to the Dask scheduler", the run ended only once the connect gave up,
and its note read "cancelled by the user while its flow file imported (… cannot
connect …)". The process now looks for a cancel while it connects, and ends the run
there; a cancel it has not taken says what the run's process is doing, as the header.
"""

from __future__ import annotations

import argparse
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.commands import cancel
from flowtop.workspace.history import History
from flowtop.workspace.run_stage import record_stage, stages_in
from waits import wait_until

from .test_dask_stage_fx72b import FLOW, STARTUP, _flowtop

pytest.importorskip("distributed", reason="the Dask executor needs distributed")


@pytest.fixture
def refused() -> Iterator[str]:
    """An address on this machine that refuses connections: bound, never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"tcp://127.0.0.1:{sock.getsockname()[1]}"


def _ended(db: Path) -> tuple[str, str] | None:
    """The one run's state and note once it has ended, else None."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = conn.execute("SELECT state, note FROM runs").fetchone()
    return None if row is None or row[0] == "RUNNING" else (row[0], row[1] or "")


def test_a_cancel_while_the_run_connects_ends_it_there(
    refused: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "flows.py").write_text(FLOW)
    (tmp_path / "flowtop.toml").write_text(f'[defaults]\nexecutor = "dask:{refused}"\n')
    started = _flowtop("run", "flows.py", "--flow", "dasky", "--detach", cwd=tmp_path)
    run_id = started.stdout.strip()
    assert started.returncode == 0 and run_id, started.stderr
    db = tmp_path / ".flowtop" / "history.db"
    connecting = f"connecting to the Dask scheduler at {refused}"
    wait_until(lambda: stages_in(db).get(run_id) == connecting, "the connect", STARTUP)
    capsys.readouterr()
    code = cancel.main(argparse.Namespace(target=[str(tmp_path), run_id], flow=None))
    told = capsys.readouterr()
    # old: "queued, as it is starting: its process is importing the flow file", as
    # the connect went on for its 10 s
    assert (code, told.out) == (0, f"Cancelled run #1 of dasky ({run_id})\n"), told.err
    state, note = wait_until(lambda: _ended(db), "the run's end", STARTUP)
    assert (state, note) == ("CANCELLED", f"cancelled by the user while {connecting}")


def test_a_cancel_not_taken_says_what_the_run_waits_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run reserved here (its owner alive), its stage recorded; nobody takes the cancel."""
    db = tmp_path / ".flowtop" / "history.db"
    history = History(db)
    try:
        assert history.next_number("dasky", "f72f72f72f72") == 1
        connecting = "connecting to the Dask scheduler at tcp://10.0.0.5:8786"
        record_stage(db, ["f72f72f72f72"], connecting)
        monkeypatch.setattr(cancel, "WAIT", 0.1)
        code = cancel.main(argparse.Namespace(target=[str(tmp_path), "f72f72f72f72"], flow=None))
    finally:
        history.close()
    told = capsys.readouterr()
    assert code == 0, told.err
    # old: "as it is starting: its process is importing the flow file"
    assert told.out == (
        f"Cancel of run #1 of dasky (f72f72f72f72) queued, as it is starting: {connecting}; "
        "the run ends as it starts, running no task\n"
    )
