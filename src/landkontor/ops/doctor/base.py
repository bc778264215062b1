"""What every doctor check gets and returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from landkontor.ops import redis_server
from landkontor.ops.probes import describe_error
from landkontor.ops.runfiles import SUPERVISOR, RunFiles
from landkontor.settings import Settings


class Status(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass
class CheckResult:
    """One line of the report. A WARN or FAIL always says why (message) and what to do (hint)."""

    name: str
    status: Status
    message: str
    hint: str = ""
    fixed: str = ""  # what --fix did


@dataclass
class Doctor:
    """The context every check gets: settings, whether to repair, what `up` runs now."""

    settings: Settings
    fix: bool = False
    database_error: str = ""  # set by the database check; later checks say "not checked"
    broker_error: str = ""

    def __post_init__(self) -> None:
        self.runfiles = RunFiles(self.settings)
        running = self.runfiles.live_process(SUPERVISOR) is not None
        state = self.runfiles.read_state() if running else None
        self.supervised = {
            s["name"]: s for s in (state or {}).get("services", []) if s.get("kind") == "process"
        }

    def describe(self, exc: BaseException) -> str:
        """The error a driver or probe gave, on one line, secrets masked, never empty."""
        return describe_error(exc, self.settings.secret_values())

    def expected(self, service: str) -> bool:
        """Whether the running supervisor runs ``service`` (then it must answer)."""
        return service in self.supervised

    def missing(self, service: str) -> Status:
        """FAIL when a service `up` runs does not answer, WARN when nothing runs it."""
        return Status.FAIL if self.expected(service) else Status.WARN

    def managed_redis(self) -> bool:
        """The broker is the Redis that `landkontor up` started (safe to reconfigure)."""
        record = self.runfiles.read_pid("redis")
        return bool(
            record
            and record.process() is not None
            and record.port == redis_server.url_port(self.settings.broker_url)
        )


Check = Callable[[Doctor], CheckResult]
