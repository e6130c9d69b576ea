"""Executor specs: ``thread``, ``process``, ``dask`` or ``dask:tcp://HOST:PORT``, checked."""

from __future__ import annotations

import importlib.util
import os
import re

from .suggest import did_you_mean

EXTRA = 'pip install -e ".[dask]" (in the flowtop checkout)'
SPEC_HELP = "'thread', 'process', 'dask' or 'dask:tcp://HOST:PORT'"

_ADDRESS = re.compile(r"^(tcp|tls|ws|wss)://(\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]]+)(:\d{1,5})?$")


class ExecutorError(ValueError):
    """A bad executor spec, a missing extra, or a cluster that cannot be reached."""


def parse_spec(spec: object) -> tuple[str, str | None]:
    """``"thread" | "process" | "dask" | "dask:tcp://HOST:PORT"`` -> (kind, address)."""
    if not isinstance(spec, str):
        raise ExecutorError(f"executor must be {SPEC_HELP}, got {type(spec).__name__} {spec!r}")
    text = spec.strip()
    if text in ("thread", "process", "dask"):
        return text, None
    if text.startswith("dask:"):
        address = text[len("dask:") :]
        found = _ADDRESS.match(address)
        if not found:
            raise ExecutorError(
                f"executor {spec!r}: {address!r} is not a scheduler address like tcp://HOST:PORT"
            )
        if found.group(3) is None:  # Dask refuses it only once connecting, in a traceback
            raise ExecutorError(
                f"executor {spec!r}: {address!r} has no port, as in tcp://HOST:PORT "
                "(a Dask scheduler listens on 8786 unless told otherwise)"
            )
        return "dask", address
    hint = did_you_mean(text, ["thread", "process", "dask"])
    # (``got 'nope'``, as every argument's message says what it got: the type only for a
    # value that is no text at all, a number in flowtop.toml)
    raise ExecutorError(f"executor must be {SPEC_HELP}, got {spec!r}{hint}")


def _missing(module: str) -> bool:
    return importlib.util.find_spec(module) is None


def check_spec(spec: object) -> str:
    """Validate a spec and that what it needs is installed; return it normalised."""
    kind, address = parse_spec(spec)
    if kind == "dask" and (_missing("distributed") or _missing("cloudpickle")):
        raise ExecutorError(f"executor {spec!r} needs Dask, which is not installed: {EXTRA}")
    if kind == "process" and _missing("cloudpickle"):
        raise ExecutorError(f"executor 'process' needs cloudpickle to ship flow functions: {EXTRA}")
    return kind if address is None else f"dask:{address}"


#: Set (to "1") by ``--dask-dashboard``: the local cluster then serves its dashboard on
#: :data:`DASHBOARD_ADDRESS`. An environment variable, so the TUI's runners see it too.
DASHBOARD_ENV = "FLOWTOP_DASK_DASHBOARD"
DASHBOARD_ADDRESS = "127.0.0.1:8787"


def dashboard_wanted() -> bool:
    return os.environ.get(DASHBOARD_ENV) == "1"
