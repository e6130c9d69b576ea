"""``PREFECT_LOGGING_ROOT_LEVEL`` applies as a drop-in run starts, as Prefect's logging
setup applies it before any flow runs: a flow that only logs through a library's logger
(``logging.getLogger("somelib")``), and never asks for ``get_run_logger()``, had its
INFO lines kept and a value that is no level went unnamed."""

from __future__ import annotations

import os
from pathlib import Path

from cli_kit import PLAIN, flowtop

LIBRARY_ONLY = """\
import logging

from prefect import flow, task

lib = logging.getLogger("somelib")

@task
def t1():
    lib.info("lib info line")
    lib.warning("lib warning line")
    return 1

@flow(name="lg")
def lg():
    return t1()
"""


def _run(folder: Path, **env: str) -> str:
    (folder / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (folder / "lg.py").write_text(LIBRARY_ONLY)
    kept = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_LOGGING")}
    done = flowtop("run", "lg.py", cwd=folder, env={**kept, **PLAIN, **env})
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_the_root_level_keeps_a_library_s_info_line_out_without_a_run_logger(
    tmp_path: Path,
) -> None:
    out = _run(tmp_path, PREFECT_LOGGING_ROOT_LEVEL="WARNING")
    assert "lib info line" not in out, out
    assert "WARNING somelib: lib warning line" in out, out


def test_a_bad_root_level_is_named_once_without_a_run_logger(tmp_path: Path) -> None:
    out = _run(tmp_path, PREFECT_LOGGING_ROOT_LEVEL="LOUD")
    line = "PREFECT_LOGGING_ROOT_LEVEL='LOUD' is not a logging level"
    assert out.count(line) == 1, out
    assert "INFO somelib: lib info line" in out, out
