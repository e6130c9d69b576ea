"""``flowtop history --run`` words a failed state a task returned as ``flowtop run`` does
(fx72i): its attempt lines read ``returned Failed: 1 rows bad`` (the stored type and
message glued as ``Type: message``) where ``run`` says ``the task returned Failed('1 rows
bad')``; they read ``returned Failed('1 rows bad')`` now (``looks.error_said``)."""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop, stored_runs

VALIDATE = """\
from prefect import flow, task
from prefect.states import Failed


@task(retries=1, retry_delay_seconds=0)
def validate(rows):
    bad = [r for r in rows if r < 0]
    return Failed(message=f"{len(bad)} rows bad")


@flow
def check():
    validate([1, -3])
    return "done"
"""


def test_history_run_says_the_task_returned_failed(tmp_path: Path) -> None:
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (tmp_path / "validate.py").write_text(VALIDATE)
    ran = flowtop("run", ".", "--flow", "check", cwd=tmp_path)
    assert "the task returned Failed('1 rows bad')" in ran.stdout, ran.stdout + ran.stderr
    (run,) = stored_runs(tmp_path)
    shown = flowtop("history", ".", "--run", run.run_id, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = [line.strip() for line in shown.stdout.splitlines()]
    attempts = [line for line in lines if line.startswith("attempt ")]
    assert attempts[0].startswith("attempt 1  FAILED, retried"), shown.stdout
    assert attempts[0].endswith("  returned Failed('1 rows bad') (validate.py:8 in validate)"), (
        shown.stdout
    )
    assert attempts[1].startswith("attempt 2  FAILED"), shown.stdout
    assert attempts[1].endswith("  returned Failed('1 rows bad')"), shown.stdout
    assert "returned Failed: " not in shown.stdout
