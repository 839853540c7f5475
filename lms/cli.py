"""Command-line groups, registered on the app (`flask --app lms --help` lists them)."""

from flask import Flask


def register(app: Flask) -> None:
    """Add every command group to the app's CLI."""
    from lms.accounts.cli import users_cli
    from lms.api.cli import api_cli, xapi_cli
    from lms.assessment.cli import quiz_cli
    from lms.catalog import content_cli
    from lms.certification.cli import certifications_cli
    from lms.credentials.cli import credentials_cli
    from lms.demo import demo_cli
    from lms.notifications.cli import notify_cli
    from lms.onboarding.cli import onboarding_cli
    from lms.roster.cli import import_roster

    users_cli.add_command(import_roster)

    groups = (
        users_cli, demo_cli, content_cli, onboarding_cli, quiz_cli, certifications_cli,
        notify_cli, credentials_cli, api_cli, xapi_cli,
    )  # fmt: skip
    for group in groups:
        app.cli.add_command(group)
