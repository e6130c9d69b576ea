"""``--executor nope`` says what it got as every argument's message does (``got 'nope'``),
not ``got str 'nope'``, a Python type name in a command line's error."""

from __future__ import annotations

from pathlib import Path

from cli_kit import Here


def test_an_unknown_executor_says_what_was_given_and_what_is_taken(
    tmp_path: Path, flowtop_here: Here
) -> None:
    (tmp_path / "one.py").write_text("from flowtop import Flow\nflow = Flow('one')\n")
    done = flowtop_here("run", "one.py", "--executor", "nope", cwd=tmp_path)
    assert done.returncode == 2, done
    assert done.stderr == (
        "flowtop run: argument --executor: executor must be 'thread', 'process', 'dask' or "
        "'dask:tcp://HOST:PORT', got 'nope' (see flowtop run --help)\n"
    )
