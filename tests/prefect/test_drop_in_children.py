"""Drop-in mode in the processes a flow starts with ``spawn`` (a ``multiprocessing.Pool``,
a ``ProcessPoolExecutor``): they import the flow's modules again, and there ``import
prefect`` gives flowtop's stand-ins, as in the flow's own process (``compat.children``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import flowtop as flowtop_package
from flowtop.compat import children, prefect_imports

HELPER = """
    import prefect
    from prefect.context import TaskRunContext

    def square(x):
        return [x * x, prefect.__version__.partition("+")[2].partition(".")[0]]
"""

FLOW = """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    import prefect
    from prefect import flow, task
    from squares import square

    def own(x):
        return [x, prefect.__version__.partition("+")[2].partition(".")[0]]

    @task
    def fan():
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=spawn) as pool:
            helped = list(pool.map(square, [2, 3]))
        with spawn.Pool(1) as pool:
            owned = pool.map(own, [4])
        return [helped, owned]

    @flow
    def spawner():
        print("RESULT", fan())
"""


def test_a_spawned_child_imports_the_flow_s_modules_in_drop_in_mode(tmp_path: Path) -> None:
    """The child failed with "No module named 'prefect'" for the helper, imported the
    installed Prefect instead when there was one, and could not find the flow file's
    own function (``flowtop_flows.spawner_…``) at all."""
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "squares.py").write_text(textwrap.dedent(HELPER))
    (tmp_path / "flows" / "spawner.py").write_text(textwrap.dedent(FLOW))
    (tmp_path / "flows" / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    installed = tmp_path / "site" / "prefect"  # an installed Prefect, never used by flows
    installed.mkdir(parents=True)
    (installed / "__init__.py").write_text("__version__ = '3.9.1+installed.1'\n")
    app = str(Path(flowtop_package.__file__).parents[1])
    env = {k: v for k, v in os.environ.items() if k != children.ENV}
    env["PYTHONPATH"] = os.pathsep.join([app, str(tmp_path / "site")])
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", "flows/spawner.py"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert result == ["RESULT [[[4, 'flowtop'], [9, 'flowtop']], [[4, 'flowtop']]]"], done.stdout


def test_the_modules_that_import_prefect_are_named_to_children(tmp_path: Path) -> None:
    """Only the window's importers are named, a module a child finds by name without its
    file; the child's ``sitecustomize`` is first on ``PYTHONPATH``."""
    (tmp_path / "uses_prefect82.py").write_text("from prefect import task\n")
    (tmp_path / "plain82.py").write_text("X = 1\n")
    sys.path.insert(0, str(tmp_path))
    saved = {k: os.environ.get(k) for k in (children.ENV, "PYTHONPATH")}
    try:
        with prefect_imports():
            import plain82  # noqa: F401 - imported for its effect
            import uses_prefect82  # noqa: F401 - imported for its effect
        named = json.loads(os.environ[children.ENV])
        assert named.get("uses_prefect82") == "" and "plain82" not in named
        assert os.environ["PYTHONPATH"].split(os.pathsep)[0] == children.SITE
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("plain82", "uses_prefect82"):
            sys.modules.pop(name, None)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
