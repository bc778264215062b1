"""The database connection budget: how many connections every process of the system may
open at once, against what PostgreSQL allows (``max_connections`` minus the connections
reserved for superusers).

Per process kind (the pool sizes are settings, the rest is how the code is built):

* an API process: its pool (``DATABASE_POOL_SIZE``) and as many again under load (overflow);
  ``API_SERVERS`` x ``API_WORKERS`` of them;
* a worker pool process: its pool (``WORKER_DATABASE_POOL_SIZE``) and its overflow, plus the
  job bookkeeping's own connections (the job thread's and the heartbeat thread's);
  ``WORKER_NODES`` x ``WORKER_CONCURRENCY`` of them (0: this machine's CPU cores);
* the rest — a worker's main process, beat (it only publishes), the supervisor's migrations,
  the sweeper (it runs as a job in a worker) and a CLI command now and then — a few each.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from landkontor.db.session import max_overflow
from landkontor.jobs.bookkeeping import CONNECTIONS_PER_PROCESS
from landkontor.settings import Settings

# A worker's main process, beat, the supervisor and a CLI command.
OTHER_CONNECTIONS = 4


@dataclass(frozen=True)
class ConnectionBudget:
    api_processes: int
    per_api_process: int
    worker_processes: int
    per_worker_process: int
    other: int = OTHER_CONNECTIONS

    @property
    def total(self) -> int:
        return (
            self.api_processes * self.per_api_process
            + self.worker_processes * self.per_worker_process
            + self.other
        )

    def describe(self) -> str:
        return (
            f"{self.api_processes} API process(es) x {self.per_api_process} + "
            f"{self.worker_processes} worker pool process(es) x {self.per_worker_process} + "
            f"{self.other} others = {self.total}"
        )


def planned_budget(settings: Settings, cpu_count: int | None = None) -> ConnectionBudget:
    """The most connections the configured system may open at once."""
    concurrency = settings.worker_concurrency or cpu_count or os.cpu_count() or 1
    api_pool = settings.database_pool_size
    worker_pool = settings.worker_database_pool_size
    return ConnectionBudget(
        api_processes=settings.api_servers * settings.api_workers,
        per_api_process=api_pool + max_overflow(api_pool),
        worker_processes=settings.worker_nodes * concurrency,
        per_worker_process=worker_pool + max_overflow(worker_pool) + CONNECTIONS_PER_PROCESS,
    )
