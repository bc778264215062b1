"""`landkontor up|down|status|restart|logs`: run the whole system and look after it."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.live import Live
from rich.table import Table

from landkontor.cli.common import console, database, err_console, fail, load_settings
from landkontor.db import migrate
from landkontor.logconfig import ContextFilter, JsonFormatter, TextFormatter
from landkontor.ops import control, logfiles, probes
from landkontor.ops.notify import Notifier
from landkontor.ops.runfiles import SUPERVISOR, RunFiles
from landkontor.ops.specs import LOG_NAMES, SKIPPABLE, PlanError, UpOptions, build_plan
from landkontor.ops.supervisor import StartRefused, Supervisor, install_stop_signals
from landkontor.settings import Settings

STATE_STYLE = {
    "healthy": "green",
    "starting": "cyan",
    "pending": "dim",
    "unhealthy": "yellow",
    "backoff": "yellow",
    "given-up": "bold red",
    "failed": "bold red",
    "stopping": "dim",
    "stopped": "dim",
}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _styled(state: str) -> str:
    return f"[{STATE_STYLE.get(state.split(' ', 1)[0], 'white')}]{state}[/]"


def _uptime(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def _startup_table(supervisor: Supervisor) -> Table:
    table = Table("service", "state", "pid", "port", "detail", title="landkontor up")
    for entry in supervisor.snapshot()["services"]:
        table.add_row(
            entry["name"],
            _styled(entry["state"]),
            str(entry["pid"] or "-"),
            str(entry["port"] or "-"),
            (entry["note"] + ": " if entry["note"] and entry["kind"] != "process" else "")
            + entry["detail"],
        )
    for name, why in supervisor.plan.left_out.items():
        table.add_row(name, f"[dim]{why}[/]", "-", "-", "")
    return table


def _status_table(status: dict[str, Any]) -> Table:
    supervisor = status["supervisor"]
    title = "landkontor: not running (no supervisor)"
    if supervisor:
        uptime = _uptime(supervisor["uptime_seconds"])
        title = f"landkontor: supervisor pid {supervisor['pid']}, up {uptime}"
    table = Table("service", "state", "pid", "port", "uptime", "restarts", "health", title=title)
    for row in status["services"]:
        health = {"ok": "[green]ok[/]", "fail": "[red]fail[/]"}.get(row["health"], row["health"])
        if row["detail"] and row["health"] == "fail":
            health += f" [dim]{row['detail']}[/]"
        table.add_row(
            row["service"],
            _styled(row["state"]),
            str(row["pid"] or "-"),
            str(row["port"] or "-"),
            _uptime(row["uptime_seconds"]),
            str(row["restarts"]),
            health,
        )
    return table


def ops_settings() -> Settings:
    """Settings and logging for the ops commands; probes must not log every HTTP request."""
    settings = load_settings()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return settings


def _log_to_file(settings: Settings) -> None:
    """The supervisor's own log (events included) goes to var/log/supervisor.log as well."""
    path = logfiles.log_path(settings, SUPERVISOR)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")  # append mode: rotation truncates
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(ContextFilter(settings.secret_values()))
    logging.getLogger().addHandler(handler)
    logging.getLogger("landkontor.ops").setLevel(logging.INFO)


@contextmanager
def _logs_above() -> Iterator[None]:
    """Log lines go through the live display (printed above it) instead of garbling it."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if getattr(h, "_landkontor", False) and isinstance(h, logging.StreamHandler)
    ]
    # Inside Live, sys.stderr is Rich's proxy that prints above the display (on a terminal).
    streams = [h.setStream(sys.stderr) for h in handlers]
    try:
        yield
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.setStream(stream)


def _prepare_database(settings: Settings) -> str:
    from landkontor.cli.server import prepare_database

    prepare_database(settings)
    return f"database at revision {migrate.current_revision(database())}"


def _summary(settings: Settings, supervisor: Supervisor, seconds: float) -> None:
    snapshot = {s["name"]: s for s in supervisor.snapshot()["services"]}
    bad = [s for s in snapshot.values() if s["state"] != "healthy"]
    if bad:
        console.print(
            f"[bold yellow]Started with problems[/] after {seconds:.1f} s: "
            + "; ".join(f"{s['name']} {s['state']} ({s['detail']})" for s in bad)
        )
    else:
        console.print(f"[bold green]All services healthy[/] after {seconds:.1f} s.")
    if "api" in snapshot:
        console.print(f"  API        {settings.api_url}   docs: {settings.api_url}/docs")
    if "flower" in snapshot:
        console.print(
            f"  Flower     {probes.flower_url(settings)}   user {settings.flower_user}, "
            f"password: LANDKONTOR_FLOWER_PASSWORD or {settings.var_dir / 'flower-password'}"
        )
    for broker in ("redis", "rabbitmq"):
        if broker in snapshot:
            spec = snapshot[broker]
            console.print(f"  Broker     {spec['url']} ({spec['note']})")
    console.print(f"  Logs       {settings.log_dir}/   (landkontor logs SERVICE -f)")
    console.print("  Stop       Ctrl-C here, or `landkontor down`")


def _run_detached(settings: Settings, argv: list[str]) -> None:
    """Start `up` in the background; return once it finished starting."""
    out = logfiles.log_path(settings, "up")
    out.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {}
    if os.name == "nt":
        options["creationflags"] = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    else:
        options["start_new_session"] = True
    with open(out, "ab") as handle:
        child = subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "landkontor.cli.main", "up", *argv],
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            **options,
        )
    runfiles = RunFiles(settings)
    started = time.time() - 1
    deadline = time.monotonic() + settings.ops_start_timeout + 30
    with console.status("starting in the background…"):
        while time.monotonic() < deadline:
            if child.poll() is not None:
                tail = "\n".join(logfiles.tail(out, 20))
                fail(f"`landkontor up` ended with code {child.returncode}:\n{tail}")
            state = runfiles.read_state()
            if state and state.get("pid") == child.pid and state.get("phase") == "running":
                break
            time.sleep(0.2)  # waiting for the background supervisor to finish starting
    console.print(_status_table(control.collect_status(settings)))
    console.print(f"Supervisor runs in the background (pid {child.pid}); output in {out}.")
    initial = settings.var_dir / "initial-admin-password"
    if initial.is_file() and initial.stat().st_mtime >= started:
        console.print(f"First start: the password of user [bold]admin[/] is in {initial}.")


def up(
    skip_redis: bool = typer.Option(
        False, "--skip-redis", help="Do not start or wait for the broker (Redis or RabbitMQ)."
    ),
    skip_api: bool = typer.Option(False, "--skip-api", help="Do not run the API server."),
    skip_worker: bool = typer.Option(False, "--skip-worker", help="Do not run a Celery worker."),
    skip_beat: bool = typer.Option(False, "--skip-beat", help="Do not run Celery beat."),
    skip_flower: bool = typer.Option(False, "--skip-flower", help="Do not run Flower."),
    log_level: str | None = typer.Option(None, "--log-level", help="Log level of the services."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="API server processes."),
    concurrency: int | None = typer.Option(None, "--concurrency", min=1, help="Worker slots."),
    detach: bool = typer.Option(False, "--detach", "-d", help="Run in the background."),
) -> None:
    """Start everything (Redis, migrations, API, worker, beat, Flower) and keep it running."""
    settings = ops_settings()
    if log_level is not None and log_level.upper() not in LOG_LEVELS:
        fail(f"--log-level must be one of {', '.join(LOG_LEVELS)}")
    runfiles = RunFiles(settings)
    running = control.supervisor_process(runfiles)
    if running is not None:
        console.print(f"landkontor is already running (supervisor pid {running.pid}).")
        console.print(_status_table(control.collect_status(settings)))
        return
    if detach:
        _run_detached(settings, [a for a in sys.argv[2:] if a not in ("--detach", "-d")])
        return
    flags = {
        "redis": skip_redis,
        "api": skip_api,
        "worker": skip_worker,
        "beat": skip_beat,
        "flower": skip_flower,
    }
    options = UpOptions(
        skip=frozenset(name for name, skipped in flags.items() if skipped),
        log_level=log_level.upper() if log_level else None,
        api_workers=workers,
        concurrency=concurrency,
    )
    _log_to_file(settings)
    began = time.monotonic()
    supervisor = _prepared_supervisor(settings, options, runfiles)
    failed = _run(settings, supervisor, began)
    if failed:
        fail("could not start:\n" + "\n".join(failed))


def _prepared_supervisor(settings: Settings, options: UpOptions, runfiles: RunFiles) -> Supervisor:
    """Plan, claim var/, adopt what runs, check ports; exits with the reason when refused."""
    try:
        plan = build_plan(
            settings, options, prepare=lambda: _prepare_database(settings), runfiles=runfiles
        )
    except PlanError as exc:
        fail(str(exc))
        raise  # not reached: fail() exits
    supervisor = Supervisor(settings, plan, notifier=Notifier(settings), runfiles=runfiles)
    try:
        supervisor.claim()
        supervisor.adopt_running()
        supervisor.check_ports()
    except StartRefused as exc:
        supervisor.release()
        fail(str(exc))
    return supervisor


def _run(settings: Settings, supervisor: Supervisor, began: float) -> list[str]:
    """Start with a live table, then supervise until stopped; returns what could not start."""
    install_stop_signals(supervisor.request_stop)
    failed: list[str] = []
    try:
        with (
            Live(_startup_table(supervisor), console=console, refresh_per_second=4) as live,
            _logs_above(),
        ):
            supervisor.start(on_tick=lambda: live.update(_startup_table(supervisor)))
        console.print()
        # A step that failed or a service that cannot be started at all (not one that crashed
        # and was given up) leaves nothing worth supervising: stop and say why.
        failed = [
            f"{s['name']}: {s['detail']}"
            for s in supervisor.snapshot()["services"]
            if s["state"] == "failed"
        ]
        if not supervisor.stopping and not failed:
            _summary(settings, supervisor, time.monotonic() - began)
            supervisor.supervise()
    except KeyboardInterrupt:
        pass
    finally:
        # The terminal may be gone (SIGHUP): printing must never keep us from stopping.
        with contextlib.suppress(OSError):
            err_console.print("Stopping…")
        try:
            supervisor.shutdown()
        except KeyboardInterrupt:
            supervisor.kill_everything()
            supervisor.shutdown()
        supervisor.notifier.close()
        with contextlib.suppress(OSError):
            err_console.print("Stopped.")
    return failed


def down() -> None:
    """Stop everything gracefully (reverse order; killed after LANDKONTOR_OPS_STOP_TIMEOUT)."""
    settings = ops_settings()
    with console.status("stopping…"):
        stopped = control.down(settings)
    if stopped:
        console.print("Stopped: " + ", ".join(stopped) + ".")
    else:
        console.print("Nothing was running.")


def status(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    watch: bool = typer.Option(False, "--watch", "-w", help="Refresh every 2 s until Ctrl-C."),
) -> None:
    """Show every service: state, pid, port, uptime, restarts, health (probed now).

    Exit code 0 when everything that should run is healthy, 1 when not, 3 when not running.
    """
    settings = ops_settings()
    if watch:
        try:
            with Live(console=console, refresh_per_second=1) as live:
                while True:
                    live.update(_status_table(control.collect_status(settings)))
                    time.sleep(2)  # refresh interval of the live view
        except KeyboardInterrupt:
            return
    current = control.collect_status(settings)
    if as_json:
        typer.echo(json.dumps(current, indent=2))
    else:
        console.print(_status_table(current))
    if current["supervisor"] is None:
        raise typer.Exit(3)
    problems = [
        s
        for s in current["services"]
        if s["health"] == "fail" or s["state"].startswith(("given-up", "failed", "backoff"))
    ]
    if problems:
        raise typer.Exit(1)


def restart(service: str = typer.Argument(..., help=f"One of: {', '.join(SKIPPABLE)}.")) -> None:
    """Restart one service under the running supervisor (also one that was given up)."""
    settings = ops_settings()
    try:
        with console.status(f"restarting {service}…"):
            result = control.restart(settings, service)
    except (control.NotRunning, control.UnknownService, TimeoutError) as exc:
        fail(str(exc))
        return
    if result["state"] != "healthy":
        fail(f"{service} is {result['state']}: {result['detail']}")
    console.print(f"{service} restarted (pid {result['pid']}): {result['detail']}")


def logs(
    service: str = typer.Argument(..., help=f"One of: {', '.join(LOG_NAMES)}."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines."),
    lines: int = typer.Option(50, "--lines", "-n", min=0, help="How many last lines."),
) -> None:
    """Print the last lines of a service's log (var/log/SERVICE.log), optionally follow it."""
    settings = ops_settings()
    if service not in LOG_NAMES:
        fail(f"unknown service {service!r}; one of: {', '.join(LOG_NAMES)}")
    path: Path = logfiles.log_path(settings, service)
    if not path.exists() and not follow:
        fail(f"no log yet: {path}")
    for line in logfiles.tail(path, lines):
        typer.echo(line)
    if follow:
        try:
            for line in logfiles.follow(path):
                typer.echo(line)
        except KeyboardInterrupt:
            return
