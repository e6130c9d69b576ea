"""``flowtop run DIR --flow NAME --detach`` describes the one file that names NAME.

Its loader process imported every file of the folder before the run was launched: a
file taking 5 s to import (a big SDK) kept the command 5.3 s, though only the file
defining NAME matters to a run of NAME (0.8 s now). ``describe_workspace(flow=NAME)``
describes that file alone, and the whole folder only when no single file names NAME or
that file does not define it. Each flow file here counts its imports in ``NAME.imports``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flowtop.workspace.workspace_description import describe_workspace

COUNTED = "open(__file__.replace('.py', '.imports'), 'a').write('.')\n"

QUICK = (
    COUNTED
    + """
from flowtop import flow


@flow
def quick() -> str:
    return "quick"
"""
)

SLOW = (
    COUNTED
    + """
import time

from flowtop import flow

time.sleep(3)


@flow
def sleepy() -> int:
    return 1
"""
)

#: Names ``ghost`` in a string, but the flow of that name is ``c_ghost.py``'s.
MENTIONS = (
    COUNTED
    + """
from flowtop import flow

SAID = "'ghost' lives elsewhere"


@flow
def mentions() -> str:
    return SAID
"""
)

GHOST = (
    COUNTED
    + """
from flowtop import Flow, task


@task
def boo() -> int:
    return 1


with Flow("gh" + "ost") as flow:
    boo()
"""
)

HANGS = (
    COUNTED
    + """
import time

from flowtop import flow


@flow
def hangs() -> int:
    return 1


while True:
    time.sleep(0.1)
"""
)


def imports(folder: Path, stem: str) -> int:
    """How many times ``stem.py`` was imported, by any process."""
    counted = folder / f"{stem}.imports"
    return len(counted.read_text()) if counted.exists() else 0


def test_a_run_of_one_flow_imports_only_the_file_that_names_it(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    write("a_slow.py", SLOW)
    write("b_quick.py", QUICK)
    described = describe_workspace(str(tmp_path), {}, flow="quick")
    assert list(described.flows) == ["quick"]
    assert described.flows["quick"]["file"] == str(tmp_path / "b_quick.py")
    assert described.root == str(tmp_path)  # the folder's store and settings, not the file's
    assert described.problems == []
    assert imports(tmp_path, "b_quick") == 1
    assert imports(tmp_path, "a_slow") == 0  # never waited for


def test_the_folder_is_described_when_the_file_naming_it_does_not_define_it(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    write("b_mentions.py", MENTIONS)
    write("c_ghost.py", GHOST)
    described = describe_workspace(str(tmp_path), None, flow="ghost")
    assert described.flows["ghost"]["file"] == str(tmp_path / "c_ghost.py")
    assert list(described.flows) == ["mentions", "ghost"]
    # c_ghost.py's flow name is an expression (it may be a second 'ghost', which only the
    # folder's load refuses): the folder is described at once, b_mentions.py not guessed first
    assert imports(tmp_path, "b_mentions") == 1


def test_a_named_file_that_hangs_costs_one_timeout_not_two(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    write("flowtop.toml", "[defaults]\nload_timeout = 0.5\n")
    write("a_hangs.py", HANGS)
    write("b_quick.py", QUICK)
    described = describe_workspace(str(tmp_path), None, flow="hangs")
    assert described.errors in {  # (where it was: in the sleep, or between two)
        (
            f"a_hangs.py: import did not finish in 0.5 s ([defaults] load_timeout), at a_hangs.py:{n}",
        )
        for n in (13, 14)
    }
    assert list(described.flows) == ["quick"]
    # the folder's load knew it hung: said at once, not imported (and waited for) again
    assert imports(tmp_path, "a_hangs") == 1
