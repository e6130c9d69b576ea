"""A Ctrl+C an instant after ``flowtop`` was typed: one line and exit 130, no traceback.

``flowtop`` imports its command's module (and what that imports) before the command sets
its own handlers; a Ctrl+C meanwhile printed a ``KeyboardInterrupt`` traceback from
``importlib`` and died of the signal, where one a moment later says ``flowtop list:
interrupted (Ctrl+C)`` and exits 130. Here the interrupt comes while the command's module
imports: raised in this process, and sent as a real SIGINT to one blocked there.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from flowtop import cli

#: A flowtop whose import of the `list` command blocks until a SIGINT comes: it says
#: "importing" when it is there, so the signal lands there and nowhere else.
BLOCKED_IN_IMPORT = textwrap.dedent(
    """
    import importlib, sys, time

    real = importlib.import_module

    def slow_import(name, package=None):
        if name == "flowtop.commands.list":
            print("importing", flush=True)
            time.sleep(30)  # as a slow disk or a cold cache: ended by the SIGINT
        return real(name, package)

    importlib.import_module = slow_import
    from flowtop.cli import main

    sys.exit(main(["list", "."]))
    """
)


def test_ctrl_c_while_the_command_imports_says_one_line_and_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    real = importlib.import_module

    def interrupted(name: str, package: str | None = None) -> ModuleType:
        if name == "flowtop.commands.list":
            raise KeyboardInterrupt
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", interrupted)

    try:
        code = cli.main(["list", str(tmp_path)])
    except KeyboardInterrupt:  # (uncaught, it would stop pytest itself)
        pytest.fail("the interrupt left flowtop.cli.main: Python prints its traceback")

    assert code == 130
    assert capsys.readouterr().err == "flowtop list: interrupted (Ctrl+C)\n"


@pytest.mark.parametrize(
    ("words", "said"),
    [
        (["run", "flows"], "flowtop run"),
        (["--prefect-compat", "watch"], "flowtop watch"),
        (["flows/etl.py"], "flowtop open"),
        ([], "flowtop open"),
        (["--help"], "flowtop"),
    ],
)
def test_an_interrupt_before_parsing_names_the_command_typed(words: list[str], said: str) -> None:
    assert cli.command_said(words) == said


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX's")
def test_a_real_sigint_while_the_command_imports_leaves_no_traceback(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", BLOCKED_IN_IMPORT],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "importing\n"
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
        child.wait()

    assert out == ""
    assert "Traceback" not in err
    assert err == "flowtop list: interrupted (Ctrl+C)\n"
    assert child.returncode == 130
