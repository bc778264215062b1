"""Checks of the installation: Python, dependencies, modules, folders, disk space."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import pkgutil
import shutil
import sys
import traceback
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

import landkontor
from landkontor.config_check import review
from landkontor.ops import redis_server
from landkontor.ops.doctor.base import CheckResult, Doctor, Status

DISTRIBUTION = "landkontor"
# Modules that must not be imported outside their tool (Alembic's env runs migrations).
NOT_IMPORTABLE = ("landkontor.migrations",)
DISK_FAIL_MB = 100


# --- installation ---------------------------------------------------------------------------
def check_configuration(doctor: Doctor) -> CheckResult:
    """The settings are valid (else doctor never starts); risky combinations are a WARN."""
    report = review(doctor.settings)
    problems, status = (
        (report.errors, Status.FAIL) if report.errors else (report.warnings, Status.WARN)
    )
    if problems:
        return CheckResult(
            "configuration",
            status,
            "; ".join(p.line() for p in problems),
            "change the named variables (environment or .env) as the message says; "
            "`landkontor config check` checks again",
        )
    return CheckResult("configuration", Status.OK, "settings valid, no risky combination")


def check_python(_: Doctor) -> CheckResult:
    required = (importlib.metadata.metadata(DISTRIBUTION).get_all("Requires-Python") or [""])[0]
    version = ".".join(map(str, sys.version_info[:3]))
    if SpecifierSet(required).contains(version, prereleases=True):
        return CheckResult("python", Status.OK, f"Python {version} ({required})")
    return CheckResult(
        "python",
        Status.FAIL,
        f"Python {version} does not satisfy {required}",
        "install a newer Python and recreate the virtualenv (make up PYTHON=...)",
    )


def check_dependencies(_: Doctor) -> CheckResult:
    problems = []
    requirements = importlib.metadata.requires(DISTRIBUTION) or []
    for line in requirements:
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue  # optional extra or another platform
        try:
            installed = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{requirement.name} missing (needs {requirement.specifier or 'any'})")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            problems.append(f"{requirement.name} {installed} (needs {requirement.specifier})")
    if problems:
        return CheckResult(
            "dependencies",
            Status.FAIL,
            "; ".join(problems),
            "reinstall: .venv/bin/pip install -e . (or `make up`)",
        )
    return CheckResult("dependencies", Status.OK, f"{len(requirements)} requirements satisfied")


def check_modules(_: Doctor) -> CheckResult:
    failures = []
    count = 0
    for module in pkgutil.walk_packages(landkontor.__path__, "landkontor."):
        if module.name.startswith(NOT_IMPORTABLE):
            continue
        count += 1
        try:
            importlib.import_module(module.name)
        except Exception as exc:
            last = traceback.extract_tb(exc.__traceback__)[-1]
            failures.append(
                f"{module.name}: {exc.__class__.__name__}: {exc} ({last.filename}:{last.lineno})"
            )
    if failures:
        return CheckResult(
            "modules",
            Status.FAIL,
            f"{len(failures)} of {count} modules do not import: " + "; ".join(failures),
            "reinstall the package; check the named file",
        )
    return CheckResult("modules", Status.OK, f"all {count} modules import")


def check_folders(doctor: Doctor) -> CheckResult:
    settings = doctor.settings
    folders = [
        settings.var_dir,
        settings.run_dir,
        settings.log_dir,
        redis_server.redis_dir(settings),
    ]
    missing = [f for f in folders if not f.is_dir()]
    if missing and doctor.fix:
        for folder in missing:
            folder.mkdir(parents=True, exist_ok=True)
        return CheckResult(
            "folders", Status.OK, "all present", fixed="created " + ", ".join(map(str, missing))
        )
    if missing:
        return CheckResult(
            "folders",
            Status.WARN,
            "missing: " + ", ".join(map(str, missing)),
            "landkontor doctor --fix creates them",
        )
    unwritable = [f for f in folders if not os.access(f, os.W_OK)]
    if unwritable:
        return CheckResult(
            "folders",
            Status.FAIL,
            "not writable: " + ", ".join(map(str, unwritable)),
            "give the user running landkontor write access",
        )
    return CheckResult("folders", Status.OK, f"{settings.var_dir} and its folders are writable")


def check_disk(doctor: Doctor) -> CheckResult:
    folder = Path(doctor.settings.var_dir).resolve()
    while not folder.exists():
        folder = folder.parent
    free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
    message = f"{free_mb} MiB free under {folder}"
    if free_mb < DISK_FAIL_MB:
        return CheckResult("disk", Status.FAIL, message, "free disk space: the database needs it")
    if free_mb < doctor.settings.ops_disk_min_free_mb:
        return CheckResult(
            "disk",
            Status.WARN,
            message,
            f"below {doctor.settings.ops_disk_min_free_mb} MiB (LANDKONTOR_OPS_DISK_MIN_FREE_MB)",
        )
    return CheckResult("disk", Status.OK, message)
