"""The LocalCluster flowtop starts for ``--executor dask`` listens on loopback only, and
serves no dashboard unless ``--dask-dashboard`` asks for one (it shows task arguments)."""

from __future__ import annotations

import os
import subprocess
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import fork_cli
from flowtop.engine.executors import DASHBOARD_ENV, DaskBackend


def listening(cluster: object) -> list[tuple[str, int]]:
    from distributed.comm.utils import get_tcp_server_addresses

    servers = [cluster.scheduler.http_server]  # type: ignore[attr-defined]
    servers += [w.http_server for w in cluster.workers.values()]  # type: ignore[attr-defined]
    return [address[:2] for server in servers for address in get_tcp_server_addresses(server)]


def status_page(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5) as page:
            return int(page.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("dashboard", [False, True])
def test_the_local_cluster_binds_loopback_and_a_dashboard_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, dashboard: bool
) -> None:
    pytest.importorskip("distributed")
    if dashboard:
        monkeypatch.setenv(DASHBOARD_ENV, "1")
    else:
        monkeypatch.delenv(DASHBOARD_ENV, raising=False)
    backend = DaskBackend(workers=1)
    try:
        client = backend.start()
        assert client.submit(lambda x: x + 1, 1).result() == 2
        cluster = backend._cluster
        addresses = listening(cluster)
        assert addresses and all(host == "127.0.0.1" for host, _ in addresses), addresses
        port = cluster.scheduler.http_server.port
        if dashboard:
            assert backend.dashboard_link == f"http://127.0.0.1:{port}/status"
            assert status_page(port) == 200
        else:
            assert backend.dashboard_link is None
            assert status_page(port) == 404
    finally:
        backend.close()


FLOW = """
    from flowtop import Flow, task

    @task
    def one():
        return 1

    with Flow("one") as flow:
        one()
"""


def flowtop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != DASHBOARD_ENV}
    return fork_cli.run(args, cwd=cwd, timeout=60, env=env)


def test_run_says_where_the_dashboard_is_and_refuses_it_without_a_local_cluster(
    tmp_path: Path,
) -> None:
    pytest.importorskip("distributed")
    (tmp_path / "one.py").write_text(textwrap.dedent(FLOW))
    done = flowtop("run", "one.py", "--executor", "dask", "--dask-dashboard", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "flowtop run: Dask dashboard: http://127.0.0.1:" in done.stderr
    done = flowtop("run", "one.py", "--executor", "process", "--dask-dashboard", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "flowtop run: --dask-dashboard needs --executor dask (a local cluster), not 'process'"
    )
