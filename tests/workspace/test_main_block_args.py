"""The arguments a flow file's ``__main__`` block calls a flow with, bound to its
parameters (``main_block_args``): what ``flowtop run FILE`` and the run form use."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from flowtop.workspace import Workspace
from flowtop.workspace.entry_flows import main_block_calls_of
from flowtop.workspace.flow_shapes import shapes_from_json, shapes_to_json
from flowtop.workspace.main_block_args import MainCall, defaults_notes

SOURCE = """\
import asyncio, sys
from flowtop import flow

@flow
def etl(url: str, retries: int = 0, *paths: str, mode: str = "full", **opts: object) -> None:
    pass

@flow
def plain(n: int = 1) -> None:
    pass

if __name__ == "__main__":
"""


def called(tmp_path: Path, block: str) -> dict[str, MainCall]:
    """How the block ``block`` calls the file's flows, as the workspace read it."""
    (tmp_path / "jobs.py").write_text(SOURCE + textwrap.indent(block, "    ") + "\n")
    with Workspace(tmp_path / "jobs.py", isolate_imports=False) as workspace:
        workspace.load()
        assert not workspace.errors
        return main_block_calls_of(workspace)


@pytest.mark.parametrize(
    ("block", "parameters"),
    [
        ('etl("s3://b", 3)', {"url": "s3://b", "retries": 3}),  # positional by position
        (
            'etl("u", -1, "a", "b", mode="x", k=(1, 2))',  # into *paths and **opts by name
            {"url": "u", "retries": -1, "paths": ["a", "b"], "mode": "x", "k": [1, 2]},
        ),
        ('etl.with_options(retries=5)(url="u")', {"url": "u"}),  # an option, not a parameter
        ('asyncio.run(etl("u", return_state=True))', {"url": "u"}),
        (
            'etl.serve(name="n", cron="0 * * * *", parameters={"url": "u", "retries": 2})',
            {"url": "u", "retries": 2},
        ),
        ("etl(*['u', 1], **{'mode': 'm'})", {"url": "u", "retries": 1, "mode": "m"}),
        (
            'etl("u", retries=None, mode=True, k={"b", "a"})',
            {"url": "u", "retries": None, "mode": True, "k": ["a", "b"]},
        ),
        ('etl("first")\netl("second")', {"url": "first"}),  # the first call, in order
        ("Runner().run(etl)", {}),
    ],
)
def test_literal_arguments_bind_to_the_parameters(
    tmp_path: Path, block: str, parameters: dict[str, Any]
) -> None:
    call = called(tmp_path, block)["etl"]
    assert (call.parameters, call.unread, call.rest, call.problem) == (parameters, {}, "", "")
    assert call.required == ("url",)


@pytest.mark.parametrize(
    ("block", "parameters", "unread", "rest"),
    [
        ("etl(sys.argv[1], retries=int(x))", {}, {"url": "sys.argv[1]", "retries": "int(x)"}, ""),
        ('etl("u", b"raw", k={1: 2})', {"url": "u"}, {"retries": "b'raw'", "k": "{1: 2}"}, ""),
        ('etl("u", *more, mode="m")', {"url": "u", "mode": "m"}, {}, "*more"),
        ('etl(mode="m", **opts)', {"mode": "m"}, {}, "opts"),
        ('etl.deploy(name="n", parameters=params)', {}, {}, "params"),
    ],
)
def test_what_is_not_a_literal_is_kept_as_written(
    tmp_path: Path, block: str, parameters: dict[str, Any], unread: dict[str, str], rest: str
) -> None:
    call = called(tmp_path, block)["etl"]
    assert (call.parameters, call.unread, call.rest) == (parameters, unread, rest)


def test_an_expression_for_a_keyword_of_kwargs_is_not_said_to_take_a_default(
    tmp_path: Path,
) -> None:
    """``**opts`` has no default: the note said ``k takes its default`` of a ``k`` the run
    simply does not get."""
    call = called(tmp_path, 'etl("u", retries=int(x), k=int(y))')["etl"]
    assert call.loose == ("k",)
    notes = defaults_notes(call, {})
    assert [note.rsplit(": ", 1)[-1] for note in notes] == [
        "retries takes its default (-p retries=VALUE gives it)",
        "the run is not given k (-p k=VALUE gives it)",
    ]
    # as ``flowtop run --detach`` reads it back from ``flowtop list --json``
    assert MainCall.from_json({"file": call.file, **call.to_json()}) == call


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        ("plain(1, 2)", "it takes 1 positional arguments, 2 given"),
        ("plain(nn=1)", "it has no parameter nn (did you mean 'n'?); it takes n"),
        ('etl("u", url="v")', "url given twice, by position and by name"),
    ],
)
def test_a_call_python_refuses_is_a_problem(tmp_path: Path, block: str, problem: str) -> None:
    (call,) = called(tmp_path, block).values()
    assert call.problem.endswith(
        f"with arguments it does not take: {problem} (python jobs.py fails on it too)"
    )


def test_the_shapes_carry_the_block_s_literals_to_the_run_form(tmp_path: Path) -> None:
    """The TUI's form reads them from the flow host's shapes, sent as JSON."""
    (tmp_path / "jobs.py").write_text(SOURCE + '    etl("s3://b", mode="m")\n')
    with Workspace(tmp_path / "jobs.py", isolate_imports=False) as workspace:
        workspace.load()
        shapes = shapes_from_json(shapes_to_json(workspace.shapes))
    assert shapes["etl"].main_block_parameters == {"url": "s3://b", "mode": "m"}
    assert shapes["plain"].main_block_parameters == {}
