"""A ``__main__`` block that calls the file's own ``main()`` is followed into it.

``def main(): etl("us")`` then ``if __name__ == "__main__": main()`` is how many scripts
end; ``python FILE`` runs ``etl`` with ``"us"``. ``flowtop run FILE`` ran every flow of the
file with its defaults, without a word (a Prefect user's report): the calls of a function of
the module the block calls are read as the block's own, in the order Python makes them.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cli_kit import flowtop
from flowtop.workspace import Workspace
from flowtop.workspace.entry_flows import main_block_calls_of
from flowtop.workspace.main_block_args import MainCall

FLOWS = """\
import asyncio, functools, sys
from flowtop import flow

@flow
def etl(region: str = "eu", n: int = 1) -> str:
    return f"{region}:{n}"

@flow
def report() -> str:
    return "report"

"""


def called(tmp_path: Path, rest: str) -> dict[str, MainCall]:
    (tmp_path / "jobs.py").write_text(FLOWS + textwrap.dedent(rest))
    with Workspace(tmp_path / "jobs.py", isolate_imports=False) as workspace:
        workspace.load()
        assert not workspace.errors
        return main_block_calls_of(workspace)


@pytest.mark.parametrize(
    "rest",
    [
        # old: no call read, so both flows ran with their defaults
        'def main():\n    etl("us", n=2)\n\nif __name__ == "__main__":\n    main()\n',
        'async def main():\n    etl("us", 2)\n\nif __name__ == "__main__":\n'
        "    asyncio.run(main())\n",
        # (through a function the first calls, once each however they call each other)
        'def run():\n    etl("us", 2)\n    main()\n\ndef main():\n    run()\n\n'
        'if __name__ == "__main__":\n    main()\n',
    ],
)
def test_the_calls_of_a_function_the_block_calls_are_the_block_s(tmp_path: Path, rest: str) -> None:
    calls = called(tmp_path, rest)
    assert list(calls) == ["etl"]
    assert calls["etl"].parameters == {"region": "us", "n": 2}


def test_what_a_function_calls_comes_where_the_block_calls_it(tmp_path: Path) -> None:
    rest = (
        'def main():\n    etl(sys.argv[1])\n\nif __name__ == "__main__":\n'
        "    report()\n    main()\n"
    )
    calls = called(tmp_path, rest)
    assert calls["report"].order < calls["etl"].order
    assert calls["etl"].unread == {"region": "sys.argv[1]"}  # not guessed: said, as before
    assert calls["etl"].where.endswith("jobs.py:13, in main()")  # the line that calls it


def test_the_function_followed_is_the_one_defined_when_the_block_runs(tmp_path: Path) -> None:
    """A ``main`` defined again after the block is not the one the block calls (nor one
    defined only after it: ``NameError``); a ``return`` ends what it calls."""
    rest = (
        'def main():\n    etl("first")\n    return\n    etl("unreached")\n\n'
        'if __name__ == "__main__":\n    main()\n\ndef main():\n    report()\n'
    )
    calls = called(tmp_path, rest)
    assert list(calls) == ["etl"] and calls["etl"].parameters == {"region": "first"}
    after = 'if __name__ == "__main__":\n    main()\n\ndef main():\n    report()\n'
    assert called(tmp_path, after) == {}


def test_a_decorated_function_is_not_followed(tmp_path: Path) -> None:
    """A decorator may make it anything (a flow, whose calls are its subflows' runs)."""
    rest = (
        '@functools.cache\ndef main():\n    etl("us")\n\nif __name__ == "__main__":\n    main()\n'
    )
    assert called(tmp_path, rest) == {}


def test_flowtop_run_file_runs_the_flow_main_calls_with_its_arguments(tmp_path: Path) -> None:
    rest = 'def main():\n    etl("us", n=2)\n\nif __name__ == "__main__":\n    main()\n'
    (tmp_path / "jobs.py").write_text(FLOWS + rest)
    done = flowtop("run", "jobs.py", "--no-history", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # old: both flows, each with its defaults: `etl #1 COMPLETED … → 'eu:1'`, then report
    assert "→ 'us:2'" in done.stdout, done.stdout
    assert "report" not in done.stdout, done.stdout
    assert 'running etl(region="us", n=2), as jobs.py\'s __main__ block calls it' in done.stderr


@pytest.mark.parametrize(
    ("rest", "why", "detach"),
    [
        (
            'def command(f):\n    return f\n\n@command\ndef main():\n    etl("us")\n\n'
            'if __name__ == "__main__":\n    main()\n',
            "decorated",
            False,
        ),
        (
            'if __name__ == "__main__":\n    from helper import main\n    main()\n',
            "imported",
            False,
        ),
        ('if __name__ == "__main__":\n    from helper import main\n    main()\n', "imported", True),
        (
            'if __name__ == "__main__":\n    main()\n\ndef main():\n    etl("us")\n',
            "defined after the block",
            False,
        ),
    ],
    ids=["decorated", "imported", "imported-detach", "after"],
)
def test_flowtop_run_file_says_a_main_it_does_not_follow(
    tmp_path: Path, rest: str, why: str, detach: bool
) -> None:
    """A click-style ``main()``, one from another module, one defined after the block:
    every flow ran with its defaults, and nothing said so."""
    (tmp_path / "jobs.py").write_text(FLOWS + rest)
    (tmp_path / "helper.py").write_text("def main():\n    pass\n")
    words = ["--detach"] if detach else ["--no-history"]
    done = flowtop("run", "jobs.py", *words, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(
        f"flowtop run: jobs.py's __main__ block calls main() ({why}), which flowtop does not "
        "follow: every flow of jobs.py runs, each with its defaults (--flow NAME runs one)\n"
    ), done.stderr
    if not detach:
        assert "→ 'eu:1'" in done.stdout and "→ 'report'" in done.stdout
