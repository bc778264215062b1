"""Routes of the job engine: /jobs and the typed shortcuts /imports, /exports, /reports,
/optimizations. Thin: parse, call the service, return the schema."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import ValidationError

from landkontor.auth.deps import CurrentUser, Manager
from landkontor.auth.principals import Principal
from landkontor.common.bounds import SINGLE_LINE, single_line, utc_within_years
from landkontor.common.deps import DatabaseDep, PageDep, SessionDep, SettingsDep
from landkontor.common.pagination import Page
from landkontor.errors import InvalidInput
from landkontor.jobs import events, service
from landkontor.jobs.models import FINISHED, JobStatus
from landkontor.jobs.registry import job_types
from landkontor.jobs.schemas import (
    JOB_ID_LENGTH,
    IdempotencyKey,
    JobOut,
    JobSubmit,
    JobTypeName,
    JobTypeOut,
    PurgeResult,
)
from landkontor.jobs.uploads import read_upload
from landkontor.settings import Settings

router = APIRouter(prefix="/jobs", tags=["jobs"])

# A job id in a path: a UUID's characters and length; anything else names no job (422).
JobId = Annotated[str, Path(max_length=JOB_ID_LENGTH, pattern=r"^[0-9A-Za-z-]+$")]
StatusList = single_line(200)
Submitter = single_line(150)


def _submitter(user: Principal) -> service.Submitter:
    return service.Submitter(user.username, user.role)


def _submit(
    session: SessionDep, settings: Settings, user: Principal, body: JobSubmit, **extra: Any
) -> JobOut:
    job = service.submit(
        session,
        body.type,
        body.params,
        submitter=_submitter(user),
        idempotency_key=body.idempotency_key,
        settings=settings,
        **extra,
    )
    # Stored as queued; the dispatch after commit set it back to pending if the broker
    # refused the message, and a fast worker may already run it: answer with what is stored.
    session.refresh(job)
    return JobOut.of(job)


@router.post("", response_model=JobOut, status_code=202, summary="Submit a job")
def submit_job(
    body: JobSubmit, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> JobOut:
    """Store the job and queue it. Unknown type or invalid parameters: 422, nothing stored."""
    return _submit(session, settings, user, body)


def _statuses(raw: str | None) -> list[JobStatus]:
    if not raw:
        return []
    try:
        return [JobStatus(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise InvalidInput(
            f"status must be a comma-separated list of {', '.join(s.value for s in JobStatus)}",
            field="status",
        ) from None


@router.get("", response_model=Page[JobOut], summary="Jobs, newest first")
def list_jobs(
    session: SessionDep,
    page: PageDep,
    status: Annotated[StatusList | None, Query(description="Comma-separated statuses.")] = None,
    type: Annotated[JobTypeName | None, Query(description="Job type.")] = None,
    submitted_by: Submitter | None = None,
) -> Page[JobOut]:
    jobs, total = service.list_jobs(
        session, page, statuses=_statuses(status), job_type=type, submitted_by=submitted_by
    )
    return Page(
        items=[JobOut.of(j) for j in jobs], total=total, limit=page.limit, offset=page.offset
    )


_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_older_than(raw: str | None, settings: Settings) -> datetime:
    """'30d', '12h', '15m', '90s' ago, or an ISO 8601 timestamp; default: the retention."""
    now = datetime.now(UTC)
    if not raw:
        return now - timedelta(days=settings.job_retention_days)
    match = _DURATION.match(raw.strip())
    try:
        if match:
            return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return utc_within_years(datetime.fromisoformat(raw.strip()))
    except OverflowError:
        raise InvalidInput("older_than reaches too far back", field="older_than") from None
    except ValueError:
        raise InvalidInput(
            "older_than must be a duration like 30d, 12h, 15m, 90s or an ISO 8601 timestamp",
            field="older_than",
        ) from None


@router.delete("", response_model=PurgeResult, summary="Purge finished jobs (manager)")
def purge_jobs(
    _: Manager,
    session: SessionDep,
    settings: SettingsDep,
    status: Annotated[
        StatusList | None, Query(description="Default: succeeded,failed,cancelled")
    ] = None,
    older_than: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=SINGLE_LINE,
            description="Duration (30d, 12h) or timestamp; default: retention",
        ),
    ] = None,
) -> PurgeResult:
    statuses = _statuses(status) or sorted(FINISHED)
    cutoff = parse_older_than(older_than, settings)
    deleted = service.purge(session, older_than=cutoff, statuses=statuses)
    return PurgeResult(deleted=deleted, older_than=cutoff, statuses=statuses)


@router.get("/types", response_model=list[JobTypeOut], summary="Job types and their parameters")
def list_job_types() -> list[JobTypeOut]:
    return [
        JobTypeOut(
            name=t.name,
            queue=t.queue,
            description=t.description,
            role=t.role.value,
            max_attempts=t.max_attempts,
            soft_time_limit=t.soft_time_limit,
            time_limit=t.time_limit,
            input_file=t.input_file,
            params_schema=t.params.model_json_schema(),
        )
        for t in job_types()
    ]


@router.get("/stats", summary="Counts, success rate, run times, queues, workers")
def job_stats(
    session: SessionDep,
    settings: SettingsDep,
    window_hours: Annotated[int, Query(ge=1, le=24 * 90)] = 24,
) -> dict[str, Any]:
    return service.stats(session, settings, window_hours=window_hours)


@router.get("/{job_id}", response_model=JobOut, summary="One job with its attempts and files")
def get_job(job_id: JobId, session: SessionDep) -> JobOut:
    job = service.get_job(session, job_id)
    return JobOut.of(job, files=service.files_of(session, job_id))


def _job_json(job: Any) -> str:
    return JobOut.of(job).model_dump_json()


@router.get(
    "/{job_id}/events",
    summary="Server-Sent Events: the job's state on every change, until it finishes",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def job_events(
    job_id: JobId, request: Request, database: DatabaseDep, session: SessionDep
) -> StreamingResponse:
    # The request's session (it authenticated the user) must not stay open while the stream
    # runs: on SQLite it would hold the write lock the worker needs.
    await anyio.to_thread.run_sync(session.close)
    stream = await events.job_stream(request, database, job_id, _job_json)  # 404 first
    return StreamingResponse(stream, media_type="text/event-stream", headers=events.HEADERS)


@router.delete("/{job_id}", response_model=JobOut, summary="Cancel a job")
def cancel_job(job_id: JobId, user: CurrentUser, session: SessionDep, response: Response) -> JobOut:
    """Waiting jobs are cancelled at once (200); a running job is asked to stop (202) and
    stops at its next check. 409 if the job has finished."""
    job = service.cancel(session, job_id, submitter=_submitter(user))
    if job.status == JobStatus.running:
        response.status_code = 202
    return JobOut.of(job)


@router.post("/{job_id}/retry", response_model=JobOut, status_code=202, summary="Re-run a job")
def retry_job(
    job_id: JobId, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> JobOut:
    job = service.retry(session, job_id, submitter=_submitter(user), settings=settings)
    session.refresh(job)
    return JobOut.of(job)


@router.get(
    "/{job_id}/result",
    summary="Download the job's result file",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def job_result(job_id: JobId, session: SessionDep) -> Response:
    file = service.result_file(session, job_id)
    ascii_name = file.filename.encode("ascii", "replace").decode().replace('"', "")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file.filename)}"
    return Response(
        content=file.content,
        media_type=file.content_type,
        headers={"Content-Disposition": disposition, "X-Content-SHA256": file.sha256},
    )


# --- typed shortcuts ---------------------------------------------------------------------


def _shortcut_type(family: str, name: str) -> str:
    """'items' or 'export.items' → 'export.items'; another family's type is refused."""
    full = name if "." in name else f"{family}.{name}"
    if full.split(".", 1)[0] != family:
        raise InvalidInput(f"{name!r} is not an {family} job type", field="type")
    return full


def _shortcut_router(family: str, path: str) -> APIRouter:
    shortcut = APIRouter(prefix=path, tags=["jobs"])

    @shortcut.post("", response_model=JobOut, status_code=202, summary=f"Submit a {family} job")
    def submit(
        body: JobSubmit, user: CurrentUser, session: SessionDep, settings: SettingsDep
    ) -> JobOut:
        body = body.model_copy(update={"type": _shortcut_type(family, body.type)})
        return _submit(session, settings, user, body)

    return shortcut


exports_router = _shortcut_router("export", "/exports")
reports_router = _shortcut_router("report", "/reports")
optimizations_router = _shortcut_router("optimization", "/optimizations")
imports_router = APIRouter(prefix="/imports", tags=["jobs"])


@imports_router.post("", response_model=JobOut, status_code=202, summary="Upload a CSV/XLSX import")
async def submit_import(
    *,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or Windows-1252) or XLSX")],
    type: Annotated[JobTypeName, Form(description="Import type, e.g. items")] = "items",
    params: Annotated[
        str, Form(max_length=100_000, description="Parameters as a JSON object")
    ] = "{}",
    idempotency_key: Annotated[IdempotencyKey | None, Form()] = None,
) -> JobOut:
    job_type = _shortcut_type("import", type)
    try:
        parsed = json.loads(params)
    except ValueError:
        raise InvalidInput("params must be a JSON object", field="params") from None
    if not isinstance(parsed, dict):
        raise InvalidInput("params must be a JSON object", field="params")
    await anyio.to_thread.run_sync(session.close)  # no transaction open while the file arrives
    upload = await read_upload(file, settings.job_upload_max_bytes)
    try:
        body = JobSubmit(type=job_type, params=parsed, idempotency_key=idempotency_key)
    except ValidationError as exc:  # the full type name ("import." + type) is too long
        raise InvalidInput(
            "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors()),
            field=str(exc.errors()[0]["loc"][0]),
        ) from None

    def run() -> JobOut:
        return _submit(session, settings, user, body, input_file=upload)

    return await anyio.to_thread.run_sync(run)


SHORTCUT_ROUTERS = [imports_router, exports_router, reports_router, optimizations_router]
