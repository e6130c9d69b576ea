"""The command line at its edges: an empty ``--rerun-of``, a parameter given twice, a file
where ``.flowtop`` belongs, and output that cannot be written (``/dev/full``).

Each of these went through without a word: ``--rerun-of "$RUN"`` with ``RUN`` unset ran
every task afresh and exited 0, ``-p n=1 -p n=2`` ran with 2, ``--help > /dev/full`` exited
0 with nothing written, and a detached run's id that could not be printed was lost.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from cli_kit import Here, stored_runs, wait_for_runs
from flowtop.commands.run import given_parameters
from flowtop.engine.parameters import ParameterError

#: A flow whose second task fails: run #1 is there to be rerun.
FAILING = """\
from flowtop import Flow, task


@task
def a() -> int:
    return 1


@task
def c(x: int) -> int:
    raise ValueError("boom")


with Flow("k") as flow:
    c(a())
"""

#: A flow whose one task waits for a file named ``go`` beside it: a run that stays live
#: until the test lets it end.
WAITING = """\
import time
from pathlib import Path

from flowtop import Flow, task


@task
def wait_for_go() -> int:
    while not Path(__file__).with_name("go").exists():
        time.sleep(0.02)
    return 1


with Flow("waiting") as flow:
    wait_for_go()
"""

full_disk = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")


def flowtop(
    *args: str, cwd: Path, stdout: int | IO[str] | None = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowtop", *args],
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
    )


def to_full_disk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    with open("/dev/full", "w") as full:
        return flowtop(*args, cwd=cwd, stdout=full)


@pytest.fixture
def failed_once(tmp_path: Path) -> Path:
    """A folder with ``k.py`` and its run #1, FAILED."""
    (tmp_path / "k.py").write_text(FAILING)
    assert flowtop("run", "k.py", cwd=tmp_path).returncode == 1
    return tmp_path


@pytest.mark.parametrize(
    "given",
    [
        ["--rerun-of", ""],
        ["--rerun-of=", "--task", "c"],  # was: "--task needs --rerun-of RUN"
        ["--detach", "--rerun-of", ""],
    ],
)
def test_an_empty_rerun_of_is_refused_not_run_afresh(failed_once: Path, given: list[str]) -> None:
    refused = flowtop("run", "k.py", *given, cwd=failed_once)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "flowtop run: --rerun-of takes a run number (e.g. 3) or a run id (hex, at least 4 "
        "characters), got ''"
    ]
    assert len(stored_runs(failed_once)) == 1  # no run #2 of every task


def test_an_empty_task_without_a_rerun_is_refused_not_ignored(failed_once: Path) -> None:
    refused = flowtop("run", "k.py", "--task", "", cwd=failed_once)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "flowtop run: --task needs --rerun-of RUN (the run to take results from)"
    ]
    assert len(stored_runs(failed_once)) == 1


def given(params: str | None, *assignments: str) -> dict[str, object]:
    return given_parameters(argparse.Namespace(params=params, param=list(assignments)))


def test_a_parameter_given_twice_is_refused_naming_it() -> None:
    with pytest.raises(ParameterError, match=r"^--param n is given more than once"):
        given(None, "n=1", "m=2", " n=3")
    with pytest.raises(ParameterError, match=r"^--params: 'n' is given more than once"):
        given('{"n": 1, "m": 2, "n": 3}')


def test_a_param_over_params_still_wins_as_readme_says() -> None:
    assert given('{"n": 1, "m": 2}', "n=3") == {"n": 3, "m": 2}
    # a value's own keys are the value's: only the parameters' names are checked
    assert given('{"cfg": {"a": 1, "a": 2}}') == {"cfg": {"a": 2}}


def test_a_parameter_given_twice_stops_the_command_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "k.py").write_text(FAILING)
    refused = flowtop("run", "k.py", "-p", "n=1", "-p", "n=2", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "flowtop run: --param n is given more than once: give each parameter once"
    ]
    assert not (tmp_path / ".flowtop" / "history.db").exists()


@pytest.mark.parametrize(
    ("words", "said_by"),
    [
        (["run", "k.py"], "flowtop run"),
        (["run", "k.py", "--detach"], "flowtop run"),
        (["list", "k.py"], "flowtop list"),
        (["open", "k.py"], "flowtop open"),  # the monitor, before it takes the screen
        (["watch", ".", "--flow", "k"], "flowtop watch"),  # was: "no runs yet"
        (["cancel", ".", "1"], "flowtop cancel"),
        (["history", "."], "flowtop history"),  # which said it so already
    ],
)
def test_a_file_where_flowtop_keeps_its_folder_is_said_plainly(
    flowtop_here: Here, tmp_path: Path, words: list[str], said_by: str
) -> None:
    (tmp_path / "k.py").write_text(FAILING)
    (tmp_path / ".flowtop").touch()
    # a run and the monitor get a process of their own: ``flowtop_here`` is for the others
    own_process = words[0] in ("run", "open")
    refused = (flowtop if own_process else flowtop_here)(*words, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f"{said_by}: {tmp_path / '.flowtop'} is a file, where flowtop keeps its folder: "
        "move it away"
    ]


@full_disk
@pytest.mark.parametrize(
    ("words", "said_by"),
    [(["--help"], "flowtop"), (["--version"], "flowtop"), (["run", "--help"], "flowtop run")],
)
def test_help_that_cannot_be_written_exits_1_saying_so(
    tmp_path: Path, words: list[str], said_by: str
) -> None:
    done = to_full_disk(*words, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{said_by}: cannot write to stdout (No space left on device): the output stops here"
    ]


def test_help_whose_reader_left_exits_as_sigpipe_ends_a_tool(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader left before a word was written
    try:
        done = flowtop("--version", cwd=tmp_path, stdout=write_end)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


@full_disk
def test_watch_whose_output_cannot_be_written_says_so_in_its_own_words(
    failed_once: Path,
) -> None:
    (run,) = stored_runs(failed_once)
    done = to_full_disk("watch", ".", "--flow", "k", cwd=failed_once)
    assert done.returncode == 1
    # not `flowtop watch: …; the run goes on, and is recorded`: the run ended before the watch
    assert done.stderr.splitlines() == [
        "flowtop watch: cannot write to stdout (No space left on device): the output stops "
        f"here, and the watch with it; run {run.run_id} ended FAILED"
    ]


@pytest.fixture
def live_run(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder and the id of a detached run of ``waiting.py`` that waits for ``go``."""
    (tmp_path / "waiting.py").write_text(WAITING)
    started = flowtop("run", "waiting.py", "--detach", cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    try:
        yield tmp_path, started.stdout.strip()
    finally:
        (tmp_path / "go").touch()
        # its process gone before tmp_path is
        wait_for_runs(tmp_path, lambda runs: [r.state for r in runs] == ["COMPLETED"])


@full_disk
@pytest.mark.parametrize("json_lines", [False, True])
def test_watch_of_a_live_run_whose_output_cannot_be_written_leaves_it_going(
    live_run: tuple[Path, str], json_lines: bool
) -> None:
    folder, run_id = live_run
    done = to_full_disk("watch", ".", run_id, *(["--json"] if json_lines else []), cwd=folder)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "flowtop watch: cannot write to stdout (No space left on device): the output stops "
        f"here, and the watch with it; run {run_id} goes on"
    ]


@full_disk
@pytest.mark.parametrize("json_lines", [False, True])
def test_detach_whose_run_id_cannot_be_written_says_which_run_started(
    tmp_path: Path, json_lines: bool
) -> None:
    (tmp_path / "k.py").write_text(FAILING)
    done = to_full_disk(
        "run", "k.py", "--detach", *(["--json"] if json_lines else []), cwd=tmp_path
    )
    assert done.returncode == 1  # output lost, as for a `flowtop run` in the foreground
    (line,) = done.stderr.splitlines()
    prefix = "flowtop run: cannot write to stdout (No space left on device): the output stops here; k's run "
    assert line.startswith(prefix) and line.endswith(" started all the same")
    run_id = line.removeprefix(prefix).removesuffix(" started all the same")
    wait_for_runs(tmp_path, lambda runs: bool(runs) and runs[0].state != "RUNNING")
    assert [(r.run_id, r.state) for r in stored_runs(tmp_path)] == [(run_id, "FAILED")]
