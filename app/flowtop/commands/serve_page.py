"""What ``flowtop serve``'s answers hold: its page made safe, the headers every answer
carries, and which ``Host`` a request may name.

A module of its own, apart from the server (:mod:`flowtop.commands.serve_server`),
because it answers one question, "what does an answer hold?", beside the server's
handlers and tabs. It imports aiohttp: :mod:`flowtop.commands.serve` imports it only
when the command runs.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

from ..printable import say
from .serve_access import host_refusal, listened_versions

#: The page's Content-Security-Policy (``handle_index``).
PAGE_POLICY = "frame-ancestors 'none'; style-src 'self' 'unsafe-inline'; font-src 'self'"
#: A download's (the palette's Screenshot, an SVG the page opens in a tab of its own, on
#: this server's origin): no script runs in it (``sandbox``: a page of this origin could
#: read the token from the tab that opened it), and it loads nothing from another site
#: (Rich's SVG asked cdnjs.cloudflare.com for its font each time it was opened).
DOWNLOAD_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
#: The page's font size in pixels (``?fontsize=``), and the sizes it may be given: the
#: number was put in the page as it came (``-5``, ``99999999999999999999``).
FONT_SIZE, FONT_SIZES = 16, range(6, 73)
#: Put in the page when its links have a path (``--public-url https://example.org/flowtop``):
#: textual-serve's ``textual.js`` opens a file a tab saves (the palette's Screenshot) at
#: ``${window.location.origin}/download/KEY``, without that path, so a proxy that serves
#: the page under it answered 404. Its ``window.open`` of such an address is pointed at
#: the page's own (``BASE``: ``https://example.org/flowtop/download/``).
DOWNLOAD_BASE_SCRIPT = """<script>
      (function () {
        var own = window.location.origin + "/download/", base = BASE, open = window.open;
        window.open = function (url) {
          var args = Array.prototype.slice.call(arguments);
          if (typeof url === "string" && url.indexOf(own) === 0) {
            args[0] = base + url.slice(own.length);
          }
          return open.apply(window, args);
        };
      })();
    </script>"""


def refused(why: str, status: int = 403) -> web.Response:
    """The ``403`` a request without the token, or from another site, gets (``400``: one
    that names no host to build the page's links on)."""
    return web.Response(status=status, text=f"flowtop serve: {why}\n")


def font_size(given: str | None) -> int:
    """The page's font size for ``?fontsize=``: a whole number, brought into
    :data:`FONT_SIZES` (``99``: the largest, as asked for big), else :data:`FONT_SIZE`."""
    try:
        size = int(given or "")
    except ValueError:
        return FONT_SIZE
    return min(max(size, FONT_SIZES.start), FONT_SIZES.stop - 1)


def host_guard(host: str, public: str | None) -> Middleware:
    """The middleware that refuses a request whose ``Host`` the page's links cannot be
    built on (:func:`~flowtop.commands.serve_access.host_refusal`), for a server bound to
    ``host``: ``127.0.0.1:8765/evil`` was taken, and every link of the page went under
    ``/evil``; a request without one had its links point at port 80."""
    versions = listened_versions(host)

    @web.middleware
    async def host_checked(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        refusal = host_refusal(request.headers.get("Host"), versions, public)
        if refusal is None:
            return await handler(request)
        status, why = refusal
        say(why)  # said here too, as a refused websocket is
        return refused(why, status)

    return host_checked


async def guard_response(request: web.Request, response: web.StreamResponse) -> None:
    """Every answer, before it is sent: taken as the type it says (no sniffing: a 403's
    plain text, which quotes a client's ``Host``, read as HTML). The download address's
    also gets :data:`DOWNLOAD_POLICY`, kept in no cache, and is sent to no other site as
    a ``Referer``. (aiohttp's own answer to a request it cannot read gets no such hook:
    :meth:`flowtop.commands.serve_listen.Connection.handle_error`.)"""
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.match_info.route.name != "download":
        return
    response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"


def made_safe(page: str, title: str, base: str) -> str:
    """textual-serve's page as ``flowtop serve`` sends it: with its title, without links
    to other sites, and its downloads under ``base`` (its links' start)."""
    return with_download_base(without_other_sites_links(with_title(page, title), base), base)


def with_title(page: str, title: str) -> str:
    """``page`` with ``<title>title</title>`` in its head: textual-serve's page has none,
    so a browser's tab showed the page's address, its token included, as its title."""
    if "<title>" in page:
        return page
    return page.replace("<head>", f"<head>\n    <title>{html.escape(title)}</title>", 1)


def with_download_base(page: str, base: str) -> str:
    """``page`` with :data:`DOWNLOAD_BASE_SCRIPT` in its head when ``base`` has a path
    (behind a proxy under a prefix); as it is otherwise (its downloads are on its origin)."""
    if not urlsplit(base).path.strip("/"):
        return page
    # as JSON, no "</script>" in it (a --public-url may hold a "<")
    where = json.dumps(f"{base}/download/").replace("<", "\\u003c")
    script = DOWNLOAD_BASE_SCRIPT.replace("BASE", where, 1)
    return page.replace("<head>", f"<head>\n    {script}", 1)


_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
#: A link's ``href`` to an address of its own (``https://…``, ``//…``), not a path.
_HREF = re.compile(r"""\bhref\s*=\s*["']((?:[a-z][a-z0-9+.-]*:|//)[^"']*)""", re.I)


def without_other_sites_links(page: str, base: str) -> str:
    """``page`` without its ``<link>``s to another site (textual-serve's to Google's
    fonts): the page's policy blocks them, and each load of the page left an error on
    the browser's console. Its own (under ``base``, as its links are built) are kept."""

    def kept(link: re.Match[str]) -> str:
        href = _HREF.search(link.group())
        return "" if href and not href.group(1).startswith(f"{base}/") else link.group()

    return _LINK.sub(kept, page)
