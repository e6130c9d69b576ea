"""A broken flow file after a slow one is said broken while the slow one imports.

While ``a_hang.py`` imports (up to 60 s here), a side host imports the files after it
(``side_load``) and the monitor lists their flows. The broken ones among them were said
only once the flow host's own load ended on ``a_hang.py`` (its ``load_timeout``: 30 s
here): ``c_osexit.py`` (``os._exit(0)`` ends the side host), ``d_sysexit.py``
(``SystemExit`` at import) and ``f_raises.py`` (the side host's last file). Now the side
host's news says each as it finds it, with the text the load's reply then has, and the
flows list shows it (``flows_heard`` grows).

``a_hang.py`` waits for a ``release`` file the test writes once it has seen what it
checks, so the load's word on every file comes without waiting out ``load_timeout``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_side_host_dies_s59 import HANG, flow_file, wait_until

from flowtop.workspace import RemoteWorkspace

#: The broken files, with what the load says of each.
BROKEN = {
    "c_osexit.py": "the import ended the process (exit code 0)",
    "d_sysexit.py": "SystemExit: 3",
    "f_raises.py": "ValueError: no config",
}


@pytest.fixture
def folder(write: Callable[[str, str], Path], tmp_path: Path) -> Iterator[Path]:
    """The repro's shape: a hanging file, a good one, one ending its importer, one raising
    ``SystemExit``, a good one and, last, one raising an error."""
    write("flowtop.toml", "[defaults]\nload_timeout = 30\n")
    write("a_hang.py", HANG)
    write("b_ok.py", flow_file("okflow"))
    write("c_osexit.py", flow_file("osexitflow", "os._exit(0)\n"))
    write("d_sysexit.py", flow_file("sysexitflow", "sys.exit(3)\n"))
    write("e_ok.py", flow_file("afterflow"))
    write("f_raises.py", flow_file("raisesflow", "raise ValueError('no config')\n"))
    yield tmp_path
    (tmp_path / "release").touch()  # (a failed test's held import ends too)


def said(remote: RemoteWorkspace) -> dict[str, str]:
    return {path.name: error.message for path, error in remote.errors.items()}


def test_broken_files_after_a_slow_one_are_said_while_it_imports(folder: Path) -> None:
    remote = RemoteWorkspace(folder)
    load = threading.Thread(target=remote.load)
    load.start()
    try:
        # well under load_timeout (30 s): what held them back is a_hang.py's import
        heard = 0

        def all_said() -> bool:
            nonlocal heard
            heard = remote.flows_heard  # (grows after the errors it goes with)
            errors = said(remote)
            return set(errors) >= set(BROKEN) and {"okflow", "afterflow"} <= set(remote.flow_files)

        listed = wait_until(all_said, load.is_alive, 10)
        assert listed, f"said while a_hang.py imported: {said(remote)}"
        assert not (folder / "release").exists()
        still = remote.still_importing()
        assert still is not None and still[0] == folder / "a_hang.py"
        errors = said(remote)
        assert errors["c_osexit.py"] == BROKEN["c_osexit.py"]
        assert BROKEN["d_sysexit.py"] in errors["d_sysexit.py"]
        assert BROKEN["f_raises.py"] in errors["f_raises.py"]
        assert set(errors) == set(BROKEN)  # a good file is never said broken
        assert heard >= 3  # the list is shown again for them (b_ok's, e_ok's, the errors)
        (folder / "release").touch()
        load.join()
    finally:
        (folder / "release").touch()
        load.join()
        remote.close()
    # the load's word on every file, as before
    assert list(remote.flow_files) == ["hangflow", "okflow", "afterflow"]
    errors = said(remote)
    assert set(errors) == set(BROKEN)
    assert errors["c_osexit.py"] == BROKEN["c_osexit.py"]
    assert BROKEN["d_sysexit.py"] in errors["d_sysexit.py"]
    assert BROKEN["f_raises.py"] in errors["f_raises.py"]
