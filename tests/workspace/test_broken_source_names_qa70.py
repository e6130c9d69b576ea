"""The flow names a source Python cannot parse gives as code (``said_names``): a comment
or a string mentioning ``Flow("x")`` gives none (a byte pattern read them as held)."""

from __future__ import annotations

import pytest

from flowtop.workspace.broken_source_names import said_names

BROKEN = "\nx = = 1\n"


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ('# used to define Flow("x"); it moved\noops(\n', set()),
        ("NOTE = 'Flow(\"x\") lives in b.py'\noops(\n", set()),
        ('with Flow("etl") as f:\n    pass' + BROKEN, {"etl"}),
        ("@flow\ndef etl_job():\n    pass" + BROKEN, {"etl-job"}),
        ('@flow(name="daily", retries=2)\n@other\nasync def job():\n    pass' + BROKEN, {"daily"}),
        ("@prefect.flow\ndef a_b():\n    pass\n(", {"a-b"}),
        (
            'c = step.with_options(name="copy")\nflow(fn, name="n2")\nFlow(f"x{y}")\n(',
            {"copy", "n2"},
        ),
        ('fast = Flow("fast")\nother = Flow("other")\ndef x(:\n', {"fast", "other"}),
        ("# coding: rot13\nFlow('x')\n(", set()),
    ],
)
def test_only_code_names_a_flow(source: str, names: set[str]) -> None:
    assert said_names(source.encode()) == names
