"""A ``retry_on`` name, from settings or the retry editor, made the exception class it names.

A name is looked up where the flow's code would find it: the flow module's names, then
builtins, then (a dotted name) the module the flow module holds or an installed package,
never a script of the workspace no flow imports (``module_places``). A dotted name whose
first part is a class the flow module holds is that class's attribute, as in its code
(``Outer.Inner``, ``Outer`` imported there): it was imported as a module ``Outer``.
"""

from __future__ import annotations

import builtins
import importlib
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from ..engine.policy import never_retried
from ..engine.suggest import did_you_mean
from .module_places import held_by_the_flow, workspace_script
from .settings import SettingsError, table_name


def resolve_exception(
    name: str,
    namespace: Mapping[str, Any],
    table: tuple[str, ...] = (),
    *,
    root: Path | None = None,
) -> type[BaseException]:
    """An exception class from the flow module's names, builtins, or an installed package.

    A dotted name is imported, unless that would run a script of the workspace ``root``
    that is not a flow module (``deploy.Boom`` must not run ``deploy.py``).
    """
    where = f"{table_name(table)}: retry_on" if table else "retry_on"
    found: Any = namespace.get(name, getattr(builtins, name, None)) if "." not in name else None
    if "." in name:
        found = held_by_the_flow(name, namespace)
    if found is None and "." in name:
        found = _attribute_of_a_class(name, namespace, where, table)
    if found is None and "." in name:
        module_name, _, attr = name.rpartition(".")
        script = workspace_script(module_name, root)
        if script is not None:
            raise SettingsError(
                f"{where}: {name!r} would run {_in_workspace(script, root)}, a file of the "
                "workspace, to look it up; flowtop only imports installed packages for "
                f"retry_on: import {attr} in the flow's module and write {attr!r}",
                table,
                "retry_on",
            )
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # noqa: BLE001 - any import failure is the user's to see
            raise SettingsError(
                f"{where}: cannot import {module_name!r} for {name!r} ({type(exc).__name__}: {exc})",
                table,
                "retry_on",
            ) from None
        found = getattr(module, attr, None)
        if found is None:
            hint = did_you_mean(attr, [n for n in dir(module) if not n.startswith("_")])
            raise SettingsError(
                f"{where}: module {module_name!r} has no {attr!r}{hint}", table, "retry_on"
            )
    if found is None:
        raise SettingsError(
            f"{where}: unknown exception {name!r} (not a builtin, not defined in the flow's module; "
            "use a dotted name like 'requests.exceptions.HTTPError')",
            table,
            "retry_on",
        )
    if not (isinstance(found, type) and issubclass(found, BaseException)):
        raise SettingsError(f"{where}: {name!r} is not an exception class", table, "retry_on")
    why_not = never_retried(found)
    if why_not is not None:
        raise SettingsError(f"{where}: {why_not}", table, "retry_on")
    return found


def _in_workspace(script: Path, root: Path | None) -> str:
    """``script`` as the workspace names it, ``pkg/__init__.py``: its name alone did not
    say which ``__init__.py`` a dotted name would run."""
    try:
        return script.relative_to(root.resolve()).as_posix() if root is not None else script.name
    except (ValueError, OSError):
        return script.name


def _attribute_of_a_class(
    name: str, namespace: Mapping[str, Any], where: str, table: tuple[str, ...]
) -> Any:
    """What the dotted ``name`` names when its first part is a class of the flow module's
    names (``Outer.Inner``: a nested class, ``Outer`` defined or imported there), read as
    the flow's code reads it, importing nothing; None when its first part is no such class
    (a module, or no name there: ``name`` is a module path). A part the class lacks is
    said so: it was "cannot import 'Outer'", a module no one meant."""
    first, *rest = name.split(".")
    found = namespace.get(first)
    if not isinstance(found, type):
        return None
    for at, part in enumerate(rest):
        inner = (
            vars(found).get(part) if isinstance(found, ModuleType) else getattr(found, part, None)
        )
        if inner is None:
            known = [n for n in dir(found) if not n.startswith("_")]
            held = ".".join([first, *rest[:at]])
            raise SettingsError(
                f"{where}: {held!r} (of the flow's module) has no {part!r}"
                f"{did_you_mean(part, known)}",
                table,
                "retry_on",
            )
        found = inner
    return found
