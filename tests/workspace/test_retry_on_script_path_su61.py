"""``'pkg.deploy.Boom' would run __init__.py``: which ``__init__.py``? The script a dotted
``retry_on`` name would run is named by its path in the workspace (``pkg/__init__.py``)."""

from __future__ import annotations

FLOW = """
from flowtop import Flow, task

@task
def extract():
    return 1

with Flow("etl") as flow:
    extract()
"""


def test_the_script_a_dotted_name_would_run_is_named_by_its_path(write, workspace, tmp_path):
    write("pkg/__init__.py", "open('ran', 'w').close()\n")
    write("pkg/deploy.py", "class Boom(Exception):\n    pass\n")
    write("etl.py", FLOW)
    write("flowtop.toml", '[flows."etl".tasks."extract"]\nretry_on = ["pkg.deploy.Boom"]\n')
    ws = workspace()
    assert "'pkg.deploy.Boom' would run pkg/__init__.py, a file of the workspace" in str(
        ws.settings_error
    )
    assert "would run pkg/__init__.py," in str(ws.check_retry_on("etl", ["pkg.deploy.Boom"]))
    assert not (tmp_path / "ran").exists()


def test_a_submodule_of_a_package_a_flow_imported_is_named_by_its_path(write, workspace):
    write("pkg/__init__.py", "")
    write("pkg/deploy.py", "class Boom(Exception):\n    pass\n")
    write("etl.py", "import pkg\n" + FLOW)
    write("flowtop.toml", '[flows."etl".tasks."extract"]\nretry_on = ["pkg.deploy.Boom"]\n')
    ws = workspace()
    assert "would run pkg/deploy.py, a file of the workspace" in str(ws.settings_error)
