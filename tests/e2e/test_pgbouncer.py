"""Behind PgBouncer in transaction mode: the API's postings and a worker's jobs work with
``LANDKONTOR_DATABASE_BEHIND_PGBOUNCER`` — no prepared statement or session setting is relied
on between transactions (statements are repeated past psycopg's prepare threshold, which
PgBouncer 1.18 in transaction mode would break)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from fastapi.testclient import TestClient

from landkontor.db.session import Database
from tests.conftest import TEST_DATABASE_URL
from tests.factories import Stock
from tests.jobs_helpers import submit, wait_job
from tests.jobs_support import RedisServer, free_port

PGBOUNCER = shutil.which("pgbouncer") or next(
    (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.path.exists(p)), None
)
pytestmark = [
    pytest.mark.skipif(
        PGBOUNCER is None,
        reason="pgbouncer is not installed (Debian package `pgbouncer`; .ci/run installs it)",
    ),
    pytest.mark.skipif(
        not TEST_DATABASE_URL.startswith("postgresql"),
        reason="PgBouncer sits in front of PostgreSQL (LANDKONTOR_TEST_DATABASE_URL)",
    ),
]


class PgBouncer:
    def __init__(self, folder: Path) -> None:
        target = urlsplit(TEST_DATABASE_URL)
        self.database = target.path.strip("/")
        self.user = target.username or "postgres"
        self.port = free_port()
        folder.mkdir()
        folder.chmod(0o755)
        (folder / "users.txt").write_text(f'"{self.user}" ""\n')
        password = f" password={target.password}" if target.password else ""
        (folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"{self.database} = host={target.hostname} port={target.port or 5432} "
            f"dbname={self.database} user={self.user}{password}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
            "pool_mode = transaction\ndefault_pool_size = 6\nmax_client_conn = 200\n"
            f"admin_users = {self.user}\nstats_users = {self.user}\n"
        )
        argv = [str(PGBOUNCER), str(folder / "pgbouncer.ini")]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            argv[1:1] = ["-u", "nobody"]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"pgbouncer did not start: {self.stderr()}") from None
                time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def transactions(self) -> int:
        """Transactions PgBouncer passed to the database so far (its admin console)."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, dbname="pgbouncer", user=self.user, autocommit=True
        ) as admin:
            rows = admin.execute("SHOW STATS").fetchall()
            columns = [c.name for c in admin.execute("SHOW STATS").description or []]
        by_db = {row[0]: dict(zip(columns, row, strict=True)) for row in rows}
        return int(by_db.get(self.database, {}).get("total_xact_count", 0))  # 0: not used yet

    def stderr(self) -> str:
        if self.process.poll() is None:
            return ""
        return (self.process.stderr.read() if self.process.stderr else b"").decode()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def pgbouncer(tmp_path) -> Iterator[PgBouncer]:
    bouncer = PgBouncer(tmp_path / "pgbouncer")
    yield bouncer
    bouncer.stop()


def test_jobs_and_postings_run_through_pgbouncer_in_transaction_mode(
    pgbouncer, db, settings, start_worker, users
):
    from landkontor.api.app import create_app

    broker = RedisServer().start()  # jobs of this test reach only its own worker
    own = settings.model_copy(
        update={
            "broker_url": broker.url,
            "database_url": pgbouncer.url,
            "database_behind_pgbouncer": True,
        }
    )
    database = Database(pgbouncer.url, settings=own, pool_size=2, behind_pgbouncer=True)
    before = pgbouncer.transactions()
    try:
        worker = start_worker(
            "--queues",
            "default,reports,imports,exports",
            broker=broker.url,
            LANDKONTOR_DATABASE_URL=pgbouncer.url,
            LANDKONTOR_DATABASE_BEHIND_PGBOUNCER="true",
        )
        with TestClient(create_app(own, database), raise_server_exceptions=False) as client:
            manager, clerk = users.headers("manager"), users.headers("clerk")
            stock = Stock(client, manager)
            item = stock.item(base_unit="t")
            location = stock.location(stock.warehouse()["id"])
            for n in range(8):  # past psycopg's prepare threshold (5)
                stock.receive(item["id"], location["id"], "2.5", reference=f"WE-{n}")
            stock.issue(item["id"], location["id"], "4")
            assert Decimal(stock.level(item["id"], location["id"])) == Decimal("16")

            jobs = [submit(client, clerk, "system.ping", {"message": f"n{n}"}) for n in range(8)]
            flaky = submit(client, clerk, "test.flaky", {"fail_times": 1})
            for job in jobs:
                done = wait_job(client, clerk, job["id"])
                assert done["status"] == "succeeded", done
                assert done["result"]["worker"] == worker.nodename
            retried = wait_job(client, clerk, flaky["id"])
            assert [a["outcome"] for a in retried["attempt_log"]] == ["retry", "succeeded"]
        worker.stop()
        assert "prepared statement" not in worker.output()
    finally:
        database.dispose()
        broker.stop()
    assert pgbouncer.transactions() - before > 50  # it all went through PgBouncer
