"""Helpers for the operations tests: free ports, a webhook receiver, a real `up` in a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil

from tests.conftest import ADMIN_PASSWORD

CLI = [sys.executable, "-m", "landkontor.cli.main"]


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class WebhookReceiver:
    """A local HTTP server that records every JSON POST (a notification webhook)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.events.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def of(self, service: str, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["service"] == service and e["event"] == kind]

    def wait_for(self, service: str, kind: str, timeout: float = 15) -> dict[str, Any]:
        return wait_until(lambda: self.of(service, kind), timeout, f"{kind} of {service}")[-1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Stack:
    """`landkontor up` in a subprocess with its own var/ folder, SQLite file and free ports."""

    def __init__(self, root: Path, *, webhook: str | None = None, **env: str) -> None:
        self.root = root
        self.var = root / "var"
        self.api_port, self.redis_port, self.flower_port = free_ports(3)
        self.env = {k: v for k, v in os.environ.items() if k != "LANDKONTOR_API_URL"}
        self.env.update(
            LANDKONTOR_VAR_DIR=str(self.var),
            LANDKONTOR_DATABASE_URL=f"sqlite:///{self.var}/landkontor.db",
            LANDKONTOR_API_PORT=str(self.api_port),
            # One API process (the default follows the cores): these tests supervise the
            # services, not the API's throughput, and start many stacks.
            LANDKONTOR_API_WORKERS="1",
            LANDKONTOR_BROKER_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            LANDKONTOR_FLOWER_PORT=str(self.flower_port),
            LANDKONTOR_LOG_LEVEL="INFO",
            LANDKONTOR_OPS_RESTART_BACKOFF_INITIAL="0.2",
            LANDKONTOR_OPS_HEALTH_INTERVAL="1",
            LANDKONTOR_OPS_STOP_TIMEOUT="5",
            COLUMNS="200",
        )
        if webhook:
            self.env["LANDKONTOR_NOTIFY_WEBHOOK_URL"] = webhook
        self.env.update(env)
        self.process: subprocess.Popen | None = None
        self.output_path = root / "up.out"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def broker_url(self) -> str:
        return self.env["LANDKONTOR_BROKER_URL"]

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*CLI, *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def up(self, *args: str) -> subprocess.Popen:
        handle = open(self.output_path, "ab")  # noqa: SIM115 - kept open by the child
        self.process = subprocess.Popen(
            [*CLI, "up", *args],
            env=self.env,
            cwd=self.root,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        handle.close()
        return self.process

    def output(self) -> str:
        return self.output_path.read_text(errors="replace") if self.output_path.exists() else ""

    def state(self) -> dict[str, Any]:
        with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
            return json.loads((self.var / "run" / "state.json").read_text())
        return {}

    def service(self, name: str) -> dict[str, Any]:
        for entry in self.state().get("services", []):
            if entry["name"] == name:
                return entry
        return {}

    def wait_started(self, timeout: float = 90) -> dict[str, Any]:
        """Wait until `up` finished starting (every service settled); return the state."""

        def started():
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"up ended with {self.process.returncode}:\n{self.output()}")
            state = self.state()
            ours = self.process is None or state.get("pid") == self.process.pid
            return state if ours and state.get("phase") == "running" else None

        return wait_until(started, timeout, "landkontor up to finish starting")

    def wait_healthy(self, name: str, *, other_than: int | None = None, timeout: float = 30):
        def healthy():
            entry = self.service(name)
            ok = entry.get("state") == "healthy" and entry.get("pid") != other_than
            return entry if ok else None

        return wait_until(healthy, timeout, f"{name} healthy (not pid {other_than})")

    def token(self) -> str:
        import httpx

        response = httpx.post(
            f"{self.api_url}/api/v1/auth/token",
            data={"username": "admin", "password": ADMIN_PASSWORD},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def down(self) -> subprocess.CompletedProcess:
        result = self.cli("down")
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        return result

    def leftovers(self) -> list[psutil.Process]:
        """Processes still running in this stack's folder (every service runs there)."""
        found = []
        for proc in psutil.process_iter(["cwd"]):
            cwd = proc.info["cwd"] or ""
            if proc.pid != os.getpid() and cwd.startswith(str(self.root)):
                found.append(proc)
        return found

    def kill_everything(self) -> None:
        """Last resort in a fixture's teardown: nothing of this stack may outlive the test."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        for proc in self.leftovers():
            with contextlib.suppress(psutil.Error):
                proc.kill()
