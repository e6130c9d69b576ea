"""A flow's name typed where the path goes: the error says how to name a flow.

``flowtop run etl`` said only ``etl: no such file or folder``, and a new user, who had
just seen ``etl`` in the monitor, did not learn that a flow is named with ``--flow``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import flowtop


@pytest.mark.parametrize("command", ["run", "list", "history"])
def test_a_bare_word_that_is_no_path_says_how_to_name_a_flow(tmp_path: Path, command: str) -> None:
    done = flowtop(command, "etl", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.endswith(
        f"etl: no such file or folder; if etl is a flow's name: flowtop {command} --flow etl\n"
    ), done.stderr
    for path in ("flows/etl", "etl.py"):  # a path meant as one: no flow's name in it
        done = flowtop(command, path, cwd=tmp_path)
        assert done.returncode == 2
        assert done.stderr.endswith(f"{path}: no such file or folder\n"), done.stderr
