"""The flow host ends with its TUI even while user code holds it.

The host ends when its socket closes (``flow_host.serve`` reads EOF), but only once it
reads again: one held by a flow file's code (an import under a long ``load_timeout``, a
validator of the run form's parameters) outlived a closed terminal, orphaned, for as long
as that code ran. ``PR_SET_PDEATHSIG`` cannot stand in: it fires when the *thread* that
started the host ends, and the TUI starts it from worker threads that come and go.

So the host forks a watcher first, while it is still single-threaded: a process (not a
thread: the host forks its loader children itself only while it runs no other thread)
that waits for the socket's hang-up, kills the host then, and dies with the host
otherwise (``forked_child.die_with``). It runs a bare interpreter (``WATCHER``).
"""

from __future__ import annotations

import os
import socket
import sys

from .forked_child import close_all_but, die_with

#: The watcher's program, run by a bare interpreter (``-I -S``: no site, no flowtop): its
#: command line names neither the folder nor the host, so nothing takes it for a host.
WATCHER = """
import os, select, signal, sys
fd, host = int(sys.argv[1]), int(sys.argv[2])
if os.getppid() == host:
    poller = select.poll()
    poller.register(fd, 0)  # the hang-up only: the host reads the messages
    gone = select.POLLHUP | select.POLLERR | select.POLLNVAL
    while not any(events & gone for _, events in poller.poll()):
        pass
    os.kill(host, signal.SIGKILL)  # its loader children die with it (die_with)
"""


def die_with_peer(sock: socket.socket) -> None:
    """Start a watcher that kills this process once ``sock``'s other end closes."""
    host = os.getpid()
    if not hasattr(os, "fork") or os.fork() != 0:  # (no fork: Windows, left as it was)
        return
    try:  # the watcher: never returns
        die_with(host)  # (kept across the exec)
        close_all_but(sock.fileno())
        os.set_inheritable(sock.fileno(), True)
        command = [sys.executable, "-I", "-S", "-c", WATCHER, str(sock.fileno()), str(host)]
        os.execv(sys.executable, command)
    finally:
        os._exit(70)  # the exec failed: a watcher that cannot watch leaves the host be
