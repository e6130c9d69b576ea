"""The bundled ``flows/`` as committed, for the tests that run them.

The README's Quick start has the reader set ``SCHEMA_VERSION = 2`` in ``flows/etl.py``,
and the suite run next found ``etl`` COMPLETED: the tests copy the files from HEAD
(``git show HEAD:flows/…``), naming any uncommitted change in a warning; outside a git
checkout the folder is copied as it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``git ARGS`` in ``root``, output as bytes (a file's content, names as git keeps them)."""
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=60)


def committed_flows(root: Path) -> list[tuple[str, str, str]] | None:
    """``flows/``'s files at HEAD as (mode, object, path); None when ``root`` is not the top
    of a git checkout whose HEAD holds a ``flows/`` (an unpacked sdist, no git at all)."""
    if shutil.which("git") is None:
        return None
    top = git(root, "rev-parse", "--show-toplevel")
    if top.returncode != 0 or Path(os.fsdecode(top.stdout.strip())).resolve() != root.resolve():
        return None
    tree = git(root, "ls-tree", "-r", "-z", "HEAD", "--", "flows")
    if tree.returncode != 0:
        return None
    entries = []
    for entry in tree.stdout.split(b"\0"):
        if entry:
            info, path = entry.split(b"\t", 1)
            mode, _, obj = info.decode().split()
            entries.append((mode, obj, os.fsdecode(path)))
    return entries or None


def bundled_flows(target: Path, root: Path = ROOT) -> Path:
    """``root``'s ``flows/`` as shipped, copied into ``target``; returns the copy.

    The files come from HEAD, so a reader's edits (the Quick start's ``SCHEMA_VERSION``)
    and own flow files do not change what the tests run; the uncommitted changes are
    named in a warning, so a developer changing a bundled flow knows to commit it first."""
    folder = target / "flows"
    entries = committed_flows(root)
    if entries is None:
        shutil.copytree(
            root / "flows", folder, ignore=shutil.ignore_patterns(".flowtop", "__pycache__")
        )
        return folder
    for mode, obj, path in entries:
        file = target / path
        file.parent.mkdir(parents=True, exist_ok=True)
        content = git(root, "cat-file", "blob", obj)
        assert content.returncode == 0, (path, content.stderr)
        if mode == "120000":  # a symlink: its target is the blob
            file.symlink_to(os.fsdecode(content.stdout))
        else:
            file.write_bytes(content.stdout)
            file.chmod(0o755 if mode == "100755" else 0o644)
    changed = git(root, "status", "--porcelain", "--", "flows")
    if changed.stdout.strip():
        said = "; ".join(line.strip() for line in os.fsdecode(changed.stdout).splitlines())
        warnings.warn(
            f"{root}/flows differs from HEAD ({said}): testing it as committed", stacklevel=2
        )
    return folder
