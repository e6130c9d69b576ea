"""The reach of drop-in mode's ``__import__`` hook (``compat.children``): a flow file
loaded again with drop-in mode off leaves it, a Python process started from a drop-in
process gets it only once it imports a drop-in module (or flowtop), a library's missing
``prefect`` keeps Python's words; and flowtop's "not available" errors survive pickling."""

from __future__ import annotations

import builtins
import json
import os
import pickle
import subprocess
import sys
import sysconfig
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

import flowtop as flowtop_package
from flowtop.compat import children, plain_imports
from flowtop.compat.prefect_flow_runs import NoPauseInFlowtop
from flowtop.engine.errors import NotInFlowtop

FLOW = """
    import flowtop
    from helper218 import helped

    @flowtop.flow
    def late():
        from prefect import __version__

        return [__version__, helped()]
"""

HELPER = """
    import prefect

    def helped():
        import prefect

        return prefect.__version__
"""


@pytest.fixture(autouse=True)
def own_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a window publishes is put back as it was after each test."""
    monkeypatch.delenv("FLOWTOP_PREFECT_COMPAT", raising=False)
    monkeypatch.delenv(children.ENV, raising=False)
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))


def _hook_modules() -> dict[str, str]:
    hook: Any = builtins.__import__
    while hook is not None and not hasattr(hook, "flowtop_drop_in_modules"):
        hook = getattr(hook, "__wrapped__", None)
    return {} if hook is None else dict(hook.flowtop_drop_in_modules)


def _set_drop_in(folder: Path, on: bool) -> None:
    (folder / "flowtop.toml").write_text(f"[workspace]\nprefect_compat = {str(on).lower()}\n")


#: The check of ``test_a_flow_file_read_again…``, run in a Python process of its own: a
#: pytest-xdist worker's imports differ (its ``prefect`` import failed there at load).
READ_AGAIN = """
import json, os, sys
from pathlib import Path
from flowtop.compat import children
from flowtop.workspace import Workspace

folder = Path(sys.argv[1])

def hooked():
    import builtins
    hook = builtins.__import__
    while hook is not None and not hasattr(hook, "flowtop_drop_in_modules"):
        hook = getattr(hook, "__wrapped__", None)
    return {} if hook is None else dict(hook.flowtop_drop_in_modules)

def drop_in(on):
    (folder / "flowtop.toml").write_text(f"[workspace]\\nprefect_compat = {str(on).lower()}\\n")

drop_in(True)
workspace = Workspace(folder)
assert not workspace.load().errors
version, helped = workspace.flows["late"].fn()
assert "+flowtop" in version and "+flowtop" in helped, (version, helped)
name = workspace.flows["late"].fn.__module__
assert {name, "helper218"} <= hooked().keys()
assert name in json.loads(os.environ[children.ENV])

drop_in(False)
assert not workspace.reload_paths([folder / "flowtop.toml"]).errors
assert workspace.flows["late"].fn() == ["3.9.1", "3.9.1"], workspace.flows["late"].fn()
assert not {name, "helper218"} & hooked().keys()
assert name not in json.loads(os.environ.get(children.ENV) or "{}")

drop_in(True)  # and back: the stand-ins again
assert not workspace.reload_paths([folder / "flowtop.toml"]).errors
assert "+flowtop" in workspace.flows["late"].fn()[0]
print("ok")
"""


def test_a_flow_file_read_again_with_drop_in_mode_off_gets_the_installed_prefect(
    tmp_path: Path,
) -> None:
    """Turning ``[workspace] prefect_compat`` off re-reads every flow file, but the hook
    still named them: a ``from prefect import`` inside their functions (and their
    helpers') got flowtop's stand-ins, and children were still told of them."""
    site, folder = tmp_path / "site", tmp_path / "ws"
    (site / "prefect").mkdir(parents=True)
    (site / "prefect" / "__init__.py").write_text('__version__ = "3.9.1"\n')  # installed
    folder.mkdir()
    (folder / "late.py").write_text(textwrap.dedent(FLOW))
    (folder / "helper218.py").write_text(textwrap.dedent(HELPER))
    env = {k: v for k, v in os.environ.items() if k not in (children.ENV, "FLOWTOP_PREFECT_COMPAT")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(Path(flowtop_package.__file__).parents[1])])
    done = subprocess.run(
        [sys.executable, "-c", READ_AGAIN, str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_only_a_load_that_succeeds_leaves_the_list() -> None:
    """A load that fails keeps the last good module, loaded in drop-in mode."""
    children.late_imports({"kept218": ""})
    try:
        with pytest.raises(SyntaxError), plain_imports("kept218"):
            raise SyntaxError("the file as saved now")
        assert "kept218" in _hook_modules()
        with plain_imports("kept218"):
            pass
        assert "kept218" not in _hook_modules()
    finally:
        children.forget(["kept218"])


def test_errors_of_what_flowtop_lacks_unpickle_with_their_own_words() -> None:
    """Rebuilt as ``cls(*args)``, the whole line went through ``__init__`` again: "… is
    not available in flowtop: … is not available in flowtop: …"."""
    for error in (NoPauseInFlowtop("pause_flow_run()"), NotInFlowtop("task.delay()")):
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            back = pickle.loads(pickle.dumps(error, protocol))
            assert type(back) is type(error) and str(back) == str(error)
            assert str(back).count("is not available in flowtop") == 1
    assert str(NoPauseInFlowtop("pause_flow_run()")).startswith(
        "pause_flow_run() is not available in flowtop: no flowtop run can be paused"
    )


PROBE = (
    "import builtins, sys\n"
    "print(type(builtins.__import__).__name__)\n"
    "if len(sys.argv) > 1:\n"
    "    __import__(sys.argv[1])\n"
    "    print(type(builtins.__import__).__name__)\n"
)


def _child_hooks(tmp_path: Path, *imported: str) -> list[str]:
    """A Python process started from a drop-in one: its ``__import__`` at startup, then
    after importing ``imported``, if given."""
    (tmp_path / "published218.py").write_text("import prefect\n")
    app = str(Path(flowtop_package.__file__).parents[1])
    env = dict(os.environ)
    env[children.ENV] = json.dumps({"published218": ""})
    env["PYTHONPATH"] = os.pathsep.join([children.SITE, app, str(tmp_path)])
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *imported],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_child_gets_the_hook_only_when_it_imports_a_drop_in_module_or_flowtop(
    tmp_path: Path,
) -> None:
    """Installed at startup, it slowed every function-level import of every Python
    process started from a drop-in one (pip, a task's ``python`` subprocess)."""
    assert _child_hooks(tmp_path) == ["builtin_function_or_method"]
    late = ["builtin_function_or_method", "LateImports"]
    assert _child_hooks(tmp_path, "published218") == late
    assert _child_hooks(tmp_path, "flowtop") == late  # a worker, given functions by value


def _nothing_installed(name: str, *args: Any) -> types.ModuleType:
    raise ModuleNotFoundError(f"No module named {name.partition('.')[0]!r}", name="prefect")


def _import_prefect_in(hook: children.LateImports, file: str) -> None:
    namespace: dict[str, Any] = {"__name__": Path(file).stem, "__file__": file}
    namespace["__builtins__"] = {"__import__": hook}
    exec("def get():\n    import prefect\n", namespace)
    namespace["get"]()


def test_a_library_s_missing_prefect_keeps_python_s_words(tmp_path: Path) -> None:
    """Only the workspace's code is told to add ``import prefect`` at its top; a
    library's (site-packages, even a virtualenv inside the workspace) was told too."""
    library = Path(sysconfig.get_path("purelib"))
    hooks = {}
    for workspace in (tmp_path, library.parent):  # the second holds the library folder
        hooks[workspace] = children.LateImports(_nothing_installed)
        hooks[workspace].flowtop_drop_in_modules["flowtop_flows.etl_1"] = str(workspace / "a.py")
        for file in (library / "somelib.py", Path("/elsewhere/somelib.py")):
            with pytest.raises(ModuleNotFoundError, match=r"^No module named 'prefect'$"):
                _import_prefect_in(hooks[workspace], str(file))
    for file in (tmp_path / "a.py", tmp_path / "own.py", tmp_path / "lib" / "own.py"):
        with pytest.raises(ModuleNotFoundError, match=rf"at the top of {file.name}$"):
            _import_prefect_in(hooks[tmp_path], str(file))
