"""Whether a log record meets a handler of the program's on its way up the loggers:
``capture``'s handler on the root logger passes a record on, keeps it once, or leaves it
to the program's handler by it (``capture.heard``, ``_CaptureHandler.emit``)."""

from __future__ import annotations

import logging

from .pass_through import PassThroughStream
from .root_handlers import RootHandlers


def program_handlers(
    logger: logging.Logger | None, level: int, record: logging.LogRecord | None = None
) -> tuple[bool, bool, bool]:
    """Whether a record at ``level`` on ``logger`` meets a handler of the program's on its
    way up (any: Python's last resort then stays silent), whether one receives it, and
    whether one that does writes to a stand-in stream (``basicConfig()`` called while
    flowtop runs holds ``sys.stderr``): its line is then captured as it writes it. Given
    the ``record``, a handler whose filters drop it does not receive it. flowtop's own
    handler (``RootHandlers.hidden``) is none of the program's."""
    found = received = False
    ours = RootHandlers.hidden
    while logger is not None:
        for handler in logger.handlers:
            if handler is not ours:
                found = True
                if level >= handler.level and (record is None or handler.filter(record)):
                    received = True
                    if _into_stand_in(getattr(handler, "stream", None)):
                        return True, True, True
        logger = logger.parent if logger.propagate else None
    return found, received, False


def _into_stand_in(stream: object) -> bool:
    """Whether ``stream`` is a stand-in (``capture``'s, the only ``PassThroughStream``), or
    writes into one (``flowtop run`` wraps the streams a flow module sees at import,
    ``import_output``)."""
    for _ in range(3):
        if stream is None or isinstance(stream, PassThroughStream):
            return stream is not None
        stream = getattr(stream, "stream", None)
    return False


def logger_of(record: logging.LogRecord) -> logging.Logger:
    """The logger ``record`` was made on (the root logger if it is no more)."""
    logger = logging.Logger.manager.loggerDict.get(record.name)
    return logger if isinstance(logger, logging.Logger) else logging.getLogger()
