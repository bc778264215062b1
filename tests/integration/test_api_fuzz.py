"""Property-based test of every operation: Schemathesis reads the OpenAPI schema and sends
generated paths, queries and bodies (valid and invalid ones) to the application, over the
real database, with an admin token. No answer may be a 5xx, and every answer must match the
schema: its status documented, its content type and its body (a problem document for errors).

Bounded for CI: ``LANDKONTOR_FUZZ_EXAMPLES`` examples per operation, 20 by default (2-3
minutes for the 124 operations; most of it is building each operation's strategies). A
longer run is the same test with more examples, on demand:
``LANDKONTOR_FUZZ_EXAMPLES=100 .venv/bin/python -m pytest tests/integration/test_api_fuzz.py``.

Why Schemathesis rather than hand-written Hypothesis strategies: it turns every operation's
parameters and body schema into strategies (negative ones too) and checks responses against
the documented ones; writing that ourselves would be a second, weaker copy of it.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("LANDKONTOR_FUZZ_EXAMPLES", "20"))
# CI's bounded run sends the same cases every time (a failure is reproducible, never flaky);
# an on-demand run with LANDKONTOR_FUZZ_EXAMPLES set explores new ones.
DERANDOMIZE = "LANDKONTOR_FUZZ_EXAMPLES" not in os.environ
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzzed_app(migrated_database, shared_app):
    """The application over a database emptied once for all operations: what one operation
    leaves behind (a customer, a job) is there for the next to stumble over."""
    from tests.conftest import _truncate_all

    _truncate_all(migrated_database)
    return shared_app


@pytest.fixture(scope="module")
def fuzzer(fuzzed_app, migrated_database) -> dict[str, str]:
    """An admin's auth header."""
    from tests.conftest import Users

    return Users(migrated_database).headers("admin")


def _spec() -> dict:
    """The API's OpenAPI document (building it touches no database)."""
    from landkontor.api.app import create_app
    from landkontor.db.session import Database

    return create_app(database=Database("sqlite://")).openapi()


# Loaded when the module is collected, so that every operation is a test of its own; the
# requests go to the `app` fixture: the application over the emptied test database.
schema = schemathesis.openapi.from_dict(_spec())


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no example files in the work tree
    derandomize=DERANDOMIZE,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx_or_off_schema(case, fuzzed_app, fuzzer):
    case.call_and_validate(app=fuzzed_app, headers=fuzzer, checks=CHECKS)
