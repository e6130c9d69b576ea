"""A new flow file beside one that hung at import loads without trying that one again.

A new file may be the module a broken file lacked, so a reload that finds one tries the
broken files again: a file that hung too, which then cost every new file one more
``load_timeout`` (10 s by default: the monitor's row said ``reloading … hang.py``, a file
not saved, and the new flow showed 10.3 s after its save). A file whose import overran
``load_timeout`` is tried afresh when it is saved (or the timeout changes), as
docs/workspace.md says, not for each new file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowtop.workspace import Workspace, loader_process

GOOD = """
from flowtop import Flow, task


@task
def g():
    return 1


with Flow("{name}") as f:
    g()
"""

HANG = "import time\nfrom flowtop import Flow\ntime.sleep(10**9)\n"


def test_a_new_file_is_loaded_without_importing_a_hung_file_again(
    tmp_path: Path, workspace: Callable[..., Workspace], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 0.5\n")
    (tmp_path / "a_good.py").write_text(GOOD.format(name="good1"))
    hang = tmp_path / "hang.py"
    hang.write_text(HANG)
    probed: list[list[Path]] = []
    real = loader_process.probe_many

    def probe_many(paths: list[Path], *args: Any, **kwargs: Any) -> Any:
        probed.append(list(paths))
        return real(paths, *args, **kwargs)

    monkeypatch.setattr(loader_process, "probe_many", probe_many)
    ws = workspace()
    assert set(ws.flows) == {"good1"}
    assert "import did not finish in 0.5 s" in str(ws.errors[hang])
    assert hang in probed[-1]

    added = tmp_path / "b_new.py"
    added.write_text(GOOD.format(name="newflow"))
    probed.clear()
    change = ws.reload_paths([added])
    assert "newflow" in change.flows
    assert probed == [[added]]  # not hang.py, which was not saved
    assert "import did not finish" in str(ws.errors[hang])  # (still said broken)

    probed.clear()
    ws.reload_paths([hang])  # saved: tried afresh
    assert probed == [[hang]]
    assert "import did not finish" in str(ws.errors[hang])


def test_a_new_file_still_retries_a_file_that_lacked_it(
    tmp_path: Path, workspace: Callable[..., Workspace]
) -> None:
    """(What the retry of broken files is for: an import error the new file mends.)"""
    user = tmp_path / "user.py"
    user.write_text(
        'from flowtop import Flow\nfrom helper import g\n\nwith Flow("user") as f:\n    g()\n'
    )
    ws = workspace()
    assert "ModuleNotFoundError" in str(ws.errors[user])
    helper = tmp_path / "helper.py"
    helper.write_text("from flowtop import task\n\n\n@task\ndef g():\n    return 1\n")
    ws.reload_paths([helper])
    assert user not in ws.errors
    assert "user" in ws.flows
