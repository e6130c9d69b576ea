"""``retry_on = ["Outer.Inner"]``, ``Outer`` a class the flow's module holds (imported
from a helper, or its own): the nested class, as the flow's code names it. It was looked
up as a module named ``Outer``: ``cannot import 'Outer' for 'Outer.Inner'
(ModuleNotFoundError: No module named 'Outer')``."""

from __future__ import annotations

import pytest

from flowtop.workspace.flow_shapes import exception_name

HELPER = """
class Outer:
    class Inner(Exception):
        pass
"""

FLOW = """
from flowtop import Flow, task
{imports}

@task(max_retries=1)
def b():
    raise Outer.Inner("i")

with Flow("f4") as flow:
    b()
"""


def _retry_on(ws) -> list[tuple[str, str]]:
    """Each class of ``b``'s retry_on: its module's last part, and its name there."""
    flow = ws.flows["f4"]
    policy = ws.policy_for(flow, flow.nodes["b"])
    return [(c.__module__.rpartition(".")[2], c.__qualname__) for c in policy.retry_on]


@pytest.mark.parametrize(
    ("imports", "where"),
    [
        ("from helper import Outer", "helper"),
        ("class Outer:\n    class Inner(Exception):\n        pass", "f4_"),
    ],
    ids=["imported", "its own"],
)
def test_a_nested_class_of_a_class_the_flow_module_holds(write, workspace, imports, where):
    write("helper.py", HELPER)
    write("f4.py", FLOW.format(imports=imports))
    write("flowtop.toml", '[flows."f4".tasks."b"]\nretry_on = ["Outer.Inner"]\n')
    ws = workspace()
    assert ws.settings_error is None, ws.settings_error
    ((module, name),) = _retry_on(ws)
    assert module.startswith(where) and name == "Outer.Inner"
    assert ws.check_retry_on("f4", ["Outer.Inner"]) is None  # the retry editor's check


def test_a_name_the_class_lacks_is_said_of_the_class(write, workspace):
    write("helper.py", HELPER)
    write("f4.py", FLOW.format(imports="from helper import Outer"))
    write("flowtop.toml", '[flows."f4".tasks."b"]\nretry_on = ["Outer.Iner"]\n')
    ws = workspace()
    assert str(ws.settings_error).endswith(
        "retry_on: 'Outer' (of the flow's module) has no 'Iner' (did you mean 'Inner'?)"
    )


def test_the_retry_editor_fills_a_nested_class_of_the_flow_module_as_it_reads_back(
    write, workspace
):
    """The editor's ``retry_on`` field named such a class ``Inner``, which does not resolve:
    saved as filled in, the edit was refused."""
    write("f4.py", FLOW.format(imports="class Outer:\n    class Inner(Exception):\n        pass"))
    write("flowtop.toml", '[flows."f4".tasks."b"]\nretry_on = ["Outer.Inner"]\n')
    ws = workspace()
    flow = ws.flows["f4"]
    (kind,) = ws.policy_for(flow, flow.nodes["b"]).retry_on
    assert exception_name(kind) == "Outer.Inner"
    assert ws.check_retry_on("f4", [exception_name(kind)]) is None
