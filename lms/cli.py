"""Command-line groups, registered on the app (`flask --app lms --help` lists them).

Each group is imported when one of its commands runs, its help is shown or it is completed,
not when the app is made: a worker never runs a command, and the command modules import
what only they need (the bank parsers and writers, the demo data, the xAPI sender).
"""

from importlib import import_module

import click
from flask import Flask

# Each group: its name, where it is ("module:attribute") and the help `flask --help` shows
# (the group's own; tests/app/test_cli.py checks they agree).
GROUPS = (
    ("users", "lms.accounts.cli:users_cli", "Create, import, and manage user accounts."),
    ("demo", "lms.demo:demo_cli", "Demo data for trying the platform (refused in production)."),
    ("content", "lms.catalog:content_cli", "Training content: validate the content folder."),
    (
        "onboarding",
        "lms.onboarding.cli:onboarding_cli",
        "Onboarding plans: assign tracks to people, count plans again.",
    ),
    (
        "quiz",
        "lms.assessment.cli:quiz_cli",
        "Quizzes: close expired attempts, rebuild statistics, import question banks "
        "(GIFT, Moodle XML, Aiken) and export them (GIFT, Moodle XML).",
    ),
    (
        "certifications",
        "lms.certification.cli:certifications_cli",
        "Certifications: checklists, issue, revoke, recompute.",
    ),
    (
        "notify",
        "lms.notifications.cli:notify_cli",
        "Reminder emails: the daily digest and the outbox.",
    ),
    (
        "credentials",
        "lms.credentials.cli:credentials_cli",
        "Signed credentials: the issuer's keys, and checking a credential.",
    ),
    ("api", "lms.api.cli:api_cli", "API access tokens (service tokens for integrations)."),
    ("xapi", "lms.api.cli:xapi_cli", "Learning events as xAPI statements: send and export."),
)

ROSTER_IMPORT = ("lms.roster.cli:import_roster",)  # `flask users import`


class LazyGroup(click.Group):
    """A command group that stands for one defined elsewhere ("module:attribute") and
    imports it only when it is used: parsing its options and commands, listing them."""

    def __init__(self, name: str, target: str, help: str, extra: tuple[str, ...] = ()) -> None:
        super().__init__(name, help=help)
        self.target = target
        self.extra = extra  # commands defined elsewhere that join the group

    def group(self) -> click.Group:
        """The group this stands for, with its extra commands."""
        found = _find(self.target)
        for target in self.extra:
            found.add_command(_find(target))
        return found

    def make_context(self, info_name, args, parent=None, **extra):
        """Parse with the real group, which then runs the command."""
        return self.group().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx) -> list[str]:
        """The real group's command names."""
        return self.group().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        """One of the real group's commands."""
        return self.group().get_command(ctx, cmd_name)


def _find(target: str):
    module, _, attribute = target.partition(":")
    return getattr(import_module(module), attribute)


def register(app: Flask) -> None:
    """Add every command group to the app's CLI."""
    for name, target, help_text in GROUPS:
        extra = ROSTER_IMPORT if name == "users" else ()
        app.cli.add_command(LazyGroup(name, target, help_text, extra))
