"""``flowtop run DIR`` of a folder whose one file defines flows imports that file once.

It imported it twice: in a loader child, to learn its flows, then in the run's process to
run them. A file taking 3 s to import made ``flowtop run .`` take 6 s where
``flowtop run FILE`` and ``flowtop run . --flow NAME`` took 3. Now the one file that
defines flows (its syntax tree says so, ``flow_naming.NameScan.sole_flow_file``) is
imported by the run alone, under ``load_timeout``, as ``run FILE`` imports it; a helper
beside it, or a second flow file, still goes through a loader child first.
"""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop

#: A flow file that writes its importer's pid to ``imported-by-<stem>`` beside it, then
#: does what the ``mode`` file beside it says: nothing, loop for ever, or ``sys.exit``.
COUNTED = """
import os
import sys
from pathlib import Path

from flowtop import flow, task

HERE = Path(__file__).parent
with open(HERE / f"imported-by-{Path(__file__).stem}", "a") as out:
    out.write(f"{os.getpid()}\\n")
mode = (HERE / "mode").read_text().strip() if (HERE / "mode").exists() else ""
if mode == "loop":
    while True:
        pass
if mode == "exit":
    sys.exit(3)
{helper}

@task
def extract():
    return 1


@flow
def {name}():
    extract()
"""

#: A helper module beside the flow file: it mentions flowtop (a task), defines no flow.
HELPER = """
import os
from pathlib import Path

from flowtop import task

with open(Path(__file__).parent / "imported-by-helpers", "a") as out:
    out.write(f"{os.getpid()}\\n")


@task
def shared():
    return 2
"""


def counted(name: str, *, helper: bool = False) -> str:
    return COUNTED.replace("{name}", name).replace("{helper}", "import helpers" * helper)


def importers(folder: Path, stem: str) -> list[str]:
    """The pids of the processes that imported ``stem``.py, one a line, in order."""
    file = folder / f"imported-by-{stem}"
    return file.read_text().split() if file.exists() else []


def folder_of(tmp_path: Path, *files: tuple[str, str]) -> Path:
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 1\n")
    for name, text in files:
        (tmp_path / name).write_text(text)
    return tmp_path


def test_a_folder_of_one_flow_file_imports_it_once(tmp_path: Path) -> None:
    folder = folder_of(tmp_path, ("etl.py", counted("etl")))
    done = flowtop("run", ".", "--quiet", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert len(importers(folder, "etl")) == 1, importers(folder, "etl")  # by the run alone


def test_a_helper_beside_it_leaves_it_imported_once(tmp_path: Path) -> None:
    """The helper mentions flowtop but defines no flow: still probed in a loader child
    (and imported by the flow file), while the flow file is imported by the run alone."""
    folder = folder_of(tmp_path, ("etl.py", counted("etl", helper=True)), ("helpers.py", HELPER))
    done = flowtop("run", ".", "--quiet", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert len(importers(folder, "etl")) == 1, importers(folder, "etl")
    assert "defines no flows" not in done.stderr


def test_two_flow_files_are_still_probed_first(tmp_path: Path) -> None:
    """Several files define flows: each is imported in a loader child first, as before."""
    folder = folder_of(tmp_path, ("etl.py", counted("etl")), ("load.py", counted("load")))
    done = flowtop("run", ".", "--quiet", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert len(importers(folder, "etl")) == 2
    assert len(importers(folder, "load")) == 2


def test_the_one_flow_file_hanging_at_import_ends_the_run_at_load_timeout(
    tmp_path: Path,
) -> None:
    folder = folder_of(tmp_path, ("etl.py", counted("etl")), ("mode", "loop"))
    done = flowtop("run", ".", cwd=folder)
    assert done.returncode == 2
    assert "etl.py: import did not finish in 1 s" in done.stderr


def test_the_one_flow_file_exiting_at_import_is_a_broken_file(tmp_path: Path) -> None:
    folder = folder_of(tmp_path, ("etl.py", counted("etl")), ("mode", "exit"))
    done = flowtop("run", ".", cwd=folder)
    assert done.returncode == 2
    assert "etl.py" in done.stderr and "SystemExit: 3" in done.stderr
