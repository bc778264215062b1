"""What runs, written down under ``var/run``: pid files, the supervisor's state, control requests.

A pid file ``<service>.pid`` holds JSON: the pid *and* the process creation time, so a pid
that the operating system has meanwhile given to another program is never mistaken for ours.
``state.json`` is the supervisor's view (states, restarts, last crash), rewritten atomically.
Other processes (``down``, ``restart``) talk to the supervisor by dropping request files into
``control/`` — this works the same on every platform, unlike signals.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from landkontor.settings import Settings

SUPERVISOR = "supervisor"
# Creation times are floats computed from boot time and ticks; allow for rounding.
_CREATE_TIME_TOLERANCE = 1.0


def write_json_atomic(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as JSON so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class PidRecord:
    """One process we started: which service, its pid and when it was created."""

    service: str
    pid: int
    create_time: float
    port: int | None = None
    started_at: float = 0.0  # wall clock, for uptime

    @classmethod
    def for_process(cls, service: str, pid: int, port: int | None = None) -> PidRecord:
        return cls(service, pid, psutil.Process(pid).create_time(), port, time.time())

    def process(self) -> psutil.Process | None:
        """The live process this record describes; None when it ended or the pid was reused."""
        try:
            proc = psutil.Process(self.pid)
            if abs(proc.create_time() - self.create_time) > _CREATE_TIME_TOLERANCE:
                return None
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            return proc
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None


class RunFiles:
    """The files under ``<var_dir>/run``."""

    def __init__(self, settings: Settings) -> None:
        self.path = settings.run_dir

    # --- pid files ----------------------------------------------------------------
    def pid_path(self, service: str) -> Path:
        return self.path / f"{service}.pid"

    def write_pid(self, record: PidRecord) -> None:
        write_json_atomic(self.pid_path(record.service), asdict(record))

    def claim_pid(self, record: PidRecord) -> bool:
        """Write ``record`` only if no pid file exists (one supervisor at a time)."""
        path = self.pid_path(record.service)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(record), handle)
        return True

    def read_pid(self, service: str) -> PidRecord | None:
        data = read_json(self.pid_path(service))
        if not isinstance(data, dict):
            return None
        try:
            return PidRecord(**data)
        except TypeError:
            return None

    def remove_pid(self, service: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.pid_path(service).unlink()

    def pid_records(self) -> list[PidRecord]:
        """Every readable pid file (services and supervisor)."""
        if not self.path.is_dir():
            return []
        records = [self.read_pid(p.stem) for p in sorted(self.path.glob("*.pid"))]
        return [r for r in records if r is not None]

    def live_process(self, service: str) -> psutil.Process | None:
        """The running process of ``service`` according to its pid file, else None."""
        record = self.read_pid(service)
        return record.process() if record else None

    def our_pids(self) -> set[int]:
        """Pids of every live process we started, with their children."""
        pids: set[int] = set()
        for record in self.pid_records():
            proc = record.process()
            if proc is None:
                continue
            pids.add(proc.pid)
            with contextlib.suppress(psutil.Error):
                pids.update(child.pid for child in proc.children(recursive=True))
        return pids

    # --- supervisor state -----------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.path / "state.json"

    def write_state(self, state: dict[str, Any]) -> None:
        write_json_atomic(self.state_path, state)

    def read_state(self) -> dict[str, Any] | None:
        data = read_json(self.state_path)
        return data if isinstance(data, dict) else None

    def remove_state(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.state_path.unlink()

    # --- control requests -------------------------------------------------------------
    @property
    def control_dir(self) -> Path:
        return self.path / "control"

    def request(self, action: str, service: str = "") -> None:
        """Ask the running supervisor to ``stop`` or to ``restart`` a service."""
        name = f"{action}-{service}" if service else action
        self.control_dir.mkdir(parents=True, exist_ok=True)
        (self.control_dir / name).write_text(str(time.time()), encoding="utf-8")

    def take_requests(self) -> list[tuple[str, str]]:
        """Pending requests as (action, service), removed once read."""
        if not self.control_dir.is_dir():
            return []
        requests = []
        for path in sorted(self.control_dir.iterdir()):
            action, _, service = path.name.partition("-")
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                requests.append((action, service))
        return requests

    def clear_requests(self) -> None:
        self.take_requests()
