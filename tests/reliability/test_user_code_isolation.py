"""User code runs in loader and run processes, never in the process of ``flowtop list``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import fork_cli

MARKED = """\
import os
from pathlib import Path
from flowtop import Flow, task

Path(os.environ["MARKER"]).write_text(str(os.getpid()))
print("printed at import")

@task
def job():
    return 1

with Flow("marked") as flow:
    job()
"""


def test_flowtop_list_imports_no_flow_file_in_its_own_process(tmp_path: Path) -> None:
    (tmp_path / "marked.py").write_text(MARKED)
    marker = tmp_path / "imported-by"
    env = {**os.environ, "MARKER": str(marker), "NO_COLOR": "1"}
    listing = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "list", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    out, err = listing.communicate(timeout=60)
    assert listing.returncode == 0, err
    assert "marked  (" in out and "  job" in out
    assert marker.exists()  # the file was imported, by another process
    assert int(marker.read_text()) != listing.pid
    assert "printed at import" not in out  # nor did its output reach stdout


def test_flowtop_list_reports_a_file_that_ends_the_process_and_lists_the_rest(
    tmp_path: Path,
) -> None:
    (tmp_path / "marked.py").write_text(MARKED)
    (tmp_path / "crash.py").write_text("import os\nfrom flowtop import Flow\nos._exit(3)\n")
    env = {**os.environ, "MARKER": str(tmp_path / "m"), "NO_COLOR": "1"}
    done = fork_cli.run(
        ["list", "."],
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == "flowtop list: crash.py: the import ended the process (exit code 3)\n"
    assert "marked  (" in done.stdout


NOISY = """\
import os
import threading
from flowtop import Flow, task

print("printed at import " + "x" * 5000)
os.write(1, b"written to fd 1 at import\\n")

@task
def job():
    thread = threading.Thread(target=lambda: print("from a thread the task started"))
    thread.start()
    thread.join()
    print("inside the task")
    return 1

with Flow("noisy") as flow:
    job()
"""


def test_run_json_stdout_holds_json_lines_only(tmp_path: Path) -> None:
    """issue 16 item 9: output at import and from a task's own thread never lands on stdout."""
    import json

    (tmp_path / "noisy.py").write_text(NOISY)
    done = fork_cli.run(
        ["run", ".", "--json"],
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]  # every line is JSON
    assert events[-1]["event"] == "run_finished"
    assert "printed at import" in done.stderr
    assert "written to fd 1 at import" in done.stderr
    output = [e.get("output", "") for e in events if e.get("task") == "job"]
    assert any("inside the task" in text for text in output)  # the task's own, in its event
    # a thread the task started, while it ran: the task's output too (``capture_threads``)
    assert any("from a thread the task started" in text for text in output)
    assert "from a thread the task started" not in done.stderr


GOOD = """\
from flowtop import Flow, task

@task
def ok():
    return 1

with Flow("good") as flow:
    ok()
"""


async def test_the_tui_survives_saving_files_that_end_hang_or_interrupt_their_import(
    tmp_path: Path,
) -> None:
    """issue 16 item 6: os._exit at import used to kill the TUI on hot reload."""
    from pilot_kit import screen_text, wait_for

    from .conftest import run_flow, tui

    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 0.5\n")
    async with tui(tmp_path) as (app, pilot):
        await pilot.pause(0.3)  # the watcher is up
        (tmp_path / "crash.py").write_text("import os\nfrom flowtop import Flow\nos._exit(3)\n")
        (tmp_path / "slow.py").write_text("from flowtop import Flow\nwhile True:\n    pass\n")
        (tmp_path / "kbd.py").write_text("from flowtop import Flow\nraise KeyboardInterrupt\n")
        for name in ("crash.py", "slow.py", "kbd.py"):
            await wait_for(pilot, lambda n=name: f"✗ {n}" in screen_text(app), f"✗ {name}")
        errors = {path.name: str(error) for path, error in app.workspace.errors.items()}
        assert errors["crash.py"].endswith("crash.py: the import ended the process (exit code 3)")
        assert errors["slow.py"] in {  # (where it was: either line of ``while True: pass``)
            f"slow.py: import did not finish in 0.5 s ([defaults] load_timeout), at slow.py:{n}"
            for n in (2, 3)
        }
        run = await run_flow(app, pilot, "good")  # the rest still works
        assert run.state.name == "COMPLETED"


PID_LOG = """\
import os
from pathlib import Path
from flowtop import Flow, task

with open(os.environ["MARKER"], "a") as log:
    log.write(f"{os.getpid()}\\n")

@task
def job():
    return 1

with Flow("logged") as flow:
    job()
"""


def test_run_detach_imports_no_flow_file_in_its_own_process(tmp_path: Path) -> None:
    (tmp_path / "logged.py").write_text(PID_LOG)
    marker = tmp_path / "importers"
    env = {**os.environ, "MARKER": str(marker), "NO_COLOR": "1"}
    detach = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", ".", "--detach"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    out, err = detach.communicate(timeout=60)
    assert detach.returncode == 0, err
    run_id = out.strip()
    watched = fork_cli.run(
        ["watch", run_id],
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert watched.returncode == 0, watched.stderr  # the run process ran it
    importers = marker.read_text().split()
    assert importers and str(detach.pid) not in importers
