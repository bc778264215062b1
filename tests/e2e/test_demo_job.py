"""The job type `demo.load` through the API and a real worker: admin only, refused at submit
when business data exists, progress to 100 % and what was loaded as its result."""

from __future__ import annotations

import pytest

from landkontor.demo.service import holds_business_data
from tests.helpers import assert_problem
from tests.jobs_helpers import get_job, submit, wait_job

pytestmark = pytest.mark.slow


def test_only_an_admin_may_load_the_demo(client, manager):
    response = client.post(
        "/api/v1/jobs", json={"type": "demo.load", "params": {"scale": "small"}}, headers=manager
    )
    assert_problem(response, 403, "forbidden")


def test_an_unknown_scale_names_the_parameter(client, admin):
    response = client.post(
        "/api/v1/jobs", json={"type": "demo.load", "params": {"scale": "huge"}}, headers=admin
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "params.scale"


def test_the_demo_job_loads_with_progress_and_a_second_is_refused_at_submit(
    client, admin, worker, db
):
    job = submit(client, admin, "demo.load", {"scale": "small"})
    done = wait_job(client, admin, job["id"], timeout=600)
    assert done["status"] == "succeeded", done
    assert done["progress"] == 100
    loaded = done["result"]["loaded"]
    assert loaded["sales_orders"] > 0 and loaded["production_orders"] > 0
    assert loaded["batches_recalled"] >= 2
    with db.session() as session:
        assert holds_business_data(session)

    again = client.post(
        "/api/v1/jobs", json={"type": "demo.load", "params": {"scale": "small"}}, headers=admin
    )
    assert_problem(again, 409, "database-not-empty")
    assert get_job(client, admin, job["id"])["status"] == "succeeded"
