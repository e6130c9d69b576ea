"""A cancel of a launched run whose flow file is still importing ends the run there and
then, recorded one way: CANCELLED, "cancelled by the user while its flow file imported",
no task begun. It waited for the whole import (up to ``load_timeout``: a 25 s import kept
the cancelled run RUNNING for 25 s), then recorded an ordinary ``1 cancelled`` run; with
an import that overran a shorter ``load_timeout`` the same cancel read "cancelled … while
its flow file imported (it would not have started: …)"."""

from __future__ import annotations

import argparse
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.commands import cancel
from flowtop.commands.run_start import CANCELLED_WHILE_IMPORTING
from flowtop.workspace import reaper
from flowtop.workspace.owner_agent import enqueue
from flowtop.workspace.store_reader import StoreReader

from .conftest import wait_until
from .test_cancel_before_failed_start import HELD, held_launch

RUN_ID = "c0ffee0000a1"


@pytest.fixture
def importing(ws: Callable[..., Path]) -> Iterator[tuple[Path, Path, subprocess.Popen[str]]]:
    """A folder whose flow file the launched run ``RUN_ID``'s process is importing, held
    there, with a ``load_timeout`` far longer than the test: the hold file, the process."""
    folder = ws(held=HELD)
    (folder / "flowtop.toml").write_text("[defaults]\nload_timeout = 300\n")
    with held_launch(folder, RUN_ID) as (hold, process):
        wait_until(lambda: _reserved(folder), "the run to be reserved")
        yield folder, hold, process


def _reserved(folder: Path) -> bool:
    db = folder / ".flowtop" / "history.db"
    return db.exists() and bool(StoreReader(db).runs())


def _commands(folder: Path) -> list[tuple[str, str | None]]:
    with closing(reaper.connect(folder / ".flowtop" / "history.db")) as conn:
        return conn.execute("SELECT kind, outcome FROM commands ORDER BY id").fetchall()


def _ended_cancelled(folder: Path, process: subprocess.Popen[str]) -> str:
    _, err = process.communicate(timeout=30)
    assert process.returncode == 1, err
    (run,) = StoreReader(folder / ".flowtop" / "history.db").runs()
    assert (run.state, run.error, run.note) == ("CANCELLED", None, CANCELLED_WHILE_IMPORTING)
    assert not run.tasks  # none begun: the readers say TASKS `-`
    assert _commands(folder) == [("cancel", "applied")]
    assert not (folder / "deployed").exists()
    return err


def test_a_cancel_ends_a_run_whose_file_imports_at_once(
    importing: tuple[Path, Path, subprocess.Popen[str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, _, process = importing
    # a safety bound, answered long before; shorter than the import's hold (30 s), which
    # the cancel waited out
    monkeypatch.setattr(cancel, "WAIT", 20.0)
    code = cancel.main(argparse.Namespace(target=[str(folder), RUN_ID], flow=None))
    told = capsys.readouterr()
    assert code == 0, told.err
    assert told.out == f"Cancelled run #1 of held ({RUN_ID})\n"
    err = _ended_cancelled(folder, process)
    assert f"run #1 of held: {CANCELLED_WHILE_IMPORTING}" in err


def test_a_cancel_queued_as_the_import_ends_is_recorded_the_same_way(
    importing: tuple[Path, Path, subprocess.Popen[str]],
) -> None:
    """Queued as the import ends, the cancel is taken by the watchdog's last look or by
    the one made once the import is over, before the run begins: the same record."""
    folder, hold, process = importing
    enqueue(folder / ".flowtop" / "history.db", RUN_ID, "cancel")
    hold.unlink()  # let go
    _ended_cancelled(folder, process)
