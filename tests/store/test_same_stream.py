"""Two clients and a headless run on one workspace at once: the same stream everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fork_cli
from flowtop.workspace.history import History
from flowtop.workspace.store_client import StoreClient

from .conftest import ETL, env, json_lines, wait_until


def test_every_client_sees_the_same_events_as_the_run_prints(ws) -> None:
    folder: Path = ws(etl=ETL)
    db = folder / ".flowtop" / "history.db"
    db.parent.mkdir()
    History(db).close()
    seen: list[list[Any]] = [[], []]
    clients = [StoreClient(db, got.extend) for got in seen]
    for client in clients:
        client.open()
    try:
        done = fork_cli.run(
            ["run", ".", "--json"],
            cwd=folder,
            env=env(),
            timeout=60,
        )
        printed = json_lines(done.stdout)
        wait_until(
            lambda: all(len(got) == len(printed) for got in seen), "both clients to catch up"
        )
    finally:
        for client in clients:
            client.close()
    for got in seen:
        assert [e.as_json() for e in got] == printed
