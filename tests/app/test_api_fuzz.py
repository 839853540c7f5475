"""Schemathesis fuzzes every operation of /api/v1/openapi.json against the WSGI app.

It finds no server error, no answer that breaks the description (status, content type,
body schema) and no operation that answers without a token (its `ignored_auth` check).
Valid and invalid data are both generated; the number of examples per operation is
bounded so the suite stays fast. (Schemathesis' pytest plugin is not used: its lazy
loader does not run under pytest 9, so each operation's strategy is driven by Hypothesis.)
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from lms.accounts.models import Role
from lms.api import tokens
from lms.extensions import db

# Bounded for the suite's time; API_FUZZ_EXAMPLES=200 fuzzes deeper by hand.
EXAMPLES_PER_OPERATION = int(os.environ.get("API_FUZZ_EXAMPLES", "12"))


@pytest.fixture
def admin_headers(make_user):
    """An admin's token with every scope (the widest reach, so every branch is tried)."""
    admin = make_user(email="fuzz-admin@example.com", role=Role.ADMIN)
    mentor = make_user(email="fuzz-mentor@example.com", role=Role.MENTOR)
    make_user(email="fuzz-learner@example.com", mentor_email=mentor.email)
    secret = tokens.create_token(admin, name="fuzz", scopes=list(tokens.SCOPES), days=1).secret
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def operations(app):
    """Every operation of the app's own description, loaded through the WSGI app."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def excluded_checks(operation) -> list:
    """Checks that do not apply to an operation.

    The roster's rules go beyond what JSON Schema can say (an email's form, references to
    other people, which tracks exist, duplicates within a batch): schema-valid bodies may
    rightly be refused there with 422 problem details naming the field.
    """
    return [positive_data_acceptance] if operation.method.upper() != "GET" else []


def fuzz(operation, headers: dict, mode: GenerationMode) -> None:
    """Run a bounded number of generated requests at one operation; raise on any failure."""
    excluded = excluded_checks(operation)

    # The token is fixed: a mutated Authorization header would be replaced before sending.
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case):
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_holds_to_its_description(app, admin_headers, mode):
    found = operations(app)
    assert len(found) >= 13
    failures = {}
    for operation in found:
        try:
            fuzz(operation, admin_headers, mode)
        except Unsatisfiable:
            # No invalid request can be built (a path of one text segment, nothing else).
            assert mode == GenerationMode.NEGATIVE, operation.label
        except Exception as exc:  # noqa: BLE001 - gather every operation's failure, then report
            failures[operation.label] = str(exc)[:3000]
    assert failures == {}


def test_no_operation_answers_without_a_token(app, client):
    """Every operation in the description refuses a request without a token (401)."""
    for operation in operations(app):
        path = operation.path.replace("{user_id}", "1").replace("{email}", "a@example.com")
        path = path.replace("{code}", "ABCDE")
        response = client.open("/api/v1" + path if not path.startswith("/api") else path,
                               method=operation.method.upper(), json={})  # fmt: skip
        assert response.status_code == 401, (operation.label, response.status_code)
        assert response.mimetype == "application/problem+json"
