"""SIGTERM or SIGHUP while ``flowtop list`` or ``flowtop run --detach`` imports the flow
files (in a loader process) says in one line what it stopped and exits 128 + the
signal's number; left to their defaults, the command died 143 or 129 without a word.
Ctrl+C there says the same (it said ``interrupted``, naming nothing)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import fork_cli
from cli_kit import stored_runs
from flow_texts import slow_import
from waits import wait_until

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals only")

SLOW_IMPORT = slow_import("slow")


def wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """Until ``path`` exists; fails at once if ``process`` ends first."""
    wait_until(lambda: path.exists() or process.poll() is not None, f"{path}", timeout)
    assert path.exists(), process.communicate()


def stopped_while_importing(
    folder: Path,
    command: list[str],
    sig: signal.Signals,
    importing: Path | None = None,
    *,
    then: signal.Signals | None = None,
    popen: Callable[..., subprocess.Popen[str]] = fork_cli.popen,
) -> subprocess.CompletedProcess[str]:
    """``flowtop COMMAND`` in ``folder`` (started by ``popen``), sent ``sig`` (and ``then``
    right after it) once its flow file's import began (in ``importing``, the folder of
    that file: ``folder`` unless given)."""
    with popen(
        [sys.executable, "-m", "flowtop", *command],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        try:
            wait_for((importing or folder) / "importing", process)
            process.send_signal(sig)
            if then is not None:
                process.send_signal(then)
            out, err = process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize(
    ("sig", "how"),
    [(signal.SIGTERM, "SIGTERM"), (signal.SIGHUP, "SIGHUP"), (signal.SIGINT, "Ctrl+C")],
)
@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["list", "slow.py"], "flowtop list: stopped while importing slow.py"),
        (["run", "--detach", "slow.py"], "flowtop run: stopped while importing slow.py"),
        (["list", "."], "flowtop list: stopped while importing slow.py"),
    ],
)
def test_a_signal_while_the_flow_files_import_says_so_and_exits_with_its_status(
    tmp_path: Path, command: list[str], said: str, sig: signal.Signals, how: str
) -> None:
    (tmp_path / "slow.py").write_text(SLOW_IMPORT)

    done = stopped_while_importing(tmp_path, command, sig)

    assert done.stderr == f"{said} ({how})\n"
    assert done.returncode == 128 + sig
    assert done.stdout == ""
    assert stored_runs(tmp_path) == []  # (`--detach`: nothing launched)


#: A flow file that imports at once, beside the one that hangs.
GOOD = """\
from flowtop import Flow, task


@task
def one():
    return 1


with Flow("good") as good:
    one()
"""


def test_a_stop_while_a_folder_s_file_hangs_at_import_names_that_file(tmp_path: Path) -> None:
    """The loader child says which file it imports (``import_guard.HungSaid``): a stop of
    ``flowtop list flows`` named the folder, ``the flow files in flows``."""
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "good.py").write_text(GOOD)
    (flows / "hang.py").write_text(slow_import("hang"))

    done = stopped_while_importing(tmp_path, ["list", "flows"], signal.SIGTERM, flows)

    assert done.stderr == "flowtop list: stopped while importing flows/hang.py (SIGTERM)\n"
    assert done.returncode == 128 + signal.SIGTERM
