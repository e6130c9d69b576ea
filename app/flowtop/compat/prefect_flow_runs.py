"""Drop-in ``pause_flow_run``, ``suspend_flow_run`` and ``resume_flow_run`` (``prefect``,
``prefect.flow_runs``): importable, and one line saying why when called.

Prefect pauses a run by parking it on its API server until someone resumes it there
(the UI, ``resume_flow_run(id)``), and suspends one by ending its process for a
deployment to start again. flowtop has neither a server nor deployments, so no flowtop
run is ever paused. These names used to be refused at import, which took down a whole
flow file that pauses on one code path only (an approval step, a rare branch); now the
file loads, runs, and the call alone fails with :class:`NoPauseInFlowtop`, naming what
to do instead, as ``serve()`` and ``flow.serve()`` fail when called.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ..engine.errors import NotInFlowtop
from ..engine.prefect_exceptions import PrefectException

#: What flowtop offers instead of a paused run, said by every one of these calls.
INSTEAD = (
    "wait inside the flow instead (time.sleep, or poll for a file or a value), or end the "
    "flow there and run what follows as a flow of its own when ready"
)


class NoPauseInFlowtop(NotInFlowtop):
    """A pause, suspend or resume of a flow run: flowtop has no paused runs. A
    ``NotInFlowtop`` still (``except NotInFlowtop`` and ``NotImplementedError`` catch
    it), with its own words, as there is something to do instead."""

    def __init__(self, call: str) -> None:
        NotImplementedError.__init__(  # NotInFlowtop's text is about servers, not pauses
            self,
            f"{call} is not available in flowtop: no flowtop run can be paused, suspended"
            f" or resumed (there is no API server to hold it); {INSTEAD}",
        )


class FlowPauseTimeout(PrefectException):
    """Prefect's "a paused run was not resumed in time" (drop-in ``prefect.exceptions``).
    No flowtop run pauses, so it is never raised; code around a pause catches it."""


class NotPausedError(PrefectException):
    """Prefect's "resumed a run that is not paused" (drop-in ``prefect.exceptions``):
    never raised either, as ``resume_flow_run`` raises :class:`NoPauseInFlowtop`."""


def pause_flow_run(*args: Any, **options: Any) -> NoReturn:
    """Prefect's ``pause_flow_run(wait_for_input=None, timeout=3600, ...)``."""
    raise NoPauseInFlowtop("pause_flow_run()")


def suspend_flow_run(*args: Any, **options: Any) -> NoReturn:
    """Prefect's ``suspend_flow_run(wait_for_input=None, flow_run_id=None, ...)``."""
    raise NoPauseInFlowtop("suspend_flow_run()")


def resume_flow_run(*args: Any, **options: Any) -> NoReturn:
    """Prefect's ``resume_flow_run(flow_run_id, run_input=None)``."""
    raise NoPauseInFlowtop("resume_flow_run()")


async def apause_flow_run(*args: Any, **options: Any) -> NoReturn:
    """Prefect's async ``apause_flow_run``."""
    raise NoPauseInFlowtop("apause_flow_run()")


async def asuspend_flow_run(*args: Any, **options: Any) -> NoReturn:
    """Prefect's async ``asuspend_flow_run``."""
    raise NoPauseInFlowtop("asuspend_flow_run()")


async def aresume_flow_run(*args: Any, **options: Any) -> NoReturn:
    """Prefect's async ``aresume_flow_run``."""
    raise NoPauseInFlowtop("aresume_flow_run()")


def names() -> dict[str, Any]:
    """The six functions by name: what ``prefect`` and ``prefect.flow_runs`` give."""
    return {
        "pause_flow_run": pause_flow_run,
        "suspend_flow_run": suspend_flow_run,
        "resume_flow_run": resume_flow_run,
        "apause_flow_run": apause_flow_run,
        "asuspend_flow_run": asuspend_flow_run,
        "aresume_flow_run": aresume_flow_run,
    }


def exceptions() -> dict[str, Any]:
    """What drop-in ``prefect.exceptions`` adds for code around a pause."""
    return {"FlowPauseTimeout": FlowPauseTimeout, "NotPausedError": NotPausedError}


__all__ = ["FlowPauseTimeout", "NoPauseInFlowtop", "NotPausedError", "exceptions", "names"]
