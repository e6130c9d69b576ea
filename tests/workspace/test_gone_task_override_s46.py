"""An ``overrides.toml`` table the retry editor saved for a task the code no longer has
changes no run: it is said, with its file and line, and runs start with the rest.

The monitor listed such a file as ``part of it is not in use … The rest of the file is in
use``, while every run of the flow (``r``, ``f``, ``flowtop run``, cron) refused to start:
``did not start: .flowtop/overrides.toml:4: … flow 'etl' has no task 'load'``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import fork_cli
from flowtop.workspace import Workspace

#: ``extract`` fails its first call and has no retries of its own: it completes only when
#: the override's ``max_retries = 1`` (the rest of the file) is in force.
ETL = """
import itertools
from flowtop import Flow, task

calls = itertools.count(1)

@task(max_retries=0, retry_delay=0)
def extract():
    if next(calls) == 1:
        raise ConnectionError("the first call fails")
    return 1

@task
def transform(rows):
    return rows + 1
{load}
with Flow("etl") as flow:
    {body}
"""
WITH_LOAD = ETL.format(
    load="\n@task\ndef load(rows):\n    return rows\n", body="load(transform(extract()))"
)
WITHOUT_LOAD = ETL.format(load="", body="transform(extract())")

OVERRIDES = '[flows."etl".tasks."extract"]\nmax_retries = 1\n\n[flows."etl".tasks."load"]\nmax_retries = 4\n'
GONE = (
    ".flowtop/overrides.toml:4: [flows.\"etl\".tasks.\"load\"]: flow 'etl' has no task 'load'; "
    "its tasks: extract, transform"
)


def test_an_override_of_a_task_deleted_since_is_a_warning_after_a_hot_reload(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace]
) -> None:
    """The explorer's steps: the override is saved while ``load`` exists, then ``load`` is
    deleted and the file saved: the table is said, not an error, and the rest applies."""
    flow_file = write("etl.py", WITH_LOAD)
    write(".flowtop/overrides.toml", OVERRIDES)
    ws = workspace()
    assert ws.settings_errors == []
    write("etl.py", WITHOUT_LOAD)
    ws.reload_paths([flow_file])
    assert ws.settings_error is None
    [warning] = ws.settings_warnings
    assert str(warning) == GONE and warning.line == 4 and warning.in_part
    flow = ws.flows["etl"]
    extract = flow.node("extract")
    assert extract is not None and ws.policy_for(flow, extract).max_retries == 1


def test_a_task_flowtop_toml_misnames_still_stops_runs(
    write: Callable[[str, str], Path], workspace: Callable[..., Workspace]
) -> None:
    """Hand-written ``flowtop.toml`` may hold a typo (``extrct``): README says it stops
    runs, as any settings error does; only the editor's file names tasks that existed."""
    write("etl.py", WITHOUT_LOAD)
    write("flowtop.toml", '[flows."etl".tasks."extrct"]\nmax_retries = 1\n')
    ws = workspace()
    assert ws.settings_warnings == []
    assert "flow 'etl' has no task 'extrct'" in str(ws.settings_error)


def flowtop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return fork_cli.run(args, cwd=cwd, timeout=60, env=env)


def test_flowtop_run_starts_with_the_rest_of_the_overrides_and_warns(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """A folder (loader children, then the file naming the flow) and one file (imported in
    the run process, as a launched run does): both run, saying the table with its line."""
    write("etl.py", WITHOUT_LOAD)
    write(".flowtop/overrides.toml", OVERRIDES)
    for target in (".", "etl.py"):
        done = flowtop("run", target, "--flow", "etl", cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"flowtop run: {GONE} (a table nothing uses: it stops no run)" in done.stderr
        assert "etl/extract ✓ completed (attempt 2/2)" in done.stdout, done.stdout
    listed = flowtop("list", ".", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert GONE in listed.stderr
