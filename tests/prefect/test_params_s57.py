"""A drop-in flow's parameters as Prefect 3 validates them (rv352's findings 1-3): a
``TypedDict`` parameter runs (it crashed ``flowtop run``), ``Annotated[int, Field(ge=1)]``
refuses 0 from a Python call and from ``-p``, and ``-p`` gives a ``timedelta``, ``Decimal``
or ``UUID`` the values a Python call gets them from, a rerun too."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from drop_in_kit import drop_in_module

from cli_kit import flowtop
from flowtop.exceptions import ParameterTypeError

SOURCE = """
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, TypedDict
from uuid import UUID
from pydantic import Field
from prefect import flow

class Opts(TypedDict):
    a: int
    b: str

@flow
def td_flow(opts: Opts):
    print("got", opts)

@flow
def annot(n: Annotated[int, Field(ge=1, le=10)] = 5):
    print("n is", n)

@flow
def types_flow(since: timedelta = timedelta(hours=1), amount: Decimal = Decimal("1.5"),
               run: UUID = UUID(int=0)):
    print("got", repr(since), repr(amount), repr(run))
"""


def test_a_python_call_breaking_a_constraint_raises_parameter_type_error(
    tmp_path: Path,
) -> None:
    module = drop_in_module(tmp_path, "constrained", SOURCE)
    with pytest.raises(ParameterTypeError, match="n: Input should be greater than or equal to 1"):
        module.annot(n=0)
    assert module.annot.parameters.properties["n"] == {
        "title": "n",
        "position": 0,
        "type": "integer",
        "minimum": 1,
        "maximum": 10,
        "default": 5,
    }


def test_flowtop_run_gives_prefect_typed_parameters(tmp_path: Path) -> None:
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    main = '\nif __name__ == "__main__":\n    td_flow({"a": 1, "b": "x"})\n'
    (tmp_path / "flows.py").write_text(textwrap.dedent(SOURCE) + main)

    ran = flowtop("run", "flows.py", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "got {'a': 1, 'b': 'x'}" in ran.stdout

    refused = flowtop("run", "flows.py", "--flow", "annot", "-p", "n=0", cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    assert "parameter n: expected int (Input should be greater than or equal to 1)" in (
        refused.stderr
    )

    given = [
        "-p",
        "since=PT2H",
        "-p",
        "amount=2.25",
        "-p",
        "run=11111111-1111-1111-1111-111111111111",
    ]
    typed = flowtop("run", "flows.py", "--flow", "types-flow", *given, cwd=tmp_path)
    assert typed.returncode == 0, typed.stderr
    made = "got datetime.timedelta(seconds=7200) Decimal('2.25') UUID('11111111-1111-1111"
    assert made in typed.stdout

    number = typed.stdout.split("types-flow #")[1].split()[0]
    rerun = flowtop("run", "flows.py", "--flow", "types-flow", "--rerun-of", number, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert made in rerun.stdout
