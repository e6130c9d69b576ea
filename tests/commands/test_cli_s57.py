"""The headless commands' contract where explorer rv355 found it broken.

- ``run FOLDER --detach | head -0`` started the first of three flows only, and said
  nothing; now all start, each named on stderr, and the command exits 141.
- ``history --run N | head -1`` exited 0 under ``PYTHONUNBUFFERED`` (one write of the
  whole run, cut short by the reader that left, lost the rest): now 141, as the list.
- ``--flow`` (``--workers``, ``--rerun-of``…) given twice kept the last value without a
  word: refused, naming it, as ``-p n=1 -p n=2`` is.
- The live status line on a 60- or 50-column terminal cut its clock first.
- A usage error exited 1 when stderr could not be written (``2>&-``, ``2>/dev/full``).
- ``watch --flow ""`` said the store had no runs.
"""

from __future__ import annotations

import fcntl
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import fork_cli
from cli_kit import Here, flowtop, stored_runs, wait_for_runs
from flowtop.commands.printers import READER_GONE, HumanPrinter
from flowtop.engine.events import ErrorInfo, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.formats import cell_len
from pilot_kit import FrozenClock

T0 = 1_700_000_000.0

THREE_FLOWS = """\
from flowtop import flow


@flow
def first() -> int:
    return 1


@flow
def second() -> int:
    return 2


@flow
def third() -> int:
    return 3
"""

#: A run whose detail (``history --run 1``) is far longer than a small pipe holds.
WORDY = """\
from flowtop import flow, task


@task
def talk() -> int:
    for n in range(3000):
        print(f"line {n} of what the task said, long enough to fill a pipe")
    return 1


@flow
def wordy() -> int:
    return talk()
"""

#: ``F_SETPIPE_SZ``: the pipe's room, made small so that the writer waits for its reader.
F_SETPIPE_SZ = 1031


@pytest.fixture(scope="module")
def wordy_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wordy")
    (folder / "wordy.py").write_text(WORDY)
    ran = flowtop("run", "wordy.py", "--quiet", cwd=folder)
    assert ran.returncode == 0, ran.stderr
    return folder


def test_detach_whose_reader_left_starts_every_run_and_names_them(tmp_path: Path) -> None:
    (tmp_path / "three.py").write_text(THREE_FLOWS)
    read, write = os.pipe()
    os.close(read)  # `| head -0`: the reader is gone before the first id
    try:
        done = subprocess.run(
            [sys.executable, "-m", "flowtop", "run", ".", "--detach"],
            cwd=tmp_path,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write)
    assert done.returncode == READER_GONE, done.stderr
    wait_for_runs(
        tmp_path, lambda runs: len(runs) == 3 and all(r.finished is not None for r in runs)
    )
    runs = stored_runs(tmp_path)
    assert sorted(r.flow for r in runs) == ["first", "second", "third"]
    assert all(r.state == "COMPLETED" for r in runs), runs
    lines = done.stderr.splitlines()
    assert len(lines) == 3, done.stderr
    assert lines[0].startswith("flowtop run: cannot write to stdout (")
    for run in runs:  # each run, going on unseen, is named with its id
        assert any(f"{run.flow}'s run {run.run_id} started" in line for line in lines)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="F_SETPIPE_SZ is Linux's")
@pytest.mark.parametrize("json_lines", [False, True])
def test_history_of_one_run_exits_141_when_its_reader_leaves(
    wordy_folder: Path, json_lines: bool
) -> None:
    read, write = os.pipe()
    fcntl.fcntl(write, F_SETPIPE_SZ, 4096)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    args = ["history", "--run", "1", *(["--json"] if json_lines else [])]
    process = fork_cli.popen(
        [sys.executable, "-m", "flowtop", *args],
        cwd=wordy_folder,
        stdout=write,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(write)
    with os.fdopen(read, "rb") as reader:
        # `| head -c 1`: `head -1` could read all but the last lines of --json's output
        # (one line holds the task's 3,000), which then fit in the pipe: exit 0, rightly
        assert reader.read(1)
    assert process.stderr is not None
    with process.stderr:
        assert process.wait(timeout=60) == READER_GONE, process.stderr.read()


@pytest.mark.parametrize(
    "args",
    [
        ("run", ".", "--flow", "first", "--flow", "second"),
        ("run", ".", "--flow=first", "--flow", "second"),
        ("run", ".", "--workers", "2", "--workers", "3"),
        ("run", ".", "--rerun-of", "1", "--rerun-of", "2"),
        ("history", ".", "--flow", "first", "--flow", "second"),
        ("watch", ".", "--flow", "first", "--flow", "second"),
    ],
)
def test_an_option_given_twice_is_refused_naming_it(
    tmp_path: Path, flowtop_here: Here, args: tuple[str, ...]
) -> None:
    (tmp_path / "three.py").write_text(THREE_FLOWS)
    done = flowtop_here(*args, cwd=tmp_path)
    option = next(word for word in args[3:] if word.startswith("--")).partition("=")[0]
    assert done.returncode == 2, done
    assert f"flowtop {args[0]}: argument {option}: given more than once (" in done.stderr
    assert "give it once" in done.stderr and done.stdout == ""
    assert not (tmp_path / ".flowtop").exists() or not stored_runs(tmp_path)


@pytest.mark.parametrize(
    ("columns", "shown"),
    [
        (60, "slow #14: 1/3 done · 1 retrying · next retry in 28.… · 2.0s"),
        (50, "slow #14: 1/3 done · 1 retrying · next re… · 2.0s"),
        (40, "slow #14: 1/3 done · 1 retrying… · 2.0s"),
    ],
)
def test_a_narrow_terminal_s_status_line_keeps_its_clock_whole(
    monkeypatch: pytest.MonkeyPatch, columns: int, shown: str
) -> None:
    """README: the zero counts go first, "so the clock stays whole"; then the line was cut
    at its end all the same, and at 50 columns it showed no time at all."""
    monkeypatch.setenv("COLUMNS", str(columns))
    out = io.StringIO()
    printer = HumanPrinter(out, live=True)
    printer.clock = FrozenClock(T0 + 2.0)
    printer(
        [
            RunStarted("r1", "slow", 14, ("a", "b", "c"), (1, 4, 1), ("", "", ""), None, T0),
            TaskStateChanged("r1", "slow", "a", S.COMPLETED, 1, 1, T0, result="1"),
            TaskStateChanged(
                "r1", "slow", "b", S.AWAITING_RETRY, 1, 4, T0, retry_in=30.0,
                error=ErrorInfo("ConnectionError", "down"),
            ),
        ]
    )  # fmt: skip
    status = out.getvalue().rsplit("\n", 1)[1]
    assert status == shown, status
    assert cell_len(status) <= columns - 1


@pytest.mark.parametrize("stderr", ["closed", "read-only", "full"])
@pytest.mark.parametrize(
    "args",
    [
        ("run", ".", "--flow", "nope"),
        ("run", "no-such-folder/"),
        ("history", ".", "--run", "999"),
        ("watch", ".", "999"),
    ],
)
def test_a_usage_error_exits_2_whatever_stderr_does(
    wordy_folder: Path, stderr: str, args: tuple[str, ...]
) -> None:
    if stderr != "full":  # `2>&-`, or open for reading only (as a shim's shell left it)
        redirect = "2>&-" if stderr == "closed" else "2</dev/null"
        command = ["sh", "-c", f'exec "$0" -m flowtop "$@" {redirect}', sys.executable, *args]
    else:
        command = [sys.executable, "-m", "flowtop", *args]
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            command,
            cwd=wordy_folder,
            stdout=subprocess.PIPE,
            stderr=full,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done


def test_watch_of_an_empty_flow_name_says_it_has_no_runs(
    wordy_folder: Path, flowtop_here: Here
) -> None:
    done = flowtop_here("watch", ".", "--flow", "", cwd=wordy_folder)
    assert done.returncode == 2
    assert "flowtop watch: no runs of flow '' in " in done.stderr, done.stderr
    assert "flows with runs: wordy" in done.stderr
