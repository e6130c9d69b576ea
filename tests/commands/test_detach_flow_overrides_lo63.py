"""A value at fault in flow ``alpha``'s table of ``.flowtop/overrides.toml`` stops alpha's
runs only: a foreground ``flowtop run . --flow beta`` ran beta, but ``flowtop run --detach
--flow beta`` was refused with alpha's error, its loader child giving one settings error
for the whole folder. Both now refuse alpha alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_kit import flowtop

FLOWS = """\
from flowtop import flow, task

@task
def a():
    return 1

@task
def b():
    return 2

@flow
def alpha():
    a()

@flow
def beta():
    b()
"""

BAD = '[flows.alpha.tasks.a]\nmax_retries = "lots"\n'


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "jobs.py").write_text(FLOWS)
    (tmp_path / ".flowtop").mkdir()
    (tmp_path / ".flowtop" / "overrides.toml").write_text(BAD)
    return tmp_path


@pytest.mark.parametrize("path", [".", "jobs.py"])
def test_detached_beta_runs_and_alpha_is_refused_as_in_the_foreground(
    tmp_path: Path, path: str
) -> None:
    folder = _folder(tmp_path)
    here = flowtop("run", path, "--flow", "beta", cwd=folder)
    assert here.returncode == 0, here.stderr
    detached = flowtop("run", "--detach", path, "--flow", "beta", cwd=folder)
    assert detached.returncode == 0, detached.stderr
    assert "overrides.toml" not in detached.stderr, detached.stderr
    watched = flowtop("watch", ".", detached.stdout.split()[0], cwd=folder)
    assert watched.returncode == 0, watched.stderr
    assert "beta #2 COMPLETED" in watched.stdout + watched.stderr, watched.stderr
    for args in (("--flow", "alpha"), ("--detach", "--flow", "alpha"), ("--detach",)):
        refused = flowtop("run", path, *args, cwd=folder)
        assert refused.returncode == 2, (args, refused.stderr)
        assert "overrides.toml:2" in refused.stderr, (args, refused.stderr)
