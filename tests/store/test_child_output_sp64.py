"""In a launched run (``--detach``, the monitor's ``r``) what a process an attempt started
writes is that attempt's output alone, in turn with its prints, and live.

It was read back from the run's log, which every task's children share: two tasks whose
children wrote at the same time each got the lines of both, a child's lines came after
all of its attempt's prints, and none showed while the attempt ran (``child_files``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flowtop.workspace.history_records import RunDetail
from flowtop.workspace.store_reader import StoreReader

from .conftest import flowtop, wait_until

#: Shell lines waiting for a file ``NAME`` in the flow's folder (the children's cwd).
WAIT = "while [ ! -e {0} ]; do sleep 0.01; done"

#: Two tasks at once whose children write in turn (``A-1 B-1 A-2 B-2``), each waiting
#: for the file the other's made after its line.
AT_ONCE = f"""
    import subprocess
    from pathlib import Path
    from flowtop import flow, task

    HERE = Path(__file__).parent

    def child(script):
        subprocess.run(["sh", "-c", script], cwd=HERE, check=True)

    @task
    def a():
        child("echo from-A-1; {WAIT.format("b1")}; echo from-A-2; touch a2")

    @task
    def b():
        child("{WAIT.format("a1")}; echo from-B-1; touch b1; {WAIT.format("a2")}; echo from-B-2")

    @flow
    def at_once():
        (HERE / "a1").touch()
        first, second = a.submit(), b.submit()
        first.result(), second.result()
"""

#: Prints and a child's lines, in a task and in the ``@flow`` body.
IN_TURN = """
    import subprocess
    from flowtop import flow, task

    @task
    def ticks():
        print("py before")
        subprocess.run(["sh", "-c", "for i in 1 2 3; do echo tick $i; done"], check=True)
        print("py after")

    @flow
    def in_turn():
        print("body before")
        subprocess.run(["echo", "body child"], check=True)
        print("body after")
        ticks()
"""

#: A task whose child says a line, then waits for a file ``go`` (the test reads the
#: store meanwhile).
WAITING = f"""
    import subprocess
    from pathlib import Path
    from flowtop import flow, task

    HERE = Path(__file__).parent

    @task
    def waits():
        subprocess.run(["sh", "-c", "echo child started; {WAIT.format("go")}"], cwd=HERE)

    @flow
    def waiting():
        waits()
"""

#: A task leaves a child running (a ``Popen`` never waited for) that writes once the
#: next task's child has begun; ``done`` says it wrote unharmed.
LEFT_RUNNING = f"""
    import subprocess
    from pathlib import Path
    from flowtop import flow, task

    HERE = Path(__file__).parent

    @task
    def leaves():
        print("before")
        subprocess.Popen(["sh", "-c", "{WAIT.format("go")}; echo late; touch done"], cwd=HERE)
        print("after")

    @task
    def next_one():
        subprocess.run(["sh", "-c", "touch go; {WAIT.format("done")}; echo next child"], cwd=HERE)

    @flow
    def left_running():
        leaves()
        next_one()
"""

#: Output a task takes (``capture_output``, ``PIPE`` and ``STDOUT``) or merges itself.
TAKEN = """
    import subprocess
    from flowtop import flow, task

    @task
    def takes():
        got = subprocess.run(["sh", "-c", "echo out; echo err >&2"], capture_output=True, text=True)
        print("captured", repr(got.stdout), repr(got.stderr))
        both = subprocess.check_output(["sh", "-c", "echo o; echo e >&2"], stderr=subprocess.STDOUT)
        print("merged", repr(both))
        subprocess.run(["sh", "-c", "echo to stderr >&2"], stderr=subprocess.STDOUT, check=True)

    @flow
    def taken():
        takes()
"""


def _run(folder: Path, name: str) -> tuple[StoreReader, str]:
    started = flowtop("run", f"{name}.py", "--detach", cwd=folder)
    assert started.returncode == 0, started.stderr
    return StoreReader(folder / ".flowtop" / "history.db"), started.stdout.strip()


def _ended(reader: StoreReader, run_id: str) -> RunDetail:
    def ended() -> RunDetail | None:
        detail = reader.run_detail(run_id)
        return detail if detail is not None and detail.run.state != "RUNNING" else None

    found = wait_until(ended, "the run's end in the store", 60)
    assert found is not None  # (wait_until returns what it waited for)
    return found


def _outputs(detail: RunDetail) -> dict[str, str]:
    return {t.task: "".join(a.output for a in t.attempt_records) for t in detail.tasks}


def test_tasks_at_once_each_keep_their_own_child_s_lines(ws: Callable[..., Path]) -> None:
    reader, run_id = _run(ws(at_once=AT_ONCE), "at_once")
    detail = _ended(reader, run_id)
    assert detail.run.state == "COMPLETED", detail
    assert _outputs(detail) == {"a": "from-A-1\nfrom-A-2\n", "b": "from-B-1\nfrom-B-2\n"}


def test_children_s_lines_come_in_turn_with_prints(ws: Callable[..., Path]) -> None:
    reader, run_id = _run(ws(in_turn=IN_TURN), "in_turn")
    detail = _ended(reader, run_id)
    assert detail.run.state == "COMPLETED", detail
    assert _outputs(detail) == {"ticks": "py before\ntick 1\ntick 2\ntick 3\npy after\n"}
    assert detail.output == "body before\nbody child\nbody after\n"


def test_a_child_s_lines_reach_the_store_while_its_attempt_runs(ws: Callable[..., Path]) -> None:
    folder = ws(waiting=WAITING)
    reader, run_id = _run(folder, "waiting")
    try:
        wait_until(
            lambda: _outputs(reader.run_detail(run_id)).get("waits") == "child started\n",
            "the running task's child's line in the store",
            30,
        )
    finally:
        (folder / "go").touch()
    detail = _ended(reader, run_id)
    assert detail.run.state == "COMPLETED", detail
    assert _outputs(detail) == {"waits": "child started\n"}


def test_a_child_left_running_writes_into_no_later_attempt(ws: Callable[..., Path]) -> None:
    folder = ws(left_running=LEFT_RUNNING)
    reader, run_id = _run(folder, "left_running")
    detail = _ended(reader, run_id)
    assert detail.run.state == "COMPLETED", detail
    assert _outputs(detail) == {"leaves": "before\nafter\n", "next_one": "next child\n"}
    assert (folder / "done").exists()  # it wrote "late" unharmed (no SIGPIPE), unread
    # no file left behind: the run's log goes just after its end is recorded (kept till
    # then, it says why a run never reached the store: ``run_output.forget_launched_log``),
    # so a look at once may come between the two (CI, loaded)
    logs = folder / ".flowtop" / "logs"
    wait_until(lambda: not any(logs.iterdir()), "the run's log and child files to go", 30)


def test_output_a_task_takes_from_its_child_stays_its_own(ws: Callable[..., Path]) -> None:
    reader, run_id = _run(ws(taken=TAKEN), "taken")
    detail = _ended(reader, run_id)
    assert detail.run.state == "COMPLETED", detail
    assert _outputs(detail)["takes"] == (
        "captured 'out\\n' 'err\\n'\nmerged b'o\\ne\\n'\nto stderr\n"
    )
