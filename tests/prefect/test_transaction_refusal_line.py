"""A refused transaction hook names its place once.

``@write.on_rollback`` said where it was in its own message, and the flow file's loader
put the place first, as for any error at import: ``flowtop: q.py:7:
TransactionsNotAvailable: q.py:7: task 'write': …``. The other refusals at a definition
(``task 'a': unknown option …``) leave the place to the loader; so does this one now.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import fork_cli

ROLLBACK = """
    from prefect import flow, task


    @task
    def write(x):
        return x
    @write.on_rollback
    def undo(txn):
        pass


    @flow
    def q():
        write(1)
"""


def test_the_loader_names_the_line_of_a_refused_transaction_hook_once(tmp_path: Path) -> None:
    (tmp_path / "q.py").write_text(textwrap.dedent(ROLLBACK).lstrip())
    done = fork_cli.run(
        ["list", "--prefect-compat", "q.py"],
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "flowtop list: q.py:7: TransactionsNotAvailable: task 'write': @write.on_rollback "
        "is not available in flowtop: it has no transactions\n"
    )
