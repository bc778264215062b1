"""`landkontor doctor`: check the installation, with safe repairs under ``--fix``.

Every check returns OK, WARN or FAIL with a one-line message and, where useful, a hint what to
do. ``--fix`` does only repairs that cannot lose data or change code: apply migrations, create
missing folders, set ``maxmemory-policy noeviction`` / ``appendonly yes`` on the Redis that
`landkontor up` manages. It never writes or generates source code.

Services that the running supervisor runs must answer (FAIL otherwise); services nothing runs
(skipped, or the system is down) are a WARN. Every WARN and FAIL says why and what to do: an
unreachable database or broker names what was tried (host, port, user, masked password) and
the error the driver gave. Invalid settings never get here: the CLI refuses them first.
"""

from __future__ import annotations

from collections.abc import Callable

from landkontor.ops.doctor import installation, services
from landkontor.ops.doctor.base import Check, CheckResult, Doctor, Status
from landkontor.settings import Settings

__all__ = ["CHECKS", "CheckResult", "Status", "run_doctor"]

CHECKS: list[Check] = [
    installation.check_configuration,
    installation.check_python,
    installation.check_dependencies,
    installation.check_modules,
    installation.check_folders,
    installation.check_disk,
    services.check_database,
    services.check_connections,
    services.check_migrations,
    services.check_json,
    services.check_broker,
    services.check_broker_queues,
    services.check_redis_policy,
    services.check_redis_persistence,
    services.check_workers,
    services.check_flower,
    services.check_ports,
]


def run_doctor(
    settings: Settings,
    *,
    fix: bool = False,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Run every check in order; a check that crashes is a FAIL, never an exception."""
    doctor = Doctor(settings, fix)
    results = []
    for check in CHECKS:
        try:
            result = check(doctor)
        except Exception as exc:
            name = check.__name__.removeprefix("check_").replace("_", "-")
            result = CheckResult(
                name,
                Status.FAIL,
                f"the check itself failed: {doctor.describe(exc)}",
                "an unexpected error: please report it with the output of "
                "`landkontor doctor --json`",
            )
        results.append(result)
        if on_result:
            on_result(result)
    return results
