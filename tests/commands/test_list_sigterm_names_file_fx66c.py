"""SIGTERM (a CI job's timeout) while ``flowtop list .`` imports a flow file that hangs
named the folder: `flowtop list: stopped while importing the flow files in .`, though
its loader process knew which file it was importing; ``flowtop run --flow NAME
--detach`` names the file. The loader child now tells its parent each file it imports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import fork_cli
from flow_texts import slow_import
from waits import wait_until

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals only")

GOOD = """\
from flowtop import Flow, task


@task
def one():
    return 1


with Flow("good") as good:
    one()
"""


def listed_until_stopped(cwd: Path, folder: Path, path: str) -> subprocess.CompletedProcess[str]:
    """``flowtop list PATH`` in ``cwd``, sent SIGTERM once ``folder``'s hanging file began
    importing (it writes ``importing`` beside itself first)."""
    with fork_cli.popen(
        [sys.executable, "-m", "flowtop", "list", path],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        try:
            began = folder / "importing"
            wait_until(lambda: began.exists() or process.poll() is not None, f"{began}", 30)
            assert began.exists(), process.communicate()
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize(("folder", "said"), [(".", "hang.py"), ("flows", "flows/hang.py")])
def test_sigterm_while_a_file_of_the_folder_hangs_at_import_names_that_file(
    tmp_path: Path, folder: str, said: str
) -> None:
    flows = tmp_path / folder
    flows.mkdir(exist_ok=True)
    (flows / "good.py").write_text(GOOD)
    (flows / "hang.py").write_text(slow_import("hang"))

    done = listed_until_stopped(tmp_path, flows, folder)

    assert done.stderr == f"flowtop list: stopped while importing {said} (SIGTERM)\n"
    assert done.returncode == 128 + signal.SIGTERM
    assert done.stdout == ""
