"""The API is rate limited per token, and a refused call is a problem document."""

import pytest

from lms.api import tokens
from lms.extensions import db


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"}


def test_each_token_has_its_own_allowance(client, make_user):
    first = tokens.create_token(make_user(), name="a", scopes=["people:read"], days=1).secret
    second = tokens.create_token(make_user(), name="b", scopes=["people:read"], days=1).secret
    db.session.commit()

    def status(secret):
        return client.get("/api/v1/people", headers={"Authorization": f"Bearer {secret}"})

    assert [status(first).status_code for _ in range(3)] == [200, 200, 200]
    refused = status(first)
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert status(second).status_code == 200
