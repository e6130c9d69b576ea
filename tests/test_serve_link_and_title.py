"""`flowtop serve` says its link once the port listens, and its page has a title.

Before: the link was printed before the server bound its port, so a script that read it
and connected at once was refused; and the page had no ``<title>``, so a browser's tab
showed the page's address, its token included, as its title.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from test_serve import Served, free_port, get, serve, stop

FLOW = "from flowtop import flow\n\n\n@flow\ndef one():\n    pass\n"

#: ``flowtop serve ARGS…`` whose stderr holds it at the end of the link's line until the
#: test writes a line to its stdin: the test tries the port while flowtop stands exactly
#: where it said the link, however fast or slow the machine.
HELD_AT_THE_LINK = """
import sys
from flowtop.cli import main


class HeldAtTheLink:
    def __init__(self, stream):
        self.stream, self.line = stream, ""

    def write(self, text):
        self.stream.write(text)
        self.stream.flush()
        self.line += text
        if "\\n" in text:
            if "token=" in self.line:
                sys.stdin.readline()
            self.line = ""
        return len(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


sys.stderr = HeldAtTheLink(sys.stderr)
sys.exit(main(["serve", *sys.argv[1:]]))
"""


def test_the_link_is_said_once_the_port_listens(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text(FLOW)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", HELD_AT_THE_LINK, str(tmp_path), "--port", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    served = Served(proc, port, link="", banner="")
    try:
        assert proc.stderr is not None and proc.stdin is not None
        said = ""
        while "token=" not in said:
            line = proc.stderr.readline()
            assert line, f"flowtop serve exited: {said}"
            said += line
        try:  # flowtop is held where it said the link: the port must listen by then
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        finally:
            proc.stdin.write("tried\n")
            proc.stdin.close()
    finally:
        stop(served)


def test_the_page_is_titled_by_its_workspace_folder(tmp_path: Path) -> None:
    folder = tmp_path / "night & day"
    folder.mkdir()
    (folder / "one.py").write_text(FLOW)
    served = serve(folder)
    try:
        status, page = get(served.link)
        assert status == 200
        head = page.split("</head>", 1)[0]
        assert head.count("<title>") == 1
        assert "<title>flowtop — night &amp; day</title>" in head
    finally:
        stop(served)
