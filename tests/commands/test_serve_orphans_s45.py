"""A `flowtop serve` tab's processes end with the server, however it ends: `kill -9` of the
server left each tab's `flowtop open` and its flow host running for good, and a SIGTERM
took 18 s and more to end a server with one tab open. The runs a tab started go on."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp  # textual-serve's own client library (the test extra installs it)
import pytest

import fork_cli
from flowtop.commands.serve_tabs import SERVER_GONE_EXIT
from test_serve import Served, serve
from waits import until

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc"
)

#: A flow that outlives the server until the test wakes it (``awake`` beside its file; 20 s
#: at most): its run must still be recorded.
NAP_FLOW = (
    "import time\nfrom pathlib import Path\nfrom flowtop import flow\n\n\n@flow\ndef nap():\n"
    "    until = time.monotonic() + 20\n"
    "    while not (Path(__file__).parent / 'awake').exists() and time.monotonic() < until:\n"
    "        time.sleep(0.02)\n"
)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children(pid: int) -> dict[int, str]:
    """The running processes whose parent is ``pid``, with their command lines."""
    found: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    found[int(entry)] = cmdline.read().replace(b"\0", b" ").decode()
    return found


def one_child(pid: int, marker: str) -> int | None:
    return next((child for child, line in children(pid).items() if marker in line), None)


class Tab:
    """A browser tab that reads all its app sends, and keeps how it was closed."""

    def __init__(self, websocket: aiohttp.ClientWebSocketResponse) -> None:
        self.websocket = websocket
        self.closed: aiohttp.WSMessage | None = None

    async def read(self) -> None:
        with contextlib.suppress(Exception):
            while (message := await self.websocket.receive()).type not in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.ERROR,
            ):
                pass
            self.closed = message


@contextlib.asynccontextmanager
async def tab(served: Served) -> AsyncIterator[Tab]:
    url = f"http://127.0.0.1:{served.port}/ws/{served.token}?width=100&height=30"
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, headers={"Origin": url.split("/ws/")[0]}) as websocket,
    ):
        opened = Tab(websocket)
        reading = asyncio.create_task(opened.read())
        try:
            yield opened
        finally:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(reading), 0.5)
            reading.cancel()


async def app_and_flow_host(served: Served) -> tuple[int, int]:
    """The tab's app process and its flow host, once it runs (its flows are loaded then)."""
    await until(lambda: children(served.proc.pid), "the tab's app")
    (app,) = children(served.proc.pid)
    await until(lambda: one_child(app, "flow_host"), "the app's flow host")
    host = one_child(app, "flow_host")
    assert host is not None
    return app, host


def kill_all(served: Served, *pids: int) -> None:
    for pid in (served.proc.pid, *pids):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    served.proc.wait(5)
    for stream in (served.proc.stdout, served.proc.stderr):
        if stream is not None:
            stream.close()


def test_kill_9_of_serve_ends_its_tabs_app_and_flow_host_and_their_run_goes_on(
    tmp_path: Path,
) -> None:
    """Both ran on for good (2-4 % of a core each): Textual's web driver takes the end of
    its input silently. The run a tab started is a process of its own and is recorded."""
    (tmp_path / "nap.py").write_text(NAP_FLOW)
    served = serve(tmp_path)
    pids: list[int] = []

    async def scenario() -> None:
        async with tab(served) as opened:
            app, host = await app_and_flow_host(served)
            pids.extend((app, host))
            deadline = time.monotonic() + 10
            while (run := one_child(app, "flowtop run")) is None:
                assert time.monotonic() < deadline, "`r` started no run"
                # until the flow list has it (sent before, it is a key for nothing)
                await opened.websocket.send_str('["stdin", "r"]')
                with contextlib.suppress(AssertionError):
                    await until(lambda: one_child(app, "flowtop run"), "a run", 1)
            pids.append(run)
            served.proc.kill()
            served.proc.wait(5)
        await until(lambda: not alive(app), "the tab's app ending after serve's kill -9")
        await until(lambda: not alive(host), "its flow host ending with it")
        assert alive(run), "the run started from the tab ended with the server"
        (tmp_path / "awake").touch()
        await until(lambda: not alive(run), "the run's end")

    try:
        asyncio.run(scenario())
    finally:
        kill_all(served, *pids)
    history = fork_cli.run(
        ["history", "--json", str(tmp_path)],
        timeout=30,
    )
    runs = [json.loads(line) for line in history.stdout.splitlines()]
    assert [(run["flow"], run["state"]) for run in runs] == [("nap", "COMPLETED")], history


def test_sigterm_to_serve_ends_it_and_its_tabs_at_once(tmp_path: Path) -> None:
    """aiohttp waited for each open tab's websocket to end: 18 s for one tab."""
    (tmp_path / "nap.py").write_text(NAP_FLOW)
    served = serve(tmp_path)
    pids: list[int] = []
    closed: list[aiohttp.WSMessage | None] = []

    async def scenario() -> None:
        async with tab(served) as opened:
            pids.extend(await app_and_flow_host(served))
            served.proc.terminate()
            # it took 18 s: a bound well under that, and well over a loaded machine's moment
            await until(lambda: served.proc.poll() is not None, "serve's end after SIGTERM", 8)
        closed.append(opened.closed)
        assert not any(map(alive, pids)), "the tab's app or its flow host outlived serve"

    try:
        asyncio.run(scenario())
    finally:
        kill_all(served, *pids)
    assert served.proc.returncode == 143  # stopped by SIGTERM
    (message,) = closed  # the page says "Session ended." (it showed nothing)
    assert message is not None and message.type == aiohttp.WSMsgType.CLOSE, message
    assert (message.data, message.extra) == (
        aiohttp.WSCloseCode.GOING_AWAY,
        "flowtop serve stopped",
    )


def test_a_tab_s_app_quits_when_its_server_is_gone_and_ends_when_it_will_not() -> None:
    """Where no parent-death signal tells it, the app watches its parent: gone (the pid
    given is not its parent), it is sent SIGTERM; one deaf to it ends all the same."""
    # -1: no process's pid, so never this one's parent (pid 1 might be, in a container)
    watch = "from flowtop.commands.serve_tabs import watch_server; watch_server(-1, 0.05, 0.2)"
    deaf = f"import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); {watch}"
    for code, ended in ((watch, -signal.SIGTERM), (deaf, SERVER_GONE_EXIT)):
        started = time.monotonic()
        assert subprocess.run([sys.executable, "-c", code], timeout=10).returncode == ended
        assert time.monotonic() - started < 5
