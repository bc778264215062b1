"""Supervision rules, in-process, with real (tiny) service processes and fast settings."""

from __future__ import annotations

import functools
import sys
import textwrap
import time
from pathlib import Path

import pytest

from landkontor.ops.notify import Event, Notifier
from landkontor.ops.probes import http_ok
from landkontor.ops.runtime import State
from landkontor.ops.specs import Plan, ServiceSpec
from landkontor.ops.supervisor import Supervisor
from landkontor.settings import Settings
from tests.ops_helpers import free_ports, wait_until

# A service with a liveness endpoint (/health) and a readiness endpoint (/ready) whose answers
# the test controls through a file: "ready" → both 200, "not-ready" → /ready 503, "hung" → both.
SERVICE = textwrap.dedent(
    """
    import sys
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from pathlib import Path

    mode_file = Path(sys.argv[2])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            mode = mode_file.read_text().strip()
            ok = mode == "ready" or (mode == "not-ready" and self.path == "/health")
            self.send_response(200 if ok else 503)
            self.end_headers()

        def log_message(self, *args):
            pass

    HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
    """
)


@pytest.fixture
def fast(tmp_path) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        ops_health_interval=0.2,
        ops_health_timeout=1,
        ops_unhealthy_restart_seconds=1,
        ops_restart_backoff_initial=0.05,
        ops_flap_max_crashes=3,
        ops_stop_timeout=3,
        ops_start_timeout=15,
    )


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def kinds(self, service: str) -> list[str]:
        return [e.kind for e in self.events if e.service == service]

    def expect(self, service: str, kinds: list[str]) -> None:
        """Deliveries run on a background thread: wait for them, then compare exactly."""
        wait_until(lambda: len(self.kinds(service)) >= len(kinds), 5, f"events {kinds}")
        assert self.kinds(service) == kinds


def supervise(settings: Settings, *specs: ServiceSpec) -> tuple[Supervisor, Recorder]:
    recorder = Recorder()
    notifier = Notifier(settings, channels={"record": recorder.events.append})
    return Supervisor(settings, Plan(list(specs), {}), notifier=notifier), recorder


def run_until(supervisor: Supervisor, condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, supervisor.snapshot()
        supervisor.tick()
        time.sleep(0.05)


def web_service(tmp_path: Path, settings: Settings) -> tuple[ServiceSpec, Path]:
    port = free_ports(1)[0]
    script, mode = tmp_path / "service.py", tmp_path / "mode"
    script.write_text(SERVICE)
    mode.write_text("ready")
    url = f"http://127.0.0.1:{port}"
    timeout = settings.ops_health_timeout
    spec = ServiceSpec(
        "web",
        argv=(sys.executable, str(script), str(port), str(mode)),
        probe=functools.partial(http_ok, url + "/ready", timeout=timeout),
        liveness=functools.partial(http_ok, url + "/health", timeout=timeout),
        port=port,
    )
    return spec, mode


def test_alive_but_not_ready_is_reported_not_restarted(tmp_path, fast):
    spec, mode = web_service(tmp_path, fast)
    supervisor, recorder = supervise(fast, spec)
    try:
        assert supervisor.start() is True
        web = supervisor.runtimes["web"]
        pid = web.pid
        mode.write_text("not-ready")  # e.g. the database is down
        run_until(supervisor, lambda: web.state == State.UNHEALTHY)
        until = time.monotonic() + 3 * fast.ops_unhealthy_restart_seconds
        run_until(supervisor, lambda: time.monotonic() > until)
        assert web.state == State.UNHEALTHY and web.pid == pid  # not restarted
        mode.write_text("ready")
        run_until(supervisor, lambda: web.state == State.HEALTHY)
        recorder.expect("web", ["unhealthy", "recovery"])
    finally:
        supervisor.shutdown()


def test_hung_service_is_restarted(tmp_path, fast):
    spec, mode = web_service(tmp_path, fast)
    supervisor, recorder = supervise(fast, spec)
    try:
        supervisor.start()
        web = supervisor.runtimes["web"]
        pid = web.pid
        mode.write_text("hung")
        run_until(supervisor, lambda: web.state == State.BACKOFF)
        assert "unhealthy for" in web.detail
        mode.write_text("ready")
        run_until(supervisor, lambda: web.state == State.HEALTHY)
        assert web.pid != pid and web.restarts == 1
        recorder.expect("web", ["unhealthy", "crash", "restart", "recovery"])
    finally:
        supervisor.shutdown()


def test_crashing_service_backs_off_then_is_given_up(fast):
    spec = ServiceSpec("broken", argv=(sys.executable, "-c", "raise SystemExit(3)"))
    supervisor, recorder = supervise(fast, spec)
    try:
        assert supervisor.start() is False  # returns once the service is given up
        broken = supervisor.runtimes["broken"]
        assert broken.state == State.GIVEN_UP
        assert "3 crashes" in broken.detail and "exited with code 3" in broken.detail
        recorder.expect("broken", ["crash", "restart", "crash", "restart", "give-up"])
        crashes = [e for e in recorder.events if e.kind == "crash"]
        assert "restarting in 0.05 s" in crashes[0].message
        assert "restarting in 0.1 s" in crashes[1].message  # the backoff doubles
        assert not (fast.run_dir / "broken.pid").exists()
    finally:
        supervisor.shutdown()


def test_dependents_wait_for_what_they_need_and_stop_in_reverse(tmp_path, fast):
    spec, _ = web_service(tmp_path, fast)
    sleeper = ServiceSpec(
        "sleeper",
        argv=(sys.executable, "-c", "import time; time.sleep(60)"),
        needs=("web",),
        min_uptime=0.3,
    )
    supervisor, _ = supervise(fast, spec, sleeper)
    try:
        supervisor.tick()
        assert supervisor.runtimes["sleeper"].state == State.PENDING
        assert "waiting for web" in supervisor.runtimes["sleeper"].detail
        assert supervisor.start() is True
        web, sleep = supervisor.runtimes["web"], supervisor.runtimes["sleeper"]
        assert sleep.started_at >= web.started_at
        processes = [web.process, sleep.process]
    finally:
        supervisor.shutdown()
    assert all(not p.is_running() for p in processes)
    assert list(fast.run_dir.glob("*.pid")) == []
