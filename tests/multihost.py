"""Simulated hosts for the multi-host tests and benchmark: Linux network namespaces on a bridge.

    db host (this machine's own namespace)   10.X.Y.1   PostgreSQL and RabbitMQ
        │  bridge lk<tag>br                              (reached through a TCP forwarder)
        ├── veth ── host h2 (namespace)      10.X.Y.2   API, worker, beat
        └── veth ── host h3 (namespace)      10.X.Y.3   API, worker

PostgreSQL and RabbitMQ listen on 127.0.0.1 only, so the db host runs ``tests.tcp_forward``
on its bridge address: the other hosts reach them at 10.X.Y.1, and they see their clients
on loopback (RabbitMQ's guest user may log in only from there). Every process of a simulated
host runs in its namespace (``ip netns exec``) with a host name of its own (``unshare
--uts``), binds to its namespace's address and reaches the database and the broker only
over its veth link — taking that link down cuts the host off; bringing it up lets it rejoin.

Needs root (CAP_NET_ADMIN) and ``ip``/``unshare``; :func:`unavailable` says why not.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
LANDKONTOR = str(Path(sys.executable).with_name("landkontor"))
QUEUES = "default,reports,imports,exports,optimization"


def _ip(*args: str, namespace: str | None = None) -> None:
    prefix = ["ip", "netns", "exec", namespace] if namespace else []
    subprocess.run([*prefix, "ip", *args], check=True, capture_output=True)


def unavailable() -> str | None:
    """Why simulated hosts cannot be built here, or None."""
    for tool in ("ip", "unshare"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (iproute2, util-linux)"
    if os.geteuid() != 0:
        return "network namespaces need root (CAP_NET_ADMIN); CI runs as root"
    probe = f"lkprobe{os.getpid() % 100000}"
    try:
        _ip("netns", "add", probe)
    except (subprocess.CalledProcessError, OSError) as exc:
        return f"`ip netns add` is not permitted here: {exc}"
    _ip("netns", "del", probe)
    return None


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def via(url: str, host: str, port: int) -> str:
    """``url`` with its host and port replaced (credentials and path kept)."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class Host:
    name: str
    namespace: str
    address: str
    veth: str  # the host's end of its link
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        """Run `landkontor ARGS` on this host (its namespace and host name)."""
        argv = [
            "ip", "netns", "exec", self.namespace, "unshare", "--uts", "sh", "-c",
            'hostname "$0" && exec "$@"', self.name, LANDKONTOR, *args,
        ]  # fmt: skip
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def kill(self) -> None:
        """SIGKILL every process of this host (a power cut)."""
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        for process in self.processes:
            process.wait(10)
        self.processes.clear()

    def stop(self, timeout: float = 20) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        self.processes.clear()

    def cut(self) -> None:
        """Take the host's link down: it can reach nothing, nothing can reach it."""
        _ip("link", "set", self.veth, "down", namespace=self.namespace)

    def rejoin(self) -> None:
        _ip("link", "set", self.veth, "up", namespace=self.namespace)


class Network:
    """The db host and ``hosts`` simulated hosts, torn down by :meth:`close`."""

    def __init__(self, hosts: tuple[str, ...] = ("h2", "h3")) -> None:
        tag = f"{os.getpid() % 100000}"
        self.bridge = f"lk{tag}br"
        self.subnet = f"10.{200 + os.getpid() % 50}.{os.getpid() % 250}"
        self.db_address = f"{self.subnet}.1"
        self.hosts: dict[str, Host] = {}
        self.forwarder: subprocess.Popen | None = None
        try:
            _ip("link", "add", self.bridge, "type", "bridge")
            _ip("addr", "add", f"{self.db_address}/24", "dev", self.bridge)
            _ip("link", "set", self.bridge, "up")
            for number, name in enumerate(hosts, start=2):
                self._add_host(name, f"lk{tag}{name}", f"{self.subnet}.{number}")
        except BaseException:
            self.close()
            raise

    def _add_host(self, name: str, namespace: str, address: str) -> None:
        outside, inside = f"{namespace}o", f"{namespace}i"
        _ip("netns", "add", namespace)
        self.hosts[name] = Host(name, namespace, address, inside)
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", namespace)
        _ip("link", "set", outside, "master", self.bridge, "up")
        _ip("addr", "add", f"{address}/24", "dev", inside, namespace=namespace)
        _ip("link", "set", inside, "up", namespace=namespace)
        _ip("link", "set", "lo", "up", namespace=namespace)

    def forward(self, *targets: str) -> dict[str, int]:
        """Make ``host:port`` targets of this machine reachable at the db host's address;
        returns target → port there."""
        ports = {target: free_port(self.db_address) for target in targets}
        pairs = [a for target, port in ports.items() for a in (f"{self.db_address}:{port}", target)]
        self.forwarder = subprocess.Popen(
            [sys.executable, "-m", "tests.tcp_forward", *pairs], cwd=ROOT, stdout=subprocess.PIPE
        )
        assert self.forwarder.stdout is not None
        if self.forwarder.stdout.readline() != b"ready\n":
            raise RuntimeError("the TCP forwarder did not start")
        return ports

    def close(self) -> None:
        for host in self.hosts.values():
            host.kill()
        if self.forwarder is not None:
            self.forwarder.terminate()
            self.forwarder.wait(10)
        for host in self.hosts.values():
            with contextlib.suppress(subprocess.CalledProcessError):
                _ip("netns", "del", host.namespace)
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", self.bridge)


def wait_ready(url: str, timeout: float = 60) -> None:
    """Until ``url``/ready answers 200."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url + "/ready", timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not become ready")
        time.sleep(0.2)


def wait_workers(broker_url: str, nodenames: list[str], timeout: float = 60) -> None:
    """Until every worker in ``nodenames`` answers a control ping (from this machine)."""
    from landkontor.jobs.celery_app import celery_app_for
    from landkontor.settings import get_settings

    app = celery_app_for(get_settings().model_copy(update={"broker_url": broker_url}))
    deadline = time.monotonic() + timeout
    while True:
        replies = app.control.ping(destination=nodenames, timeout=1) or []
        if {name for reply in replies for name in reply} >= set(nodenames):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers {nodenames} did not answer")
        time.sleep(0.2)


class Cluster:
    """Landkontor processes on the simulated hosts, all sharing one database and broker.

    ``database_url`` and ``broker_url`` are as this machine reaches them (127.0.0.1); the
    hosts get them through the db host's forwarder."""

    def __init__(self, network: Network, database_url: str, broker_url: str, logs: Path) -> None:
        self.network, self.logs = network, logs
        self.database_url, self.broker_url = database_url, broker_url
        db, broker = urlsplit(database_url), urlsplit(broker_url)
        db_target = f"{db.hostname}:{db.port or 5432}"
        broker_target = f"{broker.hostname}:{broker.port or 5672}"
        ports = network.forward(db_target, broker_target)
        address = network.db_address
        self.env = dict(os.environ)
        self.env.update(
            PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            LANDKONTOR_DATABASE_URL=via(database_url, address, ports[db_target]),
            LANDKONTOR_BROKER_URL=via(broker_url, address, ports[broker_target]),
            # The broker drops a silent worker host after two heartbeats.
            LANDKONTOR_BROKER_HEARTBEAT_SECONDS="2",
            LANDKONTOR_WORKER_METRICS_PORT="0",
        )
        self.api_urls: dict[str, str] = {}
        self.workers: dict[str, str] = {}  # host → worker node name

    def host(self, name: str) -> Host:
        return self.network.hosts[name]

    def start_api(self, name: str) -> str:
        host = self.host(name)
        port = 8100  # each host has its own address: the same port on every host
        env = dict(self.env, LANDKONTOR_API_HOST=host.address, LANDKONTOR_API_PORT=str(port))
        args = ["api", "--no-migrate", "--host", host.address, "--port", str(port)]
        host.start([*args, "--workers", "1"], env, self.logs / f"api-{name}.log")
        url = self.api_urls[name] = f"http://{host.address}:{port}"
        return url

    def start_worker(self, name: str, concurrency: int = 2) -> str:
        nodename = self.workers[name] = f"worker@{name}"
        args = ["worker", "-n", nodename, "-c", str(concurrency), "--queues", QUEUES]
        self.host(name).start(args, self.env, self.logs / f"worker-{name}.log")
        return nodename

    def start_beat(self, name: str) -> None:
        self.host(name).start(["beat"], self.env, self.logs / f"beat-{name}.log")

    def wait(self, timeout: float = 90) -> None:
        for url in self.api_urls.values():
            wait_ready(url, timeout)
        wait_workers(self.broker_url, list(self.workers.values()), timeout)


class JobClient:
    """The test client in front of the API hosts: round robin, and a host that does not
    answer is skipped (a load balancer's health check, in short)."""

    def __init__(self, urls: list[str], headers: dict[str, str]) -> None:
        self.clients = [
            httpx.Client(
                base_url=url,
                headers=headers,
                timeout=httpx.Timeout(5.0, connect=1.0),
                trust_env=False,
            )
            for url in urls
        ]
        self.turns = itertools.count()
        self.failovers = 0

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        errors = []
        for _ in range(len(self.clients)):
            client = self.clients[next(self.turns) % len(self.clients)]
            try:
                return client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                errors.append(f"{client.base_url}: {exc!r}")
                self.failovers += 1
        raise RuntimeError("no API host answers: " + "; ".join(errors))

    def submit(self, job_type: str, params: dict) -> str:
        response = self.request("POST", "/api/v1/jobs", json={"type": job_type, "params": params})
        if response.status_code != 202:
            raise RuntimeError(f"submit answered {response.status_code}: {response.text}")
        return response.json()["id"]

    def submit_many(self, job_type: str, params: dict, count: int, threads: int = 8) -> list[str]:
        """Submit ``count`` jobs from ``threads`` clients at once (a busy office)."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(lambda _: self.submit(job_type, params), range(count)))

    def close(self) -> None:
        for client in self.clients:
            client.close()


@dataclass(frozen=True)
class Outcome:
    """What became of a set of jobs, from the database."""

    statuses: dict[str, int]
    succeeded_attempts: dict[str, int]  # job → attempts that ended succeeded
    lost_attempts: int
    hosts: dict[str, int]  # host that ran the successful attempt → jobs

    @property
    def all_succeeded(self) -> bool:
        return set(self.statuses) == {"succeeded"}

    @property
    def duplicated(self) -> int:
        return sum(1 for n in self.succeeded_attempts.values() if n > 1)


def outcome(database_url: str, job_ids: list[str]) -> Outcome:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            jobs = connection.execute(
                text("SELECT id, status, result FROM jobs WHERE id = ANY(:ids)"), {"ids": job_ids}
            ).all()
            attempts = connection.execute(
                text("SELECT job_id, outcome FROM job_attempts WHERE job_id = ANY(:ids)"),
                {"ids": job_ids},
            ).all()
    finally:
        engine.dispose()
    statuses: dict[str, int] = {}
    hosts: dict[str, int] = {}
    for _id, status, result in jobs:
        statuses[status] = statuses.get(status, 0) + 1
        if status == "succeeded" and result:
            hosts[result["host"]] = hosts.get(result["host"], 0) + 1
    missing = len(job_ids) - len(jobs)
    if missing:
        statuses["missing"] = missing
    succeeded = dict.fromkeys(job_ids, 0)
    lost = 0
    for job_id, attempt_outcome in attempts:
        if attempt_outcome == "succeeded":
            succeeded[job_id] += 1
        elif attempt_outcome == "lost":
            lost += 1
    return Outcome(statuses, succeeded, lost, hosts)


def wait_outcome(database_url: str, job_ids: list[str], timeout: float) -> tuple[Outcome, float]:
    """Until every job finished (or ``timeout``); the outcome and the seconds it took."""
    started = time.monotonic()
    while True:
        result = outcome(database_url, job_ids)
        finished = sum(n for s, n in result.statuses.items() if s in ("succeeded", "failed"))
        if finished == len(job_ids) or time.monotonic() - started > timeout:
            return result, time.monotonic() - started
        time.sleep(0.2)
