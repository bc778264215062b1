"""How long `landkontor demo` takes: the demo Landhandel loaded through the services.

Needs an empty database of its own; with ``--fresh`` the benchmark empties it first
(PostgreSQL: drops and recreates the public schema; SQLite: a new file) and migrates:

    LANDKONTOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_demo \
        .venv/bin/python benchmarks/demo_load.py --fresh [--scale small|full]

    .venv/bin/python benchmarks/demo_load.py --sqlite /tmp/demo.db --scale small

Prints one JSON line per step (master data, each simulated week, the last day) with its
seconds, then one summary line: total seconds, stock movements per second and the counts.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from sqlalchemy import func, select, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", choices=("small", "full"), default="full")
    parser.add_argument("--fresh", action="store_true", help="empty and migrate the database")
    parser.add_argument("--sqlite", help="use (and replace) this SQLite file")
    args = parser.parse_args()
    if args.sqlite:
        for suffix in ("", "-wal", "-shm"):
            Path(args.sqlite + suffix).unlink(missing_ok=True)
        os.environ["LANDKONTOR_DATABASE_URL"] = f"sqlite:///{args.sqlite}"
        args.fresh = True

    from landkontor.db import migrate
    from landkontor.db.session import get_database
    from landkontor.demo.service import get_scale, load_demo
    from landkontor.inventory.models import StockMovement

    database = get_database()
    if args.fresh:
        if database.dialect == "postgresql":
            with database.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        migrate.upgrade(database)

    started = last = time.perf_counter()

    def report(done: int, total: int, message: str) -> None:
        nonlocal last
        now = time.perf_counter()
        print(
            json.dumps(
                {"step": done, "of": total, "what": message, "seconds": round(now - last, 2)}
            )
        )
        last = now

    with database.session() as session:
        summary = load_demo(session, get_scale(args.scale), actor="benchmark", progress=report)
        movements = session.scalar(select(func.count()).select_from(StockMovement)) or 0
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "benchmark": "demo_load",
                "scale": summary.scale,
                "database": database.dialect,
                "seconds": round(seconds, 1),
                "stock_movements": movements,
                "movements_per_second": round(movements / seconds, 1),
                "loaded": summary.counts,
            }
        )
    )


if __name__ == "__main__":
    main()
