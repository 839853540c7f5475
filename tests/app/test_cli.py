"""The CLI calls the same services as the pages."""

import click
from sqlalchemy import func, select

from lms.accounts import service
from lms.accounts.models import Role, User
from lms.audit import AuditEvent
from lms.certification.models import Certificate, CertificationProgress
from lms.extensions import db


def test_users_create_set_role_deactivate(runner):
    result = runner.invoke(
        args=["users", "create", "Cli@Example.com", "--name", "Cli User", "--role", "learner",
              "--password", "a-long-password-1"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created cli@example.com" in result.output
    result = runner.invoke(args=["users", "set-role", "cli@example.com", "trainer"])
    assert result.exit_code == 0
    result = runner.invoke(args=["users", "deactivate", "cli@example.com"])
    assert result.exit_code == 0
    db.session.expire_all()
    user = service.get_by_email("cli@example.com")
    assert user.role == Role.TRAINER and not user.active
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"user.create", "user.set_role", "user.deactivate"} <= set(actions)


def test_users_create_refuses_short_password_and_duplicates(runner, make_user):
    make_user(email="taken@example.com")
    result = runner.invoke(
        args=["users", "create", "x@example.com", "--name", "X", "--password", "short"]
    )
    assert result.exit_code == 1 and "at least 12" in result.output
    result = runner.invoke(
        args=["users", "create", "TAKEN@example.com", "--name", "X", "--password", "x" * 12]
    )
    assert result.exit_code == 1 and "already exists" in result.output


def test_users_import_reports_rows_and_writes_nothing(runner, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "email,name,role,team,manager_email,mentor_email,start_date\n"
        "a@example.com,A,learner,SRE,,,2026-01-05\n"
        "b@example.com,B,chef,SRE,,,2026-01-05\n"
    )
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: role: 'chef' is not one of" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_users_import_then_again(runner, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "email,name,role,team,manager_email,mentor_email,start_date\n"
        "a@example.com,A,learner,SRE,,,2026-01-05\n"
    )
    assert "1 create" in runner.invoke(args=["users", "import", str(path)]).output
    assert "1 unchanged" in runner.invoke(args=["users", "import", str(path)]).output


def test_demo_seed_is_idempotent(runner):
    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    emails = set(db.session.scalars(select(User.email)))
    assert emails == {
        "newhire@example.com", "engineer@example.com", "mentor@example.com",
        "trainer@example.com", "admin@example.com", "pro@example.com",
    }  # fmt: skip
    # The certifications the demo promises, once each however often it runs.
    held = db.session.execute(
        select(User.email, Certificate.certification_id, Certificate.revoked_at.is_not(None))
        .join(User, User.id == Certificate.user_id)
        .order_by(User.email, Certificate.certification_id)
    ).all()
    assert [tuple(row) for row in held] == [
        ("engineer@example.com", "associate", False),
        ("mentor@example.com", "associate", False),
        ("mentor@example.com", "incident-response", False),
        ("pro@example.com", "associate", False),
        ("pro@example.com", "performance-tuning-specialist", True),
    ]
    ready = db.session.scalars(
        select(CertificationProgress.certification_id).where(CertificationProgress.due.is_(True))
    ).all()
    assert ready == ["professional"]
    mentor = service.get_by_email("mentor@example.com")
    for email in ("newhire@example.com", "engineer@example.com"):
        assert service.get_by_email(email).mentor_id == mentor.id
    assert service.authenticate("newhire@example.com", "demo-pass-2026") is not None


def test_demo_seed_refuses_production(runner, app):
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 1
    assert "refusing" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_each_lazy_command_group_is_the_group_it_stands_for(app):
    """`flask --help` shows each group's help before importing it: the same help as the group's
    own, for the group of that name, with its commands."""
    from lms.cli import LazyGroup

    lazy = {name: cmd for name, cmd in app.cli.commands.items() if isinstance(cmd, LazyGroup)}
    assert set(lazy) == {
        "users", "demo", "content", "onboarding", "quiz", "certifications", "notify",
        "credentials", "api", "xapi", "db",
    }  # fmt: skip
    for name, command in lazy.items():
        group = command.group()
        assert isinstance(group, click.Group) and not isinstance(group, LazyGroup)
        assert (group.name, group.help) == (name, command.help)
        assert group.commands and command.list_commands(None) == group.list_commands(None)
    assert {"create", "import"} <= set(lazy["users"].group().commands)


def test_a_lazy_groups_options_and_help_are_the_real_ones(runner):
    shown = runner.invoke(args=["users", "import", "--help"])
    assert shown.exit_code == 0
    assert "--dry-run" in shown.output and "Import a roster CSV" in shown.output
    refused = runner.invoke(args=["quiz", "no-such-command"])
    assert refused.exit_code == 2 and "No such command" in refused.output
