"""Which top-level files of a folder are flow files: those whose code names ``flowtop`` or
``Flow``. A script whose docstring spoke of "Flow control" was imported as a flow file
(and started its development server); a pytest ``conftest.py`` importing ``Flow`` for its
fixtures was "a file that defines no flows", and ``flowtop run .`` exited 2."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

import fork_cli
from flowtop.workspace.load_error import FLOW_MARKERS, mentions

FLOW = """
from flowtop import Flow, task

@task
def step():
    return 1

with Flow("etl") as flow:
    step()
"""


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ('"""Flow control for the dev server."""\nimport http.server\n', False),
        ("# flowtop could run this one day\nx = 1\n", False),
        ("label = 'a Flow of cash'\n", False),
        ("from flowtop import task\n", True),
        ("import flowtop_helpers\n", True),
        ("flow = Flow('x')\n", True),
        ("class CashFlow: ...\n", False),
        ("def broken(:\n    Flow\n", True),  # not tokenizable: imported, its error said
    ],
)
def test_a_file_is_a_flow_file_when_its_code_names_a_marker(source: str, named: bool) -> None:
    assert mentions(FLOW_MARKERS, source.encode()) is named


def test_a_folder_s_scripts_and_conftest_are_not_imported(tmp_path: Path) -> None:
    ran = tmp_path / "ran.txt"
    (tmp_path / "etl.py").write_text(textwrap.dedent(FLOW))
    (tmp_path / "devserver.py").write_text(
        f'"""Flow control for the dev server."""\nopen({str(ran)!r}, "a").write("ran")\n'
    )
    (tmp_path / "conftest.py").write_text("from flowtop import Flow\n")
    for command in (["list", "."], ["run", "."]):
        done = fork_cli.run(
            [*command],
            cwd=tmp_path,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert not re.search(r"conftest|devserver", done.stdout + done.stderr)
    assert not ran.exists()
