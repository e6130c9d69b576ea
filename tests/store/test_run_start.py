"""How a run process starts: its flow file imported once, and a launched run that cannot
start recorded as a run that failed, with the reason, for whoever launched it."""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

import fork_cli
from cli_kit import Here
from flowtop.commands.printers import HumanPrinter
from flowtop.engine.events import ErrorInfo, RunFinished
from flowtop.engine.states import StateType
from flowtop.looks import NOT_STARTED
from flowtop.workspace.history import History
from flowtop.workspace.ownership import pid_running
from flowtop.workspace.store_reader import StoreReader

from .conftest import env, flowtop, json_lines

#: A flow file that records the pid of every process that imports it, then does what
#: the ``mode`` file next to it says: nothing, raise, loop forever or end the process.
TRICKY = """
import os
from pathlib import Path
from flowtop import Flow, task

HERE = Path(__file__).parent
with open(HERE / "imported-by", "a") as out:
    out.write(f"{os.getpid()}\\n")
mode = (HERE / "mode").read_text().strip() if (HERE / "mode").exists() else ""
if mode == "raise":
    raise RuntimeError("the database is down")
if mode == "loop":
    while True:
        pass
if mode == "exit":
    os._exit(3)

@task
def extract():
    return 1

flow = Flow("etl")
flow.add_task(extract)
"""

RUN_ID = "0123456789ab"


def folder_with(tmp_path: Path, mode: str = "") -> Path:
    (tmp_path / "etl.py").write_text(TRICKY)
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 0.5\n")
    if mode:
        (tmp_path / "mode").write_text(mode)
    return tmp_path


def launched(folder: Path) -> subprocess.CompletedProcess[str]:
    """The command the TUI's ``r`` runs (``workspace.launcher``), in the foreground."""
    return flowtop("run", "etl.py", "--flow", "etl", "--run-id", RUN_ID, "--quiet", cwd=folder)


def stored_run(folder: Path):  # type: ignore[no-untyped-def]
    (run,) = StoreReader(folder / ".flowtop" / "history.db").runs()
    return run


def test_a_run_process_imports_its_flow_file_once(tmp_path: Path) -> None:
    folder = folder_with(tmp_path)
    done = flowtop("run", "etl.py", "--flow", "etl", "--json", cwd=folder)
    assert done.returncode == 0, done.stderr
    importers = (folder / "imported-by").read_text().split()
    assert len(importers) == 1  # no loader process imported it first
    assert [e["event"] for e in json_lines(done.stdout)][-1] == "run_finished"


def test_run_of_one_flow_of_a_folder_imports_only_the_file_defining_it(
    tmp_path: Path,
) -> None:
    """`flowtop run DIR --flow NAME`: NAME's file (the one whose source defines it) is
    imported once, by the run, and no other file (one that hangs kept the run waiting
    its ``load_timeout``). A slow file elsewhere was paid twice, and NAME's own file too."""
    folder = folder_with(tmp_path)
    (folder / "other.py").write_text(TRICKY.replace('Flow("etl")', 'Flow("other")'))
    done = flowtop("run", ".", "--flow", "other", "--quiet", cwd=folder)
    assert done.returncode == 0, done.stderr
    importers = (folder / "imported-by").read_text().split()
    assert len(importers) == 1  # other.py by the run only; etl.py not at all
    # a misspelt name falls back to loading every flow, to suggest the right one
    done = flowtop("run", ".", "--flow", "ohter", cwd=folder)
    assert done.returncode == 2
    assert "no flow named 'ohter' (did you mean 'other'?); flows: etl, other" in done.stderr


def test_a_file_that_names_the_flow_without_defining_it_does_not_hide_it(tmp_path: Path) -> None:
    """The file whose source names NAME is only a guess at where NAME is defined: when it
    does not define it, the file the loader children found it in runs it."""
    folder = folder_with(tmp_path)
    (folder / "caller.py").write_text(
        'from flowtop import Flow, task\n\nTARGET = "etl"  # names it, defines another\n\n'
        "@task\ndef ping():\n    return 1\n\nwith Flow('caller') as flow:\n    ping()\n"
    )
    (folder / "etl.py").write_text(TRICKY.replace('Flow("etl")', 'Flow("e" + "tl")'))
    done = flowtop("run", ".", "--flow", "etl", "--quiet", cwd=folder)
    assert done.returncode == 0, done.stderr
    done = flowtop("run", ".", "--flow", "nope", cwd=folder)
    assert "flows: caller, etl" in done.stderr
    # a broken file that does not define it is not imported, nor said
    (folder / "mode").write_text("raise")
    (folder / "other.py").write_text(
        TRICKY.replace('Flow("etl")', 'Flow("other")').replace('"mode"', '"no-mode"')
    )
    done = flowtop("run", ".", "--flow", "other", "--quiet", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert "etl.py" not in done.stderr


def test_a_launched_run_whose_file_raises_at_import_ends_failed_with_the_reason(
    here: Here, tmp_path: Path
) -> None:
    folder = folder_with(tmp_path, "raise")
    done = launched(folder)
    assert done.returncode == 2
    assert "etl.py:11: RuntimeError: the database is down" in done.stderr
    run = stored_run(folder)
    assert (run.run_id, run.state, run.number) == (RUN_ID, "FAILED", 1)
    assert run.error is not None and run.error["type"] == NOT_STARTED
    assert run.error["message"] == "etl.py:11: RuntimeError: the database is down"
    watched = here("watch", ".", RUN_ID, cwd=folder)
    assert watched.returncode == 1
    assert "did not start: etl.py:11: RuntimeError: the database is down" in watched.stdout
    listed = here("history", ".", cwd=folder)
    assert "did not start: etl.py:11: RuntimeError" in listed.stdout


def test_a_launched_run_of_a_flow_the_file_lacks_says_so(tmp_path: Path) -> None:
    folder = folder_with(tmp_path)
    done = flowtop("run", "etl.py", "--flow", "elt", "--run-id", RUN_ID, cwd=folder)
    assert done.returncode == 2
    (run,) = StoreReader(folder / ".flowtop" / "history.db").runs()
    assert run.error == {
        "type": NOT_STARTED,
        "message": "etl.py: no flow named 'elt' (did you mean 'etl'?); flows: etl",
        "traceback": "",
    }


def test_a_launched_run_of_a_flow_needing_arguments_ends_failed_with_the_reason(
    tmp_path: Path,
) -> None:
    """A launched run of a @flow given no value for a parameter without a default (a
    rerun of a run stored before parameters were): the TUI's header shows why."""
    (tmp_path / "scaled.py").write_text(
        "from flowtop import flow\n\n@flow\ndef scaled(n):\n    return n\n"
    )
    done = flowtop("run", "scaled.py", "--flow", "scaled", "--run-id", RUN_ID, cwd=tmp_path)
    assert done.returncode == 2
    (run,) = StoreReader(tmp_path / ".flowtop" / "history.db").runs()
    assert run.state == "FAILED" and run.error is not None
    assert run.error["message"] == "flow 'scaled' needs n (no default): give --param n=VALUE"


def test_an_import_past_load_timeout_ends_the_run_process_and_fails_the_run(
    tmp_path: Path,
) -> None:
    folder = folder_with(tmp_path, "loop")
    started = time.monotonic()
    done = launched(folder)
    assert time.monotonic() - started < 20
    assert done.returncode == 2
    assert "etl.py: import did not finish in 0.5 s" in done.stderr
    run = stored_run(folder)
    assert run.state == "FAILED"
    assert run.error is not None and run.error["message"] in {  # (where it was: either
        f"etl.py: import did not finish in 0.5 s ([defaults] load_timeout), at etl.py:{line}"
        for line in (12, 13)  # line of its ``while True: pass``)
    }


def test_a_foreground_run_past_load_timeout_says_so_without_recording_a_run(
    tmp_path: Path,
) -> None:
    folder = folder_with(tmp_path, "loop")
    done = flowtop("run", "etl.py", "--flow", "etl", cwd=folder)
    assert done.returncode == 2
    assert "etl.py: import did not finish in 0.5 s" in done.stderr
    db = folder / ".flowtop" / "history.db"
    assert not db.exists() or StoreReader(db).runs() == []  # no run id to report it to


def test_a_folder_run_whose_flow_file_hangs_says_so_at_load_timeout(tmp_path: Path) -> None:
    """NAME's file is imported by the run itself, under the same deadline as one file."""
    folder = folder_with(tmp_path, "loop")
    done = flowtop("run", ".", "--flow", "etl", cwd=folder)
    assert done.returncode == 2
    assert "etl.py: import did not finish in 0.5 s" in done.stderr


def test_a_launched_run_whose_import_ends_the_process_is_interrupted(
    here: Here, tmp_path: Path
) -> None:
    """Reserved before the import, the run outlives its process as INTERRUPTED."""
    folder = folder_with(tmp_path, "exit")
    done = launched(folder)
    assert done.returncode == 3
    listed = here("history", ".", cwd=folder)  # a reader finds the owner gone
    assert "INTERRUPTED" in listed.stdout, listed.stdout
    assert "is gone" in listed.stdout


def test_a_reserved_run_id_keeps_its_number(tmp_path: Path) -> None:
    with History(tmp_path / "history.db") as history:
        reserved = history.next_number("etl", RUN_ID)
        assert history.next_number("etl", RUN_ID) == reserved
        assert history.next_number("etl", "another0000") == reserved + 1


def test_a_process_that_ended_unwaited_for_counts_as_ended() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 10
        while pid_running(child.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not pid_running(child.pid)  # a zombie: kill(pid, 0) still finds it
    finally:
        child.wait()
    assert pid_running(os.getpid())


def test_the_printer_words_a_run_that_never_started(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    with out.open("w") as stream:
        printer = HumanPrinter(stream, live=False, verbose=True)
        printer(
            [
                RunFinished(
                    RUN_ID,
                    "etl",
                    4,
                    StateType.FAILED,
                    {},
                    0.0,
                    ts=0.0,
                    error=ErrorInfo(NOT_STARTED, "etl.py: import did not finish in 1 s", ""),
                )
            ]
        )
    text = out.read_text()
    assert "etl #4 did not start: etl.py: import did not finish in 1 s" in text
    assert "FAILED in 0s" not in text  # no run ended: none began
    assert "flow raised" not in text


def test_an_interruption_names_its_run_and_reads_back_from_older_logs() -> None:
    from flowtop.workspace.run_log import RunInterrupted, decode_rows, encode_interrupted

    new = encode_interrupted(RUN_ID, "its process is gone", 5.0, "etl", 4)
    old = f'["run_interrupted","{RUN_ID}","its process is gone",5.0]'  # before flow, number
    (now, before) = decode_rows([(RUN_ID, new, None, None), (RUN_ID, old, None, None)])
    assert now == RunInterrupted(RUN_ID, "its process is gone", 5.0, flow="etl", run=4)
    assert before == RunInterrupted(RUN_ID, "its process is gone", 5.0)
    assert now.as_json()["flow"] == "etl" and "flow" not in before.as_json()


def test_a_reserved_run_beats_while_its_file_imports(tmp_path: Path) -> None:
    """An import slower than a heartbeat: the reserved run's heartbeat still moves. The
    import lasts until the test has seen the beats (``go``), 20 s at most."""
    (tmp_path / "etl.py").write_text(
        "import time\nfrom pathlib import Path\nfrom flowtop import Flow, task\n\n"
        "HERE = Path(__file__).parent\nuntil = time.monotonic() + 20\n"
        "while not (HERE / 'go').exists() and time.monotonic() < until:\n"
        "    time.sleep(0.05)\n(HERE / 'imported').touch()\n\n"
        '@task\ndef extract():\n    return 1\n\nflow = Flow("etl")\nflow.add_task(extract)\n'
    )
    process = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", "etl.py", "--flow", "etl", "--run-id", RUN_ID],
        cwd=tmp_path,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        db = tmp_path / ".flowtop" / "history.db"
        deadline = time.monotonic() + 20
        beats: set[float] = set()
        while process.poll() is None and time.monotonic() < deadline:
            try:  # read-only: never the one to create the store
                with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                    row = conn.execute(
                        "SELECT heartbeat FROM runs WHERE run_id = ?", (RUN_ID,)
                    ).fetchone()
            except sqlite3.Error:  # the store is still being created
                row = None
            if row is not None and not (tmp_path / "imported").exists():
                beats.add(row[0])  # reserved, its file still importing
            if len(beats) >= 3:
                (tmp_path / "go").touch()  # the import may end
            time.sleep(0.1)
        assert process.wait(20) == 0
        assert len(beats) >= 3  # the reservation's own stamp, then a beat every half second
    finally:
        process.kill()


def test_watch_of_a_run_that_never_reached_the_store_shows_what_its_process_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A detached process that died before it could reserve its run (a broken install,
    say): `flowtop watch` has nothing to follow, and shows its process's own output."""
    from flowtop.commands import watch

    state = tmp_path / ".flowtop"
    state.mkdir()
    History(state / "history.db").close()
    (state / "logs").mkdir()
    (state / "logs" / f"{RUN_ID}.log").write_text(
        "Traceback (most recent call last):\nModuleNotFoundError: No module named 'sqlite3'\n"
    )
    monkeypatch.setattr(watch, "STARTING", 0.1)
    args = argparse.Namespace(target=[str(tmp_path), RUN_ID], flow=None, json=False)
    assert watch.main(args) == 2
    err = capsys.readouterr().err
    assert f"no run with id {RUN_ID!r}" in err
    assert "its run process wrote" in err
    assert "ModuleNotFoundError: No module named 'sqlite3'" in err


def test_a_flow_named_like_an_option_runs_from_the_tui(tmp_path: Path) -> None:
    """`with Flow("--detach")` then `r`: the launcher passed `--flow --detach`, which
    argparse read as an option; the run process exited at once and the run read
    interrupted, with no reason shown."""
    from flowtop.workspace.launcher import launch

    (tmp_path / "dash.py").write_text(
        "from flowtop import Flow, task\n\n@task\ndef step():\n    return 1\n\n"
        'with Flow("--detach") as flow:\n    step()\n'
    )
    state = tmp_path / ".flowtop"
    History(state / "history.db").close()
    started = launch(tmp_path / "dash.py", "--detach", state_dir=state)
    deadline = time.monotonic() + 30
    while (run := stored_run(tmp_path)).state == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (run.run_id, run.flow, run.state) == (started.run_id, "--detach", "COMPLETED")
    # its log went with its end recorded: every launched run kept one, all its output
    # (1.4 MB for a 10,000-task run), until a prune
    deadline = time.monotonic() + 30
    while started.log.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not started.log.exists()
