"""``[PATH] RUN``, as ``watch`` and ``cancel`` take it: one name in the usage, the help
and the error for too many arguments.

Both words land in ``args.target`` (a list, as ``store_access.store_path`` reads it): the
usage shows ``[PATH] RUN`` (``[PATH] [RUN]`` for ``watch``), not ``[[PATH] RUN ...]``,
which promised several runs; a third word is refused by ``too_many``, in the same words.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

#: What ``RUN`` takes, as ``workspace.run_refs.find_run_ref`` reads it.
RUN_HELP = (
    "the run: its number as `flowtop history` prints it (3 or #3; --flow NAME says "
    "whose, when several flows have one), its run id, or a unique start of one "
    "(4 characters or more)"
)
PATH_HELP = "flow folder or file (default: ./flows, else .)"


class _Collect(argparse.Action):
    """Each positional word appended to ``dest`` (a list): PATH and RUN share one."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        items = list(getattr(namespace, self.dest, None) or [])
        if isinstance(values, list):
            items.extend(values)
        elif isinstance(values, str):
            items.append(values)
        setattr(namespace, self.dest, items)


def add_run_target(parser: argparse.ArgumentParser, *, run_required: bool, run_help: str) -> None:
    """``[PATH] RUN`` (``[PATH] [RUN]`` unless ``run_required``) into ``args.target``."""
    parser.add_argument("target", nargs="?", metavar="PATH", action=_Collect, help=PATH_HELP)
    parser.add_argument(
        "target", nargs=None if run_required else "?", metavar="RUN", action=_Collect, help=run_help
    )
    # what is past them, so that `cancel a b c` is told it names one run (not in the usage)
    parser.add_argument("target", nargs="*", action=_Collect, default=None, help=argparse.SUPPRESS)


def too_many(targets: Sequence[str], synopsis: str) -> str | None:
    """Why ``targets`` are too many for ``synopsis`` (``[PATH] RUN``), else None."""
    if len(targets) <= 2:
        return None
    return f"expected {synopsis} (one run at a time), got {len(targets)} arguments"
