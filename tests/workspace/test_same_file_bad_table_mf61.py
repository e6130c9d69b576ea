"""A value at fault in one flow's task table of ``.flowtop/overrides.toml`` stops only
that flow's runs (README), but it stopped every flow of the same FILE: a run of ``beta``
loads ``two.py``, which defines ``alpha`` too, and ``alpha``'s bad table was taken as the
loaded flows' (``check_tables``). A run of one flow is stopped by its own table alone."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cli_kit import flowtop
from flowtop.workspace import Workspace

TWO = """\
from flowtop import Flow, task


@task(max_retries=1)
def a():
    return 1


@task(max_retries=1)
def b():
    return 2


with Flow("alpha") as alpha:
    a()

with Flow("beta") as beta:
    b()
"""

BAD = """\
[flows."alpha".tasks."a"]
max_retries = "lots"
"""

SAID = (
    '.flowtop/overrides.toml:2: [flows."alpha".tasks."a"]: max_retries must be an integer '
    ">= 0, got str 'lots'"
)


def _folder(tmp_path: Path) -> Path:
    (tmp_path / ".flowtop").mkdir()
    (tmp_path / ".flowtop" / "overrides.toml").write_text(BAD)
    (tmp_path / "two.py").write_text(textwrap.dedent(TWO))
    return tmp_path


def test_run_flow_of_the_same_file_runs_and_the_bad_one_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    done = flowtop("run", ".", "--flow", "beta", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert "beta #1 COMPLETED" in done.stdout, done.stdout
    refused = flowtop("run", ".", "--flow", "alpha", cwd=folder)
    assert refused.returncode == 2
    assert SAID in refused.stderr, refused.stderr


def test_a_run_process_of_the_file_is_stopped_by_its_own_flow_s_table_only(
    tmp_path: Path,
) -> None:
    """The file form, as the monitor's ``r`` launches it: ``load_flows(flow=...)``."""
    folder = _folder(tmp_path)
    for flow, stopped in (("beta", False), ("alpha", True)):
        with Workspace(folder / "two.py", isolate_imports=False) as workspace:
            workspace.read_settings()
            workspace.load_flows(flow=flow)
            assert not workspace.errors, workspace.errors
            error = workspace.settings_error
            assert (error is not None) is stopped, (flow, error)
            if error is not None:
                assert error.stops_flow == "alpha"
