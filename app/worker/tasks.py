"""Which modules declare background tasks: importing them registers their tasks.

A new domain with background work adds its ``tasks`` module here (see registry.py).
"""

from __future__ import annotations

import importlib

from app.worker.registry import TASKS, Task

TASK_MODULES = (
    "app.statistics.tasks",
    "app.statistics.replicate_tasks",
    "app.comments.tasks",
    "app.integrity.tasks",
    "app.dossiers.tasks",
    "app.webhooks.tasks",
    "app.messages.tasks",
    "app.alerts.tasks",
    "app.units.tasks",
    "app.improvement.tasks",
    "app.reporting.jobs",
    "app.reporting.ranking_tasks",
    "app.public.publishing",
    "app.worker.jobs",
)


def load_tasks() -> dict[str, Task]:
    """Every registered task, by name."""
    for module in TASK_MODULES:
        importlib.import_module(module)
    return TASKS
