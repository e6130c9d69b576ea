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

    @flow(name="etl", log_prints=True)
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


def test_the_cli_flag_turns_drop_in_mode_on(folder: Path) -> None:
    (folder / "flowtop.toml").write_text("")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("FLOWTOP_PREFECT_COMPAT", None)
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "--prefect-compat", "run", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
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
        from prefect.utilities.annotations import unmapped  # type: ignore[import-not-found]

        from flowtop import unmapped as flowtop_unmapped

        assert unmapped is flowtop_unmapped and prefect.__version__.startswith("3.")
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
