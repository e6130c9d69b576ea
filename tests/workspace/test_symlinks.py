"""A symlinked flow file pointing outside the workspace: the workspace is the folder that
was opened, so settings and history come from it (issue 16 item 8)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import fork_cli
from flowtop.workspace import Workspace

FLOW = """\
from flowtop import Flow, task

@task
def job():
    return 1

with Flow("linked") as flow:
    job()
"""


def linked_project(tmp_path: Path) -> Path:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "real.py").write_text(FLOW)
    (elsewhere / "flowtop.toml").write_text('[flows."linked".tasks."job"]\nmax_retries = 9\n')
    project = tmp_path / "proj"
    project.mkdir()
    os.symlink(elsewhere / "real.py", project / "linked.py")
    (project / "flowtop.toml").write_text('[flows."linked".tasks."job"]\nmax_retries = 2\n')
    return project


def test_settings_come_from_the_opened_folder_not_the_links_target(tmp_path):
    project = linked_project(tmp_path)
    with Workspace(project / "linked.py") as ws:
        ws.load()
        assert ws.root == project
        assert ws.state_dir == project / ".flowtop"
        flow = ws.flows["linked"]
        node = flow.node("job")
        assert node is not None
        assert ws.policy_for(flow, node).max_retries == 2


def test_history_of_a_run_of_a_linked_file_is_found_where_it_was_run(tmp_path):
    linked_project(tmp_path)
    env = {**os.environ, "NO_COLOR": "1"}

    def flowtop(*args: str) -> subprocess.CompletedProcess[str]:
        return fork_cli.run(args, cwd=tmp_path, env=env, timeout=60)

    ran = flowtop("run", "proj/linked.py", "--json")
    assert ran.returncode == 0, ran.stderr
    history = flowtop("history", "proj/linked.py")
    assert history.returncode == 0, history.stderr
    assert "linked" in history.stdout and "No run history yet" not in history.stdout
    assert not (tmp_path / "elsewhere" / ".flowtop").exists()
