"""Prefect 3's task runners (drop-in: ``prefect.task_runners``):
``@flow(task_runner=ThreadPoolTaskRunner(max_workers=4))`` caps a run's concurrent attempts.
``ConcurrentTaskRunner`` is its old name, which Prefect 3 keeps."""

from __future__ import annotations

from .engine.task_runners import ConcurrentTaskRunner, ThreadPoolTaskRunner

__all__ = ["ConcurrentTaskRunner", "ThreadPoolTaskRunner"]
