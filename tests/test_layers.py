"""The layering promise: engine and workspace never import Textual, and the CLI's
help never pays for it. Checked by import-linter and by a fresh interpreter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contract_holds() -> None:
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.skip("import-linter is not installed (it is in the [test] extra)")
    done = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "code",
    [
        "import flowtop, flowtop.engine, flowtop.workspace",
        "import flowtop.cli as c\ntry:\n    c.main(['--help'])\nexcept SystemExit:\n    pass",
    ],
    ids=["engine+workspace", "cli-help"],
)
def test_textual_not_imported(code: str) -> None:
    probe = (
        code
        + "\nimport sys\nassert 'textual' not in sys.modules, sorted(m for m in sys.modules if m.startswith('textual'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "args",
    [["check", "app", "tests"], ["format", "--check", "app", "tests"]],
    ids=["lint", "format"],
)
def test_ruff_is_clean(args: list[str]) -> None:
    exe = shutil.which("ruff")
    if exe is None:
        pytest.skip("ruff is not installed (it is in the [test] extra)")
    done = subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_noqa_says_why() -> None:
    """``# noqa: CODE - reason``: a bare suppression hides why the rule does not apply."""
    import re

    root = Path(__file__).resolve().parents[1]
    bare = re.compile(r"# noqa(: *[A-Z]+[0-9]+(, *[A-Z]+[0-9]+)*)? *$")
    found = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("app", "tests", "flows")
        for path in sorted((root / folder).rglob("*.py"))
        # not in a hidden folder: compare.py's .venv-compare holds others' packages
        if not any(part.startswith(".") for part in path.relative_to(root).parts)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if bare.search(line)
    ]
    assert found == []
