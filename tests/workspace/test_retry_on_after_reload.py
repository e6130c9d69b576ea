"""A dotted ``retry_on`` naming a helper the flow module imported stays accepted after
a reload of another file.

Each reload evicts the user's helper modules from ``sys.modules`` (``user_modules``), and
only the files reloaded import them again: after saving an unrelated file, the retry
editor marked the bundled ``etl``'s own ``flaky_api.TooManyRequests`` as "would run
flaky_api.py" and refused to save, and a ``flowtop.toml`` naming it stopped the flow's runs.
"""

from __future__ import annotations

from pathlib import Path

HELPER = "class TooManyRequests(Exception):\n    pass\n"
ETL = """
{imports}
from flowtop import Flow, task

@task
def extract():
    return 1

flow = Flow("etl")
flow.add_call(extract, (), {{}})
"""
TINY = """
from flowtop import Flow, task

@task
def one():
    return 1

flow = Flow("tiny")
flow.add_call(one, (), {})
"""
SETTINGS = (
    '[flows."etl".tasks."extract"]\nretry_on = ["ConnectionError", "flaky_api.TooManyRequests"]\n'
)


def _reloaded_after_an_unrelated_save(write, workspace, imports: str, settings: bool = False):
    write("flaky_api.py", HELPER)
    write("etl.py", ETL.format(imports=imports))
    tiny = write("tiny.py", TINY)
    if settings:
        write("flowtop.toml", SETTINGS)
    ws = workspace()
    assert ws.check_retry_on("etl", ["flaky_api.TooManyRequests"]) is None
    tiny.write_text(TINY + "\n# saved\n", encoding="utf-8")
    ws.reload_paths([tiny])
    return ws


def test_a_class_imported_from_a_helper_is_still_accepted(write, workspace) -> None:
    ws = _reloaded_after_an_unrelated_save(
        write, workspace, "from flaky_api import TooManyRequests"
    )
    assert ws.check_retry_on("etl", ["ConnectionError", "flaky_api.TooManyRequests"]) is None


def test_a_helper_module_imported_whole_is_still_accepted(write, workspace) -> None:
    ws = _reloaded_after_an_unrelated_save(write, workspace, "import flaky_api")
    assert ws.check_retry_on("etl", ["flaky_api.TooManyRequests"]) is None


def test_settings_naming_it_still_apply(write, workspace) -> None:
    ws = _reloaded_after_an_unrelated_save(
        write, workspace, "from flaky_api import TooManyRequests", settings=True
    )
    assert ws.settings_error is None
    flow = ws.flows["etl"]
    classes = ws.policy_for(flow, flow.nodes["extract"]).retry_on
    assert [c.__name__ for c in classes] == ["ConnectionError", "TooManyRequests"]


def test_a_helper_no_flow_imports_is_still_refused(write, workspace, tmp_path: Path) -> None:
    write("deploy.py", "open(__file__ + '.ran', 'w').close()\nclass Boom(Exception):\n    pass\n")
    ws = _reloaded_after_an_unrelated_save(
        write, workspace, "from flaky_api import TooManyRequests"
    )
    assert "would run deploy.py" in str(ws.check_retry_on("etl", ["deploy.Boom"]))
    assert not (tmp_path / "deploy.py.ran").exists()
