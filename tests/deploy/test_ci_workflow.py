"""The GitHub Actions workflow: lint, tests against PostgreSQL and Redis, promtool, image."""

from __future__ import annotations

from tests.deploy.conftest import ROOT, load_yaml


def workflow() -> dict:
    return load_yaml(ROOT / ".github" / "workflows" / "ci.yml")


def steps_text(job: dict) -> str:
    return "\n".join(str(step.get("run", "")) + str(step.get("uses", "")) for step in job["steps"])


def test_lint_job_runs_ruff_and_mypy():
    text = steps_text(workflow()["jobs"]["lint"])
    assert "ruff check" in text and "ruff format --check" in text
    assert "mypy src" in text


def test_tests_install_chromium_for_the_browser_journeys():
    assert "apt-get install" in steps_text(workflow()["jobs"]["test"])
    assert "chromium" in steps_text(workflow()["jobs"]["test"])


def test_tests_run_against_postgres_redis_and_rabbitmq_service_containers():
    job = workflow()["jobs"]["test"]
    assert {"postgres", "redis", "rabbitmq"} <= set(job["services"])
    assert job["env"]["LANDKONTOR_TEST_DATABASE_URL"].startswith("postgresql")
    assert job["env"]["LANDKONTOR_TEST_REDIS_URL"].startswith("redis://")
    assert job["env"]["LANDKONTOR_TEST_RABBITMQ_URL"].startswith("amqp://")
    assert "pytest" in steps_text(job)


def test_promtool_checks_run():
    text = steps_text(workflow()["jobs"]["monitoring-config"])
    for check in ("promtool check config", "promtool check rules", "promtool test rules"):
        assert check in text


def test_image_is_built_with_buildx_and_not_pushed():
    job = workflow()["jobs"]["image"]
    uses = [step.get("uses", "") for step in job["steps"]]
    assert any(u.startswith("docker/setup-buildx-action") for u in uses)
    (build,) = [s for s in job["steps"] if s.get("uses", "").startswith("docker/build-push-action")]
    assert build["with"]["push"] is False
