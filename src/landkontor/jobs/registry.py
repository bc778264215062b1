"""The registry of job types: name → handler, parameter model, queue, time limits, attempts.

A domain declares its job types in its own ``jobs.py``::

    @job_type("export.items", params=ExportParams, queue="exports")
    def export_items(ctx: JobContext, params: ExportParams) -> dict: ...

and ``landkontor.job_types`` imports that module. The handler runs in a worker; it gets a
:class:`~landkontor.jobs.context.JobContext` (progress, cancel checks, result files) and the
validated parameters, and returns a JSON-able result (or None).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from landkontor.auth.roles import Role
from landkontor.errors import FieldError, InvalidInput
from landkontor.jobs.errors import UnknownJobType

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from landkontor.jobs.context import JobContext

QUEUES = ("default", "reports", "imports", "exports", "optimization")
# The family of a job type is the part before the first dot: import.items → imports queue.
FAMILY_QUEUES = {
    "import": "imports",
    "export": "exports",
    "report": "reports",
    "optimization": "optimization",
}

Handler = Callable[["JobContext", Any], dict[str, Any] | None]


@dataclass(frozen=True)
class JobType:
    name: str
    handler: Handler
    params: type[BaseModel]
    queue: str
    soft_time_limit: int  # seconds; the job gets SoftTimeLimitExceeded and fails
    time_limit: int  # seconds; the worker process is killed
    max_attempts: int
    role: Role  # least role that may submit it
    input_file: bool  # needs an uploaded file (imports): submit through POST /imports
    schedule: Any = None  # a Celery schedule (crontab, timedelta): beat submits it
    check_input: Callable[[Any], None] | None = None  # rejects a bad upload at submit (422)
    # Checks valid parameters against the database at submit (a batch that does not exist):
    # raises InvalidInput (422) naming ``params.<field>``; called in the submit transaction.
    check_params: Callable[[Session, Any], None] | None = None
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def validate_params(self, raw: dict[str, Any] | None) -> BaseModel:
        """The parameters as the job's model; InvalidInput naming each bad field."""
        try:
            return self.params.model_validate(raw or {})
        except ValidationError as exc:
            errors = [
                FieldError(
                    "params." + ".".join(str(p) for p in error["loc"])
                    if error["loc"]
                    else "params",
                    error["msg"],
                    error["type"],
                )
                for error in exc.errors()
            ]
            raise InvalidInput(
                f"invalid parameters for job type {self.name}", errors=errors
            ) from None


_types: dict[str, JobType] = {}


def job_type(
    name: str,
    *,
    params: type[BaseModel],
    queue: str | None = None,
    soft_time_limit: int = 600,
    time_limit: int | None = None,
    max_attempts: int = 3,
    role: Role = Role.clerk,
    input_file: bool = False,
    schedule: Any = None,
    check_input: Callable[[Any], None] | None = None,
    check_params: Callable[[Session, Any], None] | None = None,
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of job type ``name``."""
    queue = queue or FAMILY_QUEUES.get(name.split(".", 1)[0], "default")
    if queue not in QUEUES:
        raise ValueError(f"job type {name}: unknown queue {queue!r}; queues are {QUEUES}")
    hard = time_limit or soft_time_limit + 60
    if hard <= soft_time_limit:
        raise ValueError(f"job type {name}: the hard time limit must exceed the soft one")

    def register(handler: Handler) -> Handler:
        existing = _types.get(name)
        if existing is not None and existing.handler is not handler:
            raise ValueError(f"job type {name} is registered twice")
        _types[name] = JobType(
            name=name,
            handler=handler,
            params=params,
            queue=queue,
            soft_time_limit=soft_time_limit,
            time_limit=hard,
            max_attempts=max_attempts,
            role=role,
            input_file=input_file,
            schedule=schedule,
            check_input=check_input,
            check_params=check_params,
            description=(handler.__doc__ or "").strip().split("\n")[0],
        )
        return handler

    return register


def get_job_type(name: str) -> JobType:
    """The registered job type; UnknownJobType (422) naming the known ones otherwise."""
    load_job_types()
    try:
        return _types[name]
    except KeyError:
        raise UnknownJobType(
            f"unknown job type {name!r}; known types: {', '.join(sorted(_types))}",
            field="type",
        ) from None


def is_registered(name: str) -> bool:
    load_job_types()
    return name in _types


def job_types() -> list[JobType]:
    load_job_types()
    return [_types[name] for name in sorted(_types)]


def longest_time_limit() -> int:
    return max((t.time_limit for t in job_types()), default=3600)


_loaded: set[str] = set()


def load_job_types(extra_modules: Iterable[str] | None = None) -> None:
    """Import every domain's job types (``landkontor.job_types``) and ``extra_modules``
    (the ``job_modules`` setting). Idempotent."""
    if extra_modules is None:
        from landkontor.settings import get_settings

        extra_modules = get_settings().job_modules
    for module in ("landkontor.job_types", *extra_modules):
        if module not in _loaded:
            importlib.import_module(module)
            _loaded.add(module)
