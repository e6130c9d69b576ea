"""The command words users type first (explorer rv402 §9).

- ``flowtop hist`` said "did you mean 'list'?": ``hist`` starts ``history`` and no other
  command, and a start of exactly one command's name is that command's suggestion.
- ``flowtop help`` and ``flowtop version`` said ``flowtop open: help: no such file or
  folder``: they are ``--help`` and ``--version``, as git's and pip's ``help`` are
  (``help COMMAND`` is ``COMMAND --help``), unless a file or folder of that name is in
  the current folder, which is opened as before.
"""

from __future__ import annotations

import argparse
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import cli_kit
from flowtop import __version__, cli

Here = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.parametrize(
    ("word", "meant"),
    [("hist", "history"), ("his", "history"), ("wat", "watch"), ("lim", "limits")],
)
def test_the_start_of_one_command_s_name_suggests_that_command(
    word: str, meant: str, tmp_path: Path, flowtop_here: Here
) -> None:
    done = flowtop_here(word, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"flowtop: {word!r} is no command (did you mean {meant!r}?), nor a file or folder "
        "to open (see flowtop --help)\n"
    )


def test_a_misspelt_version_is_suggested_too(tmp_path: Path, flowtop_here: Here) -> None:
    done = flowtop_here("verison", cwd=tmp_path)
    assert done.returncode == 2
    assert "'verison' is no command (did you mean 'version'?)" in done.stderr, done.stderr


def test_help_prints_the_help_as_dash_dash_help_does(tmp_path: Path, flowtop_here: Here) -> None:
    told = flowtop_here("--help", cwd=tmp_path)
    done = flowtop_here("help", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout == told.stdout and done.stdout.startswith("usage: flowtop")
    compat = flowtop_here("--prefect-compat", "help", cwd=tmp_path)
    assert (compat.returncode, compat.stdout) == (0, told.stdout)
    # the command's environment is its own, as a process's: the flag it set for drop-in
    # mode made the worker's later tests load Prefect flows in it
    assert "FLOWTOP_PREFECT_COMPAT" not in os.environ


def test_help_of_a_command_prints_that_command_s_help(tmp_path: Path, flowtop_here: Here) -> None:
    told = flowtop_here("history", "--help", cwd=tmp_path)
    done = flowtop_here("help", "history", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout == told.stdout and done.stdout.startswith("usage: flowtop history")


def test_help_of_no_command_says_so(tmp_path: Path, flowtop_here: Here) -> None:
    done = flowtop_here("help", "hist", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "flowtop help: 'hist' is no command (did you mean 'history'?) (see flowtop --help)\n"
    )
    far = flowtop_here("help", "zzz", cwd=tmp_path)
    assert far.returncode == 2
    assert far.stderr.startswith("flowtop help: 'zzz' is no command: the commands are open, ")


def test_version_prints_the_version_as_dash_dash_version_does(
    tmp_path: Path, flowtop_here: Here
) -> None:
    done = flowtop_here("version", cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"flowtop {__version__}\n", "")


@pytest.mark.parametrize("word", ["help", "version"])
@pytest.mark.parametrize("kind", ["folder", "file"])
def test_a_file_or_folder_of_that_name_is_opened_as_before(
    word: str, kind: str, tmp_path: Path, flowtop_here: Here, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flowtop.commands.open as open_command

    opened: list[str] = []

    def main(args: argparse.Namespace) -> int:
        opened.append(args.path)
        return 0

    monkeypatch.setattr(open_command, "main", main)
    if kind == "folder":
        (tmp_path / word).mkdir()
    else:
        (tmp_path / word).write_text("")
    done = flowtop_here(word, cwd=tmp_path)
    assert (done.returncode, done.stdout, opened) == (0, "", [word]), done.stderr


def test_help_is_said_as_flowtop_s_own_before_it_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.command_said(["help"]) == "flowtop"
    assert cli.command_said(["--prefect-compat", "version"]) == "flowtop"
    assert cli.command_said(["help", "run"]) == "flowtop run"
    (tmp_path / "help").mkdir()
    assert cli.command_said(["help"]) == "flowtop open"


def test_help_in_a_real_process(tmp_path: Path) -> None:
    done = cli_kit.flowtop("help", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout.startswith("usage: flowtop")


def test_readme_says_help_and_version_are_words_too() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "`flowtop help [COMMAND]` and `flowtop version`" in readme
