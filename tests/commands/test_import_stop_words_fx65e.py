"""SIGTERM while ``flowtop run DIR --flow NAME --detach`` imports the one file of the
folder that defines ``NAME`` named the folder: `flowtop run: stopped while importing the
flow files in .`, though that file was the one importing (the README's example names the
file: `stopped while importing flows/etl.py`)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from flow_texts import slow_import

from .test_stopped_while_importing_flows import stopped_while_importing

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals only")


def test_a_stop_names_the_one_file_of_the_folder_that_was_importing(tmp_path: Path) -> None:
    (tmp_path / "fast.py").write_text(
        "from flowtop import Flow, task\n\n@task\ndef one():\n    return 1\n\n"
        "with Flow('fast') as fast:\n    one()\n"
    )
    (tmp_path / "slow.py").write_text(slow_import("slow"))

    done = stopped_while_importing(
        tmp_path, ["run", ".", "--flow", "slow", "--detach"], signal.SIGTERM
    )

    assert done.stderr == "flowtop run: stopped while importing slow.py (SIGTERM)\n"
    assert done.returncode == 128 + signal.SIGTERM
