"""Labs, artifacts, the review queue, hints, plans that follow labs, evidence and verification,
through the real pages."""

import io
import threading
from datetime import date, timedelta

import pytest
from flask import g
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import events
from lms.accounts.models import Role
from lms.audit import AuditEvent
from lms.catalog import current_catalog
from lms.demo import right_answers
from lms.extensions import db
from lms.onboarding import service as onboarding
from lms.practice import service
from lms.practice.models import Artifact, Evidence, LabSubmission
from lms.timeutil import today
from tests.conftest import PASSWORD

DEPLOY = "lab-deploy-to-production"  # machine checks and one reviewed checkpoint
CHECKLIST = "ex-2-1-morning-checklist"  # machine checks only
PDF = b"%PDF-1.4\n%demo\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def app_config(tmp_path):
    return {"UPLOAD_FOLDER": str(tmp_path / "uploads")}


@pytest.fixture
def login(client):
    """Sign in as someone else (signing out whoever was signed in)."""

    def do_login(user):
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return response

    return do_login


@pytest.fixture
def people(make_user):
    mentor = make_user(email="mentor@example.com", role=Role.MENTOR, name="Mira Mentor")
    manager = make_user(email="manager@example.com", role=Role.MENTOR, name="Max Manager")
    learner = make_user(
        email="learner@example.com", name="Lee Learner", team="SRE",
        mentor_email="mentor@example.com", manager_email="manager@example.com",
    )  # fmt: skip
    other = make_user(email="other@example.com", name="Oli Other", team="Payments")
    trainer = make_user(email="trainer@example.com", role=Role.TRAINER, name="Tia Trainer")
    trainer2 = make_user(email="trainer2@example.com", role=Role.TRAINER, name="Tom Trainer")
    return {
        "mentor": mentor, "manager": manager, "learner": learner, "other": other,
        "trainer": trainer, "trainer2": trainer2,
    }  # fmt: skip


@pytest.fixture
def received():
    """Domain events sent during the test."""
    got = []

    def lab(sender, **kw):
        got.append(("lab_reviewed", kw["user_id"], kw["submission"].status.value))

    def evidence(sender, **kw):
        got.append(("evidence_verified", kw["user_id"], kw["evidence"].id))

    events.lab_reviewed.connect(lab)
    events.evidence_verified.connect(evidence)
    yield got
    events.lab_reviewed.disconnect(lab)
    events.evidence_verified.disconnect(evidence)


def lab_of(lab_id):
    return current_catalog().labs[lab_id]


def form_for(lab_id, action="save", **override):
    answers = {**right_answers(lab_of(lab_id)), **override}
    data = {f"cp-{cp}": value for cp, value in answers.items() if value is not None}
    data["action"] = action
    return data


def start(client, lab_id) -> int:
    response = client.post(f"/labs/{lab_id}/start")
    assert response.status_code == 302, response.data
    return int(response.headers["Location"].rsplit("/", 1)[1])


def send(client, submission_id, data, files=None):
    data = dict(data)
    for field, (content, name) in (files or {}).items():
        data[field] = (io.BytesIO(content), name)
    return client.post(
        f"/submissions/{submission_id}", data=data, content_type="multipart/form-data"
    )


def submit_deploy(client, login, learner, files=None) -> int:
    login(learner)
    submission_id = start(client, DEPLOY)
    files = files or {"cp-deployment-record-files": (PDF, "record.pdf")}
    response = send(client, submission_id, form_for(DEPLOY, "submit"), files)
    assert response.status_code == 302, response.data
    return submission_id


def full_marks(lab_id, points=None):
    data = {}
    for checkpoint in lab_of(lab_id).checkpoints:
        if checkpoint.type == "review":
            for i, criterion in enumerate(checkpoint.rubric):
                data[f"score-{checkpoint.id}-{i}"] = criterion.points if points is None else points
                data[f"comment-{checkpoint.id}-{i}"] = f"note {i}"
    return data


def status_of(submission_id):
    db.session.expire_all()
    return db.session.get(LabSubmission, submission_id).status.value


# --- labs --------------------------------------------------------------------------------------


def test_lab_page_offers_start_and_shows_the_advisory_time_limit(client, login, people):
    login(people["learner"])
    html = client.get(f"/labs/{DEPLOY}").get_data(as_text=True)
    assert "Start the lab" in html and "advisory" in html
    assert "(^|\\D)5" not in html and "Expected" not in html  # never the answers


def test_draft_saves_then_submit_goes_to_review_and_the_trainer_approves(
    client, login, people, received
):
    learner = people["learner"]
    login(learner)
    submission_id = start(client, DEPLOY)
    page = client.get(f"/submissions/{submission_id}").get_data(as_text=True)
    assert "2 hours (advisory" in page and "No; 0.4% is above" in page  # the options
    assert "Expected" not in page and "(^|\\D)5" not in page
    response = send(client, submission_id, form_for(DEPLOY, "save", **{"first-canary-weight": "5"}))
    assert response.status_code == 302
    assert db.session.get(LabSubmission, submission_id).answers["first-canary-weight"] == "5"
    # Starting again resumes the same draft.
    assert start(client, DEPLOY) == submission_id
    files = {"cp-deployment-record-files": (PDF, "record.pdf")}
    assert send(client, submission_id, form_for(DEPLOY, "submit"), files).status_code == 302
    assert status_of(submission_id) == "submitted"
    assert "in review" in client.get("/my/labs").get_data(as_text=True).lower()

    login(people["trainer"])
    queue = client.get("/reviews").get_data(as_text=True)
    assert "Lee Learner" in queue and f"/reviews/{submission_id}" in queue
    review = client.get(f"/reviews/{submission_id}").get_data(as_text=True)
    assert "record.pdf" in review and "Expected" in review and "Rubric for checkpoint 7" in review
    response = client.post(
        f"/reviews/{submission_id}", data={**full_marks(DEPLOY), "decision": "approve"}
    )
    assert response.status_code == 302
    assert status_of(submission_id) == "passed"
    assert received == [("lab_reviewed", learner.id, "passed")]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "lab.passed"))
    assert event.object_type == "lab_submission" and event.object_id == str(submission_id)
    assert event.actor_id == people["trainer"].id and event.payload["status"] == "passed"
    assert service.passed_labs([learner.id]) == {learner.id: {DEPLOY: submission_id}}
    assert f"/reviews/{submission_id}" not in client.get("/reviews").get_data(as_text=True)


def test_wrong_machine_answer_is_returned_with_what_failed(client, login, people, received):
    login(people["learner"])
    submission_id = start(client, CHECKLIST)
    first = lab_of(CHECKLIST).checkpoints[0]
    wrong = "999" if first.type == "number" else None
    override = {first.id: wrong} if wrong else {}
    if first.type == "choice":
        override = {first.id: next(o for o in first.options if o != first.answer)}
    elif first.type == "pattern":
        override = {first.id: "nothing useful"}
    assert send(client, submission_id, form_for(CHECKLIST, "submit", **override)).status_code == 302
    assert status_of(submission_id) == "returned"
    page = client.get(f"/submissions/{submission_id}").get_data(as_text=True)
    assert "Checkpoint 1: the answer is not right." in page
    assert "Resubmit" in page and "Expected" not in page  # no key for a returned lab
    if first.explanation:
        assert first.explanation.split(".")[0] in page  # explanations once returned
    assert received == [("lab_reviewed", people["learner"].id, "returned")]


def test_machine_checked_lab_with_right_answers_passes_at_once(client, login, people):
    login(people["learner"])
    submission_id = start(client, CHECKLIST)
    send(client, submission_id, form_for(CHECKLIST, "submit"))
    assert status_of(submission_id) == "passed"
    response = client.post(f"/labs/{CHECKLIST}/start", follow_redirects=True)
    assert "passed this lab already" in response.get_data(as_text=True)


def test_submit_needs_every_checkpoint(client, login, people):
    login(people["learner"])
    submission_id = start(client, DEPLOY)
    data = form_for(DEPLOY, "submit")
    del data["cp-deployment-record"]
    response = send(client, submission_id, data)
    assert status_of(submission_id) == "draft"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Answer every checkpoint before you submit (missing: 7)" in html


def test_bad_number_is_refused_beside_the_checkpoint_and_nothing_saved(client, login, people):
    login(people["learner"])
    submission_id = start(client, DEPLOY)
    data = form_for(DEPLOY, "save", **{"first-canary-weight": "five"})
    response = send(client, submission_id, data)
    assert response.status_code == 400
    assert "Enter a number" in response.get_data(as_text=True)
    assert db.session.get(LabSubmission, submission_id).answers == {}


def test_return_then_resubmit_keeps_history_and_the_old_submission_never_changes(
    client, login, people
):
    learner = people["learner"]
    first = submit_deploy(client, login, learner)
    login(people["trainer"])
    response = client.post(
        f"/reviews/{first}",
        data={**full_marks(DEPLOY, 0), "decision": "return", "feedback": "Add stage timings."},
    )
    assert response.status_code == 302 and status_of(first) == "returned"

    login(learner)
    page = client.get(f"/submissions/{first}").get_data(as_text=True)
    assert "Add stage timings." in page and "note 0" in page
    second = start(client, DEPLOY)
    assert second != first
    draft = db.session.get(LabSubmission, second)
    right = right_answers(lab_of(DEPLOY))["stage-sequence"]
    assert draft.number == 2 and draft.answers["stage-sequence"] == right
    copied = db.session.scalars(select(Artifact).where(Artifact.submission_id == second)).all()
    assert [a.filename for a in copied] == ["record.pdf"]
    # The returned submission cannot be changed any more.
    send(client, first, form_for(DEPLOY, "save", **{"first-canary-weight": "50"}))
    db.session.expire_all()
    assert db.session.get(LabSubmission, first).answers["first-canary-weight"] == "5"
    assert send(client, second, form_for(DEPLOY, "submit")).status_code == 302
    assert status_of(second) == "submitted"
    history = client.get(f"/submissions/{second}").get_data(as_text=True)
    assert "Submission 1" in history and "Submission 2" in history


def test_approval_refused_when_the_rubric_is_short_and_return_needs_a_comment(
    client, login, people
):
    submission_id = submit_deploy(client, login, people["learner"])
    login(people["trainer"])
    response = client.post(
        f"/reviews/{submission_id}", data={**full_marks(DEPLOY, 1), "decision": "approve"}
    )
    assert response.status_code == 409
    assert "cannot be approved" in response.get_data(as_text=True)
    response = client.post(
        f"/reviews/{submission_id}", data={**full_marks(DEPLOY, 1), "decision": "return"}
    )
    assert "Say what to improve" in response.get_data(as_text=True)
    assert status_of(submission_id) == "submitted"


def test_the_second_trainer_is_told_another_decided(client, login, people):
    submission_id = submit_deploy(client, login, people["learner"])
    login(people["trainer"])
    client.post(f"/reviews/{submission_id}", data={**full_marks(DEPLOY), "decision": "approve"})
    login(people["trainer2"])
    response = client.post(
        f"/reviews/{submission_id}",
        data={**full_marks(DEPLOY, 0), "decision": "return", "feedback": "No."},
    )
    assert response.status_code == 409
    assert "Another trainer decided this submission" in response.get_data(as_text=True)
    assert status_of(submission_id) == "passed"


def test_concurrent_decisions_on_one_submission_decide_once(app, client, login, people):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers; the race is tested on PostgreSQL")
    submission_id = submit_deploy(client, login, people["learner"])
    clients = []
    for trainer in (people["trainer"], people["trainer2"]):
        trainer_client = app.test_client()
        g.pop("_login_user", None)  # the test's app context remembers the last sign-in
        trainer_client.post("/login", data={"email": trainer.email, "password": PASSWORD})
        clients.append(trainer_client)
    barrier = threading.Barrier(2)
    statuses = []

    marks = full_marks(DEPLOY)  # read the catalog here: the threads have no app context

    def decide(trainer_client, decision):
        data = {**marks, "decision": decision, "feedback": "Decided."}
        barrier.wait()
        try:
            response = trainer_client.post(f"/reviews/{submission_id}", data=data)
            statuses.append((response.status_code, response.headers.get("Location")))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            statuses.append(repr(exc))

    threads = [
        threading.Thread(target=decide, args=(c, d))
        for c, d in zip(clients, ("approve", "return"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [(302, "/reviews"), (409, None)], statuses
    decisions = db.session.scalar(
        select(func.count()).where(AuditEvent.action.in_(["lab.passed", "lab.returned"]))
    )
    assert decisions == 1


def test_learners_cannot_open_the_queue_or_decide(client, login, people):
    submission_id = submit_deploy(client, login, people["learner"])
    login(people["other"])
    assert client.get("/reviews").status_code == 403
    assert client.post(f"/reviews/{submission_id}", data={"decision": "approve"}).status_code == 403
    login(people["mentor"])
    assert client.get("/reviews").status_code == 403


def test_queue_filters_by_lab_team_and_learner(client, login, people):
    submit_deploy(client, login, people["learner"])
    submit_deploy(client, login, people["other"])
    login(people["trainer"])
    assert client.get("/reviews?team=SRE").get_data(as_text=True).count('data-submission="') == 1
    assert "Oli Other" in client.get("/reviews?learner=oli").get_data(as_text=True)
    assert "Nothing is waiting" in client.get(f"/reviews?lab={CHECKLIST}").get_data(as_text=True)
    rows = client.get("/reviews").get_data(as_text=True)
    assert rows.index("Lee Learner") < rows.index("Oli Other")  # oldest first


def test_a_queue_row_escapes_the_learner_and_marks_a_resubmission(client, login, people):
    """The queue's rows are drawn in the view: what people typed is escaped there."""
    submission_id = submit_deploy(client, login, people["learner"])
    learner = db.session.merge(people["learner"])
    learner.name, learner.team = 'Lee <b>"L"</b> & Co', "R&D"
    db.session.get(LabSubmission, submission_id).number = 2
    db.session.commit()
    login(people["trainer"])
    rows = client.get("/reviews").get_data(as_text=True).split("<tbody>")[1]
    assert "<b>" not in rows and rows.count("Lee &lt;b&gt;&#34;L&#34;&lt;/b&gt; &amp; Co") == 2
    assert '<td class="d-none d-md-table-cell">R&amp;D</td>' in rows
    assert '<span class="badge text-bg-light border">resubmission 2</span>' in rows
    assert f'href="/reviews/{submission_id}"' in rows


def test_another_learners_submission_and_artifact_answer_404(client, login, people):
    submission_id = submit_deploy(client, login, people["learner"])
    artifact = db.session.scalar(select(Artifact).where(Artifact.submission_id == submission_id))
    login(people["other"])
    assert client.get(f"/submissions/{submission_id}").status_code == 404
    assert client.post(f"/submissions/{submission_id}", data={"action": "save"}).status_code == 404
    assert client.get(f"/artifacts/{artifact.id}").status_code == 404
    login(people["mentor"])  # the learner's mentor may look
    assert client.get(f"/submissions/{submission_id}").status_code == 200
    assert client.get(f"/artifacts/{artifact.id}").status_code == 200


@pytest.mark.parametrize(
    "content, name",
    [
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "diagram.html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "diagram.svg"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "diagram.png"),
        (b"MZ\x90\x00\x03\x00\x00\x00binary", "tool.txt"),
    ],
)
def test_html_svg_and_binaries_are_refused_whatever_their_name(
    client, login, people, content, name
):
    login(people["learner"])
    submission_id = start(client, DEPLOY)
    response = send(
        client, submission_id, form_for(DEPLOY), {"cp-deployment-record-files": (content, name)}
    )
    assert response.status_code == 400
    assert "is not a file type we accept" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Artifact.id))) == 0


def test_artifacts_are_served_safely(client, login, people):
    login(people["learner"])
    submission_id = start(client, DEPLOY)
    files = {"cp-deployment-record-files": (b"plan: step 1\n<b>not html</b>\n", "notes.html")}
    send(client, submission_id, form_for(DEPLOY), files)
    send(client, submission_id, form_for(DEPLOY), {"cp-deployment-record-files": (PNG, "d.png")})
    text, image = db.session.scalars(select(Artifact).order_by(Artifact.id)).all()
    assert text.content_type == "text/plain" and image.content_type == "image/png"
    response = client.get(f"/artifacts/{text.id}")
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    response = client.get(f"/artifacts/{image.id}")
    assert response.headers["Content-Disposition"].startswith("inline")
    assert len(text.storage_key) == 40 and "notes" not in text.storage_key


@pytest.mark.parametrize("app_config", [{"UPLOAD_MAX_FILE_MB": 0.01}])
def test_a_file_over_the_per_file_limit_is_refused_clearly(client, login, people, app_config):
    login(people["learner"])
    submission_id = start(client, DEPLOY)
    big = b"%PDF-1.4\n" + b"x" * 20000
    response = send(
        client, submission_id, form_for(DEPLOY), {"cp-deployment-record-files": (big, "big.pdf")}
    )
    assert response.status_code == 400
    assert "a file may be at most" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"UPLOAD_MAX_SUBMISSION_MB": 1}])
def test_an_oversized_upload_gets_a_clear_413_page(client, login, people, app_config):
    login(people["learner"])
    submission_id = start(client, DEPLOY)
    huge = b"%PDF-1.4\n" + b"x" * (3 * 1024 * 1024)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="cp-deployment-record-files"; '
        b'filename="h.pdf"\r\nContent-Type: application/pdf\r\n\r\n' + huge + b"\r\n--b--\r\n"
    )  # a raw body: the test client keeps no temporary file open for it
    response = client.post(
        f"/submissions/{submission_id}", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "1 MB per form" in html and "10 MB each" in html and "Traceback" not in html


def test_default_limits_let_a_whole_submission_through(app):
    assert app.config["MAX_CONTENT_LENGTH"] > 25 * 1024 * 1024


def test_hints_one_at_a_time_recorded_and_shown_to_the_reviewer(client, login, people):
    lab = lab_of(DEPLOY)
    login(people["learner"])
    page = client.get(f"/labs/{DEPLOY}").get_data(as_text=True)
    assert lab.hints[0] not in page and "Show a hint" in page
    client.post(f"/labs/{DEPLOY}/hint")
    page = client.get(f"/labs/{DEPLOY}").get_data(as_text=True)
    assert lab.hints[0] in page and lab.hints[1] not in page
    client.post(f"/labs/{DEPLOY}/hint")
    response = client.post(f"/labs/{DEPLOY}/hint", follow_redirects=True)
    assert "You have seen every hint" in response.get_data(as_text=True)
    assert service.hints_used(people["learner"].id, DEPLOY) == [1, 2]
    submission_id = submit_deploy(client, login, people["learner"])
    login(people["trainer"])
    review = client.get(f"/reviews/{submission_id}").get_data(as_text=True)
    assert lab.hints[0] in review and lab.hints[1] in review


def test_plans_follow_labs_and_labs_cannot_be_self_ticked(client, login, people):
    learner = people["learner"]
    catalog = current_catalog()
    onboarding.assign_track(learner, "sre", today() - timedelta(days=14), catalog)
    db.session.commit()
    login(learner)
    response = client.post(
        "/onboarding/sre/items", data={"item": f"lab:{DEPLOY}", "done": "1"}, follow_redirects=True
    )
    assert "tick themselves" in response.get_data(as_text=True)

    def state():
        plan = onboarding.plans_for(catalog, today(), [learner.id])[0]
        return next(s.state for s in plan.week_plan.items if s.item.key == f"lab:{DEPLOY}")

    assert state() != "done"
    submission_id = submit_deploy(client, login, learner)
    assert state() == "in_review"
    assert "In review" in client.get("/onboarding/").get_data(as_text=True)
    login(people["trainer"])
    client.post(f"/reviews/{submission_id}", data={**full_marks(DEPLOY), "decision": "approve"})
    assert state() == "done"


# --- evidence ----------------------------------------------------------------------------------


def evidence_data(**override):
    data = {
        "kind": "deployment", "happened_on": (today() - timedelta(days=1)).isoformat(),
        "title": "checkout release", "reference": "CHG-1001", "description": "Canary, no errors.",
    }  # fmt: skip
    return {**data, **override}


def log(client, **override):
    return client.post(
        "/my/evidence", data=evidence_data(**override), content_type="multipart/form-data"
    )


def test_evidence_logged_goes_to_the_mentor_who_verifies_it(client, login, people, received):
    learner, mentor = people["learner"], people["mentor"]
    login(learner)
    assert log(client).status_code == 302
    evidence = db.session.scalar(select(Evidence))
    assert evidence.verifier_id == mentor.id and evidence.status.value == "pending"
    login(mentor)
    home = client.get("/home").get_data(as_text=True)
    assert "Evidence waiting for your verification" in home and "1 piece of evidence" in home
    assert "checkout release" in client.get("/evidence/to-verify").get_data(as_text=True)
    response = client.post(f"/evidence/{evidence.id}/decide", data={"decision": "verify"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Evidence, evidence.id).status.value == "verified"
    assert received == [("evidence_verified", learner.id, evidence.id)]
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.verified"))
    assert audit.object_type == "evidence" and audit.actor_id == mentor.id
    assert service.verified_evidence([learner.id]) == {
        learner.id: {"deployment": [(evidence.id, today() - timedelta(days=1))]}
    }
    assert "Evidence waiting for your verification" not in client.get("/home").get_data(
        as_text=True
    )
    login(learner)
    assert "1 verified" in client.get("/my/evidence").get_data(as_text=True)


def test_duplicate_reference_is_refused_with_a_clear_message(client, login, people):
    login(people["learner"])
    log(client)
    response = log(client, reference=" chg-1001 ", title="again")
    assert response.status_code == 400
    assert "You have already logged “chg-1001”" in response.get_data(as_text=True)
    assert log(client, kind="incident_shadowed").status_code == 302  # another kind is fine
    assert db.session.scalar(select(func.count(Evidence.id))) == 2


def test_the_database_refuses_a_duplicate_the_check_missed(app, people):
    learner = people["learner"]
    entry = service.EvidenceInput("deployment", date(2026, 1, 5), "t", "CHG-9")
    service.log_evidence(learner, entry, current_catalog(), date(2026, 2, 1))
    db.session.commit()
    db.session.add(
        Evidence(user_id=learner.id, kind="deployment", happened_on=date(2026, 1, 5),
                 title="t", reference="CHG-9", description="")
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_learner_cannot_verify_their_own_evidence(client, login, people, make_user):
    login(people["learner"])
    log(client)
    evidence = db.session.scalar(select(Evidence))
    response = client.post(f"/evidence/{evidence.id}/decide", data={"decision": "verify"})
    assert response.status_code == 403
    with pytest.raises(Exception, match="mentor, manager or a trainer"):
        service.decide_evidence(evidence, people["learner"], True, "")
    db.session.rollback()
    # an unrelated mentor sees nothing of it
    stranger = make_user(email="stranger@example.com", role=Role.MENTOR)
    login(stranger)
    assert (
        client.post(f"/evidence/{evidence.id}/decide", data={"decision": "verify"}).status_code
        == 404
    )
    assert "checkout release" not in client.get("/evidence/to-verify").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Evidence, evidence.id).status.value == "pending"


def test_manager_and_trainer_may_verify_and_without_supervisors_it_goes_to_trainers(
    client, login, people
):
    login(people["other"])  # no mentor, no manager
    log(client)
    evidence = db.session.scalar(select(Evidence))
    assert evidence.verifier_id is None
    login(people["trainer"])
    assert "checkout release" in client.get("/evidence/to-verify").get_data(as_text=True)
    client.post(f"/evidence/{evidence.id}/decide", data={"decision": "verify"})
    db.session.expire_all()
    assert db.session.get(Evidence, evidence.id).status.value == "verified"
    login(people["learner"])
    log(client)
    mine = db.session.scalar(select(Evidence).where(Evidence.user_id == people["learner"].id))
    login(people["manager"])
    assert "checkout release" in client.get("/evidence/to-verify").get_data(as_text=True)
    client.post(f"/evidence/{mine.id}/decide", data={"decision": "verify"})
    db.session.expire_all()
    assert db.session.get(Evidence, mine.id).status.value == "verified"


def test_rejected_evidence_is_corrected_and_resubmitted(client, login, people):
    login(people["learner"])
    log(client)
    evidence = db.session.scalar(select(Evidence))
    login(people["mentor"])
    response = client.post(f"/evidence/{evidence.id}/decide", data={"decision": "reject"})
    assert "Say why you reject it" in client.get("/evidence/to-verify").get_data(as_text=True)
    assert response.status_code == 302
    client.post(
        f"/evidence/{evidence.id}/decide", data={"decision": "reject", "comment": "Wrong CHG id."}
    )
    login(people["learner"])
    page = client.get("/my/evidence").get_data(as_text=True)
    assert "Wrong CHG id." in page and "Correct and resubmit" in page
    response = client.post(
        f"/evidence/{evidence.id}/edit", data=evidence_data(reference="CHG-1002"),
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    corrected = db.session.get(Evidence, evidence.id)
    assert corrected.status.value == "pending" and corrected.reference == "CHG-1002"
    # a pending entry cannot be edited, another person's not at all
    assert client.post(f"/evidence/{evidence.id}/edit", data=evidence_data()).status_code == 400
    login(people["other"])
    assert client.get(f"/evidence/{evidence.id}/edit").status_code == 404


def test_evidence_with_an_artifact_and_a_future_date(client, login, people):
    login(people["learner"])
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = log(client, happened_on=tomorrow)
    assert "cannot be in the future" in response.get_data(as_text=True)
    data = {**evidence_data(), "file": (io.BytesIO(PDF), "postmortem.pdf")}
    client.post("/my/evidence", data=data, content_type="multipart/form-data")
    artifact = db.session.scalar(select(Artifact))
    assert artifact.evidence_id is not None and artifact.filename == "postmortem.pdf"
    login(people["other"])
    assert client.get(f"/artifacts/{artifact.id}").status_code == 404


def test_supervisors_see_their_peoples_labs_and_evidence(client, login, people):
    submit_deploy(client, login, people["learner"])
    log(client)
    for viewer in ("mentor", "manager", "trainer"):
        login(people[viewer])
        page = client.get(f"/people/{people['learner'].id}/practice").get_data(as_text=True)
        assert "In review" in page and "checkout release" in page, viewer
    login(people["mentor"])
    listing = client.get("/people/").get_data(as_text=True)
    assert "0 labs passed, 1 in review" in listing and "1 waiting" in listing
    login(people["other"])
    assert client.get(f"/people/{people['learner'].id}/practice").status_code == 404


def test_certification_interface_costs_one_query_whatever_the_number_of_people(
    app, people, make_user, count_queries
):
    learners = [make_user() for _ in range(5)]
    ids = [u.id for u in learners]
    with count_queries() as few:
        service.passed_labs(ids[:1])
        service.verified_evidence(ids[:1])
    with count_queries() as many:
        assert service.passed_labs(ids) == {i: {} for i in ids}
        assert service.verified_evidence(ids) == {i: {} for i in ids}
    assert len(few) == len(many) == 2


def test_a_manager_without_the_mentor_role_verifies_from_the_home_page(client, login, make_user):
    boss = make_user(email="boss@example.com", name="Bo Boss")  # a learner by role
    report = make_user(email="report@example.com", manager_email="boss@example.com")
    login(report)
    log(client)
    evidence = db.session.scalar(select(Evidence))
    assert evidence.verifier_id == boss.id
    login(boss)
    home = client.get("/home").get_data(as_text=True)
    assert "Evidence waiting for your verification" in home and "1 piece of evidence" in home
    assert "checkout release" in client.get("/evidence/to-verify").get_data(as_text=True)
    client.post(f"/evidence/{evidence.id}/decide", data={"decision": "verify"})
    db.session.expire_all()
    assert db.session.get(Evidence, evidence.id).status.value == "verified"
