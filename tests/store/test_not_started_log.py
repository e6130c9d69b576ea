"""A launched run (``r``, ``--detach``) that did not start loses its log too, as README
says of every launched run whose end is recorded: its file raised or hung at import, it
lacks the flow, or a signal stopped it while importing. Only a run that ran had its log
deleted; each of these left ``.flowtop/logs/RUN_ID.log`` behind until a prune."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from flowtop.workspace import launcher
from flowtop.workspace.launcher import Launched
from flowtop.workspace.private import private_folder
from flowtop.workspace.store_reader import StoreReader

from .conftest import wait_until

#: Writes ``importing`` as its import starts, then does what the ``mode`` file says.
FLOW = """
from pathlib import Path
from flowtop import Flow, task

HERE = Path(__file__).parent
(HERE / "importing").touch()
mode = (HERE / "mode").read_text().strip() if (HERE / "mode").exists() else ""
if mode == "raise":
    raise RuntimeError("the database is down")
if mode == "loop":
    while True:
        pass

@task
def extract():
    return 1

flow = Flow("etl")
flow.add_task(extract)
"""


@pytest.fixture(autouse=True)
def in_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Launched from the flows' folder, as ``flowtop run FILE --detach`` there: the
    reasons name ``etl.py`` as typed."""
    monkeypatch.chdir(tmp_path)


def launched_in(tmp_path: Path, mode: str, *, flow: str = "etl", timeout: float = 0.5) -> Launched:
    """A run of ``flow`` launched as ``--detach`` launches it, its file in ``mode``."""
    (tmp_path / "etl.py").write_text(FLOW)
    (tmp_path / "flowtop.toml").write_text(f"[defaults]\nload_timeout = {timeout}\n")
    if mode:
        (tmp_path / "mode").write_text(mode)
    state = private_folder(tmp_path / ".flowtop")
    return launcher.launch(tmp_path / "etl.py", flow, state_dir=state)


def ended(tmp_path: Path, launched: Launched) -> tuple[str, str]:
    """The launched run's state and what it says, once its process has exited."""
    assert launched.process is not None
    launched.process.wait(timeout=60)
    (run,) = StoreReader(tmp_path / ".flowtop" / "history.db").runs()
    assert run.run_id == launched.run_id
    return run.state, (run.error or {}).get("message", "") or run.note


@pytest.mark.parametrize(
    ("mode", "flow", "said"),
    [
        ("raise", "etl", "etl.py:9: RuntimeError: the database is down"),
        ("loop", "etl", "etl.py: import did not finish in 0.5 s ([defaults] load_timeout), at"),
        ("", "elt", "etl.py: no flow named 'elt' (did you mean 'etl'?); flows: etl"),
    ],
)
def test_a_launched_run_that_did_not_start_leaves_no_log(
    tmp_path: Path, mode: str, flow: str, said: str
) -> None:
    launched = launched_in(tmp_path, mode, flow=flow)
    state, message = ended(tmp_path, launched)  # the store says why, not the log
    # (a loop's words end where it was: either line of its ``while True: pass``)
    assert (state, message) in {
        ("FAILED", said),
        *(("FAILED", f"{said} etl.py:{n}") for n in (10, 11)),
    }
    assert not launched.log.exists()


def test_a_launched_run_stopped_while_importing_leaves_no_log(tmp_path: Path) -> None:
    launched = launched_in(tmp_path, "loop", timeout=60)
    wait_until((tmp_path / "importing").exists, "the run process to import its file")
    assert launched.process is not None
    launched.process.send_signal(signal.SIGTERM)
    state, note = ended(tmp_path, launched)
    assert state == "CANCELLED" and "SIGTERM" in note, note
    assert not launched.log.exists()
