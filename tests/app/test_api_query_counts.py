"""The API's lists run a fixed number of SQL queries whatever the number of rows."""

from datetime import date, timedelta

import pytest

from lms.accounts.models import Role
from lms.api import tokens
from lms.catalog import current_catalog
from lms.certification import service as certification
from lms.certification.models import Certificate
from lms.extensions import db


@pytest.fixture
def admin_secret(make_user):
    admin = make_user(role=Role.ADMIN)
    secret = tokens.create_token(admin, name="count", scopes=list(tokens.SCOPES), days=1).secret
    db.session.commit()
    return secret


def populate(make_user, n: int) -> None:
    """n more people, each holding a certificate."""
    catalog = current_catalog()
    definition = catalog.curriculum.certifications[0]
    for _ in range(n):
        person = make_user()
        db.session.add(
            Certificate(
                user_id=person.id,
                certification_id=definition.id,
                cycle=1,
                code=certification.new_code(),
                issued_on=date.today(),
                expires_on=date.today() + timedelta(days=30),
                title=definition.title,
                level=definition.level,
                curriculum_version=catalog.curriculum.content_hash,
                definition_hash=definition.definition_hash,
                counted={},
            )  # fmt: skip
        )
    db.session.commit()


@pytest.mark.parametrize("url", ["/api/v1/people?limit=200", "/api/v1/certificates?limit=200"])
def test_lists_run_the_same_queries_for_3_or_40_rows(client, make_user, admin_secret,
                                                     count_queries, url):  # fmt: skip
    headers = {"Authorization": f"Bearer {admin_secret}"}
    counts = []
    for n in (3, 37):
        populate(make_user, n)
        client.get(url, headers=headers)  # the token's last use is written on the first call
        with count_queries() as statements:
            response = client.get(url, headers=headers)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 3, counts  # the token, the page, nothing per row
