"""``flowtop run FILE`` runs a flow with the arguments its ``__main__`` block gives it.

Prefect's examples end with ``if __name__ == "__main__": extract(pages=10)``: ``python
FILE`` runs ``extract`` with 10, while ``flowtop run FILE`` asked for ``--param pages=…``
(no default) or ran it with the defaults. The block's literal arguments are now that run's
parameters, ``-p`` winning over each; an expression is named, never guessed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli_kit import flowtop, wait_for_runs

EXTRACT = """\
import sys
from flowtop import flow

@flow
def extract(pages: int, source: str = "api", verbose: bool = False) -> int:
    return pages

if __name__ == "__main__":
    {call}
"""


def write(folder: Path, call: str, name: str = "extract.py", source: str = EXTRACT) -> None:
    (folder / name).write_text(source.replace("{call}", call))


def started_with(stdout: str) -> dict[str, Any]:
    """The parameters of the one run ``run --json`` started."""
    events = [json.loads(line) for line in stdout.splitlines()]
    (started,) = [e for e in events if e["event"] == "run_started"]
    parameters: dict[str, Any] = started.get("parameters", {})
    return parameters


def test_the_block_s_literal_arguments_are_the_run_s_parameters(tmp_path: Path) -> None:
    write(tmp_path, "extract(pages=10)")
    done = flowtop("run", "extract.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # was 2: "flow 'extract' needs pages"
    assert started_with(done.stdout) == {"pages": 10}
    assert done.stderr.splitlines() == [
        "flowtop run: running extract(pages=10), as extract.py's __main__ block calls it"
    ]
    # a folder's runs are every flow's own, as before: the block is the file's
    folder = flowtop("run", ".", "--no-history", cwd=tmp_path)
    assert folder.returncode == 2 and "needs pages" in folder.stderr


def test_a_param_wins_over_the_block_one_parameter_at_a_time(tmp_path: Path) -> None:
    write(tmp_path, 'extract(3, "s3://bucket", verbose=True)')
    done = flowtop("run", "extract.py", "-p", "source=local", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert started_with(done.stdout) == {"pages": 3, "source": "local", "verbose": True}
    assert done.stderr.splitlines() == [  # what the block gave, the -p one left out
        "flowtop run: running extract(pages=3, verbose=true), as extract.py's __main__ "
        "block calls it"
    ]
    given = ("-p", "pages=1", "-p", "source=x", "-p", "verbose=false")
    alone = flowtop("run", "extract.py", *given, "--json", cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr
    assert started_with(alone.stdout) == {"pages": 1, "source": "x", "verbose": False}
    assert alone.stderr == ""  # nothing came from the block


def test_an_expression_for_a_parameter_without_default_is_named(tmp_path: Path) -> None:
    write(tmp_path, "extract(int(sys.argv[1]))")
    done = flowtop("run", "extract.py", "--no-history", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        "flowtop run: flow 'extract' needs pages (no default): the __main__ block at "
        "extract.py:9 passes pages int(sys.argv[1]), an expression flowtop cannot read "
        "without running the file; give it with -p pages=VALUE"
    )
    given = flowtop("run", "extract.py", "-p", "pages=4", "--json", cwd=tmp_path)
    assert given.returncode == 0, given.stderr
    assert started_with(given.stdout) == {"pages": 4}


def test_an_expression_for_a_parameter_with_a_default_leaves_the_default(tmp_path: Path) -> None:
    write(tmp_path, "extract(2, source=sys.argv[1])")
    done = flowtop("run", "extract.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert started_with(done.stdout) == {"pages": 2}
    assert done.stderr.splitlines() == [
        "flowtop run: running extract(pages=2), as extract.py's __main__ block calls it",
        "flowtop run: the __main__ block at extract.py:9 passes source sys.argv[1], an "
        "expression flowtop cannot read without running the file: source takes its default "
        "(-p source=VALUE gives it)",
    ]


def test_a_call_python_would_refuse_is_said_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, "extract(1, 'a', True, 4)")
    done = flowtop("run", "extract.py", "--no-history", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        "flowtop run: flow 'extract': the __main__ block at extract.py:9 calls it with "
        "arguments it does not take: it takes 3 positional arguments, 4 given (python "
        "extract.py fails on it too)"
    )


def test_a_literal_not_of_its_type_says_the_block_passes_it(tmp_path: Path) -> None:
    write(tmp_path, 'extract(pages="ten")')
    done = flowtop("run", "extract.py", "--no-history", cwd=tmp_path)
    assert done.returncode == 2
    last = done.stderr.splitlines()[-1]
    assert last.startswith("flowtop run: flow 'extract': parameter pages: ")
    assert last.endswith(
        "(the __main__ block at extract.py:9 passes it; -p pages=VALUE gives another)"
    )


PREFECT = """\
import asyncio
from prefect import flow

@flow
async def fetch(url: str, n: int) -> str:
    return url

@flow
def served(region: str, days: int = 1, weights: dict = {}) -> None:
    pass

@flow
def tuned(x: int, *rest: int, **extra: object) -> None:
    pass

if __name__ == "__main__":
    asyncio.run(fetch("s3://bucket", n=-3))
    served.serve(name="nightly", parameters={"region": "eu", "weights": {"a": 0.5}})
    tuned.with_options(retries=2)(1, 2, 3, k=None, return_state=True)
"""


@pytest.mark.parametrize("detach", [False, True], ids=["foreground", "detach"])
def test_prefect_s_ways_of_calling_a_flow_give_their_arguments(
    tmp_path: Path, detach: bool
) -> None:
    """``asyncio.run(flow(...))``, ``serve(parameters={...})`` (not ``name=``: an option
    of ``serve``'s) and ``with_options(...)(...)`` (not ``return_state``), in drop-in mode;
    ``--detach`` launches each run with the same parameters."""
    (tmp_path / "pf.py").write_text(PREFECT)
    how = ["--detach"] if detach else ["--json"]
    done = flowtop("run", "pf.py", "--prefect-compat", *how, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        'flowtop run: running fetch(url="s3://bucket", n=-3), served(region="eu", '
        'weights={"a": 0.5}), tuned(x=1, rest=[2, 3], k=null), as pf.py\'s __main__ block '
        "calls them"
    )
    expected = {
        "fetch": {"url": "s3://bucket", "n": -3},
        "served": {"region": "eu", "weights": {"a": 0.5}},
        "tuned": {"x": 1, "rest": [2, 3], "extra": {"k": None}},  # as a run records it
    }
    wait_for_runs(tmp_path, lambda runs: sum(r.state == "COMPLETED" for r in runs) == 3)
    listed = flowtop("history", "pf.py", "--json", cwd=tmp_path)
    records = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {r["flow"]: r["parameters"] for r in records} == expected


def test_detach_refuses_before_launching_what_the_block_cannot_give(tmp_path: Path) -> None:
    write(tmp_path, "extract(pages=PAGES)")
    done = flowtop("run", "extract.py", "--detach", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""  # no run launched
    assert "passes pages PAGES, an expression flowtop cannot read" in done.stderr


def test_list_json_gives_the_block_s_parameters(tmp_path: Path) -> None:
    write(tmp_path, "extract(*[5], **{'source': 'db'}, verbose=flag)")
    listed = flowtop("list", "extract.py", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    (info,) = map(json.loads, listed.stdout.splitlines())
    assert info["main_block_parameters"] == {"pages": 5, "source": "db"}
    assert info["main_block_call"]["unread"] == {"verbose": "flag"}
