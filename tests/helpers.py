"""Helpers for tests: problem assertions, PostgreSQL-only markers."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import pytest

requires_postgres = pytest.mark.skipif(
    not os.environ.get("LANDKONTOR_TEST_DATABASE_URL", "").startswith(("postgresql", "postgres")),
    reason="needs PostgreSQL: set LANDKONTOR_TEST_DATABASE_URL",
)


def assert_problem(response, status: int, code: str | None = None, field: str | None = None):
    """Assert an RFC 9457 problem response; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    assert body["title"] and body["detail"]
    assert "Traceback" not in response.text
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert field in fields, body
    return body


def run_parallel(threads: int, worker: Callable[[int], None]) -> None:
    """Run ``worker(n)`` in ``threads`` threads that start together; re-raise any failure."""
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def run(n: int) -> None:
        try:
            start.wait()
            worker(n)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    running = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    assert errors == []
