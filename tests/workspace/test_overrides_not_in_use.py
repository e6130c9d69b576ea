"""A save over an ``overrides.toml`` that parses but fails the settings check.

Such a file is not used: the workspace keeps its last good version. A save read it for
its syntax only, wrote the user's value beside the one at fault (``retry_delay = "5s"``
stayed), and said "Saved"; the task's settings did not change, and the file stayed
broken. A save is refused now as over a file that does not parse, naming the line, table,
key and why; Clear override goes on only where it removes the value at fault.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.workspace import SettingsError, Workspace

FLOW = """
from flowtop import Flow, task

@task(retry_delay=7)
def extract():
    return 1

@task
def load(x):
    return x

with Flow("etl") as flow:
    load(extract())
"""

GOOD = "[flows.etl.tasks.load]\nmax_retries = 5\n\n[flows.etl.tasks.extract]\nmax_retries = 6\n"
#: The last good file, with extract's table broken as a text editor saved it.
BROKEN = (
    '[flows.etl.tasks.load]\nmax_retries = 5\n\n[flows.etl.tasks.extract]\nretry_delay = "5s"\n'
)
WHY = (
    'line 5: [flows."etl".tasks."extract"]: retry_delay must be seconds, a list of seconds, '
    "or a table { base = 1, factor = 2, max_delay = 30 }, got str '5s'; "
    "write retry_delay = 5 (seconds), without quotes; fix or delete it first"
)


@pytest.fixture
def broken(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace]
) -> tuple[Workspace, Path]:
    """A workspace loaded with ``GOOD``, whose file was then saved as ``BROKEN``."""
    write("etl.py", FLOW)
    path = write(".flowtop/overrides.toml", GOOD)
    ws = workspace()
    path.write_text(BROKEN, encoding="utf-8")
    ws.reload_paths([path])
    assert ws.settings_error is not None  # not in use: the last good version applies
    assert ws.override_for("etl", "extract") == {"max_retries": 6}
    return ws, path


def test_a_save_over_a_file_not_in_use_is_refused_and_writes_nothing(
    broken: tuple[Workspace, Path],
) -> None:
    ws, path = broken
    with pytest.raises(SettingsError) as refused:
        ws.set_override("etl", "extract", max_retries=7)
    assert str(refused.value).endswith(f"overrides.toml cannot be updated: {WHY}")
    assert path.read_text(encoding="utf-8") == BROKEN  # old: "5s" kept, max_retries = 7 added
    assert ws.override_for("etl", "extract") == {"max_retries": 6}


def test_clear_goes_on_only_where_it_removes_the_value_at_fault(
    broken: tuple[Workspace, Path],
) -> None:
    ws, path = broken
    with pytest.raises(SettingsError, match="cannot be updated: line 5: "):
        ws.clear_override("etl", "load")  # the file left would still fail on extract's table
    assert path.read_text(encoding="utf-8") == BROKEN
    ws.clear_override("etl", "extract")  # the table at fault: the file left is in use
    assert ws.settings_error is None
    assert ws.override_for("etl", "load") == {"max_retries": 5}
    assert ws.override_for("etl", "extract") == {}
