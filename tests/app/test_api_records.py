"""A person's records through the API: what they hold, and never an answer key."""

import json
from datetime import date, timedelta

from lms.accounts.models import Role
from lms.api import tokens
from lms.catalog import current_catalog
from lms.certification import service as certification
from lms.certification.models import Certificate
from lms.extensions import db


def test_the_record_and_the_attempts_hold_scores_and_certificates_never_answers(client, make_user):
    from lms.assessment import attempts

    trainer = make_user(role=Role.TRAINER)
    learner = make_user(name="Grace")
    catalog = current_catalog()
    quiz = next(iter(catalog.quizzes.values()))
    attempt = attempts.start_attempt(learner.id, quiz)
    attempts.submit_attempt(attempt, {})
    definition = catalog.curriculum.certifications[0]
    db.session.add(
        Certificate(
            user_id=learner.id,
            certification_id=definition.id,
            cycle=1,
            code=certification.new_code(),
            issued_on=date.today() - timedelta(days=400),
            expires_on=date.today() - timedelta(days=10),
            title=definition.title,
            level=definition.level,
            curriculum_version=catalog.curriculum.content_hash,
            definition_hash=definition.definition_hash,
            counted={},
        )  # fmt: skip
    )
    secret = tokens.create_token(trainer, name="r", scopes=["records:read"], days=1).secret
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}

    record = client.get(f"/api/v1/people/{learner.id}/record", headers=headers)
    assert record.status_code == 200, record.json
    body = record.json
    assert body["person"]["name"] == "Grace"
    assert [a["quiz_id"] for a in body["attempts"]] == [quiz.id]
    assert body["attempts"][0]["passed"] is False
    held = [c for c in body["certifications"] if c["certification_id"] == definition.id]
    assert held and held[0]["certificates"][0]["state"] == "expired"

    listed = client.get(f"/api/v1/people/{learner.id}/attempts", headers=headers).json
    assert listed["items"][0]["percent"] == body["attempts"][0]["percent"]
    text = json.dumps(body) + json.dumps(listed)
    for secret_word in ("correct", "answer", "questions", "explanation"):
        assert secret_word not in text

    expired = client.get("/api/v1/certificates?state=expired", headers=headers).json
    assert [c["person_email"] for c in expired["items"]] == [learner.email]
    valid = client.get("/api/v1/certificates?state=valid", headers=headers).json
    assert valid["items"] == []
    soon = client.get(
        f"/api/v1/certificates?expiring_before={date.today().isoformat()}", headers=headers
    ).json
    assert len(soon["items"]) == 1

    code = expired["items"][0]["code"]
    verified = client.get(f"/api/v1/verify/{code.lower()}", headers=headers)
    assert verified.status_code == 200 and verified.json["state"] == "expired"
    assert client.get("/api/v1/verify/NOPE", headers=headers).status_code == 404
