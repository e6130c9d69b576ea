"""A reload's toast names files and flows as the flows list and ``ls -v`` order them:
``m_1.py, m_2.py, m_10.py``, not ``m_1.py, m_10.py, m_11.py`` (string order)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flowtop.workspace import RemoteWorkspace, Workspace

Write = Callable[[str, str], Path]


def flow_file(n: int) -> str:
    return f"from flowtop import Flow, task\n\n@task\ndef t():\n    return 1\n\nm = Flow('m-{n}')\nm.add_task(t)\n"


NUMBERS = (10, 2, 1, 11)


def test_reloaded_and_removed_are_named_in_ls_v_order(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    files = [write(f"m_{n}.py", flow_file(n)) for n in NUMBERS]
    ws = workspace()
    change = ws.reload_paths(files)
    assert change.modules == ("m_1.py", "m_2.py", "m_10.py", "m_11.py"), change.modules
    for path in files:
        path.unlink()
    change = ws.reload_paths(files)
    assert change.removed == ("m-1", "m-2", "m-10", "m-11"), change.removed


def test_the_monitor_s_flow_host_says_them_so_too(write: Write, tmp_path: Path) -> None:
    files = [write(f"m_{n}.py", flow_file(n)) for n in NUMBERS]
    remote = RemoteWorkspace(tmp_path)
    try:
        remote.load()
        change = remote.reload_paths(files)
        assert change.modules == ("m_1.py", "m_2.py", "m_10.py", "m_11.py"), change.modules
    finally:
        remote.close()


def test_a_settings_file_deleted_is_said_removed_not_reloaded(
    write: Write, workspace: Callable[..., Workspace], tmp_path: Path
) -> None:
    """Deleting ``flowtop.toml`` toasted ``Reloaded flowtop.toml``."""
    write("m_1.py", flow_file(1))
    toml = write("flowtop.toml", "[defaults]\nmax_retries = 2\n")
    ws = workspace()
    toml.unlink()
    change = ws.reload_paths([toml])
    assert change.summary() == "Removed flowtop.toml (its settings no longer apply)"
    toml.write_text("[defaults]\nmax_retries = 3\n")
    assert ws.reload_paths([toml]).summary() == "Reloaded flowtop.toml"
