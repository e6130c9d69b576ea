"""The LocalCluster flowtop starts for ``--executor dask`` serves health and metrics only
over HTTP: Dask's default pages (``/info`` with running task keys, call stacks with file
paths and source lines, the logs; ``/json``; ``/eventstream``) answered every local user,
with no login."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from flowtop.engine.executors import DASHBOARD_ENV, DaskBackend


def status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as page:
            return int(page.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_local_cluster_serves_health_and_metrics_and_no_info_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("distributed")
    monkeypatch.delenv(DASHBOARD_ENV, raising=False)
    backend = DaskBackend(workers=1)
    try:
        client = backend.start()
        assert client.submit(lambda x: x + 1, 1).result() == 2
        cluster = backend._cluster
        worker = quote(next(iter(cluster.scheduler.workers)), safe="")
        scheduler = cluster.scheduler.http_server.port
        workers = [w.http_server.port for w in cluster.workers.values()]
        for port in [scheduler, *workers]:
            assert status(port, "/health") == 200
            assert status(port, "/metrics") == 200
        closed = [
            "/json/identity.json",
            f"/info/worker/{worker}.html",
            f"/info/call-stacks/{worker}.html",
            "/info/main/logs.html",
            "/info/main/workers.html",
            "/eventstream",
            "/statics/css/base.css",
        ]
        assert {path: status(scheduler, path) for path in closed} == dict.fromkeys(closed, 404)
        import dask.config

        # set while the cluster started only: another cluster of this process is not changed
        routes = dask.config.get("distributed.scheduler.http.routes")
        assert "distributed.http.scheduler.info" in routes
    finally:
        backend.close()


def test_the_dashboard_asked_for_keeps_dasks_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--dask-dashboard`` is the user's choice to show them (README)."""
    pytest.importorskip("distributed")
    monkeypatch.setenv(DASHBOARD_ENV, "1")
    backend = DaskBackend(workers=1)
    try:
        backend.start()
        port = backend._cluster.scheduler.http_server.port
        assert status(port, "/info/main/workers.html") == 200
        assert status(port, "/health") == 200
    finally:
        backend.close()
