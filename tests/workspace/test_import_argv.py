"""A flow file imports as ``python file.py`` runs it: ``sys.argv`` is ``[file]``.

A module-level ``parser.parse_args()`` read flowtop's own command line
(``['flowtop', 'run', 'daily.py']``) and printed ``usage: flowtop ...`` as if flowtop's
CLI had refused it; a ``SystemExit`` at import said only ``SystemExit: 2``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flowtop.workspace.import_as_script import StderrTail
from flowtop.workspace.loader import Loader

PARSER = """\
import argparse
import sys

from flowtop import Flow, task

SEEN = list(sys.argv)
parser = argparse.ArgumentParser()
parser.add_argument("--date", {option})
args = parser.parse_args()


@task
def one():
    return args.date


with Flow("{name}") as flow:
    one()
"""


def test_a_flow_file_parses_its_own_empty_command_line(tmp_path: Path) -> None:
    daily = tmp_path / "daily.py"
    daily.write_text(PARSER.format(option='default="today"', name="daily"))
    argv = list(sys.argv)
    loader = Loader(tmp_path)
    try:
        outcome = loader.load_all()
        assert not outcome.errors, outcome.errors
        assert "daily" in loader.flows
        module = loader.module_of("daily")
        assert module is not None
        assert vars(module)["SEEN"] == [str(daily)]
        assert sys.argv == argv
    finally:
        loader.deactivate()


def test_an_exit_at_import_says_what_the_file_wrote_to_stderr(tmp_path: Path) -> None:
    (tmp_path / "need.py").write_text(PARSER.format(option="required=True", name="need"))
    loader = Loader(tmp_path)
    try:
        outcome = loader.load_all()
    finally:
        loader.deactivate()
    (error,) = outcome.errors
    assert "SystemExit: 2" in str(error)
    assert "the following arguments are required: --date" in str(error)
    assert not isinstance(sys.stderr, StderrTail)  # put back


def test_flowtop_run_and_list_of_a_file_with_a_parser(tmp_path: Path) -> None:
    (tmp_path / "daily.py").write_text(PARSER.format(option='default="today"', name="daily"))
    (tmp_path / "need.py").write_text(PARSER.format(option="required=True", name="need"))
    run = [sys.executable, "-P", "-m", "flowtop"]
    ran = subprocess.run(
        [*run, "run", "daily.py", "--no-history"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    assert "usage: flowtop" not in ran.stderr
    listed = subprocess.run(
        [*run, "list", "."], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert "daily" in listed.stdout
    assert "the following arguments are required: --date" in listed.stdout + listed.stderr
