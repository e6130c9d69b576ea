"""The loader process: a flow file that hangs, exits or raises BaseException at import is
a broken file with the reason, never a hang or the end of the process importing it."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.workspace import Workspace
from flowtop.workspace.loader_process import ForkServer, probe, run_child
from flowtop.workspace.settings import SettingsFileError, parse_settings
from flowtop.workspace.workspace_description import describe_workspace
from waits import WatchStarts

GOOD = """\
from flowtop import Flow, task

@task
def a():
    return 1

@task
def b(x):
    return x

with Flow('good') as flow:
    b(a())
"""


@pytest.fixture
def busy_thread() -> Iterator[None]:
    """A second thread: the probe then goes through the fork server, as in the TUI."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


def request(path: Path, timeout: float = 5) -> dict[str, object]:
    return {
        "path": str(path),
        "root": str(path.parent),
        "compat": False,
        "timeout": timeout,
        "cwd": str(path.parent),
    }


@pytest.mark.parametrize("threaded", [False, True], ids=["forked-here", "fork-server"])
def test_a_good_file_is_described_and_its_output_kept(write, tmp_path, request_threaded, threaded):
    path = write("good.py", "print('hello from import')\n" + GOOD)
    result = probe(path, tmp_path, prefect_compat=False, timeout=5)
    assert result.error is None
    assert [(f.name, f.tasks) for f in result.flows] == [("good", (("a", ()), ("b", ("a",))))]
    assert result.output == "hello from import\n"


@pytest.fixture
def request_threaded(request: pytest.FixtureRequest) -> None:
    if request.node.callspec.params.get("threaded"):
        request.getfixturevalue("busy_thread")
        assert threading.active_count() > 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (  # and where it was: either line of the loop
            "while True:\n    pass\n",
            "import did not finish in 0.5 s ([defaults] load_timeout), at bad.py:",
        ),
        ("import os\nos._exit(3)\n", "the import ended the process (exit code 3)"),
        (
            "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
            "the import ended the process (killed by signal SIGKILL)",
        ),
    ],
    ids=["hang", "os-exit", "signal"],
)
def test_what_only_another_process_can_report(write, tmp_path, body, reason):
    path = write("bad.py", "from flowtop import Flow\n" + body)
    reply = run_child(request(path, timeout=0.5))
    assert reply["error"] in ([None, None, reason], *([None, None, f"{reason}{n}"] for n in (2, 3)))
    assert reply["fatal"] is True


def test_workspace_keeps_the_other_flows_and_names_the_broken_files(write, tmp_path):
    write("good.py", GOOD)
    write("slow.py", "from flowtop import Flow\nimport time\nwhile True:\n    time.sleep(1)\n")
    write("crash.py", "import os\nfrom flowtop import Flow\nos._exit(3)\n")
    write("kbd.py", "from flowtop import Flow\nraise KeyboardInterrupt\n")
    write("flowtop.toml", "[defaults]\nload_timeout = 0.5\n")
    with Workspace(tmp_path) as ws:
        ws.load()
        assert list(ws.flows) == ["good"]
        errors = {path.name: str(error) for path, error in ws.errors.items()}
    assert errors == {
        "slow.py": "slow.py: import did not finish in 0.5 s ([defaults] load_timeout), at slow.py:4",
        "crash.py": "crash.py: the import ended the process (exit code 3)",
        "kbd.py": "kbd.py:2: KeyboardInterrupt",
    }


def test_load_timeout_must_be_a_positive_number_of_seconds(tmp_path):
    with pytest.raises(
        SettingsFileError, match=r"load_timeout must be a finite number of seconds > 0"
    ):
        parse_settings(tmp_path / "flowtop.toml", "[defaults]\nload_timeout = 0\n")
    parsed = parse_settings(tmp_path / "flowtop.toml", "[defaults]\nload_timeout = 2.5\n")
    assert parsed.defaults["load_timeout"] == 2.5


def test_the_fork_server_survives_its_children_and_restarts_when_killed(write, tmp_path):
    server = ForkServer()
    try:
        crash = write("crash.py", "import os\nfrom flowtop import Flow\nos._exit(3)\n")
        good = write("good.py", GOOD)
        assert server.ask(request(crash), 5)["error"][2].endswith("(exit code 3)")
        first = server.pid
        assert server.ask(request(good), 5)["error"] is None
        assert server.pid == first  # one warm process, one child per import
        import os
        import signal

        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert server.ask(request(good), 5)["error"] is None
        assert server.pid != first
    finally:
        server.close()


async def test_the_watcher_survives_a_cancelled_error_in_a_flow_file(write, workspace, monkeypatch):
    write("etl.py", "from flowtop import Flow\nflow = Flow('etl')\n")
    ws = workspace()
    starts = WatchStarts(monkeypatch)
    stop = asyncio.Event()
    changes = ws.watch(stop)
    watching = asyncio.ensure_future(asyncio.wait_for(anext(changes), 10))
    await starts.on(1, watching)
    write("etl.py", "import asyncio\nfrom flowtop import Flow\nraise asyncio.CancelledError()\n")
    change = await watching
    while not change.errors:
        change = await asyncio.wait_for(anext(changes), 10)
    assert "CancelledError" in str(change.errors[0])
    write("etl.py", "from flowtop import Flow\nflow = Flow('etl2')\n")
    change = await asyncio.wait_for(anext(changes), 10)
    while "etl2" not in change.flows:
        change = await asyncio.wait_for(anext(changes), 10)
    assert list(ws.flows) == ["etl2"]  # hot reload went on
    stop.set()
    await changes.aclose()


def test_the_process_importing_is_never_the_one_that_hangs(tmp_path):
    """In a subprocess: a file looping at import would hang this very process otherwise."""
    import subprocess

    (tmp_path / "slow.py").write_text("from flowtop import Flow\nwhile True:\n    pass\n")
    code = (
        "from flowtop.workspace import Workspace\n"
        f"ws = Workspace({str(tmp_path)!r})\n"
        "ws.load()\n"
        "print(sorted(str(e) for e in ws.errors.values()))\n"
    )
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 0.5\n")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, cwd=tmp_path
    )
    assert done.stdout.strip() in {  # (either line of its ``while True: pass``)
        f"['slow.py: import did not finish in 0.5 s ([defaults] load_timeout), at slow.py:{n}']"
        for n in (2, 3)
    }, done.stderr


WAITS_FOR = """\
import time
from pathlib import Path
from flowtop import Flow

Path("{me}.flag").touch()
while not Path("{other}.flag").exists():  # only true if the other file is imported meanwhile
    time.sleep(0.01)
flow = Flow("{me}")
"""


@pytest.mark.parametrize("threaded", [False, True], ids=["forked-here", "fork-server"])
def test_files_are_imported_in_parallel_children(write, tmp_path, request_threaded, threaded):
    """Two files that each wait for the other: only imports running at once both finish, so
    several slow files cost one load_timeout, not one each."""
    write("a.py", WAITS_FOR.format(me="a", other="b"))
    write("b.py", WAITS_FOR.format(me="b", other="a"))
    write("flowtop.toml", "[defaults]\nload_timeout = 20\n")
    with Workspace(tmp_path) as ws:
        ws.load()
        assert ws.errors == {}
        assert sorted(ws.flows) == ["a", "b"]


def test_a_file_that_fails_in_the_loader_process_never_runs_in_this_one(write, tmp_path):
    """What the monitor process may still import: only files the loader process imported
    cleanly. A failing one is reported from there and never executed here."""
    import os

    write(
        "boom.py",
        "import os\nfrom pathlib import Path\nfrom flowtop import Flow\n"
        "Path('ran-in').write_text(str(os.getpid()))\nraise RuntimeError('boom')\n",
    )
    with Workspace(tmp_path) as ws:
        ws.load()
        assert str(ws.errors[tmp_path / "boom.py"]) == "boom.py:5: RuntimeError: boom"
    assert (tmp_path / "ran-in").read_text() != str(os.getpid())


def test_flowtop_list_imports_each_flow_file_once(write, tmp_path):
    """``flowtop list``'s loader imports the files itself, under the load timeout: a file
    that takes a second to import costs one second, not two."""
    write("good.py", "open(__file__ + '.log', 'a').write('imported\\n')\n" + GOOD)
    described = describe_workspace(str(tmp_path))
    assert list(described.flows) == ["good"]
    assert (tmp_path / "good.py.log").read_text() == "imported\n"


def test_flowtop_list_names_a_file_that_ended_or_hung_its_loader(write, tmp_path):
    """The loader that imported everything itself died at such a file: another imports
    each file in a child first, which names it, and the other flows are listed."""
    write("good.py", GOOD)
    write("crash.py", "import os\nfrom flowtop import Flow\nos._exit(3)\n")
    write("slow.py", "from flowtop import Flow\nimport time\nwhile True:\n    time.sleep(1)\n")
    write("flowtop.toml", "[defaults]\nload_timeout = 0.5\n")
    described = describe_workspace(str(tmp_path))
    assert list(described.flows) == ["good"]
    assert sorted(described.errors) == [
        "crash.py: the import ended the process (exit code 3)",
        "slow.py: import did not finish in 0.5 s ([defaults] load_timeout), at slow.py:4",
    ]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts the OS's threads (Linux)")
def test_a_thread_threading_never_started_still_sends_imports_to_the_fork_server() -> None:
    """A thread a C library (or xdist) started is one ``threading.active_count`` misses:
    forking beside it may deadlock the child (Python 3.12+ warns of it)."""
    import _thread

    from flowtop.workspace.forked_child import single_threaded

    release, started = threading.Lock(), threading.Event()
    release.acquire()

    def hold() -> None:
        started.set()
        release.acquire()

    _thread.start_new_thread(hold, ())
    started.wait(5)
    try:
        assert not single_threaded()
    finally:
        release.release()


def test_a_load_works_in_a_process_holding_a_thousand_files_open(tmp_path: Path) -> None:
    """The reply pipe was waited on with ``select``, which refuses a descriptor numbered
    1024 or more: a load in such a process failed (``filedescriptor out of range in
    select()``, seen once in CI, in a test worker that had opened many files)."""
    import os
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"this system allows {hard} open files: not enough to pass 1024")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    path = tmp_path / "one.py"
    path.write_text("from flowtop import Flow, task\n\n@task\ndef a():\n    return 1\n\n"
                    "with Flow('one') as flow:\n    a()\n")  # fmt: skip
    held: list[int] = []
    try:
        while not held or held[-1] < 1030:
            held.append(os.open(os.devnull, os.O_RDONLY))
        reply = run_child(request(path))
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert reply["error"] is None, reply
    assert [flow["name"] for flow in reply["flows"]] == ["one"]
