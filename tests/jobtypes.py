"""Job types for error injection in tests only (loaded by workers via LANDKONTOR_JOB_MODULES).

They use the real engine: the errors they raise are what real jobs raise."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from landkontor.auth.models import User
from landkontor.auth.security import hash_password
from landkontor.catalog.models import Unit
from landkontor.common.schemas import InputModel
from landkontor.errors import InvalidInput
from landkontor.jobs.context import JobContext
from landkontor.jobs.errors import RetryableError
from landkontor.jobs.registry import job_type


class FlakyParams(InputModel):
    fail_times: int = 2


@job_type("test.flaky", params=FlakyParams, max_attempts=4, soft_time_limit=30)
def flaky(ctx: JobContext, params: FlakyParams) -> dict:
    """Fails transiently on the first ``fail_times`` attempts."""
    if ctx.attempt <= params.fail_times:
        raise RetryableError(f"supplier portal busy (attempt {ctx.attempt})")
    return {"succeeded_on_attempt": ctx.attempt}


class InvalidParams(InputModel):
    quantity: int = -1


@job_type("test.invalid", params=InvalidParams, max_attempts=4, soft_time_limit=30)
def invalid(ctx: JobContext, params: InvalidParams) -> dict:
    """Fails permanently: a validation error is not worth another attempt."""
    raise InvalidInput(f"quantity must be positive, got {params.quantity}", field="quantity")


class CountParams(InputModel):
    rounds: int = 10


@job_type("test.count-units", params=CountParams, queue="optimization", soft_time_limit=30)
def count_units(ctx: JobContext, params: CountParams) -> dict:
    """Reads the database ``rounds`` times with a cancel check after each round."""
    seen = 0
    for done in range(params.rounds):
        with ctx.session() as session:
            seen = session.scalar(select(func.count()).select_from(Unit)) or 0
        ctx.progress(done + 1, params.rounds)
        ctx.check_cancelled()
    return {"units": seen}


# The password whose hash test.leaky puts into a row the database refuses.
LEAKY_PASSWORD = "leaky-job-password-4711"  # a test value that must never be logged


class LeakyParams(InputModel):
    pass


@job_type("test.leaky", params=LeakyParams, max_attempts=1, soft_time_limit=30)
def leaky(ctx: JobContext, params: LeakyParams) -> dict:
    """Fails with a database error whose text quotes a row holding a password hash
    (PostgreSQL: "Failing row contains (…, $argon2id$…)")."""
    row = {"username": "leaky", "password_hash": hash_password(LEAKY_PASSWORD), "role": None}
    with ctx.session() as session:
        session.execute(insert(User.__table__).values(**row))
        session.commit()
    return {}


class WorkParams(InputModel):
    seconds: float = 0.2


@job_type("test.work", params=WorkParams, max_attempts=5, soft_time_limit=60)
def work(ctx: JobContext, params: WorkParams) -> dict:
    """Works ``seconds`` (in short steps with cancel checks); says which worker did it."""
    import socket
    import time

    deadline = time.monotonic() + params.seconds
    while time.monotonic() < deadline:
        time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        ctx.check_cancelled()
    return {"worker": ctx.worker, "host": socket.gethostname()}
