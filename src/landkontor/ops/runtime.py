"""What the supervisor knows about one service: its state, process, crashes and restarts."""

from __future__ import annotations

import signal
import subprocess
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import psutil

from landkontor.ops.specs import ServiceSpec


class State(StrEnum):
    PENDING = "pending"
    STARTING = "starting"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    BACKOFF = "backoff"
    GIVEN_UP = "given-up"
    FAILED = "failed"
    STOPPING = "stopping"
    STOPPED = "stopped"


RUNNING = {State.STARTING, State.HEALTHY, State.UNHEALTHY}
ENDED = {State.GIVEN_UP, State.FAILED}


def describe_exit(code: int | None) -> str:
    if code is None:
        return "ended"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


@dataclass
class Runtime:
    """What the supervisor knows about one service right now."""

    spec: ServiceSpec
    state: State = State.PENDING
    detail: str = ""
    popen: subprocess.Popen | None = None
    process: psutil.Process | None = None
    started_at: float | None = None  # wall clock
    started_mono: float = 0.0
    restarts: int = 0
    crashes: deque[float] = field(default_factory=deque)  # monotonic
    last_crash_at: float | None = None  # wall clock
    last_exit: int | None = None
    next_start: float = 0.0
    next_probe: float = 0.0
    failing_since: float | None = None
    recovering: bool = False
    adopted: bool = False
    probe: Future | None = None
    children: list[psutil.Process] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def snapshot(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.spec.kind,
            "state": self.state.value,
            "detail": self.detail,
            "pid": self.pid,
            "port": self.spec.port,
            "url": self.spec.url,
            "note": self.spec.note,
            "started_at": self.started_at,
            "restarts": self.restarts,
            "crashes_in_window": len(self.crashes),
            "last_exit": self.last_exit,
            "last_crash_at": self.last_crash_at,
            "adopted": self.adopted,
        }
