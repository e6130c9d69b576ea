"""`flowtop run FILE` whose import is stuck in a C call that holds the GIL ends.

A regular expression backtracking at a flow file's top holds the GIL: the import
deadline's thread never ran, and `flowtop run FILE` waited until killed (`flowtop list`,
whose loader child its parent kills, gave up). faulthandler's watchdog, a thread of C,
ends it ``BACKSTOP`` seconds past ``load_timeout``, the stuck line on stderr.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import flowtop

STUCK = """\
import re
re.match(r"(a+)+$", "a" * 40 + "b")  # backtracks for days, in C, holding the GIL
from flowtop import Flow, task

@task
def a():
    return 1

with Flow("stuck") as flow:
    a()
"""


@pytest.mark.parametrize("words", [("stuck.py",), (".", "--flow", "stuck")], ids=["file", "dir"])
def test_an_import_stuck_in_c_ends_the_run_with_where_it_was(
    tmp_path: Path, words: tuple[str, ...]
) -> None:
    (tmp_path / "stuck.py").write_text(STUCK)
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 0.5\n")
    done = flowtop("run", *words, cwd=tmp_path, timeout=60)  # old: until killed
    assert done.returncode == 1, done.stderr
    assert 'stuck.py", line 2 in <module>' in done.stderr, done.stderr
