"""The system test started from the web interface: it runs in a thread of the API process
and writes each step to ``var/run/systemtest.json`` as soon as it has finished, so the
System page shows the steps while they run, and the last run's report after a reload or
a restart. One run at a time per installation; a run whose process ended before it
finished shows as interrupted.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psutil

from landkontor.ops.runfiles import read_json, write_json_atomic
from landkontor.ops.systemtest import StepResult, SystemTest, run_steps
from landkontor.settings import Settings

_LOCK = threading.Lock()  # the check-then-start below, within this process


def _path(settings: Settings) -> Path:
    return settings.run_dir / "systemtest.json"


def _process_alive(record: dict[str, Any]) -> bool:
    try:
        process = psutil.Process(int(record.get("pid", 0)))
        return abs(process.create_time() - float(record.get("create_time", 0))) < 1.0
    except (psutil.Error, ValueError, TypeError):
        return False


def read_run(settings: Settings) -> dict[str, Any] | None:
    """The latest run: status (running / passed / failed / interrupted), who started it,
    when, and its steps so far (name, status, detail, seconds)."""
    record = read_json(_path(settings))
    if not isinstance(record, dict):
        return None
    if record.get("status") == "running" and not _process_alive(record):
        record["status"] = "interrupted"
    return record


def start_run(settings: Settings, *, api_url: str, username: str, token: str) -> bool:
    """Start a system test against ``api_url`` as ``username`` (with its access token) in a
    background thread. False when a run is already going."""
    with _LOCK:
        current = read_run(settings)
        if current is not None and current.get("status") == "running":
            return False
        record: dict[str, Any] = {
            "status": "running",
            "started_by": username,
            "started_at": time.time(),
            "finished_at": None,
            "api_url": api_url,
            "pid": os.getpid(),
            "create_time": psutil.Process().create_time(),
            "steps": [],
        }
        write_json_atomic(_path(settings), record)
    test = SystemTest(
        settings,
        api_url=api_url,
        username=username,
        password="",
        broker_url=settings.broker_url,
        token=token,
    )
    thread = threading.Thread(
        target=_run, args=(settings, test, record), name="systemtest", daemon=True
    )
    thread.start()
    return True


def _run(settings: Settings, test: SystemTest, record: dict[str, Any]) -> None:
    def on_result(result: StepResult) -> None:
        record["steps"].append(asdict(result))
        write_json_atomic(_path(settings), record)

    try:
        results = run_steps(test, on_result=on_result)
        failed = any(r.status == "fail" for r in results)
        record["status"] = "failed" if failed else "passed"
    except Exception as exc:  # the run must end with a status, whatever happened
        record["status"] = "failed"
        record["error"] = f"{exc.__class__.__name__}: {exc}"[:500]
    finally:
        test.close()
        record["finished_at"] = time.time()
        write_json_atomic(_path(settings), record)
