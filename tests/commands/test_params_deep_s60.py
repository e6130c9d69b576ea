"""``-p NAME=VALUE`` with JSON nested too deep to keep (explorer rv401, §6).

``-p "x=[[[…900 deep…]]]"`` read the value as text ("else as text"), and the flow got a
``str`` where a list was typed, while ``--params`` refused the same value (``JSON nested
over 500 deep``, exit 2). ``-p`` now refuses it the same way, before any flow is loaded.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from flowtop.engine.parameters import MAX_JSON_DEPTH

Here = Callable[..., subprocess.CompletedProcess[str]]

FLOW = """\
from flowtop import flow


@flow
def pj(x=1):
    return x
"""


def nested(depth: int, opening: str = "[", closing: str = "]") -> str:
    return opening * depth + closing * depth


def test_a_too_deep_param_is_refused_as_params_refuses_it(
    tmp_path: Path, flowtop_here: Here
) -> None:
    (tmp_path / "pj.py").write_text(FLOW)
    deep = nested(900)
    by_params = flowtop_here("run", "pj.py", "--params", f'{{"x": {deep}}}', cwd=tmp_path)
    assert by_params.returncode == 2
    assert by_params.stderr.splitlines() == [
        f"flowtop run: --params: JSON nested over {MAX_JSON_DEPTH} deep"
    ]
    for value in (deep, f"  {deep}", '{"a": ' * 600 + "1" + "}" * 600):
        by_param = flowtop_here("run", "pj.py", "-p", f"x={value}", cwd=tmp_path)
        assert by_param.returncode == 2, by_param.stdout
        assert by_param.stderr.splitlines() == [
            f"flowtop run: --param x: JSON nested over {MAX_JSON_DEPTH} deep"
        ]
    assert not (tmp_path / ".flowtop" / "history.db").exists()


def test_what_is_not_too_deep_json_is_read_as_before() -> None:
    from flowtop.commands.run import given_parameters

    def given(*assignments: str) -> dict[str, object]:
        import argparse

        return given_parameters(argparse.Namespace(params=None, param=list(assignments)))

    shallow = nested(300)
    assert isinstance(given(f"x={shallow}")["x"], list)
    # text with brackets in it stays text: not JSON, however many it has
    many = "a" + "[" * 900
    assert given(f"x={many}") == {"x": many}
    assert given('x="' + "[" * 900 + '"') == {"x": "[" * 900}  # a JSON string of brackets
    assert given("x=[a-z][0-9]") == {"x": "[a-z][0-9]"}
