"""An on/off flag given twice is a usage error naming it, as an option given twice is
(README: "Each option is given once"): ``run --json --json``, ``--detach --detach`` and
``--quiet --quiet`` were taken without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import Here, flowtop

ONE_FLOW = """\
from flowtop import Flow, task

@task
def a():
    return 1

with Flow("one") as flow:
    a()
"""


@pytest.mark.parametrize(
    "args",
    [
        ("run", "one.py", "--json", "--json"),
        ("run", "one.py", "--detach", "--detach"),
        ("run", "one.py", "--quiet", "--json", "--quiet"),
        ("run", "one.py", "--no-history", "--no-history"),
        ("history", ".", "--json", "--json"),
        ("list", "one.py", "--json", "--json"),
        ("limits", ".", "--json", "--json"),
    ],
)
def test_a_flag_given_twice_is_refused_naming_it(
    tmp_path: Path, flowtop_here: Here, args: tuple[str, ...]
) -> None:
    (tmp_path / "one.py").write_text(ONE_FLOW)
    done = flowtop_here(*args, cwd=tmp_path)
    flag = args[-1]
    assert done.returncode == 2, done
    assert done.stderr == (
        f"flowtop {args[0]}: argument {flag}: given more than once: give it once "
        f"(see flowtop {args[0]} --help)\n"
    )
    assert done.stdout == "" and not (tmp_path / ".flowtop").exists()


def test_a_flag_given_once_is_taken(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text(ONE_FLOW)
    done = flowtop("run", "one.py", "--json", "--quiet", "--no-history", cwd=tmp_path)
    assert done.returncode == 0, done
    assert '"event": "run_finished"' in done.stdout
