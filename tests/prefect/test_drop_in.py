"""Drop-in mode: unmodified Prefect 3 flow files load with flowtop's implementations,
only inside flowtop's loader, and what flowtop lacks fails at import with one line."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

import flowtop as flowtop_package
from flowtop.compat import prefect_imports
from flowtop.engine import Runner, StateType
from flowtop.workspace import Workspace

PREFECT_FLOW = """
    from prefect import flow, task, get_run_logger, allow_failure, unmapped
    from prefect.tasks import exponential_backoff
    from prefect.futures import wait
    from prefect.states import Completed, Failed

    calls = []

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=lambda t, tr, s: True)
    def extract(n):
        calls.append(n)
        get_run_logger().info("extracting %s", n)
        if len(calls) < 2:
            raise ConnectionError("reset")
        return list(range(n))

    @task
    def total(rows, scale):
        return sum(rows) * scale

    def alert(flow, flow_run, state):
        print(f"{flow_run.name}: {state.message}")

    @flow(name="etl", log_prints=True, timeout_seconds=60, on_failure=[alert])
    def etl(n: int = 4):
        rows = extract.submit(n)
        futures = total.map([rows], unmapped(10))
        wait(futures)
        return futures[0].result()
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "etl.py").write_text(textwrap.dedent(PREFECT_FLOW))
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    return tmp_path


def flowtop_cli(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowtop", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
    )


@pytest.fixture(autouse=True)
def no_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWTOP_PREFECT_COMPAT", raising=False)


def test_prefect_file_loads_and_runs_with_flowtops_implementations(folder: Path) -> None:
    workspace = Workspace(folder)
    changed = workspace.load()
    assert not changed.errors, changed.errors
    flow = workspace.flows["etl"]
    with Runner() as runner:
        result = runner.run(flow)
    assert result.state is StateType.COMPLETED and result.value == 60
    attempts = result.attempts["extract"]
    assert len(attempts) == 2 and "extracting 4" in attempts[0].output
    assert "prefect" not in sys.modules or not getattr(
        sys.modules["prefect"], "__flowtop_compat__", False
    )


def test_without_compat_the_prefect_file_is_not_a_flowtop_flow(folder: Path) -> None:
    (folder / "flowtop.toml").write_text("")
    workspace = Workspace(folder)
    workspace.load()
    assert workspace.flows == {}


def test_without_compat_no_flows_found_names_the_prefect_files_and_the_fix(
    folder: Path,
) -> None:
    """A Prefect user's first try: `flowtop list` on their folder said only "no flows found"."""
    (folder / "flowtop.toml").write_text("")
    (folder / "helper.py").write_text("VALUE = 1\n")  # imports no prefect: not named
    workspace = Workspace(folder)
    workspace.read_settings()
    assert [p.name for p in workspace.unread_prefect_files()] == ["etl.py"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = flowtop_cli("list", str(folder), env=env)
    assert done.returncode == 2
    assert done.stderr == (
        f"flowtop list: no flows found in {folder} (etl.py imports prefect: run flowtop with "
        "--prefect-compat, or set [workspace] prefect_compat = true in flowtop.toml)\n"
    )


def test_turning_drop_in_mode_on_in_the_settings_loads_the_prefect_files(folder: Path) -> None:
    """Following that hint in a running TUI: saving flowtop.toml reads every file again."""
    toml = folder / "flowtop.toml"
    toml.write_text("")
    workspace = Workspace(folder)
    workspace.load()
    assert workspace.flows == {}
    toml.write_text("[workspace]\nprefect_compat = true\n")
    change = workspace.reload_paths([toml])
    assert list(workspace.flows) == ["etl"] and not change.errors, change.errors
    assert workspace.unread_prefect_files() == []


def test_a_flowtop_file_importing_prefect_outside_drop_in_mode_says_how_to_turn_it_on(
    folder: Path,
) -> None:
    (folder / "flowtop.toml").write_text("")
    (folder / "mixed.py").write_text("import flowtop\nfrom prefect import flow\n")
    # A process of its own: in this one, tests/prefect is importable as "prefect".
    env = {**os.environ, "PYTHONPATH": str(Path(flowtop_package.__file__).parents[1])}
    probe = [sys.executable, "-c", "import prefect"]
    if subprocess.run(probe, env=env, cwd=folder, capture_output=True).returncode == 0:
        pytest.skip("prefect is installed here: its import succeeds")
    done = flowtop_cli("list", str(folder), env=env, cwd=folder)
    assert (
        "mixed.py:2: ModuleNotFoundError: No module named 'prefect'; mixed.py imports prefect: "
        "run flowtop with --prefect-compat, or set [workspace] prefect_compat = true in "
        "flowtop.toml"
    ) in done.stderr, done.stderr


def test_the_cli_flag_turns_drop_in_mode_on(folder: Path) -> None:
    (folder / "flowtop.toml").write_text("")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("FLOWTOP_PREFECT_COMPAT", None)
    done = flowtop_cli("--prefect-compat", "run", str(folder), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "COMPLETED" in done.stdout


def test_what_flowtop_lacks_fails_at_import_with_one_line(folder: Path) -> None:
    (folder / "deploy.py").write_text("from prefect.deployments import Deployment\n")
    (folder / "blocks.py").write_text("from prefect import flow, Variable\n")
    workspace = Workspace(folder)
    changed = workspace.load()
    messages = sorted(str(e) for e in changed.errors)
    assert any(
        "deploy.py:1: NotAvailable: prefect.deployments is not available in flowtop" in m
        for m in messages
    ), messages
    assert any("prefect.Variable is not available in flowtop" in m for m in messages), messages
    assert "etl" in workspace.flows  # the other file still loads


def test_an_installed_prefect_is_never_shadowed(folder: Path) -> None:
    real = types.ModuleType("prefect")
    real.flow = "the real one"  # type: ignore[attr-defined]
    saved = sys.modules.get("prefect")
    sys.modules["prefect"] = real
    try:
        workspace = Workspace(folder)
        workspace.load()
        module = workspace._loader.module_of("etl")
        assert module is not None and module.flow is not real.flow  # the flow file got flowtop's
        assert sys.modules["prefect"] is real  # everyone else still gets the installed one
    finally:
        if saved is None:
            sys.modules.pop("prefect", None)
        else:
            sys.modules["prefect"] = saved


def test_stand_ins_exist_only_inside_the_window() -> None:
    with prefect_imports():
        import prefect  # type: ignore[import-not-found]
        from prefect.flow_engine import FlowRunTimeoutError  # type: ignore[import-not-found]
        from prefect.logging import get_run_logger  # type: ignore[import-not-found]
        from prefect.logging.loggers import get_logger  # type: ignore[import-not-found]
        from prefect.task_engine import TaskRunTimeoutError  # type: ignore[import-not-found]
        from prefect.utilities.annotations import unmapped  # type: ignore[import-not-found]

        from flowtop import TaskTimeout, logging
        from flowtop import unmapped as flowtop_unmapped
        from flowtop.exceptions import FlowRunTimeoutError as flowtop_timeout

        assert unmapped is flowtop_unmapped and prefect.__version__.startswith("3.")
        assert FlowRunTimeoutError is flowtop_timeout
        assert TaskRunTimeoutError is TaskTimeout  # where Prefect 3 defines it
        assert get_run_logger is logging.get_run_logger and get_logger is logging.get_logger
    assert "prefect" not in sys.modules or sys.modules["prefect"] is not prefect


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[workspace]\nprefect_compat = "yes"\n', "prefect_compat must be true or false"),
        ("[workspace]\nprefect_compt = true\n", "did you mean 'prefect_compat'"),
    ],
)
def test_workspace_table_is_checked(folder: Path, text: str, message: str) -> None:
    (folder / "flowtop.toml").write_text(text)
    workspace = Workspace(folder)
    changed = workspace.load()
    assert any(message in str(e) for e in changed.errors), changed.errors


PREFECT_RUN_FEATURES = """
    from prefect import flow, task
    from prefect.context import TaskRunContext
    from prefect.settings import PREFECT_TASK_DEFAULT_RETRIES, temporary_settings

    hooks = []

    def remember(task, task_run, state):
        hooks.append((state.name, task_run.name))

    with temporary_settings(updates={PREFECT_TASK_DEFAULT_RETRIES: 1}):
        @task(on_failure=[remember], on_completion=[remember], task_run_name="get-{n}")
        def get(n):
            if TaskRunContext.get().task_run.run_count == 1:
                raise ConnectionError("reset")
            return n

    @task
    def numbers():
        yield 1
        yield 2

    @flow
    def features():
        return get(3) + sum(numbers()), list(hooks)
"""


def test_drop_in_context_hooks_settings_and_generators(folder: Path) -> None:
    (folder / "features.py").write_text(textwrap.dedent(PREFECT_RUN_FEATURES))
    workspace = Workspace(folder)
    changed = workspace.load()
    assert not changed.errors, changed.errors
    with Runner() as runner:
        result = runner.run(workspace.flows["features"])
    assert result.value == (6, [("Completed", "get-3")])
    assert len(result.attempts["get"]) == 2  # the default retry from temporary_settings


CACHED_FLOW = """
    from datetime import timedelta

    from prefect import flow, task
    from prefect.cache_policies import INPUTS, TASK_SOURCE
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect.tasks import task_input_hash

    calls = []

    @task(cache_key_fn=task_input_hash, cache_expiration=timedelta(hours=1))
    def fetch(region):
        calls.append(region)
        return region.upper()

    @task(cache_policy=INPUTS + TASK_SOURCE - "verbose", persist_result=True)
    def count(rows, verbose=False):
        calls.append(rows)
        return len(rows)

    @flow(name="cached", task_runner=ThreadPoolTaskRunner(max_workers=2))
    def cached(regions=("eu", "us")):
        return sum(count(fetch(r), verbose=True) for r in regions)
"""


def test_prefect_caching_options_load_and_cache(folder: Path) -> None:
    """The idioms of Prefect's caching docs run unchanged: ``task_input_hash``,
    ``prefect.cache_policies``, ``cache_expiration``, policies added and subtracted; and
    a flow's ``ThreadPoolTaskRunner``."""
    (folder / "cached.py").write_text(textwrap.dedent(CACHED_FLOW))
    workspace = Workspace(folder)
    try:
        assert not workspace.load().errors
        with workspace.make_runner(record=False) as runner:
            first = runner.run(workspace.flows["cached"])
            second = runner.run(workspace.flows["cached"])
        assert first.value == second.value == 4
        calls = workspace.flows["cached"].fn.__globals__["calls"]
        assert calls == ["eu", "EU", "us", "US"]  # the second run was served from the cache
        assert second["fetch"].message.startswith("cached result of cached (not recorded), ")
        assert workspace.flows["cached"].max_workers == 2
    finally:
        workspace.close()


def test_a_submodule_read_off_prefect_works_also_after_the_import() -> None:
    """`import prefect` at the top of a flow file, then `prefect.futures.wait(...)` in the
    flow's body: the body runs once the file's import window has closed, and it raised
    ModuleNotFoundError: No module named 'prefect'. `from prefect import runtime` named a
    module `prefect.runtime._`."""
    with prefect_imports():
        import prefect  # type: ignore[import-not-found]
        from prefect import runtime  # type: ignore[import-not-found]

    from flowtop import futures

    assert prefect.futures.wait is futures.wait  # read outside the window
    assert prefect.runtime is not None and runtime.flow_run.name is None
    assert prefect.futures is prefect.futures  # imported once


def test_prefect_methods_flowtop_lacks_say_so_in_one_line() -> None:
    """`task.delay()`, `flow.serve()`: Python's words were "'Task' object has no attribute
    'delay'", which reads like a flowtop bug."""
    from flowtop import flow, task
    from flowtop.engine.errors import NotInFlowtop

    @task
    def fetch() -> int:
        return 1

    @flow
    def nightly() -> None: ...

    calls = {
        "fetch.delay() (a background task run)": fetch.delay,
        "fetch.apply_async() (a background task run)": fetch.apply_async,
        "fetch.serve() (a task worker)": fetch.serve,
        "flow 'nightly': .serve() (a deployment)": nightly.serve,
        "flow 'nightly': .deploy() (a deployment)": nightly.deploy,
        "flow 'nightly': .to_deployment() (a deployment)": nightly.to_deployment,
    }
    for what, call in calls.items():
        with pytest.raises(NotInFlowtop) as missing:
            call("x", name="nightly")
        assert str(missing.value) == (
            f"{what} is not available in flowtop: it runs flows locally, with no API server,"
            " task workers or deployments"
        )
