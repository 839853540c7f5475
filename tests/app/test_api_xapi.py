"""Learning events become xAPI statements, queued, then delivered to a real LRS (Ralph).

Ralph runs from its own venv with its file-system backend; statements are read back
through its xAPI GET endpoint and checked with Ralph's own xAPI statement model.
"""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms import events
from lms.api import xapi
from lms.api.models import XapiStatement
from lms.catalog import current_catalog
from lms.certification import service as certification
from lms.certification.models import Certificate
from lms.extensions import db
from lms.learning import service as learning
from lms.timeutil import today
from tests.lrsserver import PASSWORD, USERNAME, ralph_lrs, ralph_python, read_statements
from tests.pgserver import _free_port

BASE = "https://lms.example"


@pytest.fixture(scope="module")
def lrs():
    """One Ralph for the module; each test tells its statements apart by their ids."""
    with ralph_lrs() as url:
        yield url


@pytest.fixture
def app_config(lrs):
    return {
        "LMS_BASE_URL": BASE,
        "XAPI_LRS_URL": lrs,
        "XAPI_LRS_USERNAME": USERNAME,
        "XAPI_LRS_PASSWORD": PASSWORD,
        "XAPI_BATCH_SIZE": 3,  # several batches, so batching is exercised too
    }


def queued() -> list[XapiStatement]:
    return list(db.session.scalars(select(XapiStatement).order_by(XapiStatement.id)))


def issue_certificate(learner, days_left: int = 180, which: int = 0) -> Certificate:
    """A certificate as the certification service stores one, announced like it does."""
    catalog = current_catalog()
    definition = catalog.curriculum.certifications[which]
    certificate = Certificate(
        user_id=learner.id, certification_id=definition.id, cycle=1,
        code=certification.new_code(), issued_on=today() - timedelta(days=200),
        expires_on=today() + timedelta(days=days_left), title=definition.title,
        level=definition.level, curriculum_version=catalog.curriculum.content_hash,
        definition_hash=definition.definition_hash, counted={},
    )  # fmt: skip
    db.session.add(certificate)
    db.session.flush()
    events.certificate_issued.send(user_id=learner.id, certificate=certificate)
    return certificate


def learn_something(learner) -> None:
    """A learner reads a section, fails a quiz, earns a certificate and loses it."""
    from lms.assessment import attempts

    catalog = current_catalog()
    module = next(iter(catalog.modules.values()))
    learning.set_section_read(learner, catalog, module.id, module.sections[0].slug, True)
    quiz = catalog.quizzes[module.quiz] if module.quiz else next(iter(catalog.quizzes.values()))
    attempt = attempts.start_attempt(learner.id, quiz)
    attempts.submit_attempt(attempt, {})
    certificate = issue_certificate(learner)
    certification.revoke(certificate.code, "Left the team", catalog, today(), actor=None)
    issue_certificate(learner, days_left=-1, which=1)  # expired yesterday
    db.session.commit()


def validate_with_ralph(statements: list[dict]) -> None:
    """Check each statement with Ralph's xAPI base statement model (in Ralph's venv)."""
    code = (
        "import json, sys\n"
        "from ralph.models.xapi.base.statements import BaseXapiStatement\n"
        "for line in sys.stdin:\n"
        "    BaseXapiStatement.model_validate(json.loads(line))\n"
        "print('valid')\n"
    )
    lines = "\n".join(json.dumps(s) for s in statements) + "\n"
    assert ralph_python(code, lines).strip() == "valid"


def test_learning_events_are_queued_once_each(app, make_user):
    learner = make_user(email="ada@example.com", name="Ada")
    learn_something(learner)
    rows = queued()
    verbs = [row.statement["verb"]["display"]["en-US"] for row in rows]
    assert verbs == ["completed", "failed", "earned", "revoked", "earned"]
    quiz = rows[1].statement
    assert quiz["actor"] == {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
    assert quiz["verb"]["id"] == "http://adlnet.gov/expapi/verbs/failed"
    assert quiz["object"]["id"].startswith(f"{BASE}/quizzes/")
    assert quiz["result"]["success"] is False and "scaled" in quiz["result"]["score"]
    assert all(row.statement["id"] == row.statement_id for row in rows)
    # the same facts announced again queue nothing new
    catalog = current_catalog()
    module = next(iter(catalog.modules.values()))
    learning.set_section_read(learner, catalog, module.id, module.sections[0].slug, True)
    db.session.commit()
    assert len(queued()) == len(rows)
    assert not any("answer" in json.dumps(row.statement).lower() for row in rows)


def test_an_account_homepage_identifies_the_actor_instead_of_mbox(app, make_user):
    app.config["XAPI_ACCOUNT_HOMEPAGE"] = "https://sso.example"
    learner = make_user()
    issue_certificate(learner)
    db.session.commit()
    actor = queued()[0].statement["actor"]
    assert actor["account"] == {"homePage": "https://sso.example", "name": str(learner.id)}
    assert "mbox" not in actor


def test_ralph_receives_and_returns_the_statements(app, runner, lrs, make_user):
    learner = make_user()
    learn_something(learner)
    result = runner.invoke(args=["xapi", "send"])
    assert result.exit_code == 0, result.output
    rows = queued()
    assert len(rows) == 6  # five events and the expiry `send` found
    assert "6 statement(s) sent, 0 waiting" in result.output
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
    held = {s["id"]: s for s in read_statements(lrs)}
    mine = [held[row.statement_id] for row in rows]
    assert [s["verb"]["id"].rsplit("/", 1)[-1] for s in mine] == [
        "completed", "failed", "earned", "revoked", "earned", "expired",
    ]  # fmt: skip
    validate_with_ralph(mine)
    # a second run has nothing to send
    again = runner.invoke(args=["xapi", "send"])
    assert "0 statement(s) sent, 0 waiting" in again.output


def test_the_queue_survives_an_outage_and_the_next_run_delivers(app, runner, lrs, make_user):
    learner = make_user()
    learn_something(learner)
    app.config["XAPI_LRS_URL"] = f"http://127.0.0.1:{_free_port()}/xAPI"  # nobody listens
    down = runner.invoke(args=["xapi", "send"])
    assert down.exit_code == 1
    assert "stay queued" in down.output
    rows = queued()
    assert all(row.sent_at is None for row in rows)
    assert rows[0].attempts == 1 and rows[0].last_error
    app.config["XAPI_LRS_URL"] = lrs
    up = runner.invoke(args=["xapi", "send"])
    assert up.exit_code == 0, up.output
    ids = {row.statement_id for row in queued()}
    held = [s["id"] for s in read_statements(lrs)]
    assert ids <= set(held)


def test_no_duplicates_after_a_retry_whose_first_answer_was_lost(app, runner, lrs, make_user):
    learner = make_user()
    learn_something(learner)
    with app.app_context():
        waiting = [row.statement for row in queued()]
    xapi._post(waiting[:3])  # the LRS stored these, but the run died before marking them
    result = runner.invoke(args=["xapi", "send"])
    assert result.exit_code == 0, result.output
    held = [s["id"] for s in read_statements(lrs)]
    for row in queued():
        assert held.count(row.statement_id) == 1, row.event_key


def test_without_an_lrs_statements_stay_queued_and_export_works(app, runner, make_user, tmp_path):
    app.config["XAPI_LRS_URL"] = ""
    learner = make_user()
    learn_something(learner)
    result = runner.invoke(args=["xapi", "send"])
    assert result.exit_code == 0
    assert "No LRS is configured" in result.output
    assert db.session.scalar(select(func.count()).select_from(XapiStatement)) == 6
    out = tmp_path / "statements.jsonl"
    exported = runner.invoke(args=["xapi", "export", "--since", today().isoformat(),
                                   "--output", str(out)])  # fmt: skip
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [s["id"] for s in lines] == [row.statement_id for row in queued()]
    later = runner.invoke(
        args=["xapi", "export", "--since", (date.today() + timedelta(days=2)).isoformat()]
    )
    assert later.output.strip().endswith("0 statement(s) exported.")


def test_verified_evidence_and_a_passed_lab_are_queued(app, make_user):
    from lms.accounts.models import Role
    from lms.practice import service as practice
    from lms.practice.models import SubmissionStatus

    catalog = current_catalog()
    mentor = make_user(role=Role.MENTOR)
    learner = make_user(mentor_email=mentor.email)
    kind = catalog.curriculum.evidence_kinds[0].id
    entry = practice.EvidenceInput(kind, today() - timedelta(days=1), "Shadowed", "INC-7")
    evidence = practice.log_evidence(learner, entry, catalog, today())
    practice.decide_evidence(evidence, mentor, True, "Well done")
    # A lab passed: announced as the review queue announces it.
    submission = practice.start_lab(learner, next(iter(catalog.labs.values())))
    submission.answers = {checkpoint["id"]: "1" for checkpoint in submission.checkpoints}
    practice.submit(submission)
    submission.status = SubmissionStatus.PASSED
    events.lab_reviewed.send(user_id=learner.id, submission=submission)
    db.session.commit()
    statements = {row.event_key.split(":")[0]: row.statement for row in queued()}
    assert statements["evidence-verified"]["verb"]["id"].endswith("/completed")
    assert statements["evidence-verified"]["object"]["id"] == f"{BASE}/evidence/{evidence.id}"
    assert statements["lab-passed"]["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert statements["lab-passed"]["object"]["id"] == f"{BASE}/labs/{submission.lab_id}"
