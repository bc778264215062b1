"""A wrong setting ends every command at once: exit code 2, one line naming the variable and
what is expected, no traceback, no secret, nothing started and nothing written.

Each case runs the real `landkontor` command in a subprocess (about a second each) in a fresh
folder whose var/ does not exist yet; afterwards the folder must be as it was and no process
may run in it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.ops_helpers import CLI, free_ports

# (command, environment, variable named, expectation shown, secret that must not appear)
CASES = [
    ("doctor", {"API_PORT": "notaport"}, "LANDKONTOR_API_PORT='notaport'", "port number", None),
    ("up", {"LOG_LEVEL": "LOUD"}, "LANDKONTOR_LOG_LEVEL='LOUD'", "one of DEBUG, INFO", None),
    ("api", {"OPS_FLAP_MAX_CRASHES": "-3"}, "LANDKONTOR_OPS_FLAP_MAX_CRASHES", "at least 1", None),
    (
        "up",
        {"DATABASE_URL": "mysql://erp:db-secret-pw@db/erp"},
        "LANDKONTOR_DATABASE_URL='mysql://erp:***@db/erp'",
        "unsupported URL scheme 'mysql://'; must be a URL of a supported database: sqlite://",
        "db-secret-pw",
    ),
    (
        "worker",
        {"BROKER_URL": "ftp://user:broker-secret-pw@nope"},
        "LANDKONTOR_BROKER_URL",
        "redis://…, rediss://…",
        "broker-secret-pw",
    ),
    (
        "beat",
        {"SECRET_KEY": "short-signing-key"},
        "LANDKONTOR_SECRET_KEY='***'",
        "at least 32 characters",
        "short-signing-key",
    ),
    ("flower", {"METRICS_TOKEN": ""}, "LANDKONTOR_METRICS_TOKEN=''", "empty; must be", None),
    (
        "flower",
        {"FLOWER_HOST": "0.0.0.0", "FLOWER_PASSWORD": ""},
        "LANDKONTOR_FLOWER_PASSWORD",
        "other machines reach",
        None,
    ),
    ("status", {"DATABASE_ECHO": "maybe"}, "LANDKONTOR_DATABASE_ECHO", "true or false", None),
    ("db upgrade", {"TIMEZONE": "Mars/Olympus"}, "LANDKONTOR_TIMEZONE", "unknown time zone", None),
    ("user list", {"CORS_ORIGINS": "https://x.de"}, "LANDKONTOR_CORS_ORIGINS", "JSON list", None),
    ("config show", {"API_WORKERS": "1.5"}, "LANDKONTOR_API_WORKERS='1.5'", "whole number", None),
    (
        "config check",
        {"JOB_STALE_AFTER_SECONDS": "5"},
        "LANDKONTOR_JOB_STALE_AFTER_SECONDS='5'",
        "LANDKONTOR_JOB_HEARTBEAT_SECONDS",
        None,
    ),
]


class Workspace:
    """A folder to run the CLI in, with its own var/ (not yet created) and free ports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.var = root / "var"
        api, flower, broker = free_ports(3)
        self.env = {k: v for k, v in os.environ.items() if not k.upper().startswith("LANDKONTOR_")}
        self.env.update(
            LANDKONTOR_VAR_DIR=str(self.var),
            LANDKONTOR_API_PORT=str(api),
            LANDKONTOR_FLOWER_PORT=str(flower),
            LANDKONTOR_BROKER_URL=f"redis://127.0.0.1:{broker}/0",  # never the shared Redis
            LANDKONTOR_WORKER_METRICS_PORT="0",
            COLUMNS="250",
        )

    def run(self, command: str, env: dict[str, str], *flags: str) -> subprocess.CompletedProcess:
        full_env = {**self.env, **{f"LANDKONTOR_{k}": v for k, v in env.items()}}
        return subprocess.run(
            [*CLI, *flags, *command.split()],
            env=full_env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def contents(self) -> set[Path]:
        return set(self.root.rglob("*"))

    def processes(self) -> list[psutil.Process]:
        found = []
        for proc in psutil.process_iter(["cwd"]):
            with contextlib.suppress(psutil.Error):
                if (proc.info["cwd"] or "").startswith(str(self.root)):
                    found.append(proc)
        return found


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    space = Workspace(tmp_path)
    yield space
    for proc in space.processes():  # only if a command wrongly started something
        with contextlib.suppress(psutil.Error):
            proc.kill()


def assert_refused(space: Workspace, result: subprocess.CompletedProcess, *expected: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    for text in expected:
        assert text in result.stderr, result.stderr
    assert "Traceback" not in output and 'File "' not in output, output
    if result.args[-2:] != ["config", "check"]:  # which starts nothing anyway
        assert "Nothing was started" in result.stderr
    return output


@pytest.mark.parametrize(
    ("command", "env", "variable", "expectation", "secret"),
    CASES,
    ids=[f"{c[0]}-{next(iter(c[1]))}" for c in CASES],
)
def test_a_wrong_setting_ends_the_command_before_anything_starts(
    workspace, command, env, variable, expectation, secret
):
    before = workspace.contents()
    result = workspace.run(command, env)
    output = assert_refused(workspace, result, variable, expectation)
    if secret:
        assert secret not in output
    assert not workspace.var.exists(), "var/ was created"
    assert workspace.contents() == before, "files were written"
    assert workspace.processes() == [], "a process was left running"


def test_a_setting_from_the_env_file_names_its_line(workspace):
    (workspace.root / ".env").write_text("# Landkontor\nLANDKONTOR_API_PORT=99999\n")
    env = {k: v for k, v in workspace.env.items() if k != "LANDKONTOR_API_PORT"}
    workspace.env = env
    result = workspace.run("up", {})
    assert_refused(workspace, result, "LANDKONTOR_API_PORT='99999' (.env line 2)", "1-65535")
    assert not workspace.var.exists()


def test_a_var_dir_that_is_a_file_is_refused(workspace):
    blocker = workspace.root / "var"
    blocker.write_text("not a folder")
    result = workspace.run("up", {})
    assert_refused(workspace, result, f"LANDKONTOR_VAR_DIR='{blocker}'", "is not a folder")
    assert blocker.read_text() == "not a folder"


@pytest.fixture
def locked_var(workspace) -> Iterator[Path]:
    """var/ this user may not write: immutable for root (chattr +i), mode 0500 otherwise."""
    workspace.var.mkdir()
    if os.geteuid() != 0:
        workspace.var.chmod(0o500)
        yield workspace.var
        workspace.var.chmod(0o700)
        return
    if shutil.which("chattr") is None:
        pytest.skip("root may write every folder and chattr is missing")
    locked = subprocess.run(["chattr", "+i", str(workspace.var)], capture_output=True, check=False)
    if locked.returncode != 0:
        pytest.skip(f"cannot make a folder immutable here: {locked.stderr!r}")
    try:
        yield workspace.var
    finally:
        subprocess.run(["chattr", "-i", str(workspace.var)], check=False)


@pytest.mark.parametrize("command", ["up", "doctor"])
def test_a_var_dir_without_write_access_is_refused(workspace, locked_var, command):
    result = workspace.run(command, {})
    assert_refused(workspace, result, "LANDKONTOR_VAR_DIR", "not readable and writable")
    assert list(locked_var.iterdir()) == []
    assert workspace.processes() == []


def test_debug_shows_the_traceback_but_still_no_secret(workspace):
    env = {"SECRET_KEY": "short-signing-key", "LOG_LEVEL": "DEBUG"}
    result = workspace.run("doctor", env, "--debug")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "get_settings" in result.stderr
    assert "short-signing-key" not in result.stdout + result.stderr
    assert not workspace.var.exists()


def test_config_check_reports_validity_and_warnings_for_scripts(workspace):
    ok = workspace.run("config check", {"API_HOST": "0.0.0.0"})
    assert ok.returncode == 0, ok.stderr
    assert "Configuration is valid." in ok.stdout
    assert "Warning: LANDKONTOR_API_URL" in ok.stdout and "unencrypted" in ok.stdout
    bad = workspace.run("config check --json", {"BROKER_URL": "sqs://guest:pw@queue//"})
    assert bad.returncode == 2
    report = json.loads(bad.stdout)
    assert report["ok"] is False
    assert [e["variable"] for e in report["errors"]] == ["LANDKONTOR_BROKER_URL"]
    assert "unsupported URL scheme 'sqs://'" in report["errors"][0]["message"]
    assert not workspace.var.exists()


def test_help_and_version_work_with_a_broken_configuration(workspace):
    assert workspace.run("doctor --help", {"API_PORT": "x"}).returncode == 0
    assert workspace.run("version", {"API_PORT": "x"}).returncode == 0
