"""`landkontor worker`, `landkontor beat`, `landkontor flower`: the job engine's processes.

Each runs in the foreground until SIGTERM (Celery's warm shutdown: running jobs finish).
Nothing from landkontor.jobs is imported at module level: the worker must point
prometheus-client at its multiprocess folder before the metrics are created.
"""

from __future__ import annotations

import os

import typer

from landkontor.cli.common import console, fail, load_settings
from landkontor.errors import DomainError
from landkontor.settings import get_settings

ALL_QUEUES = "default,reports,imports,exports,optimization"


def worker(
    *,
    queues: str = typer.Option(ALL_QUEUES, "--queues", "-Q", help="Comma-separated queues."),
    concurrency: int | None = typer.Option(
        None,
        "--concurrency",
        "-c",
        min=1,
        help="Pool processes (default: WORKER_CONCURRENCY, else one per CPU core).",
    ),
    hostname: str = typer.Option(
        "landkontor@%h", "--hostname", "-n", help="Node name; unique per worker (%h = host)."
    ),
    loglevel: str | None = typer.Option(None, "--loglevel", "-l", help="Default: LOG_LEVEL."),
    metrics_port: int | None = typer.Option(
        None, "--metrics-port", help="Prometheus port (default: WORKER_METRICS_PORT; 0 = off)."
    ),
    beat: bool = typer.Option(False, "--beat", help="Also run the scheduler (one per system)."),
) -> None:
    """Run a job worker (Celery, prefork) until SIGTERM."""
    from celery.utils.nodenames import default_nodename, host_format

    from landkontor.jobs.registry import QUEUES

    if metrics_port is not None:
        os.environ["LANDKONTOR_WORKER_METRICS_PORT"] = str(metrics_port)
    # A worker's pool processes use the worker's pool size (the connection budget).
    pool_size = get_settings().worker_database_pool_size
    os.environ["LANDKONTOR_DATABASE_POOL_SIZE"] = str(pool_size)
    get_settings.cache_clear()
    settings = load_settings()
    concurrency = concurrency or settings.worker_concurrency or None
    wanted = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = [q for q in wanted if q not in QUEUES]
    if unknown or not wanted:
        fail(f"unknown queue(s) {', '.join(unknown) or '(none)'}; queues are {', '.join(QUEUES)}")
    nodename = host_format(default_nodename(hostname))

    from landkontor.jobs.worker import metrics_dir, prepare_metrics_dir

    prepare_metrics_dir(metrics_dir(settings.var_dir, nodename))

    # The tasks are registered on the app, and the worker process's signal handlers
    # (logging, after fork, metrics, presence) connected, only here: importing the app
    # itself loads neither, nor any business domain.
    import landkontor.jobs.tasks
    import landkontor.jobs.worker  # noqa: F401
    from landkontor.jobs.celery_app import beat_schedule, celery_app

    argv = [
        "worker",
        f"--queues={','.join(wanted)}",
        f"--hostname={nodename}",
        f"--loglevel={(loglevel or settings.log_level).upper()}",
        "--pool=prefork",
        "--without-mingle",  # nothing to sync: jobs are cancelled in the database, not revoked
        "--without-gossip",
    ]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    if beat:
        celery_app.conf.beat_schedule = beat_schedule(settings)
        settings.run_dir.mkdir(parents=True, exist_ok=True)
        argv += ["--beat", f"--schedule={settings.run_dir / 'celerybeat-schedule'}"]
    celery_app.worker_main(argv)


def beat(
    loglevel: str | None = typer.Option(None, "--loglevel", "-l", help="Default: LOG_LEVEL."),
) -> None:
    """Run the scheduler (sweeper, purge, nightly jobs) until SIGTERM. Run exactly one."""
    settings = load_settings()
    import landkontor.jobs.worker  # noqa: F401 - logging as in the worker
    from landkontor.jobs.celery_app import beat_schedule, celery_app

    celery_app.conf.beat_schedule = beat_schedule(settings)
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    celery_app.Beat(
        loglevel=(loglevel or settings.log_level).upper(),
        schedule=str(settings.run_dir / "celerybeat-schedule"),
        max_interval=min(60.0, settings.job_sweep_interval_seconds),
        redirect_stdouts=False,
    ).run()


def flower(
    port: int | None = typer.Option(None, "--port", help="Port (default: FLOWER_PORT)."),
) -> None:
    """Run Flower (monitoring UI and API for the workers) with basic auth until SIGTERM."""
    settings = load_settings()
    from landkontor.jobs.flower_auth import basic_auth

    try:
        credentials = basic_auth(settings)
    except DomainError as exc:
        fail(exc.detail)
        return
    # Credentials go through the environment, not argv: argv is visible to every user.
    os.environ.pop("FLOWER_BASIC_AUTH", None)
    if credentials:
        os.environ["FLOWER_BASIC_AUTH"] = credentials
    else:
        console.print("[yellow]Flower runs without login (loopback only).[/]")
    import landkontor.jobs.worker  # noqa: F401 - logging as in the worker
    from landkontor.jobs.celery_app import celery_app

    celery_app.start(
        [
            "flower",
            f"--address={settings.flower_host}",
            f"--port={port or settings.flower_port}",
            "--persistent=False",
        ]
    )
