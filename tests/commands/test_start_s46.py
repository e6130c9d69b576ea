"""How a ``flowtop`` command starts: under ``LC_ALL=C``, and with a Ctrl+C at once.

``LC_ALL=C flowtop`` refused to open the monitor while ``LANG=C flowtop`` (the same "no
locale", coerced by Python to C.UTF-8) opened it. And a Ctrl+C while the package imported
the engine, before ``cli.main`` could say it in one line, printed a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: What the ``flowtop`` console script runs ([project.scripts] ``flowtop.cli:main``).
CONSOLE_SCRIPT = "import sys; from flowtop.cli import main; sys.exit(main())"


def without_locale() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("LC_", "LANG", "PYTHONIO", "PYTHONUTF8", "PYTHONCOERCE"))
    }


def flowtop(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-P", "-c", CONSOLE_SCRIPT, *args],
        cwd=folder,
        env={**without_locale(), **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


@pytest.mark.parametrize("locale", [{"LC_ALL": "C"}, {"LC_ALL": "POSIX"}, {}])
def test_the_monitor_under_the_c_locale_passes_the_encoding_check(
    tmp_path: Path, locale: dict[str, str]
) -> None:
    """It goes on to the next check (a terminal on stdin), which this test fails on
    purpose: the monitor itself is not drawn here."""
    env = locale or {"PYTHONCOERCECLOCALE": "0"}  # no locale at all, and not coerced
    done = flowtop(tmp_path, ".", **env)
    assert done.returncode == 2
    assert "draws with Unicode" not in done.stderr
    assert "stdin is not a terminal: the monitor cannot be drawn" in done.stderr


def test_pythonutf8_0_under_lc_all_c_still_says_what_to_set(tmp_path: Path) -> None:
    done = flowtop(tmp_path, ".", LC_ALL="C", PYTHONUTF8="0")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert "this terminal's encoding is ascii" in done.stderr
    assert "set a UTF-8 locale (LC_ALL=C.UTF-8)" in done.stderr


SAY_PYTHONUTF8 = (
    "import os, sys; from flowtop.cli import draw_utf8_in_the_c_locale as draw; "
    "draw(sys.argv[1:], os.environ); print(os.environ.get('PYTHONUTF8'))"
)


@pytest.mark.parametrize(
    ("words", "env", "said"),
    [
        (["."], {"LC_ALL": "C"}, "1"),
        (["open", "."], {"LC_ALL": "POSIX"}, "1"),
        (["--prefect-compat"], {"LC_ALL": "C"}, "1"),
        (["run", "."], {"LC_ALL": "C"}, "None"),  # headless: `?` on such a terminal, as before
        (["history"], {"LC_ALL": "C"}, "None"),
        (["."], {"LC_ALL": "C", "PYTHONUTF8": "0"}, "0"),  # the user's word
        (["."], {"LC_ALL": "en_US.ISO-8859-1"}, "None"),  # a locale that names its encoding
        (["."], {"LANG": "C.UTF-8"}, "None"),  # nothing to do
    ],
)
def test_only_the_monitor_in_the_c_locale_is_told_utf8(
    words: list[str], env: dict[str, str], said: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SAY_PYTHONUTF8, *words],
        env={**without_locale(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == said


#: The console script, with a Ctrl+C (a real SIGINT) the moment the engine starts to import.
INTERRUPTED_AT_IMPORT = """
import importlib.abc, os, signal, sys

class CtrlC(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "flowtop.engine":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlC())
""" + CONSOLE_SCRIPT.replace("; ", "\n")


@pytest.mark.parametrize("command", [["list", "."], ["history"], ["--version"]])
def test_a_ctrl_c_while_the_engine_imports_ends_in_one_line_and_130(
    tmp_path: Path, command: list[str]
) -> None:
    done = subprocess.run(
        [sys.executable, "-P", "-c", INTERRUPTED_AT_IMPORT, *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    said = "flowtop" if command == ["--version"] else f"flowtop {command[0]}"
    assert done.stderr == f"{said}: interrupted (Ctrl+C)\n"
    assert done.returncode == 130


def test_the_public_names_are_there_and_typed_as_before() -> None:
    """``from flowtop import task, Flow``: the engine's, imported on first use."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, flowtop\n"
            "assert 'flowtop.engine' not in sys.modules\n"
            "from flowtop import *\n"
            "from flowtop.engine import Flow as EngineFlow, task as engine_task\n"
            "from flowtop.engine import tag_limits\n"
            "assert Flow is EngineFlow and task is engine_task and flowtop.Flow is Flow\n"
            "assert tag_limits.slots is not None, 'the tag limits are counted'\n"
            "assert flowtop.engine.__name__ == 'flowtop.engine'\n"
            "assert 'Flow' in dir(flowtop) and 'get_run_logger' in dir(flowtop)\n"
            "try:\n    flowtop.Flwo\nexcept AttributeError as exc:\n    print(exc)\n",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "module 'flowtop' has no attribute 'Flwo'\n"


def test_the_three_lists_of_public_names_agree() -> None:
    """The package names its public names three times (for the checker, ``__all__``, and
    ``public_api``'s own ``__all__``): one added to one list alone is a name the checker
    or ``from flowtop import *`` does not know, or one first use cannot find."""
    import ast

    import flowtop
    from flowtop import public_api

    source = Path(flowtop.__file__).read_text(encoding="utf-8")
    typed = {
        alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module == "public_api"
        for alias in node.names
    }
    exported = set(flowtop.__all__) - {"__version__"}
    assert typed == exported == set(public_api.__all__)
    assert all(hasattr(public_api, name) for name in exported)
    from flowtop.compat.children import FLOW_PACKAGE as children_package
    from flowtop.engine.flow_package import FLOW_PACKAGE

    assert children_package == FLOW_PACKAGE  # (kept apart on purpose: one import each)
