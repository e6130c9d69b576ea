"""Prefect 3's ``prefect.concurrency``: ``with concurrency("database", occupy=1):`` holds
slots of a named limit while its block runs; ``rate_limit("api")`` waits for a slot of a
limit that refills over time (``sync``; ``asyncio`` has the same for async code).

With no API server, the limits are the ``[concurrency]`` table of the workspace's
``flowtop.toml``: ``database = 2`` (slots), or ``api = { limit = 5,
slot_decay_per_second = 1.0 }`` (a slot frees itself that often). They hold across
every flowtop process running the workspace's code, as Prefect's server-side limits do
across workers (``slots``: ``.flowtop/limits.db``). A name with no limit is not
limited: as in Prefect with ``strict=False``, the run logger says it was skipped; with
``strict=True`` it raises.
"""

from .limits import ConcurrencySlotAcquisitionError

__all__ = ["ConcurrencySlotAcquisitionError"]
