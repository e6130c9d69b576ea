"""On a terminal without flowtop's symbols `→` is written `->`, not `>`.

`>` is also the running symbol's look-alike, and read as a comparison: ``etl/load +
completed (attempt 2/4) > 'ok'``, ``retry after 0.5s (backoff 0.5s*2^(n-1), max 4s >
0.5s)`` ("4s is greater than 0.5s").
"""

from __future__ import annotations

import io
from pathlib import Path

from cli_kit import flowtop
from flowtop.printable import LOOKALIKES, as_written

FLOW = """
from flowtop import Flow, exponential_backoff, task

tries = []


@task(max_retries=1, retry_delay=exponential_backoff(base=0))
def load() -> str:
    tries.append(1)
    if len(tries) == 1:
        raise ConnectionError("down")
    return "loaded"


with Flow("etl") as etl:
    load()
"""


def test_the_arrow_is_written_as_an_ascii_arrow() -> None:
    terminal = io.BytesIO()
    stream = io.TextIOWrapper(terminal, encoding="ascii", errors=LOOKALIKES)
    line = "✓ completed (attempt 2/4) → 'ok' · max 4s → 0.5s"
    written = "+ completed (attempt 2/4) -> 'ok' - max 4s -> 0.5s"
    stream.write(line)
    stream.flush()
    assert terminal.getvalue().decode("ascii") == written
    assert as_written(line, stream) == written  # what a column is measured on


def test_flowtop_run_on_an_ascii_terminal_writes_arrows_as_arrows(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(FLOW, encoding="utf-8")
    done = flowtop("run", str(tmp_path), env={"NO_COLOR": "1", "PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0, done.stderr
    assert "etl/load + completed (attempt 2/2) -> 'loaded'" in done.stdout, done.stdout
    assert " > " not in done.stdout.replace("etl/load > running", ""), done.stdout
    shown = flowtop(
        "history",
        "--flow",
        "etl",
        "--run",
        "1",
        cwd=tmp_path,
        env={"NO_COLOR": "1", "PYTHONIOENCODING": "ascii"},
    )
    assert shown.returncode == 0, shown.stderr
    assert "backoff 0s*2^(n-1) -> 0s" in shown.stdout, shown.stdout
