"""Every shipped lab through the real pages: right answers pass (after a trainer's full marks
where the lab has reviewed checkpoints); a wrong answer is returned saying what failed."""

import pytest

from lms.accounts.models import Role
from lms.catalog import current_catalog
from lms.demo import right_answers
from lms.extensions import db
from lms.practice.models import LabSubmission
from tests.conftest import PASSWORD, REPO_ROOT

LAB_IDS = sorted(path.stem for path in (REPO_ROOT / "labs").glob("*.md"))


@pytest.fixture
def app_config(tmp_path):
    return {"UPLOAD_FOLDER": str(tmp_path / "uploads")}


def sign_in(client, user):
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def submit(client, lab, answers) -> LabSubmission:
    response = client.post(f"/labs/{lab.id}/start")
    submission_id = int(response.headers["Location"].rsplit("/", 1)[1])
    data = {f"cp-{cp}": value for cp, value in answers.items()}
    response = client.post(f"/submissions/{submission_id}", data={**data, "action": "submit"})
    assert response.status_code == 302
    db.session.expire_all()
    return db.session.get(LabSubmission, submission_id)


def wrong(checkpoint):
    if checkpoint.type == "choice":
        return next(option for option in checkpoint.options if option != checkpoint.answer)
    if checkpoint.type == "number":
        return f"{checkpoint.answer + checkpoint.tolerance + 1000:g}"
    return "no idea"


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_shipped_lab_passes_with_right_answers_and_returns_a_wrong_one(client, make_user, lab_id):
    lab = current_catalog().labs[lab_id]
    trainer = make_user(role=Role.TRAINER)
    learner = make_user()
    sign_in(client, learner)
    submission = submit(client, lab, right_answers(lab))
    assert submission.results and all(submission.results.values()), submission.results
    if any(c.type == "review" for c in lab.checkpoints):
        assert submission.status == "submitted"
        sign_in(client, trainer)
        marks = {
            f"score-{c.id}-{i}": r.points
            for c in lab.checkpoints
            if c.type == "review"
            for i, r in enumerate(c.rubric)
        }
        response = client.post(f"/reviews/{submission.id}", data={**marks, "decision": "approve"})
        assert response.status_code == 302
        db.session.expire_all()
        submission = db.session.get(LabSubmission, submission.id)
    assert submission.status == "passed"

    other = make_user()
    sign_in(client, other)
    machine = [c for c in lab.checkpoints if c.type != "review"]
    if not machine:
        return
    number = lab.checkpoints.index(machine[-1]) + 1
    returned = submit(client, lab, {**right_answers(lab), machine[-1].id: wrong(machine[-1])})
    assert returned.status == "returned"
    page = client.get(f"/submissions/{returned.id}").get_data(as_text=True)
    assert f"Checkpoint {number}: the answer is not right." in page
