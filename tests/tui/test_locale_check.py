"""`LC_ALL=C flowtop` says the monitor needs UTF-8, as for any locale that is not.

Under ``LC_ALL=C`` Python turns on its UTF-8 mode: stderr's encoding reads ``utf-8``
whatever the terminal was told, so the monitor's check of it passed and the screen was
drawn in UTF-8 on a terminal whose locale is ASCII. The check now asks the locale too.
"""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from flowtop.printable import no_unicode
from pty_kit import read_until

UTF8_MODE = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # what LC_ALL=C gives stderr


def test_an_ascii_locale_is_refused_though_python_writes_utf8() -> None:
    said = no_unicode(UTF8_MODE, {"LC_ALL": "C"}, "ANSI_X3.4-1968")
    assert said == "ascii (LC_ALL=C)"
    assert no_unicode(UTF8_MODE, {"LANG": "en_US.UTF-8"}, "UTF-8") == ""


@pytest.mark.parametrize("value", ["en_US.UTF-8", "de_DE.utf8"])
def test_a_utf8_locale_this_system_lacks_is_not_refused(value: str) -> None:
    """An ssh session brings the client's ``LC_ALL=en_US.UTF-8``; a server without that
    locale runs Python in the C locale (``ANSI_X3.4-1968``), yet the terminal is UTF-8."""
    assert no_unicode(UTF8_MODE, {"LC_ALL": value}, "ANSI_X3.4-1968") == ""
    assert no_unicode(UTF8_MODE, {"LC_ALL": "en_US.ISO-8859-1"}, "ANSI_X3.4-1968")


@pytest.mark.parametrize("chosen", [{"PYTHONUTF8": "1"}, {"PYTHONIOENCODING": "utf-8"}])
def test_a_utf8_output_chosen_by_the_user_is_trusted(chosen: dict[str, str]) -> None:
    assert no_unicode(UTF8_MODE, {"LC_ALL": "C", **chosen}, "ANSI_X3.4-1968") == ""


def test_lc_all_c_without_utf8_mode_says_why_and_exits_2(tmp_path: Path) -> None:
    """``LC_ALL=C`` alone draws in UTF-8, as Python runs there (tests/commands/
    test_start_s46.py); ``PYTHONUTF8=0`` says the terminal truly cannot."""
    (tmp_path / "one.py").write_text("from flowtop import Flow\nflow = Flow('one')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIO"))}
    command = [sys.executable, "-m", "flowtop", "open", str(tmp_path)]
    done = subprocess.run(
        command,
        env={**env, "LC_ALL": "C", "PYTHONUTF8": "0"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2
    assert "the monitor draws with Unicode, and this terminal's encoding is ascii" in stderr
    assert "LC_ALL=C.UTF-8" in stderr  # what to set instead


ONE_FLOW = (
    "from flowtop import flow, task\n\n"
    "@task\ndef a() -> int:\n    print('café')\n    return 1\n\n"
    "@flow\ndef one() -> None:\n    a()\n"
)


def run_under_lc_all_c(folder: Path, stdout: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIO"))}
    env.pop("PYTHONUTF8", None)
    command = [sys.executable, "-m", "flowtop", "run", str(folder), "--no-history"]
    return subprocess.Popen(
        command, env={**env, "LC_ALL": "C"}, stdout=stdout, stderr=subprocess.PIPE
    )


def test_headless_output_under_lc_all_c_prints_question_marks_on_a_terminal(
    tmp_path: Path,
) -> None:
    """As the README says of a locale that is not UTF-8: Python's UTF-8 mode wrote ``✓``
    as three bytes to a terminal told ASCII."""
    (tmp_path / "one.py").write_text(ONE_FLOW)
    leader, follower = pty.openpty()
    try:
        proc = run_under_lc_all_c(tmp_path, follower)
        os.close(follower)
        said = read_until(leader)  # until its other end closed: the run ended
        assert proc.wait(timeout=60) == 0
    finally:
        os.close(leader)
    assert said.isascii() and b"+ completed" in said, said  # ✓'s ASCII look-alike


def test_headless_output_under_lc_all_c_into_a_pipe_keeps_utf8(tmp_path: Path) -> None:
    """A file or a pipe (a container's CI log with LC_ALL=C) keeps the users' text."""
    (tmp_path / "one.py").write_text(ONE_FLOW)
    proc = run_under_lc_all_c(tmp_path, subprocess.PIPE)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert "✓ completed" in out.decode() and "café" in out.decode()
