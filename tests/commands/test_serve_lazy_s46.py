"""The browser server's module is imported by ``flowtop serve`` alone: aiohttp and
textual-serve cost every other command its import time (``commands/serve_server.py``)."""

from __future__ import annotations

import subprocess
import sys


def test_help_and_list_import_no_server() -> None:
    code = (
        "import sys\n"
        "from flowtop import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "import flowtop.commands.serve\n"  # the command's argument parser, without its server
        "heavy = {'aiohttp', 'textual_serve', 'flowtop.commands.serve_server'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
