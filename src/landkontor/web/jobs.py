"""Jobs: the list with status and progress; submit any job type through a form built from
its parameter schema (imports with a file, dropped or chosen); a job's page whose progress
bar moves live (Server-Sent Events from ``jobs.events``, the same stream as the API's, with
HTML instead of JSON); download the result; cancel and retry (rules as the API: clerks their
own jobs, managers any).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import object_session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from landkontor.auth.models import User
from landkontor.common.deps import DatabaseDep, SessionDep
from landkontor.errors import DomainError
from landkontor.jobs import events, registry
from landkontor.jobs import service as jobs
from landkontor.jobs.models import FINISHED, Job, JobStatus
from landkontor.jobs.uploads import read_upload
from landkontor.web.formatting import JOB_STATUS
from landkontor.web.forms import IDEMPOTENCY_FIELD, FormState, new_form_key
from landkontor.web.jobforms import initial_values, param_fields, place_errors, read_params
from landkontor.web.listing import Pager, list_query
from landkontor.web.pages import (
    WebRoute,
    WebUser,
    can,
    is_htmx,
    post_checks,
    redirect,
    render,
    require_role,
    templates_for,
)
from landkontor.web.session import CSRF_FIELD, csrf_token_for, session_token

router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])

FILTERS = ("status", "typ")
STATUS_OPTIONS = [("", "alle"), *JOB_STATUS.items()]
# German names of the job types (the list and the form); others show their technical name.
TYPE_NAMES = {
    "import.items": "Artikel importieren",
    "import.partners": "Kunden und Lieferanten importieren",
    "import.opening-stock": "Anfangsbestände importieren",
    "export.items": "Artikel exportieren",
    "export.stock-levels": "Bestände exportieren",
    "export.ledger": "Lagerbuchungen exportieren",
    "report.stock-valuation": "Bestandsbewertung",
    "report.batch-trace": "Chargenverfolgung",
    "optimization.reorder-proposals": "Bestellvorschläge",
    "optimization.material-shortages": "Materialengpässe",
    "maintenance.verify-stock": "Bestand prüfen",
    "maintenance.purge-jobs": "Alte Jobs löschen",
    "system.ping": "Ping (Test)",
    "demo.load": "Demodaten laden",
}


def _submitter(user: User) -> jobs.Submitter:
    return jobs.Submitter(user.username, user.role)


def _type_names(name: str) -> str:
    return TYPE_NAMES.get(name, name)


@router.get("/jobs")
def job_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(request, sorts=("created_at",), default_sort="created_at", filters=FILTERS)
    status = query.filters["status"]
    rows, total = jobs.list_jobs(
        session,
        query.params,
        statuses=[JobStatus(status)] if status in JobStatus.__members__ else [],
        job_type=query.filters["typ"][:100] or None,
    )
    context = {
        "rows": rows,
        "pager": Pager(query, total),
        "query": query,
        "status_options": STATUS_OPTIONS,
        "type_name": _type_names,
        "types": registry.job_types(),
    }
    template = "jobs/_list.html" if is_htmx(request) else "jobs/index.html"
    return render(request, template, context)


@router.get("/jobs/neu")
def choose_job_type(request: Request, user: WebUser) -> Response:
    offered = [t for t in registry.job_types() if user.role.at_least(t.role)]
    return render(request, "jobs/choose.html", {"types": offered, "type_name": _type_names})


def _form_context(spec: registry.JobType, form: FormState) -> dict[str, Any]:
    return {
        "spec": spec,
        "fields": param_fields(spec.params.model_json_schema()),
        "form": form,
        "type_name": _type_names,
        "key": new_form_key(),
        "key_field": IDEMPOTENCY_FIELD,
    }


@router.get("/jobs/neu/{job_type}")
def new_job(job_type: str, request: Request, user: WebUser) -> Response:
    spec = registry.get_job_type(job_type[:100])
    require_role(user, spec.role)
    fields = param_fields(spec.params.model_json_schema())
    form = FormState(values=initial_values(fields))
    return render(request, "jobs/new.html", _form_context(spec, form))


@router.post("/jobs/neu/{job_type}")
async def submit_job(
    job_type: str, request: Request, user: WebUser, session: SessionDep
) -> Response:
    spec = registry.get_job_type(job_type[:100])
    require_role(user, spec.role)  # the type's role, as the service checks it
    submitted = await request.form()
    fields = param_fields(spec.params.model_json_schema())
    params, form = read_params(fields, submitted)
    key = submitted.get(IDEMPOTENCY_FIELD)
    key = key if isinstance(key, str) and 0 < len(key) <= 200 else None
    upload = submitted.get("file")
    settings = request.app.state.settings
    if not form.errors:
        try:
            data = None
            if isinstance(upload, UploadFile) and upload.filename:
                await anyio.to_thread.run_sync(session.close)  # none open while it arrives
                data = await read_upload(upload, settings.job_upload_max_bytes)

            def submit() -> Job:
                return jobs.submit(
                    session,
                    spec.name,
                    params,
                    submitter=_submitter(user),
                    idempotency_key=key,
                    input_file=data,
                    settings=settings,
                )

            job = await anyio.to_thread.run_sync(submit)
        except DomainError as error:
            place_errors(form, error, fields)
        else:
            return redirect(f"/jobs/{job.id}")
    context = _form_context(spec, form)
    context["key"] = key or context["key"]
    return render(request, "jobs/new.html", context, status_code=422)


def _state_renderer(request: Request, user: User) -> events.Render:
    """How the job page's live part shows a job (status, progress bar, result, actions)."""
    template = templates_for(request).get_template("jobs/_state.html")
    token = session_token(request)
    csrf = csrf_token_for(token, request.app.state.secret_key) if token else ""

    def render_state(job: Job) -> str:
        session = object_session(job)
        files = jobs.files_of(session, job.id) if session is not None else []
        return template.render(
            job=job,
            files=files,
            finished=job.status in FINISHED,
            may_act=can(user, "manager") or job.submitted_by == user.username,
            writer=can(user, "clerk"),
            csrf_field=CSRF_FIELD,
            csrf_token=csrf,
        )

    return render_state


@router.get("/jobs/{job_id}")
def job_detail(job_id: str, request: Request, user: WebUser, session: SessionDep) -> Response:
    job = jobs.get_job(session, job_id[:36])
    state = _state_renderer(request, user)(job)
    return render(
        request,
        "jobs/detail.html",
        {"job": job, "state": state, "finished": job.status in FINISHED, "type_name": _type_names},
    )


@router.get("/jobs/{job_id}/ereignisse")
async def job_events(
    job_id: str, request: Request, user: WebUser, database: DatabaseDep, session: SessionDep
) -> StreamingResponse:
    """The job page's live part as Server-Sent Events, until the job has finished."""
    await anyio.to_thread.run_sync(session.close)  # no session open while the stream runs
    stream = await events.job_stream(request, database, job_id[:36], _state_renderer(request, user))
    return StreamingResponse(stream, media_type="text/event-stream", headers=events.HEADERS)


@router.get("/jobs/{job_id}/ergebnis")
def job_result(job_id: str, _: WebUser, session: SessionDep) -> Response:
    file = jobs.result_file(session, job_id[:36])
    ascii_name = file.filename.encode("ascii", "replace").decode().replace('"', "")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file.filename)}"
    return Response(
        content=file.content,
        media_type=file.content_type,
        headers={"Content-Disposition": disposition},
    )


@router.post("/jobs/{job_id}/abbrechen")
def cancel_job(job_id: str, user: WebUser, session: SessionDep) -> Response:
    jobs.cancel(session, job_id[:36], submitter=_submitter(user))
    return redirect(f"/jobs/{job_id[:36]}")


@router.post("/jobs/{job_id}/wiederholen")
def retry_job(job_id: str, request: Request, user: WebUser, session: SessionDep) -> Response:
    jobs.retry(
        session, job_id[:36], submitter=_submitter(user), settings=request.app.state.settings
    )
    return redirect(f"/jobs/{job_id[:36]}")
