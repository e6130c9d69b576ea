"""A thread a task or a ``@flow`` body starts is not killed by the process's exit.

Python gives a new thread its creator's ``daemon``; flowtop's threads are daemons (a task
hung past its timeout must not hold the exit), so a plain ``threading.Thread`` a task
started was one too, and ``python flow.py`` or ``flowtop run`` exited under it: the file
it was writing never written. Under Prefect, or a plain ``ThreadPoolExecutor``, the exit
waits for it (``user_threads``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from flowtop.engine.user_threads import UserCodeThread

LATER = """
import threading, time
from pathlib import Path
from flowtop import Flow, flow, task

HERE = Path(__file__).parent

def later(name):
    time.sleep(0.3)
    (HERE / name).write_text(f"daemon={threading.current_thread().daemon}")

def start(name):
    threading.Thread(target=later, args=(name,)).start()
"""

STATIC = (
    LATER
    + """
@task
def step():
    start("from-task")
    return 1

with Flow("static") as static:
    step()

if __name__ == "__main__":
    static.run()
"""
)

DECORATED = (
    LATER
    + """
@task
def step():
    start("from-task")
    return 1

@task
def submitted():
    start("from-submitted")

def hook(flow, flow_run, state):
    start("from-hook")

@flow(on_completion=[hook])
def decorated():
    start("from-body")
    step()
    future = submitted.submit()
    future.add_done_callback(lambda done: start("from-callback"))
    future.wait()

if __name__ == "__main__":
    decorated()
"""
)


@pytest.mark.parametrize(
    ("flow_text", "written"),
    [
        (STATIC, {"from-task"}),
        (
            DECORATED,
            {"from-task", "from-body", "from-submitted", "from-hook", "from-callback"},
        ),
    ],
    ids=["Flow.run()", "@flow"],
)
@pytest.mark.parametrize("how", ["script", "flowtop run"])
def test_the_exit_waits_for_a_thread_the_flow_started(
    tmp_path: Path, flow_text: str, written: set[str], how: str
) -> None:
    (tmp_path / "flow.py").write_text(textwrap.dedent(flow_text))
    command = (
        ["flow.py"] if how == "script" else ["-m", "flowtop", "run", "flow.py", "--no-history"]
    )
    done = subprocess.run(
        [sys.executable, *command], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    made = {path.name for path in tmp_path.glob("from-*")}
    assert made == written, done.stderr
    assert {(tmp_path / name).read_text() for name in made} == {"daemon=False"}


def test_a_user_code_thread_is_a_daemon_to_the_interpreter_and_not_to_its_threads() -> None:
    seen: list[bool] = []
    thread = UserCodeThread(lambda: seen.append(threading.Thread(target=print).daemon), "t")
    assert thread.daemon
    thread.start()
    thread.join()
    assert seen == [False]
