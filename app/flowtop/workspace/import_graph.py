"""Which local files a flow file imports, read from its ``import`` statements.

The loader uses it to know which flow modules a saved helper file affects, so the
helper is evicted and re-imported together with them (a flow file's own ``sys.modules``
trail only shows what one import happened to load).

A folder's file named like a module Python finds elsewhere first is no helper: a
``logging.py`` beside flows that ``import logging`` was taken for a helper of each, and
saving it reloaded them all, though each had the standard ``logging`` (``late_stdlib``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from ..engine.ast_race import parse_python
from .late_stdlib import found_elsewhere

#: One import statement's target: the folder it is looked up from (the workspace for an
#: absolute import), the dotted name's parts, and whether it is absolute.
Target = tuple[Path, tuple[str, ...], bool]


class ImportGraph:
    """Which local files a file imports, from its ``import`` statements (parsed once per
    mtime; where each import leads is looked up at each call: a helper created since, or a
    standard module imported since, changes it)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[Path, tuple[tuple[int, int], tuple[Target, ...]]] = {}

    def direct(
        self, path: Path, tree: ast.Module | None = None, *, gone: bool = False
    ) -> frozenset[Path]:
        """The local files ``path`` imports; with ``gone``, also where each local module
        it imports that is not there would be (a helper deleted since)."""
        try:
            st = path.stat()
        except OSError:
            return frozenset()
        stamp = (st.st_mtime_ns, st.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == stamp and tree is None:
            targets = cached[1]
        else:
            if tree is None:
                try:
                    tree = parse_python(path.read_bytes(), str(path))
                except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
                    return frozenset()  # (the last two: code nested too deep to parse)
            targets = tuple(self._targets(path, tree))
            self._cache[path] = (stamp, targets)
        return frozenset(dep for target in targets for dep in self._resolve(*target, gone))

    def closure(
        self, path: Path, tree: ast.Module | None = None, *, gone: bool = False
    ) -> set[Path]:
        """The local files ``path`` imports, at any depth (``gone``: as ``direct``)."""
        seen: set[Path] = set()
        stack = list(self.direct(path, tree, gone=gone))
        while stack:
            dep = stack.pop()
            if dep not in seen and dep != path:
                seen.add(dep)
                stack.extend(self.direct(dep, gone=gone))
        return seen

    def _targets(self, path: Path, tree: ast.Module) -> Iterable[Target]:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield self.root, tuple(alias.name.split(".")), True
            elif isinstance(node, ast.ImportFrom):
                base = self.root
                if node.level:
                    base = path.parent
                    for _ in range(node.level - 1):
                        base = base.parent
                parts = tuple(node.module.split(".")) if node.module else ()
                absolute = not node.level
                yield base, parts, absolute
                for alias in node.names:
                    yield base, (*parts, alias.name), absolute

    def _resolve(
        self, base: Path, parts: tuple[str, ...], absolute: bool, gone: bool = False
    ) -> Iterable[Path]:
        if absolute and parts and found_elsewhere(parts[0], self.root):
            return  # `import logging`: the standard one, whatever the folder has
        folder = base
        for part in parts:
            if part == "*":
                return
            package = folder / part / "__init__.py"
            module = folder / f"{part}.py"
            if package.is_file():
                yield package
                folder = folder / part
            elif module.is_file():
                yield module
                return
            else:
                if gone:  # where it was, maybe: a deleted helper an import still reads
                    yield from (module, package)
                return
