"""``flowtop history --run N`` says where a reused task's result came from.

A cached result read ``cached_step  COMPLETED  attempt   -  cached result of …`` and a
rerun's carried-over task ``extract  COMPLETED  attempt 1  -  reused from the source
run``: an empty attempt, a dash for a duration, the source run unnamed.
"""

from __future__ import annotations

from pathlib import Path

import fork_cli

ETL = """\
from datetime import timedelta
from pathlib import Path
from flowtop import flow, task

@task(cache_key_fn=lambda ctx, params: "k", cache_expiration=timedelta(hours=1))
def cached_step() -> int:
    return 5

@task
def extract() -> int:
    return 1

@task
def load(x: int) -> int:
    if not Path(__file__).with_name("ok").exists():
        raise ValueError("db down")
    return x

@flow
def etl() -> int:
    return load(extract()) + cached_step()
"""


def flowtop(folder: Path, *args: str) -> str:
    done = fork_cli.run(args, cwd=folder, timeout=120)
    return done.stdout


def task_line(detail: str, task: str) -> str:
    (line,) = [line for line in detail.splitlines() if line.startswith(f"{task}  ")]
    return line


def test_reused_and_cached_tasks_say_where_their_result_came_from(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(ETL)
    flowtop(tmp_path, "run", "etl.py", "--quiet")  # #1: load fails
    (tmp_path / "ok").touch()
    flowtop(tmp_path, "run", "etl.py", "--quiet", "--rerun-of", "1")  # #2: extract reused
    flowtop(tmp_path, "run", "etl.py", "--quiet")  # #3: cached_step from #2's cache entry
    rerun = flowtop(tmp_path, "history", ".", "--run", "2")
    assert task_line(rerun, "extract") == "extract  COMPLETED  reused from run #1, attempt 1"
    assert task_line(rerun, "load").startswith("load  COMPLETED  attempt 1/1 (+3 on Retry)  ")
    cached = task_line(flowtop(tmp_path, "history", ".", "--run", "3"), "cached_step")
    assert cached.startswith("cached_step  COMPLETED  cached result of etl #2, "), cached
    assert "attempt" not in cached and "  -" not in cached, cached
