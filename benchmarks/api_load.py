"""Concurrent HTTP load on the API, compared with a bare FastAPI + SQLAlchemy anchor.

    LANDKONTOR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        .venv/bin/python -m benchmarks.api_load [--workers 2] [--concurrency 32] \
        [--duration 10] [--rounds 3] [--phases anchor,batch_by_id,items_list,…] [--quick]

Migrates the database and seeds its own records through the services (unique numbers: use
a scratch database, postings and sales orders stay). Starts ``landkontor api`` with
``--workers`` processes and the anchor (``benchmarks/bare_api.py``: one row by primary key)
with as many, each on a free port, then runs every phase once per round, interleaved (anchor
first in each round), with the load of ``landkontor.ops.loadtest`` (the code behind
``landkontor loadtest``). Prints one JSON line per phase and round, then one per phase with
the medians over the rounds and the median of the per-round ratios to the anchor, then the
books check (levels and values equal the ledger; the sales order numbers of the year have
no gap). ``--quick``: 2 s phases, one round.

Phases: ``anchor``, the single operations ``batch_by_id``, ``item_by_id``, ``items_list``,
``stock_levels``, ``stock_posting``, ``sales_order``, and the mixes ``reads`` and ``mixed``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import psutil

from landkontor.auth.roles import Role
from landkontor.auth.schemas import UserCreate
from landkontor.auth.service import create_user
from landkontor.catalog.schemas import ItemCreate
from landkontor.catalog.service import create_item
from landkontor.db import migrate
from landkontor.db.session import get_database
from landkontor.inventory.locations import create_location, create_warehouse
from landkontor.inventory.models import MovementType
from landkontor.inventory.posting import post_request
from landkontor.inventory.schemas import (
    LocationCreate,
    MovementIn,
    MovementLineIn,
    NewBatch,
    WarehouseCreate,
)
from landkontor.ops import loadtest
from landkontor.partners.schemas import CustomerCreate
from landkontor.partners.service import create_customer
from landkontor.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
ITEMS = 60
PASSWORD = "load-test-password"
DEFAULT_PHASES = "anchor,batch_by_id,item_by_id,items_list,stock_levels,reads,mixed"


def seed(db, tag: str) -> tuple[loadtest.Fixture, str]:
    """Items (every third batch managed, two batches each), stock of all, a customer and a
    clerk; returns the fixture and the clerk's name."""
    with db.session() as s:
        wh = create_warehouse(s, WarehouseCreate(code=f"L{tag}", name="Lastprobe"))
        loc = create_location(s, LocationCreate(warehouse_id=wh.id, code="HALLE", name="Halle"))
        items = [
            create_item(
                s,
                ItemCreate(
                    item_no=f"L{tag}-{n:03d}",
                    name=f"Lastartikel {n}",
                    base_unit="kg",
                    batch_managed=n % 3 == 0,
                    base_price=Decimal("0.95"),
                    pack_units=[{"code": "SACK", "name": "Sack 25 kg", "factor": 25}],
                ),
            )
            for n in range(ITEMS)
        ]
        lines = []
        for item in items:
            batches = [None] if not item.batch_managed else ["A", "B"]
            for suffix in batches:
                lines.append(
                    MovementLineIn(
                        item_id=item.id,
                        quantity=Decimal(1000),
                        location_id=loc.id,
                        unit_cost=Decimal("0.5"),
                        batch=NewBatch(
                            batch_no=f"{tag}-{item.id}-{suffix}",
                            best_before=date.today() + timedelta(days=365),
                        )
                        if suffix
                        else None,
                    )
                )
        movement, _ = post_request(
            s, MovementIn(type=MovementType.receipt, lines=lines), actor="bench", key=None
        )
        batch_ids = sorted({e.batch_id for e in movement.lines if e.batch_id is not None})
        customer = create_customer(s, CustomerCreate(customer_no=f"L{tag}-K", name="Lastkunde"))
        clerk = f"load-{tag}"
        create_user(s, UserCreate(username=clerk, password=PASSWORD, role=Role.clerk))
        plain = next(i for i in items if not i.batch_managed)
        fixture = loadtest.Fixture(
            item_ids=[i.id for i in items],
            batch_ids=batch_ids,
            posting=(plain.id, loc.id),
            sales=(customer.id, wh.id, plain.id),
        )
        return fixture, clerk


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def server(
    args: list[str], env: dict[str, str], log: Path, health: str
) -> Iterator[subprocess.Popen]:
    with log.open("ab") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=out, cwd=ROOT)
    try:
        wait_healthy(health, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(process: subprocess.Popen) -> float:
    """CPU time (user + system) of a server and its worker processes so far."""
    total = 0.0
    with contextlib.suppress(psutil.Error):
        parent = psutil.Process(process.pid)
        for proc in [parent, *parent.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--phases", default=DEFAULT_PHASES)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--quick", action="store_true", help="2 s phases, one round")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds = 2.0, 1
    phases = args.phases.split(",")
    unknown = [p for p in phases if p != "anchor" and p not in loadtest.SCENARIOS]
    if unknown:
        parser.error(f"unknown phases {unknown}; known: anchor, {', '.join(loadtest.SCENARIOS)}")

    settings = get_settings()
    db = get_database(settings)
    migrate.upgrade(db)
    tag = uuid.uuid4().hex[:6]
    fixture, clerk = seed(db, tag)
    var = Path(tempfile.mkdtemp(prefix="landkontor-load-"))
    api_port, anchor_port = free_port(), free_port()
    env = {
        **os.environ,
        "LANDKONTOR_DATABASE_URL": settings.database_url,
        "LANDKONTOR_VAR_DIR": str(var),
        "LANDKONTOR_SECRET_KEY": secrets.token_urlsafe(48),
        "LANDKONTOR_ADMIN_PASSWORD": secrets.token_urlsafe(16),
        "BARE_API_DATABASE_URL": settings.database_url,
    }
    bin_dir = Path(sys.executable).parent
    workers = str(args.workers)
    api_cmd = [str(bin_dir / "landkontor"), "api", "--no-migrate", "--port", str(api_port)]
    anchor_cmd = [sys.executable, "-m", "uvicorn", "benchmarks.bare_api:app", "--port"]
    anchor_cmd += [str(anchor_port), "--no-access-log", "--log-level", "warning"]
    api_url, anchor_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{anchor_port}"
    results: dict[str, list[dict]] = {phase: [] for phase in phases}
    with (
        server([*api_cmd, "--workers", workers], env, var / "api.log", f"{api_url}/health") as api,
        server(
            [*anchor_cmd, "--workers", workers], env, var / "anchor.log", f"{anchor_url}/docs"
        ) as anchor,
    ):
        token = asyncio.run(loadtest.login(api_url, clerk, PASSWORD))
        for round_no in range(1, args.rounds + 1):
            for phase in phases:
                if phase == "anchor":
                    url, scenario, tok, process = anchor_url, ANCHOR, None, anchor
                else:
                    url, scenario, tok, process = api_url, loadtest.SCENARIOS[phase], token, api
                cpu_before = cpu_seconds(process)
                result = asyncio.run(
                    loadtest.run_load(
                        url,
                        scenario,
                        fixture,
                        token=tok,
                        concurrency=args.concurrency,
                        duration=args.duration,
                        seed=args.seed + round_no,
                    )
                )
                line = {"phase": phase, "round": round_no, **result.summary()}
                served = line["total"]["requests"] or 1
                line["server_cpu_ms_per_request"] = round(
                    (cpu_seconds(process) - cpu_before) * 1000 / served, 3
                )
                line["load"] = round(os.getloadavg()[0], 2)
                results[phase].append(line)
                print(json.dumps(line), flush=True)
    for phase in phases:
        print(json.dumps(phase_summary(phase, results, args)), flush=True)
    with db.session() as s:
        books = loadtest.check_books(s)
    print(json.dumps({"books": books, "load": os.getloadavg()}), flush=True)


def anchor_item(rng, fixture: loadtest.Fixture) -> loadtest.Request:
    return loadtest.Request("anchor", "GET", f"/items/{rng.choice(fixture.item_ids)}")


ANCHOR = loadtest.single(anchor_item, "anchor")


def phase_summary(phase: str, results: dict[str, list[dict]], args) -> dict[str, object]:
    rounds = results[phase]
    rates = [r["total"]["req_per_s"] for r in rounds]
    summary: dict[str, object] = {
        "summary": phase,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "rounds": len(rounds),
        "req_per_s": statistics.median(rates),
        "p50_ms": statistics.median(r["total"]["p50_ms"] or 0 for r in rounds),
        "p99_ms": statistics.median(r["total"]["p99_ms"] or 0 for r in rounds),
        "errors": sum(r["total"]["errors"] for r in rounds),
        "server_cpu_ms_per_request": statistics.median(
            r["server_cpu_ms_per_request"] for r in rounds
        ),
    }
    anchors = results.get("anchor") or []
    if phase != "anchor" and len(anchors) == len(rounds):
        ratios = [
            r["total"]["req_per_s"] / a["total"]["req_per_s"]
            for r, a in zip(rounds, anchors, strict=True)
            if a["total"]["req_per_s"]
        ]
        summary["ratio_to_anchor"] = round(statistics.median(ratios), 3) if ratios else None
    return summary


if __name__ == "__main__":
    main()
