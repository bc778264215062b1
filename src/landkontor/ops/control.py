"""`status`, `down` and `restart`: working on a running system from another process."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import psutil

from landkontor.ops import processes
from landkontor.ops.runfiles import SUPERVISOR, RunFiles
from landkontor.ops.specs import SKIPPABLE, broker_service, probe_for
from landkontor.settings import Settings

POLL = 0.2


class NotRunning(Exception):
    """No supervisor (`landkontor up`) runs for this var/ folder."""


class UnknownService(Exception):
    """The supervisor does not run a service of that name."""


@dataclass
class ServiceStatus:
    """One row of `landkontor status`."""

    service: str
    state: str
    pid: int | None
    port: int | None
    uptime_seconds: float | None
    restarts: int
    health: str  # ok / fail / - (not probed)
    detail: str


def supervisor_process(runfiles: RunFiles) -> psutil.Process | None:
    return runfiles.live_process(SUPERVISOR)


def _default_port(settings: Settings, name: str) -> int | None:
    from landkontor.ops.probes import url_port

    return {
        "api": settings.api_port,
        "flower": settings.flower_port,
        broker_service(settings): url_port(settings.broker_url),
    }.get(name)


def _port(settings: Settings, name: str, info: dict[str, Any], record: Any) -> int | None:
    return info.get("port") or (record.port if record else None) or _default_port(settings, name)


def _probe(settings: Settings, name: str, running: bool) -> tuple[str, str]:
    probe = probe_for(settings, name)
    if not running:
        return "-", ""
    if probe is None:
        return "ok", "running (no health endpoint)"
    try:
        return "ok", probe()
    except Exception as exc:
        return "fail", f"{exc.__class__.__name__}: {exc}"[:200]


def collect_status(settings: Settings) -> dict[str, Any]:
    """The supervisor and every service: state from the supervisor, health probed now."""
    runfiles = RunFiles(settings)
    supervisor = supervisor_process(runfiles)
    state = runfiles.read_state() if supervisor else None
    known = {s["name"]: s for s in (state or {}).get("services", []) if s["kind"] != "step"}
    left_out = (state or {}).get("left_out", {})
    # The broker's row is named after it (redis or rabbitmq); --skip-redis skips either.
    broker = broker_service(settings)
    listed = [broker if n == "redis" else n for n in SKIPPABLE]
    names = [n for n in listed if n in known or n in left_out or not state]

    rows: list[dict[str, Any]] = []
    for name in names:
        info = known.get(name, {})
        record = runfiles.read_pid(name)
        proc = record.process() if record else None
        external = info.get("kind") == "external"
        if name in left_out:
            status = left_out[name]
        elif state:
            status = info.get("state", "unknown")
        else:
            status = "running (unsupervised)" if proc else "stopped"
        uptime = None
        if proc is not None and record and record.started_at:
            uptime = round(time.time() - record.started_at, 1)
        rows.append(
            {
                "service": name,
                "state": status + (" (external)" if external else ""),
                "pid": proc.pid if proc else None,
                "port": None if name in left_out else _port(settings, name, info, record),
                "uptime_seconds": uptime,
                "restarts": int(info.get("restarts", 0)),
                "probe": proc is not None or external,
                "detail": info.get("detail", ""),
            }
        )
    with ThreadPoolExecutor(max(1, len(rows))) as pool:
        results = list(pool.map(lambda r: _probe(settings, r["service"], r["probe"]), rows))
    services = []
    for row, (health, detail) in zip(rows, results, strict=True):
        row.pop("probe")
        row["health"] = health
        row["detail"] = detail or row["detail"]
        services.append(ServiceStatus(**row))
    return {
        "supervisor": None
        if supervisor is None
        else {
            "pid": supervisor.pid,
            "phase": (state or {}).get("phase", "unknown"),
            "uptime_seconds": round(time.time() - supervisor.create_time(), 1),
        },
        "services": [asdict(s) for s in services],
    }


def down(settings: Settings) -> list[str]:
    """Stop the supervisor (which stops its services in reverse order) and anything left.

    Returns the names of what was stopped. Leaves no process and no pid file of ours behind.
    """
    runfiles = RunFiles(settings)
    stopped: list[str] = []
    supervisor = supervisor_process(runfiles)
    if supervisor is not None:
        state = runfiles.read_state() or {}
        stopped += [s["name"] for s in state.get("services", []) if s.get("pid")]
        runfiles.request("stop")
        budget = settings.ops_stop_timeout * (len(SKIPPABLE) + 1) + 15
        if processes.wait_gone([supervisor], budget):
            processes.kill_all([supervisor])
        stopped.append(SUPERVISOR)
    for name in reversed(SKIPPABLE):  # whatever a dead supervisor left behind
        record = runfiles.read_pid(name)
        proc = record.process() if record else None
        if proc is not None:
            processes.stop_tree(proc, settings.ops_stop_timeout)
            if name not in stopped:
                stopped.append(name)
        runfiles.remove_pid(name)
    runfiles.remove_pid(SUPERVISOR)
    runfiles.remove_state()
    runfiles.clear_requests()
    return stopped


def restart(settings: Settings, service: str) -> dict[str, Any]:
    """Ask the supervisor to restart ``service``; wait until it is healthy or given up."""
    runfiles = RunFiles(settings)
    if supervisor_process(runfiles) is None:
        raise NotRunning("landkontor is not running here: start it with `landkontor up`")
    before = _service_state(runfiles, service)
    if before is None or before["kind"] != "process":
        running = [
            s["name"]
            for s in (runfiles.read_state() or {}).get("services", [])
            if s["kind"] == "process"
        ]
        raise UnknownService(
            f"{service} is not started by this supervisor (it runs: {', '.join(running)})"
        )
    runfiles.request("restart", service)
    deadline = time.monotonic() + settings.ops_stop_timeout + settings.ops_start_timeout + 10
    while time.monotonic() < deadline:
        time.sleep(POLL)  # the supervisor picks the request up on its next tick
        now = _service_state(runfiles, service)
        if now is None:
            raise NotRunning("the supervisor stopped while restarting")
        restarted = now.get("started_at") != before.get("started_at")
        if restarted and now["state"] in ("healthy", "given-up", "failed"):
            return now
    raise TimeoutError(f"{service} did not come back within the start timeout")


def _service_state(runfiles: RunFiles, service: str) -> dict[str, Any] | None:
    for entry in (runfiles.read_state() or {}).get("services", []):
        if entry["name"] == service:
            return entry
    return None
