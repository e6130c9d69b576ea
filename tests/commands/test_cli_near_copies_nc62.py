"""``--prefect-compat`` given twice is refused as any other flag given twice is
(``cli.refuse_twice``): it was taken off the words once, and the second went by as the
command's own flag; and every "did you mean" of a command's name is ``suggest``'s."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.engine.suggest import did_you_mean

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
        ("run", "one.py", "--prefect-compat", "--prefect-compat"),
        ("--prefect-compat", "run", "one.py", "--prefect-compat"),
        ("list", "--prefect-compat", "one.py", "--prefect-compat"),
    ],
)
def test_prefect_compat_given_twice_is_refused_naming_it(
    tmp_path: Path, flowtop_here: Here, args: tuple[str, ...]
) -> None:
    (tmp_path / "one.py").write_text(ONE_FLOW)
    command = next(word for word in args if not word.startswith("-"))
    done = flowtop_here(*args, cwd=tmp_path)
    assert done.returncode == 2, done
    assert done.stderr == (
        f"flowtop {command}: argument --prefect-compat: given more than once: give it once "
        f"(see flowtop {command} --help)\n"
    )
    assert done.stdout == "" and not (tmp_path / ".flowtop").exists()


def test_prefect_compat_given_once_before_or_after_the_command_is_taken(
    tmp_path: Path, flowtop_here: Here
) -> None:
    (tmp_path / "one.py").write_text(ONE_FLOW)
    for args in (("--prefect-compat", "list", "one.py"), ("list", "one.py", "--prefect-compat")):
        done = flowtop_here(*args, cwd=tmp_path)
        assert done.returncode == 0, done
        assert "one" in done.stdout


@pytest.mark.parametrize(
    ("word", "names", "said"),
    [
        ("hsitory", ["history", "list"], " (did you mean 'history'?)"),
        ("ilst", ["list", "limits"], " (did you mean 'list'?)"),
        ("nope", ["open", "run"], ""),  # close by letters, but no slip of 'open'
        ("lst", ["list", "limits"], " (did you mean 'list'?)"),
        ("hist", ["history", "list"], " (did you mean 'history'?)"),  # the one it starts
        ("li", ["list", "limits"], " (did you mean 'list'?)"),  # starts two: the closest
    ],
)
def test_the_command_names_hint_is_suggests_own(word: str, names: list[str], said: str) -> None:
    assert did_you_mean(word, names, typed=True) == said
