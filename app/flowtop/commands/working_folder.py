"""A working folder deleted under the shell that started flowtop (`cd build && rm -rf
../build`, a cron job's folder removed by a cleanup, a CI checkout wiped between steps).

``os.getcwd()`` then fails, and ``flowtop run /abs/etl.py`` ended in a ``FileNotFoundError``
traceback (the loader reads the folder flowtop starts in, and flow processes start there),
while ``flowtop history`` said ``[Errno 2] No such file or directory``, naming nothing. A
command that needs the folder is refused in one line instead, saying what is gone and what
to do; one that does not (``watch``, ``cancel``, ``history``, ``limits`` given an absolute
PATH) goes on.
"""

from __future__ import annotations

import argparse
import os


def working_folder_gone() -> bool:
    """True when the process's working folder no longer exists (removed, not moved:
    a moved folder still has a path)."""
    try:
        os.getcwd()
    except FileNotFoundError:
        return True
    return False


def given_path(args: argparse.Namespace) -> str | None:
    """The PATH a parsed command works on (``watch`` and ``cancel`` take ``[PATH] [RUN]``,
    told apart as they tell them); None for a command that takes none."""
    if hasattr(args, "target"):
        from .store_access import split_target

        return split_target(args.target)[0]
    path = getattr(args, "path", None)
    return path if isinstance(path, str) else None


def gone_working_folder(args: argparse.Namespace, *, imports_flows: bool) -> str | None:
    """Why the command ``args`` parse to cannot run from a working folder that is gone,
    as said after ``flowtop COMMAND:``; None when the folder is there, or the command
    needs nothing of it (an absolute PATH, no flow file imported). ``imports_flows``: the
    command imports flow files, whose processes start in that folder."""
    if not working_folder_gone():
        return None
    if imports_flows:
        return (
            "the current folder was deleted, and flow files import in the folder flowtop"
            " starts in: cd to a folder that exists"
        )
    path = given_path(args)  # (split as the command splits it: the default is relative)
    if path is None or os.path.isabs(path):
        return None
    return (
        f"the current folder was deleted, so PATH {path} (relative to it) cannot be found:"
        " cd to a folder that exists, or give an absolute PATH"
    )
