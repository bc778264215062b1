"""The supervisor behind `landkontor up`: start in dependency order, watch, restart, give up.

One loop ("tick", ten times a second) does everything, so the rules are easy to follow:

- a service starts once every service it needs is healthy; it is *starting* until its real
  health probe passes (or, without a probe, until it has run ``min_uptime`` seconds) and is
  restarted like a crash when that takes longer than ``ops_start_timeout``;
- a service whose process ends is *crashed*: it is restarted after an exponential backoff
  (``ops_restart_backoff_initial`` doubling up to ``ops_restart_backoff_max``); one that crashed
  ``ops_flap_max_crashes`` times within ``ops_flap_window_seconds`` is *given up*;
- a running service failing its probe is *unhealthy*; after ``ops_unhealthy_restart_seconds``
  it is restarted like a crash;
- every crash, restart, give-up, recovery and loss of health is a notification.

Probes and the one-shot migration step run on a thread pool so a slow probe never delays
crash detection. What the supervisor knows is written to var/run/state.json for `status`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psutil

from landkontor.ops import logfiles, processes
from landkontor.ops.notify import Event, Notifier
from landkontor.ops.runfiles import SUPERVISOR, PidRecord, RunFiles
from landkontor.ops.runtime import ENDED, RUNNING, Runtime, State, describe_exit
from landkontor.ops.specs import Plan
from landkontor.settings import Settings

log = logging.getLogger("landkontor.ops.supervisor")

TICK = 0.1
STARTUP_PROBE_INTERVAL = 0.2
ROTATION_INTERVAL = 5.0
STATE_REFRESH = 2.0
PORT_SETTING = {
    "api": "LANDKONTOR_API_PORT",
    "flower": "LANDKONTOR_FLOWER_PORT",
    "redis": "LANDKONTOR_BROKER_URL",
}


class StartRefused(Exception):
    """`up` must not start: another supervisor runs, or a port is held by a foreign process."""


class Supervisor:
    """Runs a :class:`Plan` of services and keeps it running."""

    def __init__(
        self,
        settings: Settings,
        plan: Plan,
        *,
        notifier: Notifier,
        runfiles: RunFiles | None = None,
    ) -> None:
        self.settings = settings
        self.plan = plan
        self.notifier = notifier
        self.runfiles = runfiles or RunFiles(settings)
        self.runtimes = {spec.name: Runtime(spec) for spec in plan.services}
        self.phase = "starting"
        self.started_at = time.time()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(len(plan.services) + 1, thread_name_prefix="probe")
        self._next_rotation = 0.0
        self._state_written: tuple[str, float] = ("", 0.0)
        self._claimed = False

    # --- start-up ---------------------------------------------------------------------
    def claim(self) -> None:
        """Become the one supervisor of this var/ folder (StartRefused if another runs)."""
        existing = self.runfiles.read_pid(SUPERVISOR)
        if existing and existing.process() is not None:
            raise StartRefused(f"landkontor is already running (supervisor pid {existing.pid})")
        self.runfiles.remove_pid(SUPERVISOR)
        self.runfiles.clear_requests()  # stale ones; from now on requests are meant for us
        if not self.runfiles.claim_pid(PidRecord.for_process(SUPERVISOR, os.getpid())):
            raise StartRefused("another `landkontor up` is starting right now")
        self._claimed = True
        self._write_state(force=True)  # replaces the state a dead supervisor may have left

    def release(self) -> None:
        """Give up the claim without touching any service (when the start was refused)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._claimed:
            self.runfiles.remove_pid(SUPERVISOR)
            self._claimed = False

    def adopt_running(self) -> None:
        """Adopt services that already run (our pid file) and pass their probe."""
        for rt in self.runtimes.values():
            if rt.spec.kind != "process":
                continue
            record = self.runfiles.read_pid(rt.name)
            proc = record.process() if record else None
            if proc is None:
                self.runfiles.remove_pid(rt.name)
                continue
            try:
                detail = rt.spec.probe() if rt.spec.probe else "running"
            except Exception as exc:
                log.warning(
                    "%s (pid %s) runs but is not healthy (%s): restarting it",
                    rt.name,
                    proc.pid,
                    exc,
                )
                processes.stop_tree(proc, self.settings.ops_stop_timeout)
                self.runfiles.remove_pid(rt.name)
                continue
            rt.process, rt.adopted = proc, True
            rt.started_at = record.started_at if record else None
            rt.state, rt.detail = State.HEALTHY, f"adopted: {detail}"
            log.info("adopted %s (pid %s)", rt.name, proc.pid)

    def check_ports(self) -> None:
        """Refuse when a port we need is held by a process that is not ours (never kill it)."""
        ours = self.runfiles.our_pids()
        problems = []
        for rt in self.runtimes.values():
            if rt.spec.kind != "process" or rt.adopted or rt.spec.port is None:
                continue
            holder = processes.port_holder(rt.spec.port, rt.spec.bind_host)
            if holder is not None and holder.pid not in ours:
                problems.append(
                    f"port {rt.spec.port} for {rt.name} is held by {holder.describe()}, "
                    f"which is not ours (left untouched): stop it or choose another port "
                    f"({PORT_SETTING.get(rt.name, 'settings')})"
                )
        if problems:
            raise StartRefused("\n".join(problems))

    def start(self, on_tick: Callable[[], None] | None = None) -> bool:
        """Tick until every service is healthy, given up, failed or blocked by one that is.

        Returns True when every service is healthy.
        """
        while not self._stop.is_set():
            self.tick()
            if on_tick:
                on_tick()
            if self._settled():
                break
            self._stop.wait(TICK)
        self.phase = "running"
        self._write_state(force=True)
        return all(rt.state == State.HEALTHY for rt in self.runtimes.values())

    def _settled(self) -> bool:
        return all(
            rt.state in ENDED or rt.state == State.HEALTHY or self._blocked_by(rt)
            for rt in self.runtimes.values()
        )

    def _blocked_by(self, rt: Runtime) -> list[str]:
        if rt.state != State.PENDING:
            return []
        return [n for n in rt.spec.needs if n in self.runtimes and self.runtimes[n].state in ENDED]

    # --- the loop ---------------------------------------------------------------------
    def supervise(self, on_tick: Callable[[], None] | None = None) -> None:
        """Keep everything running until stopped (request_stop, a stop request, a signal)."""
        while not self._stop.is_set():
            self.tick()
            if on_tick:
                on_tick()
            self._stop.wait(TICK)

    def request_stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def tick(self) -> None:
        now = time.monotonic()
        for action, service in self.runfiles.take_requests():
            self._handle_request(action, service)
        for rt in self.runtimes.values():
            self._watch_process(rt, now)
            self._collect_probe(rt, now)
            self._start_if_due(rt, now)
            self._probe_if_due(rt, now)
        if now >= self._next_rotation:
            self._next_rotation = now + ROTATION_INTERVAL
            self._rotate_logs()
        self._write_state()

    def _handle_request(self, action: str, service: str) -> None:
        if action == "stop":
            log.info("stop requested")
            self._stop.set()
        elif action == "restart" and service in self.runtimes:
            rt = self.runtimes[service]
            if rt.spec.kind != "process":
                log.warning("%s is not started by us and cannot be restarted", service)
                return
            log.info("restart of %s requested", service)
            self._stop_service(rt)
            rt.crashes.clear()
            rt.recovering = False
            rt.state, rt.detail = State.PENDING, "restarting on request"
        else:
            log.warning("ignored unknown control request %s %s", action, service)

    def _watch_process(self, rt: Runtime, now: float) -> None:
        if rt.state not in RUNNING:
            return
        if rt.spec.kind == "process":
            running, code = self._poll(rt)
            if not running:
                self._crashed(rt, now, describe_exit(code), code)
                return
        overdue = now - rt.started_mono > self.settings.ops_start_timeout
        if rt.state == State.STARTING and rt.spec.kind != "step" and overdue:
            self._start_timed_out(rt, now)

    @staticmethod
    def _poll(rt: Runtime) -> tuple[bool, int | None]:
        if rt.popen is not None:
            code = rt.popen.poll()
            return code is None, code
        return rt.process is not None and processes.is_alive(rt.process), None

    def _start_timed_out(self, rt: Runtime, now: float) -> None:
        timeout = self.settings.ops_start_timeout
        reason = f"not healthy within {timeout:g} s ({rt.detail})"
        if rt.spec.kind == "external":
            rt.state, rt.detail = State.FAILED, f"{rt.spec.url} does not answer: {rt.detail}"
            self._notify("give-up", rt, rt.detail)
            return
        if rt.process is not None:
            processes.stop_tree(rt.process, self.settings.ops_stop_timeout)
        self._crashed(rt, now, reason, None)

    def _crashed(self, rt: Runtime, now: float, reason: str, code: int | None) -> None:
        pid = rt.pid
        self._forget_process(rt)
        rt.last_exit, rt.last_crash_at, rt.probe = code, time.time(), None
        window = self.settings.ops_flap_window_seconds
        rt.crashes.append(now)
        while rt.crashes and now - rt.crashes[0] > window:
            rt.crashes.popleft()
        crashes = len(rt.crashes)
        path = logfiles.log_path(self.settings, rt.name)
        details = {
            "reason": reason,
            "pid": pid,
            "exit_code": code,
            "crashes_in_window": crashes,
            "restarts": rt.restarts,
            "log": str(path),
            "log_tail": logfiles.tail(path, 15),
        }
        if crashes >= self.settings.ops_flap_max_crashes:
            rt.state = State.GIVEN_UP
            rt.detail = f"given up after {crashes} crashes within {window:g} s (last: {reason})"
            self._notify(
                "give-up",
                rt,
                f"{rt.detail}; fix the cause, then `landkontor restart {rt.name}`",
                details,
            )
            return
        initial, longest = (
            self.settings.ops_restart_backoff_initial,
            self.settings.ops_restart_backoff_max,
        )
        delay = min(initial * 2 ** (crashes - 1), longest)
        rt.state, rt.next_start, rt.recovering = State.BACKOFF, now + delay, True
        rt.detail = f"{reason}; restarting in {delay:g} s"
        self._notify("crash", rt, f"{reason} (pid {pid}); restarting in {delay:g} s", details)

    def _forget_process(self, rt: Runtime) -> None:
        """After a crash: kill what is left of its process tree, reap it, drop its pid file."""
        leftovers = [child for child in rt.children if processes.is_alive(child)]
        processes.kill_all(leftovers)
        if rt.process is not None:
            processes.kill_session(rt.process.pid)
        if rt.popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                rt.popen.wait(timeout=1)
        rt.popen, rt.process, rt.children = None, None, []
        self.runfiles.remove_pid(rt.name)

    def _start_if_due(self, rt: Runtime, now: float) -> None:
        if rt.state == State.PENDING:
            waiting = [
                n
                for n in rt.spec.needs
                if n in self.runtimes and self.runtimes[n].state != State.HEALTHY
            ]
            if waiting:
                blocked = self._blocked_by(rt)
                rt.detail = (
                    f"blocked: {', '.join(blocked)} not running"
                    if blocked
                    else f"waiting for {', '.join(waiting)}"
                )
                return
            self._launch(rt, now)
        elif rt.state == State.BACKOFF and now >= rt.next_start:
            rt.restarts += 1
            self._launch(rt, now)
            # _launch moved the state on; mypy still narrows it to BACKOFF.
            if rt.state == State.STARTING:  # type: ignore[comparison-overlap]
                self._notify(
                    "restart",
                    rt,
                    f"restarted (pid {rt.pid}, restart {rt.restarts})",
                    {"pid": rt.pid, "restarts": rt.restarts},
                )

    def _launch(self, rt: Runtime, now: float) -> None:
        spec = rt.spec
        rt.started_mono, rt.started_at = now, time.time()
        rt.next_probe, rt.failing_since, rt.adopted = now, None, False
        rt.state = State.STARTING
        if spec.kind == "step":
            rt.detail = "running"
            rt.probe = self._pool.submit(spec.run_once)  # type: ignore[arg-type]
            return
        if spec.kind == "external":
            rt.detail = f"waiting for {spec.url}"
            return
        try:
            if spec.before_start:
                spec.before_start()
            rt.popen = processes.spawn(
                list(spec.argv),
                log_path=logfiles.log_path(self.settings, spec.name),
                env=spec.env or os.environ,
            )
            rt.process = psutil.Process(rt.popen.pid)
            self.runfiles.write_pid(
                PidRecord(
                    spec.name, rt.popen.pid, rt.process.create_time(), spec.port, rt.started_at
                )
            )
        except (OSError, psutil.Error) as exc:
            rt.state, rt.detail = State.FAILED, f"cannot start {spec.argv[0]}: {exc}"
            self._notify("give-up", rt, rt.detail)
            return
        rt.detail = f"started (pid {rt.pid})"
        log.info("started %s (pid %s)", spec.name, rt.pid)

    def _probe_if_due(self, rt: Runtime, now: float) -> None:
        if rt.probe is not None or rt.state not in RUNNING or rt.spec.kind == "step":
            return
        if now < rt.next_probe:
            return
        if rt.spec.probe is None:  # no health endpoint: running long enough is healthy
            if rt.state == State.STARTING and now - rt.started_mono >= rt.spec.min_uptime:
                self._became_healthy(rt, "running")
            return
        probe = rt.spec.probe
        if rt.state == State.STARTING and rt.spec.start_probe is not None:
            probe = rt.spec.start_probe
        rt.probe = self._pool.submit(probe)

    def _collect_probe(self, rt: Runtime, now: float) -> None:
        future = rt.probe
        if future is None or not future.done():
            return
        rt.probe = None
        try:
            detail, ok = future.result() or "ok", True
        except Exception as exc:
            detail, ok = f"{exc.__class__.__name__}: {exc}"[:300], False
        if rt.spec.kind == "step":
            if ok:
                rt.state, rt.detail = State.HEALTHY, detail
            else:
                rt.state, rt.detail = State.FAILED, f"failed: {detail}"
                self._notify("give-up", rt, rt.detail)
            return
        if rt.state not in RUNNING:
            return
        interval = self.settings.ops_health_interval
        rt.detail = detail
        if ok:
            if rt.state != State.HEALTHY:
                self._became_healthy(rt, detail)
            rt.failing_since, rt.next_probe = None, now + interval
            self._remember_children(rt)
        elif rt.state == State.STARTING:
            rt.next_probe = now + STARTUP_PROBE_INTERVAL
        elif rt.state == State.HEALTHY:
            rt.state, rt.failing_since = State.UNHEALTHY, now
            rt.next_probe = now + min(interval, 2.0)
            self._notify("unhealthy", rt, f"health probe fails: {detail}")
        else:
            rt.next_probe = now + min(interval, 2.0)
            limit = self.settings.ops_unhealthy_restart_seconds
            since = rt.failing_since or now
            if limit and rt.spec.kind == "process" and now - since >= limit:
                self._restart_unhealthy(rt, now, f"unhealthy for {now - since:.0f} s ({detail})")

    def _restart_unhealthy(self, rt: Runtime, now: float, reason: str) -> None:
        """Restart a service stuck unhealthy, unless it is alive and only waits for others.

        The API is not *ready* while the database is down; restarting it would not help.
        """
        if rt.spec.liveness is not None:
            try:
                rt.spec.liveness()
            except Exception:  # not even alive: hung, restart it
                log.warning("%s fails its liveness probe too", rt.name)
            else:
                log.warning("%s is alive but not ready (%s): not restarting it", rt.name, reason)
                rt.failing_since = now  # look again after another period
                return
        if rt.process is not None:
            processes.stop_tree(rt.process, self.settings.ops_stop_timeout)
        self._crashed(rt, now, reason, None)

    def _became_healthy(self, rt: Runtime, detail: str) -> None:
        was = rt.state
        rt.state, rt.detail = State.HEALTHY, detail
        log.info("%s is healthy (%s)", rt.name, detail)
        if rt.recovering:
            rt.recovering = False
            down = time.time() - rt.last_crash_at if rt.last_crash_at else 0.0
            self._notify(
                "recovery",
                rt,
                f"healthy again after restart {rt.restarts} ({down:.1f} s down)",
                {"pid": rt.pid, "restarts": rt.restarts, "down_seconds": round(down, 2)},
            )
        elif was == State.UNHEALTHY:
            self._notify("recovery", rt, f"healthy again ({detail})", {"pid": rt.pid})

    def _remember_children(self, rt: Runtime) -> None:
        if rt.process is not None:
            with contextlib.suppress(psutil.Error):
                rt.children = rt.process.children(recursive=True)

    def _notify(self, kind: str, rt: Runtime, message: str, details: dict | None = None) -> None:
        self.notifier.notify(Event(kind, rt.name, message, details or {}))

    def _rotate_logs(self) -> None:
        for name in [SUPERVISOR, *self.runtimes]:
            path = logfiles.log_path(self.settings, name)
            try:
                logfiles.rotate_if_needed(
                    path, self.settings.ops_log_max_bytes, self.settings.ops_log_backups
                )
            except OSError as exc:
                log.warning("could not rotate %s: %s", path, exc)

    # --- state for `status` -------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "phase": self.phase,
            "started_at": self.started_at,
            "services": [rt.snapshot() for rt in self.runtimes.values()],
            "left_out": self.plan.left_out,
        }

    def _write_state(self, *, force: bool = False) -> None:
        snapshot = self.snapshot()
        text = repr(snapshot)
        last_text, last_time = self._state_written
        if not force and text == last_text and time.monotonic() - last_time < STATE_REFRESH:
            return
        snapshot["updated_at"] = time.time()
        self.runfiles.write_state(snapshot)
        self._state_written = (text, time.monotonic())

    # --- stopping -----------------------------------------------------------------------
    def _stop_service(self, rt: Runtime) -> None:
        if rt.spec.kind != "process" or rt.process is None:
            if rt.state not in ENDED:
                rt.state = State.STOPPED
            return
        rt.state, rt.detail = State.STOPPING, "stopping"
        self._write_state(force=True)
        graceful = processes.stop_tree(rt.process, self.settings.ops_stop_timeout)
        if rt.popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                rt.popen.wait(timeout=1)
        self.runfiles.remove_pid(rt.name)
        rt.popen, rt.process, rt.children, rt.probe = None, None, [], None
        rt.state = State.STOPPED
        rt.detail = "stopped" if graceful else f"killed after {self.settings.ops_stop_timeout:g} s"
        log.info("%s %s", rt.name, rt.detail)

    def shutdown(self) -> None:
        """Stop every service we run, in reverse order, and remove our run files."""
        self._stop.set()
        self.phase = "stopping"
        try:
            for rt in reversed(list(self.runtimes.values())):
                self._stop_service(rt)
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)
            if self._claimed:
                self.runfiles.remove_state()
                self.runfiles.clear_requests()
                self.runfiles.remove_pid(SUPERVISOR)

    def kill_everything(self) -> None:
        """Second Ctrl-C during shutdown: no more waiting."""
        for rt in self.runtimes.values():
            if rt.process is not None:
                processes.kill_all(processes.process_tree(rt.process))
                self.runfiles.remove_pid(rt.name)


def install_stop_signals(stop: Callable[[], None]) -> None:
    """SIGTERM/SIGHUP (POSIX) and SIGBREAK (Windows) end `up` as cleanly as Ctrl-C."""
    for name in ("SIGTERM", "SIGHUP", "SIGBREAK"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, lambda *_: stop())
