"""A flow file whose import hangs is said with where it hung, not only that it did.

``flows/hang.py: import did not finish in 10 s`` named the file but not the line: the
author of a large file (or of one importing a module that hangs) had to guess. The
process that imports takes the import's stack as its deadline expires, before it ends or
is killed, and the words end with where it was: the innermost line of the flow file, and
the innermost line of all when the import was deeper then (``import_guard.overran_at``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.workspace import import_guard
from flowtop.workspace.load_error import import_overran
from flowtop.workspace.loader_process import run_child
from flowtop.workspace.workspace_description import describe_workspace

OVERRAN = "import did not finish in 0.5 s ([defaults] load_timeout)"
#: Hangs at its second line, in C (no deeper Python frame).
HANG = "import time\ntime.sleep(600)\nfrom flowtop import Flow\n"
#: Hangs in a module of the folder, called from its third line.
DEEP = "import lib\n\nlib.stall()\nfrom flowtop import Flow\n"
LIB = "import time\n\n\ndef stall():\n    time.sleep(600)\n"

Write = Callable[[str, str], Path]


def child(path: Path) -> str:
    """A loader child's words on ``path`` (``CAREFUL``: killed by its parent)."""
    request = {
        "path": str(path),
        "root": str(path.parent),
        "compat": False,
        "timeout": 0.5,
        "cwd": str(path.parent),
    }
    reply = run_child(request)
    assert reply["fatal"] is True
    return str(reply["error"][2])


def test_a_loader_child_says_the_line_it_hung_on(write: Write) -> None:
    assert child(write("hang.py", HANG)) == f"{OVERRAN}, at hang.py:2"


def test_a_hang_deeper_names_the_file_s_line_and_the_innermost(write: Write) -> None:
    write("lib.py", LIB)
    assert child(write("deep.py", DEEP)) == f"{OVERRAN}, at deep.py:3, in lib.py:5 stall"


def test_flowtop_list_says_where_the_first_loader_hung(write: Write, tmp_path: Path) -> None:
    """The loader that imported every file itself (``FAST``) ended on it; the careful one
    after it was told the file hung, and where, and says so at once."""
    write("flowtop.toml", "[defaults]\nload_timeout = 0.5\n")
    write("hang.py", HANG)
    described = describe_workspace(str(tmp_path))
    assert described.errors == (f"hang.py: {OVERRAN}, at hang.py:2",)


def test_flowtop_run_of_the_file_says_where_it_hung(write: Write, tmp_path: Path) -> None:
    write("flowtop.toml", "[defaults]\nload_timeout = 0.5\n")
    hang = write("hang.py", HANG)
    app = str(Path(import_guard.__file__).parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([app, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", str(hang), "--no-history"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 2, done.stderr
    assert f"hang.py: {OVERRAN}, at hang.py:2\n" in done.stderr


def test_the_watchdog_takes_the_stack_of_the_thread_it_watches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_guard, "_at", "")  # (given back after)
    file = tmp_path / "held.py"
    over = threading.Event()
    code = compile("over.wait(60)\n", str(file), "exec")
    with import_guard.importing(file), import_guard.deadline(0.01, over.set):
        exec(code, {"over": over})
    assert import_guard.overran_at().startswith("held.py:1, in threading.py:")
    assert import_overran(2) == f"{OVERRAN.replace('0.5', '2')}, at {import_guard.overran_at()}"


def test_a_stack_without_the_file_leaves_the_old_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_guard, "_at", "")
    assert import_overran(0.5) == OVERRAN  # no deadline expired here
    assert import_overran(0.5, "") == OVERRAN
    import traceback

    stack = traceback.extract_stack()
    assert import_guard.place(stack, [Path("/nowhere/hang.py")]) == ""
    assert import_guard.seconds_at(0.5) == (0.5, "")  # a hung file said the old way
    assert import_guard.seconds_at([0.5, "hang.py:2"]) == (0.5, "hang.py:2")
