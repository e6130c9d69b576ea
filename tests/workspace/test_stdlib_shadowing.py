"""A project's module named like a standard one flowtop imports late is not flowtop's.

``flowtop run`` imported ``secrets`` (and, for ``--executor process``,
``multiprocessing``) only after the folder was first on ``sys.path``: the project's own
``secrets.py``, which no flow imports, ran inside flowtop and its KeyError ended the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FLOW = """\
from flowtop import Flow, task


@task
def one():
    return 1


with Flow("shadowed") as flow:
    one()
"""


#: What the ``flowtop`` console script runs (``python -m flowtop`` imports ``secrets``
#: through ``runpy`` before any folder is on the path: it never showed the bug).
CONSOLE_SCRIPT = "import sys; from flowtop.cli import main; sys.exit(main())"


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "flow.py").write_text(FLOW)
    (folder / "secrets.py").write_text('import os\nPASSWORD = os.environ["NO_SUCH_PASSWORD"]\n')
    (folder / "multiprocessing.py").write_text('raise RuntimeError("the project\'s own")\n')
    return folder


def _flowtop(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_SUCH_PASSWORD"}
    return subprocess.run(
        [sys.executable, "-P", "-c", CONSOLE_SCRIPT, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_and_list_ignore_a_secrets_module_no_flow_imports(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    ran = _flowtop(folder, "run", "flow.py")  # (its history imported `secrets`)
    assert ran.returncode == 0, ran.stderr
    assert "KeyError" not in ran.stdout + ran.stderr
    listed = _flowtop(folder, "list", ".")
    assert listed.returncode == 0, listed.stderr
    assert "shadowed" in listed.stdout


def test_the_process_executor_gets_the_standard_multiprocessing(tmp_path: Path) -> None:
    _folder(tmp_path)  # run from outside it: see the report on the forkserver
    ran = _flowtop(tmp_path, "run", "project", "--executor", "process", "--no-history")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "COMPLETED" in ran.stdout


def test_an_import_failing_on_a_module_the_folder_shadows_names_the_folder_s_file(
    tmp_path: Path,
) -> None:
    """A project ``email.py`` broke ``http.client`` (and so ``requests``): "No module named
    'email.parser'; 'email' is not a package", from deep in the standard library, said
    nothing of whose ``email`` it was."""
    (tmp_path / "email.py").write_text('SENDER = "me@example.org"\n')
    (tmp_path / "etl.py").write_text("import http.client\n" + FLOW)
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "list", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout
    assert "'email' is not a package" in done.stderr, done.stderr
    assert "; email.py in the folder hides the standard library's module: rename it" in (
        done.stderr
    )
