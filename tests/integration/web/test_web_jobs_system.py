"""Jobs and System pages over the real database and Redis (no browser, no worker): forms
built from parameter schemas, submit, cancel, retry, the SSE stream, roles, statements.

Jobs that must stay unfinished go to the optimization queue, which the session's test worker
(started by journeys that need one) does not consume."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from landkontor.jobs.models import Job, JobStatus
from landkontor.web.jobforms import param_fields

WAITING_TYPE = "optimization.reorder-proposals"


def _job(session, job_id: str) -> Job:
    try:
        job = session.get(Job, job_id)
        session.refresh(job)
        return job
    finally:
        session.rollback()


def test_a_form_is_built_from_every_job_types_schema(web_client, db):
    web_client.login_as("admin")
    chooser = web_client.get("/jobs/neu")
    types = re.findall(r'href="/jobs/neu/([\w.-]+)"', chooser.text)
    assert "import.items" in types and "export.ledger" in types
    for name in types:
        page = web_client.get(f"/jobs/neu/{name}")
        assert page.status_code == 200, name
    ledger = web_client.get("/jobs/neu/export.ledger").text
    assert 'name="movement_type"' in ledger and 'name="posted_from"' in ledger
    assert 'type="datetime-local"' in ledger
    assert 'type="file"' in web_client.get("/jobs/neu/import.items").text


def test_schema_fields_know_optional_booleans_lists_and_choices():
    from landkontor.catalog.jobs import ExportItemsParams
    from landkontor.jobs.builtin import PurgeJobsParams

    fields = {f.name: f for f in param_fields(ExportItemsParams.model_json_schema())}
    assert fields["format"].kind == "choice" and fields["format"].options == ["csv", "xlsx"]
    assert fields["active"].kind == "optional-boolean"
    assert fields["group"].max_length == 64
    purge = {f.name: f for f in param_fields(PurgeJobsParams.model_json_schema())}
    assert purge["statuses"].kind == "choices" and "failed" in purge["statuses"].options
    assert purge["older_than_days"].kind == "integer"


def test_a_clerk_submits_an_export_and_sees_its_page(web_client, db, session):
    web_client.login_as("clerk")
    page = web_client.get("/jobs/neu/export.items")
    key = re.search(r'name="idempotency_key" value="(\w+)"', page.text).group(1)
    data = {"idempotency_key": key, "format": "xlsx", "active": "true", "group": "Futter"}
    first = web_client.post("/jobs/neu/export.items", data)
    assert first.status_code == 303, first.text
    again = web_client.post("/jobs/neu/export.items", data)
    assert again.headers["location"] == first.headers["location"]  # posted once
    job_id = first.headers["location"].rsplit("/", 1)[1]
    job = _job(session, job_id)
    assert job.params == {"format": "xlsx", "active": True, "group": "Futter"}
    detail = web_client.get(f"/jobs/{job_id}")
    assert "Artikel exportieren" in detail.text
    waiting_page = 'sse-connect="/jobs/' in detail.text and "Abbrechen" in detail.text
    # The session's test worker (started by earlier journeys) may have run it already: then
    # the page offers the result instead of the live progress.
    if _job(session, job_id).status == JobStatus.succeeded:
        assert waiting_page or f"/jobs/{job_id}/ergebnis" in detail.text
    else:
        assert waiting_page
    listed = web_client.get("/jobs")
    assert job_id[:8] in listed.text


def test_wrong_parameters_show_at_their_field(web_client, db):
    web_client.login_as("manager")
    response = web_client.post("/jobs/neu/maintenance.purge-jobs", {"older_than_days": "viele"})
    assert response.status_code == 422
    assert re.search(r'id="e-older_than_days"[^>]*>Bitte eine ganze Zahl', response.text)
    assert 'value="viele"' in response.text
    response = web_client.post("/jobs/neu/report.batch-trace", {"batch_id": "999999"})
    assert response.status_code == 422
    assert re.search(r'id="e-batch_id"[^>]*>\S', response.text)


def test_an_import_without_a_file_names_the_file(web_client, db):
    web_client.login_as("manager")
    response = web_client.post("/jobs/neu/import.items", {"chunk_size": "100"})
    assert response.status_code == 422
    assert re.search(r'id="e-file"[^>]*>\S', response.text)


def test_an_uploaded_import_is_stored_as_the_jobs_input(web_client, db, session):
    web_client.login_as("manager")
    content = b"item_no,name,base_unit\nA-1,Hafer,kg\n"
    response = web_client.post(
        "/jobs/neu/import.items",
        {"chunk_size": "100"},
        files={"file": ("artikel.csv", content, "text/csv")},
    )
    assert response.status_code == 303, response.text
    job_id = response.headers["location"].rsplit("/", 1)[1]
    assert _job(session, job_id).type == "import.items"


def test_cancel_and_retry_from_the_job_page(web_client, db, session):
    web_client.login_as("clerk")
    created = web_client.post(f"/jobs/neu/{WAITING_TYPE}", {})
    job_id = created.headers["location"].rsplit("/", 1)[1]
    assert web_client.post(f"/jobs/{job_id}/abbrechen").status_code == 303
    assert _job(session, job_id).status == JobStatus.cancelled
    page = web_client.get(f"/jobs/{job_id}").text
    assert "abgebrochen" in page and "Wiederholen" in page and "sse-connect" not in page
    assert web_client.post(f"/jobs/{job_id}/wiederholen").status_code == 303
    assert _job(session, job_id).status in (JobStatus.queued, JobStatus.pending)
    finished_again = web_client.post(f"/jobs/{job_id}/wiederholen")
    assert finished_again.status_code == 409  # only failed or cancelled jobs


def test_the_event_stream_of_a_finished_job_ends_with_its_html(web_client, db):
    web_client.login_as("clerk")
    created = web_client.post(f"/jobs/neu/{WAITING_TYPE}", {})
    job_id = created.headers["location"].rsplit("/", 1)[1]
    web_client.post(f"/jobs/{job_id}/abbrechen")
    with web_client.client.stream("GET", f"/jobs/{job_id}/ereignisse") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        body = "".join(stream.iter_text())
    assert "event: end" in body and "data: <p>Status:" in body and "abgebrochen" in body
    assert (
        web_client.get("/jobs/00000000-0000-0000-0000-000000000000/ereignisse").status_code == 404
    )


def test_the_result_of_an_unfinished_job_is_not_downloadable(web_client, db):
    web_client.login_as("clerk")
    created = web_client.post(f"/jobs/neu/{WAITING_TYPE}", {})
    job_id = created.headers["location"].rsplit("/", 1)[1]
    assert web_client.get(f"/jobs/{job_id}/ergebnis").status_code == 409


def test_a_clerk_may_not_cancel_another_users_job(web_client, db, users):
    web_client.login_as("manager")
    created = web_client.post("/jobs/neu/system.ping", {})
    job_id = created.headers["location"].rsplit("/", 1)[1]
    web_client.login_as("clerk")
    assert "Abbrechen" not in web_client.get(f"/jobs/{job_id}").text
    assert web_client.post(f"/jobs/{job_id}/abbrechen").status_code == 403


def test_the_job_list_runs_as_many_statements_for_many_rows_as_for_few(
    web_client, db, count_statements
):
    web_client.login_as("clerk")
    web_client.post("/jobs/neu/system.ping", {})
    web_client.get("/jobs")

    def statements() -> int:
        with count_statements() as counter:
            assert web_client.get("/jobs").status_code == 200
        return counter.count

    few = statements()
    for _ in range(8):
        web_client.post("/jobs/neu/system.ping", {})
    assert statements() == few


def test_system_is_for_managers(web_client, db):
    web_client.login_as("clerk")
    assert web_client.get("/system").status_code == 403
    assert web_client.post("/system/systemtest").status_code == 403
    assert 'href="/system"' not in web_client.get("/jobs").text


def test_system_shows_services_and_the_doctors_checks(web_client, db):
    web_client.login_as("manager")
    page = web_client.get("/system")
    assert page.status_code == 200 and "Flower" in page.text and 'href="/docs"' in page.text
    services = web_client.get("/system/dienste")
    assert services.status_code == 200
    for name in ("api", "worker", "redis", "flower"):
        assert f"<td>{name}</td>" in services.text
    doctor = web_client.get("/system/doktor")
    assert doctor.status_code == 200 and "<td>database</td>" in doctor.text


@pytest.mark.parametrize("role", ["viewer"])
def test_viewers_see_no_job_buttons(web_client, db, role):
    web_client.login_as(role)
    assert "Neuer Job" not in web_client.get("/jobs").text
    refused = web_client.post("/jobs/neu/system.ping", {})
    assert refused.status_code == 403


def test_jobs_submitted_by_the_page_are_the_users(web_client, db, session):
    user_id = web_client.login_as("clerk")
    web_client.post("/jobs/neu/system.ping", {})
    try:
        submitters = set(session.scalars(select(Job.submitted_by)))
    finally:
        session.rollback()
    assert submitters == {"web-clerk"} and user_id


def test_a_clerk_gets_no_form_for_a_managers_job_type(web_client, db):
    web_client.login_as("clerk")
    assert "import.items" not in web_client.get("/jobs/neu").text
    assert web_client.get("/jobs/neu/import.items").status_code == 403
    assert web_client.post("/jobs/neu/import.items", {}).status_code == 403
