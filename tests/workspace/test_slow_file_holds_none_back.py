"""A flow file that is slow, or hangs, at import holds up no other file's flows.

Two ways it did. The monitor's flow host imports the files one at a time: with
``a_slow.py`` sleeping 20 s at import, ``b_fast.py``'s flow was listed only once ``a`` was
in (or its ``load_timeout`` had ended the host); now, past a second, a side host imports
the files after it (``side_load``). And ``flowtop run DIR --flow NAME`` imported every
other file in a loader child before the one defining NAME, waiting out a hanging one's
``load_timeout`` in silence; now it imports only the file whose syntax tree defines NAME
(``flow_naming.NameScan.file_defining``), and when it cannot tell which, names the file it
waits for on stderr after a few seconds (``commands/import_wait``).

The slow file here waits for a ``release`` file the test writes once it has seen what it
checks (30 s at most), so nothing depends on a timing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cli_kit import PLAIN
from flow_texts import HELD_UNTIL_RELEASE, QUICK
from flowtop.workspace import RemoteWorkspace

#: ``etl``, defined as a ``@flow`` function.
ETL = """
from flowtop import flow


@flow
def etl() -> int:
    return 7
"""

#: Names ``etl`` in a string (a log line), and defines another flow.
MENTIONS_ETL = """
from flowtop import flow


@flow
def report() -> str:
    return "etl"  # (the flow it reports on)
"""

#: A flow whose name no scan of the source can tell.
MADE = """
from flowtop import Flow, task


@task
def one():
    return 1


with Flow("ma" + "de") as flow:
    one()
"""


@pytest.fixture
def folder(write: Callable[[str, str], Path], tmp_path: Path) -> Iterator[Path]:
    """``a_slow.py`` (held until ``release``), then ``b_etl.py``, ``c_report.py`` and
    ``d_made.py``; a table for ``slow``'s task, whose file a run of ``etl`` never reads."""
    write(
        "flowtop.toml", "[defaults]\nload_timeout = 30\n\n[flows.slow.tasks.nap]\nmax_retries = 2\n"
    )
    write("a_slow.py", HELD_UNTIL_RELEASE)
    write("b_etl.py", ETL)
    write("c_report.py", MENTIONS_ETL)
    write("d_made.py", MADE)
    yield tmp_path
    (tmp_path / "release").touch()  # (a failed test's held import ends too)


def wait_until(condition: Callable[[], bool], still: Callable[[], bool], limit: float) -> bool:
    """Whether ``condition`` held while ``still`` did (``limit`` seconds at most)."""
    end = time.monotonic() + limit
    while not condition():
        if not still() or time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def test_the_monitor_lists_the_flows_of_files_after_a_slow_one_while_it_imports(
    folder: Path, write: Callable[[str, str], Path]
) -> None:
    write("e_quick.py", QUICK)
    remote = RemoteWorkspace(folder)
    load = threading.Thread(target=remote.load)
    load.start()
    try:
        # a_slow.py is imported first; every flow after it comes while it still imports
        after = {"etl", "report", "made", "quick"}
        listed = wait_until(lambda: after <= set(remote.flow_files), load.is_alive, 20)
        assert listed, f"listed while a_slow.py imported: {sorted(remote.flow_files)}"
        assert not (folder / "release").exists()
        still = remote.still_importing()
        assert still is not None and still[0] == folder / "a_slow.py"  # (the first screen's row)
        assert list(remote.shapes["quick"].nodes) == ["one"]
        (folder / "release").touch()
        load.join()
        assert hosts_of(folder) == [remote.host_pid]  # the side host stopped with the load
    finally:
        (folder / "release").touch()
        load.join()
        remote.close()
    assert list(remote.flow_files) == ["slow", "etl", "report", "made", "quick"]  # the load's word
    assert remote.errors == {}


def hosts_of(folder: Path) -> list[int]:
    """The flow hosts running on ``folder``: their command lines name it."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # (not a process, or one that ended meanwhile)
        if str(folder).encode() in words and any(b"flow_host" in word for word in words):
            found.append(int(entry.name))
    return found


#: ``flowtop run`` naming a file it waits for after half a second (``SAID_AFTER``, 3 s),
#: its loader telling it the files still importing ten times a second (``SAID_AGAIN``,
#: once a second): the test waits for that line, then lets the file go.
SAYS_WAITS_SOONER = """
import sys
from flowtop.cli import main
from flowtop.commands import import_wait
from flowtop.workspace import loader_process
import_wait.SAID_AFTER = 0.5
loader_process.SAID_AGAIN = 0.1
sys.exit(main(sys.argv[1:]))
"""


def start_run(folder: Path, flow: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SAYS_WAITS_SOONER, "run", str(folder), "--flow", flow],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **PLAIN},
    )


def test_a_folder_run_imports_only_the_file_defining_its_flow(folder: Path) -> None:
    """``c_report.py`` names ``etl`` too (a byte scan found two files, so every file was
    imported in a child and the run waited for ``a_slow.py``): only ``b_etl.py`` defines it."""
    run = start_run(folder, "etl")
    try:
        out, err = run.communicate(timeout=20)  # a_slow.py is held for 30 s
    finally:
        run.kill()
    assert run.returncode == 0, err
    assert "etl #1 COMPLETED" in out
    assert "no flow named" not in err  # (slow's table: its file was never read)
    assert "a_slow.py" not in err


def test_a_folder_run_that_must_wait_for_a_slow_file_says_which(folder: Path) -> None:
    """No source names ``made`` literally: every file is imported in a child, and the run
    says the one it waits for, then goes on once that one is in."""
    run = start_run(folder, "made")
    assert run.stderr is not None
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.extend(run.stderr or []), daemon=True)
    reader.start()
    try:
        waiting = wait_until(
            lambda: any("waiting for" in line for line in said), reader.is_alive, 20
        )
        assert waiting, f"stderr: {said}"
        line = next(line for line in said if "waiting for" in line)
        assert "a_slow.py to import" in line and "load_timeout is 30s" in line
        assert run.poll() is None  # it still waits
        (folder / "release").touch()
        assert run.wait(timeout=30) == 0, said
    finally:
        run.kill()
    assert sum("waiting for" in line for line in said) == 1  # said once


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("@flow\ndef etl_daily(day): ...", {"etl-daily"}),
        ("@prefect.flow()\nasync def etl_daily(): ...", {"etl-daily"}),
        ("@flow(name='nightly', retries=2)\ndef etl(): ...", {"nightly"}),
        ("@flow(name=NAME)\ndef etl(): ...", set()),
        ('with Flow("etl") as f: pass', {"etl"}),
        ('f = flowtop.Flow(name="etl")', {"etl"}),
        ("nightly = flow(etl_job)", {"etl-job"}),
        ('nightly = etl.with_options(name="nightly")', {"nightly"}),
        ('print("etl"); run_deployment("etl")', set()),
        ("@task\ndef etl(): ...", set()),
    ],
)
def test_the_flow_names_a_source_defines(
    source: str, names: set[str], flow_names: Callable[[str], set[str]]
) -> None:
    assert flow_names(source) == names


def test_the_file_defining_a_flow_is_not_one_that_only_names_it(tmp_path: Path) -> None:
    from flowtop.workspace.flow_naming import NameScan

    (tmp_path / "a.py").write_text('print("etl-daily")\n')
    (tmp_path / "b.py").write_text("@flow\ndef etl_daily(): ...\n")
    (tmp_path / "c.py").write_text("NAME = 'other'\nFlow(NAME)\n")
    paths = sorted(tmp_path.glob("*.py"))
    assert NameScan(paths, "etl-daily").file_defining() == tmp_path / "b.py"
    assert NameScan(paths, "other").file_defining() == tmp_path / "c.py"  # (named: byte guess)
    assert NameScan(paths, "nothing").file_defining() is None


def test_a_wait_is_said_once_a_file_has_kept_the_run_three_seconds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flowtop.commands.import_wait import WaitSaid

    now = [100.0]
    said = WaitSaid(lambda: 10.0, clock=lambda: now[0])
    slow, fast = Path("slow.py"), Path("fast.py")
    said.importing([slow, fast])
    now[0] = 102.9
    said.importing([slow])
    assert capsys.readouterr().err == ""
    now[0] = 103.0
    said.importing([slow])
    now[0] = 104.0
    said.importing([slow])
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "flowtop: waiting for slow.py to import (3s; [defaults] load_timeout is 10s)"
    ]
