"""A relative import in a flow file is said to be unsupported, with its file and line: the
message named the package flowtop imports flow files under (``flowtop_flows.helpers``)."""

from __future__ import annotations

import pytest

from flowtop.engine.flow_package import FLOW_PACKAGE


@pytest.mark.parametrize(
    ("statement", "instead"),
    [
        ("from .helpers import X", "'from helpers import …' instead of 'from .helpers import …'"),
        ("from . import helpers", "'import helpers' instead of 'from . import …'"),
    ],
)
def test_a_relative_import_names_the_line_and_the_way_to_write_it(
    write, workspace, tmp_path, statement, instead
):
    write("helpers.py", "X = 1\n")
    write("rel.py", f"from flowtop import Flow\n\n{statement}\nflow = Flow('r')\n")
    ws = workspace()
    error = ws.errors[tmp_path / "rel.py"]
    assert str(error) == (
        "rel.py:3: relative imports are not supported in a flow file: flow files are "
        f"top-level modules, so write {instead}"
    )
    assert FLOW_PACKAGE not in error.message


def test_a_relative_import_in_an_imported_flow_file_names_that_file(write, workspace, tmp_path):
    write("helpers.py", "X = 1\n")
    write("child.py", "from flowtop import Flow\nfrom .helpers import X\nc = Flow('c')\n")
    write("parent.py", "from flowtop import Flow\nimport child\np = Flow('p')\n")
    ws = workspace()
    assert str(ws.errors[tmp_path / "parent.py"]) == (
        "parent.py:2: relative imports are not supported in a flow file (in child.py:2): "
        "flow files are top-level modules, so write 'from helpers import …' instead of "
        "'from .helpers import …'"
    )
    assert str(ws.errors[tmp_path / "child.py"]).startswith("child.py:2: relative imports")
