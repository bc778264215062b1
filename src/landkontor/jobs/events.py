"""A job's state as Server-Sent Events: one event on every change, until it finishes.

Shared by the API (``GET /api/v1/jobs/{id}/events``, JSON) and the web interface (the
progress bar, HTML): each passes how to ``render`` a job; the polling, change detection,
keep-alives and the end are here once. The stream polls the job row (the database is the
source of truth for jobs) in a short session per poll, so no transaction stays open while
the worker writes progress.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import anyio
from starlette.requests import Request

from landkontor.db.session import Database
from landkontor.jobs import service
from landkontor.jobs.models import FINISHED, Job

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

Render = Callable[[Job], str]


def snapshot(database: Database, job_id: str, render: Render) -> tuple[str, bool]:
    """The job rendered now, and whether it has finished (NotFound if there is no job)."""
    with database.session() as session:
        job = service.get_job(session, job_id)
        return render(job), job.status in FINISHED


def message(event: str, data: str, sequence: int) -> str:
    """One SSE message; every line of ``data`` gets its own ``data:`` field."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"id: {sequence}\nevent: {event}\n{lines}\n"


async def job_stream(
    request: Request, database: Database, job_id: str, render: Render
) -> AsyncIterator[str]:
    """Check the job exists (NotFound before any byte is sent), then return the stream:
    ``progress`` events on every change of what ``render`` makes of the job, a final
    ``end`` event when it has finished, keep-alive comments in between."""
    first = await anyio.to_thread.run_sync(snapshot, database, job_id, render)

    async def stream() -> AsyncIterator[str]:
        data, finished = first
        sequence, last_sent = 0, anyio.current_time()
        yield "retry: 2000\n\n"
        while True:
            sequence += 1
            yield message("end" if finished else "progress", data, sequence)
            last_sent = anyio.current_time()
            if finished:
                return
            while True:
                await anyio.sleep(POLL_SECONDS)
                if await request.is_disconnected():
                    return
                new, finished = await anyio.to_thread.run_sync(snapshot, database, job_id, render)
                if new != data:
                    data = new
                    break
                if anyio.current_time() - last_sent > KEEPALIVE_SECONDS:
                    yield ": keep-alive\n\n"
                    last_sent = anyio.current_time()

    return stream()
