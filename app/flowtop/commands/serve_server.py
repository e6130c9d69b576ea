"""The web server behind ``flowtop serve``: textual-serve's ``Server`` and ``AppService``
made safe to leave running, and who may use the page.

A module of its own because it imports aiohttp and textual-serve (the ``serve`` extra):
:mod:`flowtop.commands.serve` imports it only when the command runs, so ``flowtop
--help``, ``flowtop run`` and the rest never load them, and work without the extra.

The page can start runs and edit settings, so it is guarded like a Jupyter server:

- the page and its websocket answer only with the token made at start (``403``
  otherwise), on loopback too: any local process or web page could otherwise reach
  ``127.0.0.1``;
- the websocket's ``Origin`` must be this server's own (or ``--public-url``'s), so a page
  on another site cannot drive the app even from a browser that holds the link (a
  browser lets any page open a websocket to any address; which origins are this
  server's: :mod:`flowtop.commands.serve_access`); one without an ``Origin`` is refused
  too, as no browser opens one so;
- what the console shows never holds the token, a traceback's locals, or a client's
  control characters, and a console that cannot be written stops the access log, not
  the server (:mod:`flowtop.commands.serve_console`);
- no client holds a connection long without a request, nor many such connections at
  once (:mod:`flowtop.commands.serve_listen`);
- a page opened where its websocket would be refused (a tunnel to another port) is
  refused itself, saying why in the browser; a file a tab saves (the palette's
  Screenshot) is served sandboxed (:func:`guard_download`); a tab is drawn at a size
  that can be drawn, whatever its client asks (:func:`tab_size`); a message its page
  did not send as textual-serve's page does is left out, saying so, and the tab goes on
  (:mod:`flowtop.commands.serve_messages`);
- a request whose ``Host`` the page's links cannot be built on is refused, and every
  answer, aiohttp's own 400 too, is marked ``nosniff`` (:mod:`flowtop.commands.serve_page`).

A stopping server (SIGTERM, Ctrl+C, SIGHUP) ends every tab's app at once and tells its page so
(``flowtop serve`` then exits as every command stopped so does: 143, 130, 129);
a tab's app that will not quit is killed, and a client that stopped reading is not waited
for (:mod:`flowtop.commands.serve_tabs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager
from textual_serve.server import Server, log, to_int

from ..printable import printable, say
from .run_signals import silence_hung_up_terminal
from .serve_access import (
    allowed_origins,
    is_loopback,
    names_host_of,
    names_this_machine,
    origin_of,
    origin_refusal,
    page_refusal,
)
from .serve_console import ConsoleSafe as ConsoleSafe  # where it was: tests import it here
from .serve_console import LoopErrors, start_console_log
from .serve_listen import STOP_SIGNALS, admitted, listen, raise_open_files_limit, waiting_cap
from .serve_messages import READ_LIMIT, pass_on_messages
from .serve_page import (
    PAGE_POLICY,
    font_size,
    guard_response,
    host_guard,
    made_safe,
    refused,
)
from .serve_tabs import (
    QUIT_PATIENCE,
    close_or_abort,
    end_process,
    input_read,
    let_go,
    say_server_stopped,
)

#: Seconds a closed tab's app has to quit before it is killed (``QUIT_PATIENCE`` more
#: when it has read its ``quit``): one that never reads its input would run for ever.
QUIT_GRACE = 2.0
#: Seconds between two pings of a tab's websocket; a tab that has not answered one
#: within half of it is closed (a browser that went away without a word).
HEARTBEAT = 15.0
#: How much of a tab's app's stderr is kept, to say why it ended.
STDERR_KEPT = 64 * 1024
#: Lines textual-serve lets an app write before it says it is a Textual app.
GREETING_PATIENCE = 10
#: What a Textual app writes first when it is driven by textual-serve.
GREETING = b"__GANGLION__\n"
#: The largest tab drawn, in columns and rows: a browser zoomed out on a 4K screen asks
#: for some 800 x 250; a client asking for 20000 x 5000 had the tab's app take 700 MB and
#: more, a core for good, and nothing on the screen.
MAX_COLUMNS, MAX_ROWS = 2000, 1000


def tab_size(width: int, height: int) -> tuple[int, int]:
    """The size a tab is drawn at for the ``width`` x ``height`` a client asked for: kept
    within 1 x 1 and :data:`MAX_COLUMNS` x :data:`MAX_ROWS` (a negative one crashed the
    tab's app, its traceback with every frame's variables on the console). What is no
    size (``"80"``, ``null``) never gets here: it is left out
    (:func:`~flowtop.commands.serve_messages.read_message`)."""
    return min(max(width, 1), MAX_COLUMNS), min(max(height, 1), MAX_ROWS)


@dataclass
class TabState:
    """What one tab's app did, for its end (beside textual-serve's ``AppService``)."""

    #: The app said it is a Textual app (``__GANGLION__``) before anything else.
    ready: bool = False
    #: Writing to the browser failed: the app's output is read and dropped from then on,
    #: so that it can go on to read ``quit`` (unread, it blocks in a write for ever).
    client_gone: bool = False
    #: The end of what the app wrote to stderr, made printable.
    said: str = ""
    #: Set when the app's output ended: the app is gone.
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    #: The tab closed (or the server stops): its app was asked to end.
    closing: bool = False

    def ending(self) -> str:
        """Why the tab ended, for its websocket's close frame: at most 123 bytes, the
        end of the app's last line kept (``…/flows: no such file or folder``)."""
        lines = [line.strip() for line in self.said.splitlines() if line.strip()]
        why = "the app ended" if self.ready else "flowtop could not start"
        if not lines:
            return why
        last = re.sub(r"^flowtop(?: \w+)?: ", "", lines[-1]).encode()  # ("flowtop open: …")
        room = 123 - len(f"{why}: …".encode())
        if len(last) > room + len("…".encode()):
            return f"{why}: …{last[-room:].decode(errors='ignore')}"
        return f"{why}: {last.decode()}"


async def keep_the_end_of(stderr: asyncio.StreamReader, kept: bytearray) -> None:
    """Read ``stderr`` to its end, keeping its last :data:`STDERR_KEPT` bytes in ``kept``
    (an app's stderr left unread would block it once the pipe is full)."""
    while data := await stderr.read(4096):
        kept.extend(data)
        del kept[:-STDERR_KEPT]


async def greeted(stdout: asyncio.StreamReader) -> bool:
    """Whether the app says it is a Textual app within textual-serve's patience; False
    when its output ends first (it could not start)."""
    for _ in range(GREETING_PATIENCE):
        line = await stdout.readline()
        if not line:
            return False
        if line == GREETING:
            return True
    return False


class TabService(AppService):
    """textual-serve's ``AppService`` (one tab's app process) with its output loop made
    safe: a client that went away while writes were paused raised a plain
    ``ConnectionError`` (it expected ``ConnectionResetError``), its reader died, and the
    app blocked for ever writing output nobody read; an app that could not start left
    its tab blank and its stderr printed twice."""

    def __init__(
        self,
        tab: TabState,
        command: str,
        *,
        write_bytes: Callable[[bytes], Awaitable[None]],
        write_str: Callable[[str], Awaitable[None]],
        close: Callable[[], Awaitable[None]],
        download_manager: DownloadManager,
        debug: bool = False,
    ) -> None:
        super().__init__(
            command,
            write_bytes=write_bytes,
            write_str=write_str,
            close=close,
            download_manager=download_manager,
            debug=debug,
        )
        self.tab = tab

    async def start(self, width: int, height: int) -> None:
        """Start the tab's app at a size it can be drawn at (:func:`tab_size`)."""
        await super().start(*tab_size(width, height))

    async def set_terminal_size(self, width: int, height: int) -> None:
        """The browser's ``resize``, kept within what can be drawn (:func:`tab_size`)."""
        await super().set_terminal_size(*tab_size(width, height))

    async def run(self) -> None:
        process, tab = self._process, self.tab
        assert process is not None
        assert process.stdout is not None
        assert process.stderr is not None
        kept = bytearray()
        reading = asyncio.create_task(keep_the_end_of(process.stderr, kept))
        try:
            tab.ready = await greeted(process.stdout)
            if tab.ready:
                await self._pass_on(process.stdout)
        except (asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the app ended (or the tab is being closed)
        except Exception:  # noqa: BLE001 - said; the tab closes, stop() ends the app
            log.exception("a browser tab's app sent what could not be passed on")
        finally:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(reading, QUIT_GRACE)
            tab.said = printable(kept.decode(errors="replace"))
            tab.ended.set()
        if tab.said.strip():  # once (textual-serve wrote it twice)
            print(tab.said.rstrip("\n"), file=sys.stderr, flush=True)
        if not tab.ready and not tab.closing:  # (a tab closed at once: no news)
            say(f"a browser tab's app (pid {process.pid}) ended before it started")

    async def _pass_on(self, stdout: asyncio.StreamReader) -> None:
        """The app's packets to the browser until the app ends; dropped once the
        browser is gone."""
        handlers = {b"D": self.on_data, b"M": self.on_meta, b"P": self.on_packed}
        while True:
            kind = await stdout.readexactly(1)
            payload = await stdout.readexactly(int.from_bytes(await stdout.readexactly(4)))
            handler = handlers.get(kind)
            if handler is None or self.tab.client_gone:
                continue
            try:
                await handler(payload)
            except ConnectionError:  # ConnectionResetError, or aiohttp's plain one
                self.tab.client_gone = True
            except asyncio.CancelledError:
                if (task := asyncio.current_task()) is not None and task.cancelling():
                    raise  # the tab's end
                # not this task's: aiohttp cancelled the drain its websocket's ping (or
                # close) shares with this write, as the tab closed (unhandled, the app's
                # output was left unread, and the app, killed, never reaped)
                self.tab.client_gone = True

    @property
    def closed(self) -> bool:
        """Whether the tab is closed or its app gone: a download it offered is no more."""
        return self._task is None or self.tab.ended.is_set()

    async def stop(self, patience: float = QUIT_PATIENCE) -> None:
        """Ask the app to quit: with ``quit`` on its input once it has started, else with
        SIGTERM (it reads no input yet: ``quit`` waited unread, and the app, only slow to
        start, was killed; once started, Textual takes SIGTERM as ``quit``). Kill it when
        it has not ended within ``QUIT_GRACE``, or ``patience`` more when it has read its
        ``quit`` (it is on its way: tabs closed together on a busy host were killed)."""
        task, process = self._task, self._process
        if task is None or process is None:
            return
        self._task = None
        self.tab.closing = True
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        if not self.tab.ready:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            patience = 0.0
        with contextlib.suppress(TimeoutError):  # stdin full: the app reads no more
            await asyncio.wait_for(self.send_meta({"type": "quit"}), QUIT_GRACE)

        def heard() -> bool:  # asked when the grace is out
            return input_read(process.stdin)

        await end_process(process, QUIT_GRACE, patience=patience, heard=heard)
        with contextlib.suppress(TimeoutError):  # the end of its output, once it is gone
            await asyncio.wait_for(task, QUIT_GRACE)


class GuardedServer(Server):
    """A textual-serve ``Server`` with a token on the page and websocket, an Origin check,
    links built for the address the browser used (or ``--public-url``), and tabs that end
    with it. Each tab runs ``command``; ``title`` is the page's; ``listening`` is called
    once the port listens (``flowtop serve`` prints its link then)."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        token: str,
        public: str | None,
        title: str = "flowtop",
        listening: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.token = token
        #: Called once the port listens (the link is said then, not before the bind).
        self.on_listening = listening
        #: Whether the port listened: an error after that is no failure to bind.
        self.listened = False
        #: ``--public-url``: the address browsers use, when it is not this server's own.
        self.public = public
        self.origins = allowed_origins(host, port, public)
        #: Set when the server stops (SIGTERM, Ctrl+C): each tab ends its app at once (aiohttp
        #: waited for every open tab's websocket to end: 18 s for one, up to 60 s).
        self.stopping = asyncio.Event()
        self.stopped_by: int | None = None  # the (first) signal that stopped it: its status

    def token_ok(self, given: str | None) -> bool:
        """Whether ``given`` is this server's token (compared in constant time)."""
        return given is not None and secrets.compare_digest(given.encode(), self.token.encode())

    def token_refusal(self, given: str | None) -> str | None:
        """Why ``given`` does not open the page, or None when it is the token. A wrong one
        is most often an old link (a tab left open while the server restarted): it got
        the same words as none, which told nothing of that."""
        if self.token_ok(given):
            return None
        if not given:
            return "open the link with ?token=… that `flowtop serve` printed"
        return (
            "wrong token: flowtop serve may have restarted since this link was printed (each "
            "start makes a new token); open the link it printed at its last start"
        )

    def refusal(self, request: web.Request) -> str | None:
        """Why this websocket is refused, or None when it is not."""
        why = self.token_refusal(request.match_info.get("token"))
        if why is not None:
            return f"websocket refused: {why}"
        origin = request.headers.get("Origin")
        if origin is None and not web.WebSocketResponse().can_prepare(request).ok:
            return None  # no websocket asked for (curl): the 400 says what this address takes
        if origin is None:  # every browser sends one: a script's, or a page's in disguise
            return (
                "websocket without an Origin refused: only this server's page, in a "
                "browser, may open it (open the link flowtop serve printed)"
            )
        return self.foreign_origin(origin, request)

    def foreign_origin(self, origin: str, request: web.Request) -> str | None:
        """Why a page of ``origin`` may not drive the app, for ``request`` (its websocket,
        or the page itself: :meth:`handle_index`); None when it is this server's own."""
        if self.public is None and not is_loopback(self.host):
            # bound to a public address without --public-url: the page is on the
            # address the browser used, by a name of this machine (give another
            # name with --public-url); the token is what keeps strangers out
            # (a Host that is no URL, ``127.0.0.1:99999``, has no origin, "": an
            # unreadable Origin, "" too, matched it)
            own = origin_of(f"{request.scheme}://{request.host}")
            if own and names_this_machine(request.host) and origin_of(origin) == own:
                return None
            return origin_refusal(origin, request.host, {own} - {""})
        if origin_of(origin) in self.origins - {""}:  # "": no URL, never an own origin
            return None
        return origin_refusal(origin, request.host, self.origins)

    def initialize_logging(self) -> None:
        """The console log (:func:`~flowtop.commands.serve_console.start_console_log`):
        every line through one filter, the token written as "…" (the access log wrote
        it), a traceback plain text without locals, a client's text made printable; a
        stdout that cannot be written stops it, and serving goes on."""
        start_console_log(self.token, debug=self.debug)

    def base_url(self, request: web.Request) -> str:
        """Where the page's links point: ``--public-url``, else the address the browser
        used (never ``http://0.0.0.0:PORT`` for a server bound to every address)."""
        return self.public if self.public is not None else f"{request.scheme}://{request.host}"

    async def _make_app(self) -> web.Application:
        # which connections are held; which Host the page's links may be built on
        app = web.Application(middlewares=[admitted, host_guard(self.host, self.public)])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{token}", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        app.on_response_prepare.append(guard_response)
        return app

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        """A file a tab offered (the palette's Screenshot): textual-serve's, saying what
        went wrong. Once its tab was closed, it was a ``200`` with nothing in it (a blank
        image); an unknown key said only "not found"."""
        key = request.match_info["key"]
        try:
            offered = await self.download_manager.get_download_metadata(key)
        except KeyError:
            return web.Response(
                status=404,
                text="flowtop serve: no such download: each is sent once, while the tab "
                "that saved it is open; save it again there\n",
            )
        if isinstance(offered.app_service, TabService) and offered.app_service.closed:
            return web.Response(
                status=410,
                text="flowtop serve: the tab that saved this file is closed: save it "
                "again from an open tab\n",
            )
        return await super().handle_download(request)

    async def on_shutdown(self, app: web.Application) -> None:
        self.stopping.set()  # aiohttp then waits for the tabs' handlers to return

    async def on_startup(self, app: web.Application) -> None:
        pass  # ``listening`` says where the page is; textual-serve's banner would not

    def serve(self, debug: bool = False) -> None:
        """Serve until Ctrl+C, SIGTERM or SIGHUP (:func:`~flowtop.commands.serve_listen.
        listen`), calling ``listening`` once the port listens: the link was printed
        before the bind, and a script that read it and connected at once was refused.
        An error while serving is said, and serving goes on (:class:`LoopErrors`)."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(LoopErrors())
        cap = waiting_cap(raise_open_files_limit())
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            for signum in STOP_SIGNALS:
                loop.add_signal_handler(signum, self.stop_on, signum)
        listen(
            self._make_app(),
            host=self.host,
            port=self.port,
            cap=cap,
            listening=self.listening,
            loop=loop,
        )

    def stop_on(self, signum: int) -> None:
        """A stop signal: the first stops the server and decides its exit status (it was
        0, unsaid); a later one neither, nor cuts the tabs' end short. (A hung-up
        terminal is silenced: each write to it fails.)"""
        if signum == getattr(signal, "SIGHUP", None):
            silence_hung_up_terminal()
        if self.stopped_by is None:
            self.stopped_by = signum
            self.request_exit()

    def listening(self) -> None:
        """The port listens: said (``listening``, given at start), and noted."""
        self.listened = True
        self.on_listening()

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        why = self.token_refusal(request.query.get("token"))
        if why is not None:
            return refused(why)
        # refused where its websocket would be (the page said "Session ended."): told why
        page = f"{request.scheme}://{request.host}"
        if (self.public is None and self.foreign_origin(page, request) is not None) or (
            self.public is not None
            and not (names_host_of(request.host, self.public) or names_this_machine(request.host))
        ):
            why = page_refusal(origin_of(page), request.host)
            say(why)
            return refused(why)
        base = self.base_url(request)
        scheme = "wss" if base.startswith("https") else "ws"
        context = {
            "font_size": font_size(request.query.get("fontsize")),
            "app_websocket_url": f"{scheme}:{base.split(':', 1)[1]}/ws/{self.token}",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        page = aiohttp_jinja2.render_string("app_index.html", request, context)
        page = made_safe(page, self.title, base)  # its title; no other site; downloads
        response = web.Response(text=page, content_type="text/html")
        response.headers["Referrer-Policy"] = "no-referrer"  # the token stays here
        response.headers["Cache-Control"] = "no-store"  # nor in a cache on disk
        # no other site may frame the page (and have the user click in it); no style nor
        # font from another site (textual-serve's page asked Google for its font, telling
        # it the user's address at each load: the link is taken out, monospace stands in)
        response.headers["Content-Security-Policy"] = PAGE_POLICY
        response.headers["X-Frame-Options"] = "DENY"
        return response

    async def handle_websocket(  # type: ignore[override]  # a 403 is a plain response
        self, request: web.Request
    ) -> web.StreamResponse:
        why = self.refusal(request)
        if why is not None:  # said here too: the browser shows only "Session ended."
            say(why)
            return refused(why)
        if not web.WebSocketResponse().can_prepare(request).ok:
            # curl, or a proxy that drops the Upgrade header: textual-serve logged an
            # exception and dropped the connection
            return web.Response(
                status=400,
                text="flowtop serve: this address takes a websocket (the page opens it; "
                "a proxy in between must pass the Upgrade header on)\n",
            )
        return await self.serve_tab(request)

    async def serve_tab(self, request: web.Request) -> web.WebSocketResponse:
        """One tab: its app process, driven by its websocket, until either ends.
        textual-serve's own did not close a tab whose app ended without saying so
        (one that could not start stayed blank), nor end an app that would not quit."""
        # a message over aiohttp's 4 MiB bound is read, to be left out (refused, it closed the tab)
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=READ_LIMIT)
        await websocket.prepare(request)

        async def close_tab() -> None:  # the app said "exit"
            await close_or_abort(websocket, request, WSCloseCode.OK)

        tab = TabState()
        service = TabService(
            tab,
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close_tab,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        messages: asyncio.Task[None] | None = None
        try:
            width = to_int(request.query.get("width", "80"), 80)
            await service.start(width, to_int(request.query.get("height", "24"), 24))
            messages = asyncio.create_task(self._process_messages(websocket, service))
            await self._until_first_end(messages, tab)
            await self._end_tab(websocket, request, service, tab, messages)
        except Exception:  # noqa: BLE001 - as textual-serve did: logged, the others go on
            log.exception("a browser tab failed")
        finally:
            if messages is not None:
                messages.cancel()
            let_go(request)  # a client that stopped reading: its connection is dropped
            await service.stop()
        return websocket

    async def _process_messages(
        self, websocket: web.WebSocketResponse, app_service: AppService
    ) -> None:
        """The browser's messages to the tab's app; a malformed one is left out, saying so,
        and the tab goes on (textual-serve's loop raised, and the tab closed)."""
        # aiohttp closes a tab that has not answered a ping within half the heartbeat
        await pass_on_messages(websocket, app_service, self.token, HEARTBEAT / 2)

    async def _until_first_end(self, messages: asyncio.Task[None], tab: TabState) -> None:
        """Wait until the browser's messages end, the tab's app ends, or the server stops."""
        app_ended = asyncio.create_task(tab.ended.wait())
        stopping = asyncio.create_task(self.stopping.wait())
        await asyncio.wait({messages, app_ended, stopping}, return_when=asyncio.FIRST_COMPLETED)
        app_ended.cancel()
        stopping.cancel()

    async def _end_tab(
        self,
        websocket: web.WebSocketResponse,
        request: web.Request,
        service: TabService,
        tab: TabState,
        messages: asyncio.Task[None],
    ) -> None:
        """End the tab as what ended first calls for (``serve_tab`` stops the app after)."""
        if messages.done():
            messages.result()  # what went wrong with the browser's messages, if any
        elif self.stopping.is_set():  # the tab told, its app ended, side by side
            await asyncio.gather(say_server_stopped(websocket, request), service.stop(0.0))
        elif not websocket.closed:  # the app ended without closing its tab
            why = tab.ending().encode()
            await close_or_abort(websocket, request, WSCloseCode.INTERNAL_ERROR, why)
