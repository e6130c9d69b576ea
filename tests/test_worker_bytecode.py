"""The main process compiles the test modules once for xdist's workers (``worker_bytecode``):
what it keeps must be what a worker's import reads back, assertions rewritten."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _pytest.assertion import rewrite

from worker_bytecode import modules_to_rewrite, rewrite_and_keep, rewriting_fits

MODULE = "def test_it():\n    x = 1\n    assert x == 2\n"


def test_the_kept_code_is_read_back_by_a_workers_import_with_its_assertions_rewritten(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    assert rewriting_fits()  # else the suite's workers compile for themselves again
    module = tmp_path / "test_kept.py"
    module.write_text(MODULE, encoding="utf-8")
    rewrite_and_keep(pytestconfig, [module])
    kept = rewrite.get_cache_dir(module) / f"test_kept{rewrite.PYC_TAIL}"
    code = rewrite._read_pyc(module, kept)  # as the worker's import hook reads it
    assert code is not None, list(tmp_path.rglob("*"))
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    with pytest.raises(AssertionError, match=r"assert 1 == 2"):  # rewritten: says x's value
        namespace["test_it"]()


def test_code_older_than_its_module_is_compiled_again(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    module = tmp_path / "test_kept.py"
    module.write_text(MODULE, encoding="utf-8")
    rewrite_and_keep(pytestconfig, [module])
    module.write_text(MODULE.replace("x == 2", "x == 3") + "\n", encoding="utf-8")
    rewrite_and_keep(pytestconfig, [module])
    code = rewrite._read_pyc(module, rewrite.get_cache_dir(module) / f"test_kept{rewrite.PYC_TAIL}")
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    with pytest.raises(AssertionError, match=r"assert 1 == 3"):
        namespace["test_it"]()


def test_the_workers_modules_are_the_test_modules_of_the_paths_given_and_every_conftest(
    tmp_path: Path, pytestconfig: pytest.Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("test_a.py", "sub/test_b.py", "sub/helper.py", "test_c.py"):
        (tmp_path / name).write_text("", encoding="utf-8")
    monkeypatch.setattr(pytestconfig, "args", [str(tmp_path / "sub"), f"{tmp_path}/test_c.py::t"])
    found = modules_to_rewrite(pytestconfig)
    assert [p for p in found if p.is_relative_to(tmp_path)] == [
        tmp_path / "sub" / "test_b.py",
        tmp_path / "test_c.py",
    ]
    tests = Path(__file__).resolve().parent
    assert tests / "conftest.py" in found and tests / "tui" / "conftest.py" in found
