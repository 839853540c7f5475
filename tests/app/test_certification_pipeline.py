"""The certification report's pipeline is stored (`CertificationPipeline`): after every event
that moves someone's progress, the stored counts equal a count of the progress rows from
scratch, and the report shows what counting the active people's rows would show.

Uses the small content of test_certification (a quiz-issued Basic, a trainer-issued Advanced).
"""

from datetime import date

from sqlalchemy import case, func, select, text

from lms.accounts import service as accounts
from lms.assessment.models import QuizAttempt
from lms.certification import service
from lms.certification.models import CertificationPipeline, CertificationProgress
from lms.extensions import db
from lms.reports import service as reports
from tests.app import test_certification as small

# the small content, its clock and its people
app_config, clock, content_dir, people = (
    small.app_config, small.clock, small.content_dir, small.people,
)  # fmt: skip
as_user, pass_quiz = small.as_user, small.pass_quiz


def stored() -> dict[tuple[str, str], tuple[int, int, int]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(
            CertificationPipeline.certification_id,
            CertificationPipeline.state,
            CertificationPipeline.people,
            CertificationPipeline.due,
            CertificationPipeline.renewing,
        )
    )
    return {(c, s): (n, due, renew) for c, s, n, due, renew in rows if n or due or renew}


def from_scratch(active_only: bool = False) -> dict[tuple[str, str], tuple[int, int, int]]:
    from lms.accounts.models import User

    progress = CertificationProgress
    query = select(
        progress.certification_id,
        progress.state,
        func.count(),
        func.sum(case((progress.due.is_(True), 1), else_=0)),
        func.sum(case((progress.renewing.is_(True), 1), else_=0)),
    ).group_by(progress.certification_id, progress.state)
    if active_only:
        query = query.join(User, User.id == progress.user_id).where(User.active.is_(True))
    return {(c, s): (n, int(due), int(renew)) for c, s, n, due, renew in db.session.execute(query)}


def report_counts(viewer) -> dict[tuple[str, str], int]:
    found = reports.pipeline(viewer, reports.Filters(), date(2026, 3, 2))
    return {(c, s): n for c, by_state in found.states.items() for s, n in by_state.items()}


def assert_in_step(viewer) -> None:
    assert stored() == from_scratch()
    everyone = from_scratch(active_only=True)
    assert report_counts(viewer) == {key: n for key, (n, _, _) in everyone.items()}
    found = reports.pipeline(viewer, reports.Filters(), date(2026, 3, 2))
    ready: dict[str, int] = {}
    for (cert_id, _), (_, due, _) in everyone.items():
        ready[cert_id] = ready.get(cert_id, 0) + due
    assert found.ready == ready


def test_the_stored_pipeline_follows_every_event(client, login, people, runner):
    learner, manager, trainer = people["learner"], people["manager"], people["trainer"]
    assert runner.invoke(args=["certifications", "recompute"]).exit_code == 0
    assert stored() and stored() == from_scratch()
    assert_in_step(trainer)
    login(learner)
    pass_quiz(client, "mini")  # Basic issued: in progress -> certified
    assert stored()[("basic", "certified")][0] == 1
    assert_in_step(trainer)
    client.post("/certifications/advanced/approvals/manager")
    approval_id = service.approvals_of(learner.id)[0].id
    as_user(client, login, manager)
    client.post(f"/approvals/{approval_id}", data={"decision": "approve"})
    as_user(client, login, learner)
    pass_quiz(client, "final")  # Advanced: ready, due for a trainer
    assert stored()[("advanced", "ready")] == (1, 1, 0)
    assert_in_step(trainer)
    as_user(client, login, trainer)
    client.post(f"/people/{learner.id}/certifications/advanced/issue", data={"note": ""})
    assert ("advanced", "ready") not in stored()
    assert_in_step(trainer)
    held = service.held_certificates([learner.id])[learner.id][0]
    client.post(f"/certificates/{held.id}/revoke", data={"reason": "Taken by someone else"})
    assert_in_step(trainer)
    # deactivated people stay counted in the table and leave the report; back, they return
    accounts.set_active(db.session.merge(learner), False, actor=trainer)
    db.session.commit()
    assert stored() == from_scratch() and report_counts(trainer) != {
        key: n for key, (n, _, _) in from_scratch().items()
    }
    assert_in_step(trainer)
    accounts.set_active(db.session.merge(learner), True, actor=trainer)
    db.session.commit()
    assert_in_step(trainer)
    assert runner.invoke(args=["certifications", "recompute"]).exit_code == 0
    assert_in_step(trainer)


def test_deleting_a_person_takes_their_progress_out(people, runner):
    other, trainer = people["other"], people["trainer"]
    assert runner.invoke(args=["certifications", "recompute"]).exit_code == 0
    before = stored()
    accounts.delete_user(db.session.merge(other), actor=trainer)
    db.session.commit()
    assert stored() == from_scratch() != before
    assert_in_step(trainer)
    # a refused delete (training records) leaves the counts as they were
    learner = people["learner"]
    db.session.add(
        QuizAttempt(
            user_id=learner.id, quiz_id="mini", number=1, status="submitted", seed=1,
            content_hash="h", questions=[], option_orders={}, quiz_title="Q", review="never",
            pass_score=60, multiple_scoring="all_or_nothing", percent=0.0, passed=False,
        )
    )  # fmt: skip
    db.session.commit()
    kept = stored()
    try:
        accounts.delete_user(db.session.merge(learner), actor=trainer)
    except Exception as exc:  # noqa: BLE001 - the ServiceError saying why
        assert "training records" in str(exc)
    db.session.commit()
    assert stored() == kept == from_scratch()


def test_concurrent_refreshes_count_once(app, people):
    """Two evaluations of the same person at once move the counts once, not twice."""
    errors = small.refresh_at_once(app, people["learner"], date(2026, 3, 2))
    # SQLite may refuse the loser outright ("database is locked"); it must never count twice.
    assert all("locked" in str(e) for e in errors), errors
    assert stored() == from_scratch()
    assert sum(n for n, _, _ in stored().values()) == 2  # one row per certification


def test_the_migration_counts_the_progress_already_stored(tmp_path):
    """Upgrading past 0015_certrep fills the counts from the progress rows; downgrading
    drops them, and upgrading again counts afresh."""
    from flask_migrate import downgrade, upgrade

    from lms import create_app
    from tests.conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path}/old.sqlite"))
    with app.app_context():
        upgrade(revision="0015_quizrep")
        with db.engine.begin() as connection:
            for user_id, active in ((1, 1), (2, 0)):
                connection.execute(
                    text(
                        'INSERT INTO "user" (id, email, name, password_hash, role, active, '
                        "created_at) VALUES (:id, :email, 'A', 'x', 'learner', :active, "
                        "'2026-01-05 00:00:00')"
                    ),
                    {"id": user_id, "email": f"p{user_id}@example.com", "active": active},
                )
                for cert_id, state, due in (("a", "ready", 1), ("b", "in_progress", 0)):
                    connection.execute(
                        text(
                            "INSERT INTO certification_progress (user_id, certification_id, "
                            "state, met, total, due, renewing, updated_at) VALUES (:u, :c, :s, "
                            "1, 2, :due, 0, '2026-01-05 00:00:00')"
                        ),
                        {"u": user_id, "c": cert_id, "s": state, "due": due},
                    )
        upgrade()
        expected = {("a", "ready"): (2, 2, 0), ("b", "in_progress"): (2, 0, 0)}
        assert stored() == expected == from_scratch()
        downgrade(revision="0015_quizrep")
        upgrade()
        assert stored() == expected
        db.session.remove()
        db.engine.dispose()
