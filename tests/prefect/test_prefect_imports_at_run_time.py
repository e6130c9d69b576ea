"""Drop-in ``prefect`` imports run after a flow file loaded: inside a task or flow
function (``from prefect.runtime import task_run``), in this process, a spawned child and
a process worker (``compat.late_import``, ``children.LateImports``); and Prefect's
``pause_flow_run`` / ``suspend_flow_run``, importable, refused in one line when called."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import flowtop as flowtop_package
from flowtop.compat import NotAvailable, children, prefect_imports
from flowtop.engine import Runner, StateType
from flowtop.engine.errors import NotInFlowtop
from flowtop.workspace import Workspace

LATE = """
    from prefect import flow, task

    @task(task_run_name="named-{x}")
    def named(x):
        from prefect.runtime import task_run
        from prefect import get_run_logger

        get_run_logger().info("inside %s", task_run.name)
        return task_run.name

    @flow
    def late():
        import prefect
        import prefect.runtime.flow_run as run

        return [prefect.__version__.partition("+")[2][:7], run.name is not None, named(3)]
"""


@pytest.fixture(autouse=True)
def no_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWTOP_PREFECT_COMPAT", raising=False)


@pytest.fixture
def installed_prefect() -> Iterator[types.ModuleType]:
    """An installed Prefect, as the process's other code imports it."""
    real = types.ModuleType("prefect")
    real.__version__ = "3.9.1+installed"  # type: ignore[attr-defined]
    saved = {n: m for n, m in sys.modules.items() if n.partition(".")[0] == "prefect"}
    for name in saved:
        del sys.modules[name]
    sys.modules["prefect"] = real
    try:
        yield real
    finally:
        for name in [n for n in sys.modules if n.partition(".")[0] == "prefect"]:
            del sys.modules[name]
        sys.modules.update(saved)


def load(folder: Path, source: str) -> Workspace:
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (folder / "late.py").write_text(textwrap.dedent(source))
    workspace = Workspace(folder)
    changed = workspace.load()
    assert not changed.errors, changed.errors
    return workspace


def test_a_task_and_a_flow_import_prefect_inside_their_functions(
    tmp_path: Path, installed_prefect: types.ModuleType
) -> None:
    """Prefect's common pattern failed when the task ran: ``No module named 'prefect'``
    (the stand-ins existed only while the file was imported), or gave the installed
    Prefect. The installed one still serves every other importer."""
    workspace = load(tmp_path, LATE)
    with Runner() as runner:
        result = runner.run(workspace.flows["late"])
    assert result.state is StateType.COMPLETED, result.error
    assert result.value == ["flowtop", True, "named-3"]
    assert "inside named-3" in result.attempts["named"][0].output
    assert sys.modules["prefect"] is installed_prefect  # never set aside for a task's import

    elsewhere: dict[str, Any] = {"__name__": "someone_else"}  # no flow file's code
    exec("def get():\n    import prefect\n    return prefect\n", elsewhere)
    assert elsewhere["get"]() is installed_prefect


def test_what_flowtop_lacks_is_still_refused_in_one_line_inside_a_function(
    tmp_path: Path,
) -> None:
    workspace = load(
        tmp_path,
        """
        from prefect import flow

        @flow
        def late():
            from prefect.deployments import Deployment
        """,
    )
    with Runner() as runner:
        result = runner.run(workspace.flows["late"])
    assert isinstance(result.error, NotAvailable)
    assert str(result.error) == "prefect.deployments is not available in flowtop"


def _import_prefect_with(hook: children.LateImports, name: str, source: str) -> Any:
    """Run ``source`` as module ``name`` (of a file ``name.py``) with ``hook`` as its
    ``__import__``, and call its ``get()``."""
    namespace: dict[str, Any] = {
        "__name__": name,
        "__file__": f"/somewhere/{name}.py",
        "__builtins__": {"__import__": hook},
    }
    exec(textwrap.dedent(source), namespace)
    return namespace["get"]()


def _nothing_installed(name: str, *args: Any) -> types.ModuleType:
    raise ModuleNotFoundError(f"No module named {name.partition('.')[0]!r}", name="prefect")


def test_code_that_gets_no_prefect_inside_a_function_is_told_why() -> None:
    hook = children.LateImports(_nothing_installed)
    hook.flowtop_drop_in_modules["flowtop_flows.etl_1"] = "/somewhere/etl.py"
    function = "def get():\n    from prefect.runtime import task_run\n    return task_run\n"
    with pytest.raises(ModuleNotFoundError) as raised:
        _import_prefect_with(hook, "helpers", function)
    assert str(raised.value) == (
        "No module named 'prefect': flowtop's drop-in prefect is only for flow files and the "
        "modules that import prefect while they load; add `import prefect` at the top of "
        "helpers.py"
    )
    stand_in = _import_prefect_with(hook, "flowtop_flows.etl_1", function)  # a flow file's
    assert stand_in.__flowtop_compat__ and stand_in.name is None
    # a module's own top-level import, outside any window (drop-in mode off, a script):
    # not this hook's, even for a flow file's name; Python's words are the truth
    for name in ("script", "flowtop_flows.etl_1"):
        with pytest.raises(ModuleNotFoundError, match=r"^No module named 'prefect'$"):
            _import_prefect_with(hook, name, "import prefect\ndef get(): pass\n")


def test_late_imports_is_installed_once_and_learns_each_window_s_modules(
    tmp_path: Path,
) -> None:
    (tmp_path / "late_helper208.py").write_text("import prefect\n")
    sys.path.insert(0, str(tmp_path))
    saved = {k: os.environ.get(k) for k in (children.ENV, "PYTHONPATH")}
    try:
        with prefect_imports():
            import late_helper208  # type: ignore[import-not-found]  # noqa: F401 - imported for its effect

        import builtins

        hook: Any = builtins.__import__
        assert "late_helper208" in hook.flowtop_drop_in_modules
        children.late_imports({"another208": ""})
        assert "another208" in hook.flowtop_drop_in_modules
        assert builtins.__import__ is hook  # the same one, not a second
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("late_helper208", None)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


SPAWNING = """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from prefect import flow, task

    def in_child(x):
        from prefect import __version__

        return [x, __version__.partition("+")[2][:7]]

    @task
    def spawner():
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=spawn) as pool:
            return list(pool.map(in_child, [5]))

    @flow
    def spawning():
        print("RESULT", spawner())
"""

WORKER = """
    from prefect import flow, task

    @task
    def where():
        import os
        from prefect import get_run_logger

        get_run_logger().info("worker")
        return os.getpid()

    @flow
    def worker():
        import os

        print("RESULT", where() != os.getpid())
"""


def flowtop_run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != children.ENV}
    env["PYTHONPATH"] = str(Path(flowtop_package.__file__).parents[1])
    return subprocess.run(
        [sys.executable, "-m", "flowtop", "--prefect-compat", "run", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=folder,
    )


def test_imports_inside_functions_work_in_a_spawned_child_and_a_process_worker(
    tmp_path: Path,
) -> None:
    """The child imports the flow module again, by its file; the worker gets the task's
    function pickled by value. Both failed with ``No module named 'prefect'``."""
    (tmp_path / "spawning.py").write_text(textwrap.dedent(SPAWNING))
    (tmp_path / "worker.py").write_text(textwrap.dedent(WORKER))
    done = flowtop_run(tmp_path, "spawning.py")
    assert "RESULT [[5, 'flowtop']]" in done.stdout.splitlines(), done.stdout + done.stderr
    done = flowtop_run(tmp_path, "worker.py", "--executor", "process")
    assert "RESULT True" in done.stdout.splitlines(), done.stdout + done.stderr


PAUSING = """
    from prefect import flow, pause_flow_run
    from prefect.exceptions import FlowPauseTimeout, PrefectException
    from prefect.flow_runs import suspend_flow_run

    @flow
    def late(approve: bool = False, suspend: bool = False):
        if suspend:
            suspend_flow_run(timeout=1)
        if approve:
            try:
                pause_flow_run(timeout=2)
            except FlowPauseTimeout:
                return "not approved in time"
        assert issubclass(FlowPauseTimeout, PrefectException)
        return "done"
"""


def test_a_flow_that_pauses_on_one_path_loads_and_runs_the_others(tmp_path: Path) -> None:
    """``from prefect import pause_flow_run`` refused the whole file at import."""
    workspace = load(tmp_path, PAUSING)
    flow = workspace.flows["late"]
    with Runner() as runner:
        plain = runner.run(flow)
        paused = runner.run(flow, kwargs={"approve": True})
        suspended = runner.run(flow, kwargs={"suspend": True})
    assert plain.state is StateType.COMPLETED and plain.value == "done"
    assert paused.state is StateType.FAILED and isinstance(paused.error, NotInFlowtop)
    assert str(paused.error) == (
        "pause_flow_run() is not available in flowtop: no flowtop run can be paused, "
        "suspended or resumed (there is no API server to hold it); wait inside the flow "
        "instead (time.sleep, or poll for a file or a value), or end the flow there and run "
        "what follows as a flow of its own when ready"
    )
    assert str(suspended.error).startswith("suspend_flow_run() is not available in flowtop")


def test_every_pause_name_imports_and_each_call_says_so() -> None:
    with prefect_imports():
        from prefect import (  # type: ignore[import-not-found]
            aresume_flow_run,
            resume_flow_run,
            suspend_flow_run,
        )
        from prefect.flow_runs import (  # type: ignore[import-not-found]
            apause_flow_run,
            asuspend_flow_run,
            pause_flow_run,
        )

        with pytest.raises(NotAvailable, match=r"prefect\.flow_runs\.wait_for_flow_run is not"):
            from prefect.flow_runs import wait_for_flow_run  # noqa: F401 - refused
    for call, name in [
        (pause_flow_run, "pause_flow_run()"),
        (suspend_flow_run, "suspend_flow_run()"),
        (lambda: resume_flow_run("00000000-0000-0000-0000-000000000000"), "resume_flow_run()"),
        (lambda: asyncio.run(apause_flow_run(timeout=1)), "apause_flow_run()"),
        (lambda: asyncio.run(asuspend_flow_run()), "asuspend_flow_run()"),
        (lambda: asyncio.run(aresume_flow_run("x")), "aresume_flow_run()"),
    ]:
        with pytest.raises(NotImplementedError) as raised:
            call()
        assert str(raised.value).startswith(f"{name} is not available in flowtop: no flowtop")
        assert "\n" not in str(raised.value)
