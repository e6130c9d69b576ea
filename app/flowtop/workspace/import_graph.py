"""Which local files a flow file imports, read from its ``import`` statements.

The loader uses it to know which flow modules a saved helper file affects, so the
helper is evicted and re-imported together with them (a flow file's own ``sys.modules``
trail only shows what one import happened to load).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path


class ImportGraph:
    """Which local files a file imports, from its ``import`` statements (cached by mtime)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[Path, tuple[tuple[int, int], frozenset[Path]]] = {}

    def direct(self, path: Path, tree: ast.Module | None = None) -> frozenset[Path]:
        try:
            st = path.stat()
        except OSError:
            return frozenset()
        stamp = (st.st_mtime_ns, st.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == stamp and tree is None:
            return cached[1]
        if tree is None:
            try:
                tree = ast.parse(path.read_bytes(), str(path))
            except (OSError, SyntaxError, ValueError):
                return frozenset()
        deps = frozenset(self._imports(path, tree))
        self._cache[path] = (stamp, deps)
        return deps

    def closure(self, path: Path, tree: ast.Module | None = None) -> set[Path]:
        seen: set[Path] = set()
        stack = list(self.direct(path, tree))
        while stack:
            dep = stack.pop()
            if dep not in seen and dep != path:
                seen.add(dep)
                stack.extend(self.direct(dep))
        return seen

    def _imports(self, path: Path, tree: ast.Module) -> Iterable[Path]:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield from self._resolve(self.root, alias.name.split("."))
            elif isinstance(node, ast.ImportFrom):
                base = self.root
                if node.level:
                    base = path.parent
                    for _ in range(node.level - 1):
                        base = base.parent
                parts = node.module.split(".") if node.module else []
                yield from self._resolve(base, parts)
                for alias in node.names:
                    yield from self._resolve(base, [*parts, alias.name])

    @staticmethod
    def _resolve(base: Path, parts: list[str]) -> Iterable[Path]:
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
                return
