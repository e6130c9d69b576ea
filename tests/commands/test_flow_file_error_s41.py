"""A run of a flow whose own file fails to load says so, not "no flow named …; flows: none".

The monitor's ``r`` gives the run process the flow's file alone: broken since the monitor
loaded it, the process said ``no flow named 'ingest' in the files that loaded; flows:
none`` while the monitor listed many flows. And the "flows:" list was alphabetical
(``gen-1, gen-10, gen-2``) where flowtop orders names as ``ls -v`` does elsewhere.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import fork_cli
from flowtop.commands.common import no_such_flow
from flowtop.workspace.flow_order import file_order

BROKEN = """\
from flowtop import flow
import helperlib_missing_s41

@flow
def ingest():
    return 1
"""

SAID = (
    "flowtop run: flow 'ingest' cannot run: its file failed to load: ingest.py:2: "
    "ModuleNotFoundError: No module named 'helperlib_missing_s41'"
)


def good(number: int) -> str:
    return f"from flowtop import flow\n\n@flow\ndef gen_{number}():\n    return {number}\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for number in (1, 2, 10):
        (tmp_path / f"gen{number}.py").write_text(good(number))
    (tmp_path / "ingest.py").write_text(BROKEN)
    return tmp_path


def flowtop(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return fork_cli.run(args, cwd=folder, timeout=120)


@pytest.mark.parametrize("path", ["ingest.py", "."])
def test_a_flow_whose_file_failed_says_the_file_s_error(folder: Path, path: str) -> None:
    done = flowtop(folder, "run", path, "--flow", "ingest", "--no-history")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [SAID], done.stderr


@pytest.mark.parametrize("path", ["ingest.py", "."])
def test_a_flow_the_failed_file_never_names_is_not_blamed_on_it(folder: Path, path: str) -> None:
    """Given the broken file alone, ``--flow zzz`` said "flow 'zzz' cannot run: its file
    failed to load": the file's error is said, then that no flow has that name."""
    done = flowtop(folder, "run", path, "--flow", "zzz", "--no-history")
    assert done.returncode == 2
    assert "flow 'zzz' cannot run" not in done.stderr
    assert "no flow named 'zzz'" in done.stderr, done.stderr


def test_the_monitor_s_r_on_a_broken_file_tells_why(folder: Path) -> None:
    """As the TUI launches it: its notice (the popup, read as the TUI reads it) and the
    stored reason."""
    from flowtop.tui.launch_notes import LaunchLogs
    from flowtop.workspace.launcher import launch
    from flowtop.workspace.store_reader import StoreReader

    launched = launch(folder / "ingest.py", "ingest", state_dir=folder / ".flowtop")
    assert launched.process is not None
    logs = LaunchLogs()  # it opens the log now: it goes at the run's end
    logs.follow(launched.run_id, launched.log, "A run of ingest", launched.notice_mark)
    assert launched.process.wait(timeout=120) == 2
    (notice,) = logs.notices()  # the file's path as the launcher gave it (absolute)
    logs.close()
    assert notice.startswith("A run of ingest: flow 'ingest' cannot run: its file failed to ")
    assert notice.endswith(SAID.split(": its file failed to load: ")[1]), notice
    (run,) = StoreReader(folder / ".flowtop" / "history.db").runs()
    assert run.state == "FAILED" and "helperlib_missing_s41" in str(run.error), run


def test_another_missing_flow_lists_the_flows_as_ls_v_orders_them(folder: Path) -> None:
    done = flowtop(folder, "run", ".", "--flow", "gen-3", "--no-history")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1].endswith("flows: gen-1, gen-2, gen-10"), done.stderr


def test_no_such_flow_orders_names_as_ls_v() -> None:
    said = no_such_flow("x", ["gen-10", "gen-2", "gen-1", "b"])
    assert said.endswith("; flows: b, gen-1, gen-2, gen-10"), said


def test_a_superscript_digit_in_a_file_name_is_no_number() -> None:
    """``str.isdigit`` takes ``²`` for a digit, ``int`` does not: sorting raised."""
    assert file_order(Path("1²2.py")) < file_order(Path("1²10.py"))
