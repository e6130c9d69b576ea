"""flowtop started from a working folder that was deleted (a cron job's folder removed by a
cleanup, `cd build && rm -rf ../build`): one line saying so and exit 2, never a traceback.

``flowtop run /abs/etl.py`` and ``flowtop list /abs`` ended in a ``FileNotFoundError``
traceback from ``Path.cwd()``, and ``flowtop history`` (PATH ``.``) said ``[Errno 2] No such
file or directory; if . is a flow's name: …``, naming nothing that was wrong. A command
that needs nothing of the folder (``history`` given an absolute PATH) still works.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import Here

FLOW = """\
from flowtop import Flow, task


@task
def one() -> int:
    return 1


with Flow("one") as flow:
    one()
"""


@pytest.fixture
def gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of one flow file, and this process in a working folder deleted since
    (put back by ``monkeypatch`` after the test)."""
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "one.py").write_text(FLOW)
    shell = tmp_path / "shell"
    shell.mkdir()
    monkeypatch.chdir(shell)
    shell.rmdir()
    return flows


@pytest.mark.parametrize("command", ["run", "list"])
def test_a_command_importing_flows_says_the_folder_is_gone(
    flowtop_here: Here, gone: Path, command: str
) -> None:
    done = flowtop_here(command, str(gone / "one.py"))
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"flowtop {command}: the current folder was deleted, and flow files import in the "
        "folder flowtop starts in: cd to a folder that exists\n"
    )
    assert done.stdout == ""


@pytest.mark.parametrize("args", [["history"], ["watch", "3"], ["cancel", "flows", "3"]])
def test_a_relative_path_is_named_as_what_cannot_be_found(
    flowtop_here: Here, gone: Path, args: list[str]
) -> None:
    done = flowtop_here(*args)
    path = "flows" if "flows" in args else "."
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"flowtop {args[0]}: the current folder was deleted, so PATH {path} (relative to it) "
        "cannot be found: cd to a folder that exists, or give an absolute PATH\n"
    )


def test_history_refuses_a_relative_path_only(flowtop_here: Here, gone: Path) -> None:
    """``history`` reads the store alone: given it by an absolute path, it works."""
    assert flowtop_here("history", "--json").returncode == 2
    done = flowtop_here("history", str(gone), "--json")
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert done.stderr.startswith("No run history yet: "), done.stderr
