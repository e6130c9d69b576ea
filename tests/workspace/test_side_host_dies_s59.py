"""A flow file that ends its importer does not hold back the files after it (F6).

While ``a_hang.py`` imports (up to 60 s here), a side host imports the files after it
(``side_load``). ``c_osexit.py`` calls ``os._exit(0)`` at import: that ended the side
host, and ``d_after.py`` and ``f_last.py``, after it, were listed only once the flow host's
own load ended on ``a_hang.py`` (its ``load_timeout``: 30 s here). Now the side host's end
is seen at once, its file is left to the load (which reports it as before), and another
side host imports the files after it: they are listed while ``a_hang.py`` still imports.

A file that forks a process before it ends its importer keeps the side host's socket
open: its end is seen by the process's exit (``HelperProcess``), not its socket's.

``a_hang.py`` waits for a ``release`` file the test writes once it has seen what it
checks, so the load's word on every file comes without waiting out ``load_timeout``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flowtop.workspace import RemoteWorkspace

#: Held until ``release`` is written beside it, 60 s at most (the repro's hang).
HANG = """
import time
from pathlib import Path

from flowtop import Flow, task

release = Path(__file__).with_name("release")
end = time.monotonic() + 60
while not release.exists() and time.monotonic() < end:
    time.sleep(0.02)


@task
def a():
    return 1


flow = Flow("hangflow")
flow.add_task(a)
"""


def flow_file(name: str, tail: str = "") -> str:
    """A file defining the flow ``name``, then running ``tail`` at import."""
    return f"""
import os
import sys
import time
from pathlib import Path

from flowtop import Flow, task


@task
def a():
    return 1


flow = Flow({name!r})
flow.add_task(a)
{tail}
"""


#: Ends its importer as the repro's ``osexit.py`` does.
OS_EXIT = "os._exit(0)\n"

#: The same, after forking a process that keeps every descriptor of the importer's open
#: (the side host's socket too) until ``release`` is written, 60 s at most.
FORKS_THEN_EXITS = """
if os.fork() == 0:
    release = Path(__file__).with_name("release")
    end = time.monotonic() + 60
    while not release.exists() and time.monotonic() < end:
        time.sleep(0.02)
    os._exit(0)
os._exit(0)
"""

#: What the files after the one that ends its importer define.
AFTER = {"okflow", "afterflow", "lastflow"}


@pytest.fixture
def folder(write: Callable[[str, str], Path], tmp_path: Path) -> Iterator[Path]:
    """The repro's shape: a hanging file, a good one, one ending its importer (written by
    the test), then a good one, one raising ``SystemExit`` and a good one."""
    write("flowtop.toml", "[defaults]\nload_timeout = 30\n")
    write("a_hang.py", HANG)
    write("b_ok.py", flow_file("okflow"))
    write("d_after.py", flow_file("afterflow"))
    write("e_sysexit.py", flow_file("sysexitflow", "sys.exit(3)\n"))
    write("f_last.py", flow_file("lastflow"))
    yield tmp_path
    (tmp_path / "release").touch()  # (a failed test's held import ends too)


def wait_until(condition: Callable[[], bool], still: Callable[[], bool], limit: float) -> bool:
    """Whether ``condition`` held while ``still`` did (``limit`` seconds at most)."""
    end = time.monotonic() + limit
    while not condition():
        if not still() or time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.parametrize("ends", [OS_EXIT, FORKS_THEN_EXITS], ids=["os_exit", "forks_first"])
def test_the_files_after_one_that_ends_the_side_host_are_listed_while_a_slow_one_imports(
    folder: Path, write: Callable[[str, str], Path], ends: str
) -> None:
    write("c_osexit.py", flow_file("osexitflow", ends))
    remote = RemoteWorkspace(folder)
    load = threading.Thread(target=remote.load)
    load.start()
    try:
        # well under load_timeout (30 s): what ended them is a_hang.py's import
        listed = wait_until(lambda: set(remote.flow_files) >= AFTER, load.is_alive, 10)
        assert listed, f"listed while a_hang.py imported: {sorted(remote.flow_files)}"
        assert not (folder / "release").exists()
        still = remote.still_importing()
        assert still is not None and still[0] == folder / "a_hang.py"
        (folder / "release").touch()
        load.join()
    finally:
        (folder / "release").touch()
        load.join()
        remote.close()
    # the load's word on every file, as before
    assert list(remote.flow_files) == ["hangflow", "okflow", "afterflow", "lastflow"]
    errors = {path.name: error.message for path, error in remote.errors.items()}
    assert errors["c_osexit.py"] == "the import ended the process (exit code 0)"
    assert "SystemExit: 3" in errors["e_sysexit.py"]
    assert set(errors) == {"c_osexit.py", "e_sysexit.py"}
