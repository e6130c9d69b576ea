"""``fork_cli.popen``: a ``subprocess.Popen`` of ``python -m flowtop`` forked from the
worker's server, and the same to the test as a real one where the test looks.

Each behaviour is checked on both, side by side: a real ``Popen`` and the stand-in.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import fork_cli
from flowtop.compat import children
from waits import wait_until

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")

#: A task that echoes a line of stdin, says it has started, then waits for ``go``.
ECHO_THEN_WAIT = """
    import sys
    import time
    from pathlib import Path

    from flowtop import Flow, task

    @task
    def echo():
        print("got " + sys.stdin.readline().upper(), end="", flush=True)
        Path("started").write_text("x")
        while not Path("go").exists():
            time.sleep(0.02)

    with Flow("waits") as flow:
        echo()
"""

COMMAND = [sys.executable, "-m", "flowtop", "run", "waits.py", "--no-history"]
ENV = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
Start = Callable[..., "subprocess.Popen[Any]"]
BOTH = pytest.mark.parametrize("start", [subprocess.Popen, fork_cli.popen], ids=["popen", "forked"])


def started(folder: Path, start: Start, **options: Any) -> subprocess.Popen[Any]:
    """``flowtop run`` of the waiting flow in ``folder``, fed a line, once its task runs."""
    (folder / "waits.py").write_text(textwrap.dedent(ECHO_THEN_WAIT))
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **options}
    proc = start(COMMAND, cwd=folder, env=ENV, stdin=subprocess.PIPE, **options)
    assert type(proc) is (fork_cli._Forked if start is fork_cli.popen else subprocess.Popen)
    assert proc.stdin is not None
    proc.stdin.write("hello\n")
    proc.stdin.flush()
    wait_until(lambda: (folder / "started").exists() or proc.poll() is not None, timeout=60)
    assert proc.poll() is None, proc.communicate()
    return proc


def signal_state(pid: int) -> dict[str, str]:
    """What ``/proc`` says of a process's signals: blocked, ignored, caught."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {
        name: value.strip()
        for name, _, value in (line.partition(":") for line in lines)
        if name in ("SigBlk", "SigIgn", "SigCgt")
    }


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc")
def test_the_forked_child_handles_signals_as_a_new_python_does(tmp_path: Path) -> None:
    """The same signals blocked, ignored and caught, and Ctrl+C ends each the same way."""
    states, ends = [], []
    for start in (subprocess.Popen, fork_cli.popen):
        folder = tmp_path / start.__name__
        folder.mkdir()
        with started(folder, start) as proc:
            states.append(signal_state(proc.pid))
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        ends.append((proc.returncode, "got HELLO" in out, err))
    assert states[0] == states[1]
    assert ends[0] == ends[1] == (130, True, "flowtop run: interrupted (Ctrl+C)\n")


@BOTH
def test_wait_and_communicate_time_out_and_a_kill_ends_it(tmp_path: Path, start: Start) -> None:
    proc = started(tmp_path, start)
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=0.05)
    with pytest.raises(subprocess.TimeoutExpired):
        proc.communicate(timeout=0.05)
    assert proc.poll() is None and proc.returncode is None
    proc.kill()
    proc.communicate(timeout=60)
    assert proc.returncode == proc.wait(timeout=0) == -signal.SIGKILL
    proc.send_signal(signal.SIGTERM)  # an ended child's: nothing, as Popen's
    proc.terminate()


@BOTH
def test_stdin_stdout_as_they_come_and_the_exit_code(tmp_path: Path, start: Start) -> None:
    proc = started(tmp_path, start, stderr=subprocess.STDOUT)
    (tmp_path / "go").touch()
    assert proc.stdout is not None
    lines = list(proc.stdout)
    assert proc.wait(timeout=60) == 0
    assert any(line.startswith("  │ got HELLO") for line in lines), lines
    assert "COMPLETED" in lines[-1], lines


@BOTH
def test_start_new_session_gives_the_child_its_own(tmp_path: Path, start: Start) -> None:
    with started(tmp_path, start, start_new_session=True) as proc:
        assert os.getsid(proc.pid) == os.getpgid(proc.pid) == proc.pid
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 143


@BOTH
def test_without_it_the_child_is_in_this_process_s_session_and_group(
    tmp_path: Path, start: Start
) -> None:
    with started(tmp_path, start) as proc:
        assert os.getsid(proc.pid) == os.getsid(0)
        assert os.getpgid(proc.pid) == os.getpgid(0)
        proc.terminate()
    assert proc.returncode == 143


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ([sys.executable, "-c", "pass"], {}),  # not flowtop
        ([sys.executable, "-X", "dev", "-m", "flowtop", "--version"], {}),  # a -X option
        ([*COMMAND[:3], "--version"], {"env": {**os.environ, "LC_ALL": "C"}}),  # read at start
        ([*COMMAND[:3], "--version"], {"pass_fds": ()}),  # an option the stand-in lacks
        ([*COMMAND[:3], "--version"], {"cwd": "/no/such/folder"}),  # Popen's own error
    ],
    ids=["other", "x-option", "locale", "option", "cwd"],
)
def test_what_it_cannot_fork_is_a_real_popen(command: list[str], options: Any) -> None:
    try:
        proc = fork_cli.popen(command, stdout=subprocess.DEVNULL, **options)
    except FileNotFoundError:
        assert "cwd" in options
        return
    assert type(proc) is subprocess.Popen
    assert proc.wait(timeout=60) == 0


def test_flowtop_tests_fork_0_forks_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWTOP_TESTS_FORK", "0")
    proc = fork_cli.popen([*COMMAND[:3], "--version"], stdout=subprocess.PIPE)
    assert type(proc) is subprocess.Popen
    out, _ = proc.communicate(timeout=60)
    assert out.startswith(b"flowtop ") and proc.returncode == 0


@pytest.mark.parametrize("how", ["ignored", "blocked"])
def test_a_signal_this_thread_ignores_or_blocks_gives_a_real_popen(how: str) -> None:
    """A new process keeps them (``nohup``'s SIGHUP), where the server's children have none."""
    if how == "ignored":
        before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    else:
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGHUP])
    try:
        proc = fork_cli.popen([*COMMAND[:3], "--version"], stdout=subprocess.DEVNULL)
        done = fork_cli.run(["--version"])
    finally:
        if how == "ignored":
            signal.signal(signal.SIGHUP, before)
        else:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGHUP])
    assert type(proc) is subprocess.Popen
    assert proc.wait(timeout=60) == 0 and done.returncode == 0
    assert fork_cli.forkable(os.environ)


def test_a_command_forks_in_the_environment_collecting_left() -> None:
    """Collecting a test module that imported ``prefect`` in drop-in mode put ``child_site``
    first on ``PYTHONPATH`` for every process started after (``compat.children``): compared
    with the environment at ``fork_cli``'s import, no command of a whole suite's worker
    forked. The worker here is a ``python`` of its own, which publishes a module so."""
    script = f"""if True:
        import os, subprocess, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import fork_cli
        from flowtop.compat import children

        children.publish([{{"__name__": "collected_flows", "__file__": "/x/collected_flows.py"}}])
        fork_cli.after_collection()  # conftest's, once collected
        proc = fork_cli.popen([*{COMMAND[:3]!r}, "--version"], stdout=subprocess.PIPE, text=True)
        print(type(proc).__name__, proc.communicate(timeout=60)[0], end="")
        print(os.environ["PYTHONPATH"].split(os.pathsep)[0] == children.SITE)
    """
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    kind, name, _, site_first = done.stdout.split()
    assert (kind, name, site_first) == ("_Forked", "flowtop", "True")


#: A module a drop-in test imported (``prefect`` at its top and in a function), published to
#: the processes started after it, and a flow whose task imports it there by name.
DROP_IN_HELPER = """
    import prefect

    def versions():
        from prefect import runtime  # after its window: children.LateImports's

        return prefect.__version__.partition("+")[2][:7], runtime.__name__
"""
IMPORTS_IT = """
    from flowtop import Flow, task

    @task
    def helped():
        import fork_cli_drop_in_helper  # found by children.Spawned, by its file

        print("HELPER", *fork_cli_drop_in_helper.versions())

    with Flow("helped") as flow:
        helped()
"""


def test_after_a_drop_in_test_published_modules_a_command_forks_as_a_new_python_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``prefect_imports()`` in a test puts ``child_site`` on the worker's ``PYTHONPATH``
    and names its modules in ``FLOWTOP_PREFECT_CHILD_MODULES`` (``children.publish``), for
    good: no command of that worker forked after it. The child now installs them as that
    site's ``sitecustomize`` would have, and behaves as a new ``python`` does."""
    helper = tmp_path / "elsewhere" / "fork_cli_drop_in_helper.py"
    helper.parent.mkdir()
    helper.write_text(textwrap.dedent(DROP_IN_HELPER))
    (tmp_path / "helped.py").write_text(textwrap.dedent(IMPORTS_IT))
    children.publish([{"__name__": helper.stem, "__file__": str(helper)}])
    ends = []
    try:
        for fork, kind in (("1", fork_cli._Forked), ("0", subprocess.Popen)):
            monkeypatch.setenv("FLOWTOP_TESTS_FORK", fork)
            command = [*COMMAND[:3], "run", "helped.py", "--no-history"]
            env = {**os.environ, "NO_COLOR": "1"}
            options: Any = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True}
            proc = fork_cli.popen(command, cwd=tmp_path, env=env, **options)
            assert type(proc) is kind
            out, _ = proc.communicate(timeout=60)
            ends.append((proc.returncode, [line for line in out.splitlines() if "HELPER" in line]))
    finally:
        children.forget([helper.stem])
    assert ends[0] == ends[1]
    assert ends[0][0] == 0 and ends[0][1][0].endswith("HELPER flowtop prefect.runtime"), ends


def test_a_server_started_with_modules_published_forks_for_more(tmp_path: Path) -> None:
    """As a whole suite's worker: collecting published some modules (the server starts
    with them installed), a test more. The worker is a ``python`` of its own here."""
    helper = tmp_path / "elsewhere" / "fork_cli_drop_in_helper.py"
    helper.parent.mkdir()
    helper.write_text(textwrap.dedent(DROP_IN_HELPER))
    (tmp_path / "helped.py").write_text(textwrap.dedent(IMPORTS_IT))
    script = f"""if True:
        import os, subprocess, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import fork_cli
        from flowtop.compat import children

        children.publish([{{"__name__": "collected_flows", "__file__": "/x/collected_flows.py"}}])
        fork_cli.after_collection()
        fork_cli.run(["--version"], check=True)  # the server started with it
        children.publish([{{"__name__": {helper.stem!r}, "__file__": {str(helper)!r}}}])
        command = [*{COMMAND[:3]!r}, "run", "helped.py", "--no-history"]
        env = {{**os.environ, "NO_COLOR": "1"}}
        proc = fork_cli.popen(command, stdout=subprocess.PIPE, text=True, env=env)
        out = proc.communicate(timeout=60)[0]
        print(type(proc).__name__, proc.returncode, *[x for x in out.split("\\n") if "HELPER" in x])
    """
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("_Forked 0 ") and "HELPER flowtop prefect.runtime" in done.stdout


@pytest.mark.parametrize("fork", ["1", "0"], ids=["forked", "new-python"])
def test_run_with_check_raises_on_a_non_zero_exit_as_subprocess_run_does(
    fork: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWTOP_TESTS_FORK", fork)
    assert fork_cli.run(["--version"], timeout=60, check=True).stdout.startswith("flowtop ")
    with pytest.raises(subprocess.CalledProcessError) as raised:
        fork_cli.run(["--no-such-option"], timeout=60, check=True)
    assert raised.value.returncode == 2 and "--no-such-option" in raised.value.stderr
    assert raised.value.cmd == [sys.executable, "-m", "flowtop", "--no-such-option"]


def test_a_test_forgetting_the_drop_in_modules_leaves_later_commands_forkable() -> None:
    """A workspace reloaded with drop-in mode off forgets its modules (``children.forget``)
    where collecting had published them: every later command of that worker started as a
    new Python, until conftest's fixture put the modules' list back too. The worker is a
    ``python`` of its own here."""
    script = f"""if True:
        import os, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import fork_cli, start_variables
        from flowtop.compat import children

        children.publish([{{"__name__": "collected_flows", "__file__": "/x/collected_flows.py"}}])
        fork_cli.after_collection()
        with start_variables.put_back():  # a test, as conftest's fixture wraps each
            children.forget(["collected_flows"])
        print(fork_cli.forkable(os.environ))
    """
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout) == (0, "True\n"), done.stderr
