"""Where code no flow author wrote lives: Python's standard library, installed
distributions and flowtop itself.

Three places tell the user's code from the rest by the folder a file is in: a failure's
line names the deepest frame of the user's (``records.users_line``), a reload evicts
only the user's modules (``workspace.user_modules``), and a worker gets the helper
modules beside a flow by value, never an installed one (``shipping``). They all ask this
one list, so a folder counted as a library for one is counted so for all.
"""

from __future__ import annotations

import functools
import os
import site
import sys
import sysconfig

#: flowtop's own package folder (ending in a separator): its frames between a user's are
#: hidden (``records.hide_own_frames``), its modules never the user's.
FLOWTOP_FOLDER = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

#: The event loop's package folder (``asyncio``'s, beside ``os``: found without importing
#: it), as imported and as resolved: an ``async def`` flow's body runs on a loop of
#: flowtop's, whose frames are hidden with flowtop's own.
_ASYNCIO = os.path.join(os.path.dirname(os.path.abspath(os.__file__)), "asyncio", "")
ASYNCIO_FOLDERS = (_ASYNCIO, os.path.join(os.path.realpath(_ASYNCIO), ""))


@functools.cache
def library_folders() -> tuple[str, ...]:
    """Folders of Python's own library (a zipped one too) and of installed distributions,
    and flowtop's package folder: each absolute and as resolved (a file's path is tested
    either way), each ending in a separator, for ``str.startswith`` tests. Found once: a
    process's interpreter and site folders do not move."""
    places = {sysconfig.get_path(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    places.update(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    places.add(site.getusersitepackages())
    places.update(p for p in sys.path if p.endswith((".zip", ".egg")))  # zipped stdlib
    places.add(FLOWTOP_FOLDER)
    folders: set[str] = set()
    for place in places:
        if place:
            for each in (os.path.abspath(place), os.path.realpath(place)):
                folders.add(each.rstrip(os.sep) + os.sep)
    return tuple(sorted(folders))
