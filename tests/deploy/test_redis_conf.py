"""deploy/redis/redis.conf: a broker that never evicts and writes every job to the AOF."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from tests.deploy.conftest import DEPLOY

CONF = DEPLOY / "redis" / "redis.conf"


def directives() -> dict[str, str]:
    found = {}
    for line in CONF.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.strip().partition(" ")
            found[key.lower()] = value.strip()
    return found


def test_broker_settings():
    conf = directives()
    assert conf["maxmemory-policy"] == "noeviction"
    assert conf["appendonly"] == "yes"
    assert conf["appendfsync"] == "everysec"
    assert conf["protected-mode"] == "yes"
    assert "requirepass" not in conf  # the password comes from the environment


def test_redis_server_accepts_the_file(tmp_path):
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if not (server and cli):
        pytest.skip("redis-server / redis-cli not installed")
    # The file as shipped, with the overrides the container passes (its data folder here).
    local = tmp_path / "redis.conf"
    local.write_text(CONF.read_text())
    socket = tmp_path / "redis.sock"
    overrides = [
        "--port",
        "0",
        "--unixsocket",
        str(socket),
        "--requirepass",
        "test-password",
        "--dir",
        str(tmp_path),
    ]
    process = subprocess.Popen(
        [server, str(local), *overrides, "--maxmemory", "64mb"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not socket.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert socket.exists(), process.stdout.read() if process.poll() is not None else ""

        def config_get(name: str) -> str:
            login = ["-s", str(socket), "--no-auth-warning", "-a", "test-password"]
            result = subprocess.run(
                [cli, *login, "config", "get", name],
                capture_output=True,
                text=True,
                check=True,
            )
            return result.stdout.split()[-1]

        assert config_get("maxmemory-policy") == "noeviction"
        assert config_get("appendonly") == "yes"
        assert config_get("appendfsync") == "everysec"
        assert config_get("maxmemory") == str(64 * 1024 * 1024)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
