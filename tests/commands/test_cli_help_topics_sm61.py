"""``flowtop help WORD`` for a WORD that is no command.

``flowtop help nope`` said "did you mean 'open'?": ``nope`` shares three letters with
``open`` (difflib's ratio 0.75) though it neither starts as ``open`` does nor is one slip
of a key from it. A word with no near command lists the commands there are, so the user
sees what ``help`` takes; a near typo (``hsitory``, ``lsit``) is still suggested.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop import cli

Here = Callable[..., subprocess.CompletedProcess[str]]

LISTED = (
    "the commands are open, run, list, history, watch, cancel, limits and serve "
    "(see flowtop --help)\n"
)


@pytest.mark.parametrize("word", ["nope", "zzz", "ilts"])
def test_help_of_a_far_word_lists_the_commands(
    word: str, tmp_path: Path, flowtop_here: Here
) -> None:
    done = flowtop_here("help", word, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"flowtop help: {word!r} is no command: {LISTED}"


@pytest.mark.parametrize(
    ("word", "meant"),
    [("hsitory", "history"), ("lsit", "list"), ("opne", "open"), ("ilst", "list")],
)
def test_help_of_a_near_typo_suggests_its_command(
    word: str, meant: str, tmp_path: Path, flowtop_here: Here
) -> None:
    done = flowtop_here("help", word, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"flowtop help: {word!r} is no command (did you mean {meant!r}?) (see flowtop --help)\n"
    )


def test_help_of_a_real_command_prints_its_help(tmp_path: Path, flowtop_here: Here) -> None:
    done = flowtop_here("help", "limits", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout.startswith("usage: flowtop limits")


@pytest.mark.parametrize("word", ["help", "version"])
def test_help_of_help_or_version_prints_flowtop_s_help(
    word: str, tmp_path: Path, flowtop_here: Here
) -> None:
    told = flowtop_here("--help", cwd=tmp_path)
    done = flowtop_here("help", word, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout == told.stdout


def test_a_far_word_taken_for_a_path_is_no_mistyped_command(tmp_path: Path) -> None:
    """``flowtop nope`` said "did you mean 'open'?" for the same far match: it is now
    a path that is not there (``flowtop open: nope: no such file or folder``)."""
    assert cli.suggestion("nope", list(cli.COMMANDS)) == ""
    assert cli.suggestion("lst", list(cli.COMMANDS)) == " (did you mean 'list'?)"
    assert cli.suggestion("ls", list(cli.COMMANDS)) == " (did you mean 'list'?)"
