"""Cost of the API metrics: per-request overhead of the metrics (in RequestMiddleware) and
/metrics render time.

    .venv/bin/python benchmarks/metrics_overhead.py [--requests 3000]

Drives the real application in-process (ASGI, no sockets) on a scratch SQLite database and
prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time


def build_app(with_metrics: bool):
    from landkontor.api.app import create_app
    from landkontor.api.middleware import RequestMiddleware

    app = create_app()
    if not with_metrics:
        for middleware in app.user_middleware:
            if middleware.cls is RequestMiddleware:
                middleware.kwargs["metrics"] = False
    return app


async def time_requests(app, path: str, count: int) -> list[float]:
    import httpx

    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    durations = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(50):  # warm-up
            await client.get(path)
        for _ in range(count):
            started = time.perf_counter()
            await client.get(path)
            durations.append(time.perf_counter() - started)
    return durations


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="landkontor-bench-")
    os.environ.update(
        LANDKONTOR_VAR_DIR=var_dir,
        LANDKONTOR_DATABASE_URL=f"sqlite:///{var_dir}/bench.db",
        LANDKONTOR_SECRET_KEY="benchmark-secret-key-long-enough-for-hs256",
        LANDKONTOR_LOG_LEVEL="ERROR",
    )
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

    plain = asyncio.run(time_requests(build_app(False), "/health", args.requests))
    measured = asyncio.run(time_requests(build_app(True), "/health", args.requests))
    # Rendering /metrics: this process's registry with the label sets of the runs above.
    renders = asyncio.run(time_requests(build_app(True), "/metrics", 200))

    median_plain = statistics.median(plain) * 1e6
    median_measured = statistics.median(measured) * 1e6
    print(
        json.dumps(
            {
                "benchmark": "metrics_overhead",
                "requests": args.requests,
                "health_median_us_without_metrics": round(median_plain, 1),
                "health_median_us_with_metrics": round(median_measured, 1),
                "middleware_overhead_us": round(median_measured - median_plain, 1),
                "metrics_render_median_ms": round(statistics.median(renders) * 1e3, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
