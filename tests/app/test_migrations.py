"""The migrations build the schema from empty and match the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from lms.extensions import db


# SQLite and PostgreSQL cannot reflect the expression index on lower(email) for comparison.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_every_model_table_exists(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in db.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_question_stats_migration_backfills_from_graded_answers(tmp_path):
    """Upgrading past 0004 fills the running sums from the answers graded before it."""
    from datetime import UTC, datetime

    from flask_migrate import upgrade
    from sqlalchemy import text

    from lms import create_app
    from lms.assessment import rules
    from tests.conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path}/old.sqlite"))
    now = datetime(2026, 1, 5, tzinfo=UTC).isoformat()
    scores = {1: [1.0, 0.0, 1.0], 2: [1.0, 1.0, 0.0], 3: [0.0]}
    with app.app_context():
        upgrade(revision="0003")
        with db.engine.begin() as connection:
            connection.execute(
                text('INSERT INTO "user" (id,' " email, name, password_hash, role, active, "
                     "created_at) VALUES (1, 'a@example.com', 'A', 'x', 'learner', 1, :now)"),
                {"now": now},
            )  # fmt: skip
            for attempt_id, marks in scores.items():
                connection.execute(
                    text("INSERT INTO quiz_attempt (id, user_id, quiz_id, number, status, seed, "
                         "content_hash, questions, option_orders, quiz_title, review, pass_score, "
                         "multiple_scoring, started_at) VALUES (:id, 1, 'q', :id, 'submitted', 1, "
                         "'h', '[]', '{}', 'Q', 'never', 80, 'all_or_nothing', :now)"),
                    {"id": attempt_id, "now": now},
                )  # fmt: skip
                for position, mark in enumerate(marks):
                    connection.execute(
                        text("INSERT INTO attempt_answer (attempt_id, question_id, position, "
                             "points, score) VALUES (:a, :q, :p, 1, :s)"),
                        {"a": attempt_id, "q": f"q{position}", "p": position, "s": mark},
                    )  # fmt: skip
        upgrade()
        rows = db.session.execute(
            text("SELECT question_id, served, score_sum, paired, x, y, xx, yy, xy "
                 "FROM question_stat ORDER BY question_id")
        ).all()  # fmt: skip
        db.session.remove()
        db.engine.dispose()
    got = rules.item_statistics_from_sums(rules.ItemSums(*row) for row in rows)
    expected = rules.item_statistics(
        (a, f"q{k}", mark) for a, marks in scores.items() for k, mark in enumerate(marks)
    )
    assert [(s.question_id, s.times_served, s.facility) for s in got] == [
        (s.question_id, s.times_served, s.facility) for s in expected
    ]
    assert [s.discrimination for s in got] == [s.discrimination for s in expected]


def test_flask_db_runs_flask_migrates_commands(tmp_path):
    """`flask db` imports Flask-Migrate when it runs; its commands, options and help are
    Flask-Migrate's own."""
    from sqlalchemy import text

    from lms import create_app
    from lms.core.migrations import migration_heads
    from tests.conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path}/cli.sqlite"))
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["--help"])
    assert "Perform database migrations." in listed.output
    shown = runner.invoke(args=["db", "--help"])
    assert shown.exit_code == 0
    assert all(name in shown.output for name in ("upgrade", "downgrade", "current", "heads"))
    assert "--x-arg" in shown.output

    def version() -> set[str]:
        with app.app_context(), db.engine.connect() as connection:
            return set(connection.scalars(text("SELECT version_num FROM alembic_version")))

    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert version() == migration_heads()
    assert runner.invoke(args=["db", "-x", "unused=1", "downgrade", "0013"]).exit_code == 0
    assert version() == {"0013"}
    assert runner.invoke(args=["db", "upgrade", "head"]).exit_code == 0
    assert version() == migration_heads()
    with app.app_context():
        db.engine.dispose()


def test_team_plans_index_downgrades_and_upgrades(tmp_path):
    """0015_onbrep adds the index Team plans reads in start order, and takes it away again."""
    from flask_migrate import downgrade, upgrade

    from lms import create_app
    from tests.conftest import base_config

    name = "ix_track_assignment_start_date_track_id_user_id"
    app = create_app(base_config(f"sqlite:///{tmp_path}/index.sqlite"))
    with app.app_context():

        def indexes() -> set[str]:
            return {index["name"] for index in inspect(db.engine).get_indexes("track_assignment")}

        upgrade(revision="0015_onbrep")
        assert name in indexes()
        downgrade(revision="0014_onboarding")
        assert name not in indexes()
        upgrade(revision="0015_onbrep")
        assert name in indexes()
        db.session.remove()
        db.engine.dispose()
