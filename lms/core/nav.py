"""The navigation bar: which links each user sees, asked of the permissions module."""

from flask import Flask
from flask_login import current_user

from lms.permissions import allowed

# endpoint, label, permission needed (None: every signed-in user)
NAV = [
    ("core.home", "Home", None),
    ("onboarding.my_plan", "My plan", "follow_own_plan"),
    ("library.index", "Library", None),
    ("learning.modules", "Modules", None),
    ("labs.labs", "Labs", None),
    ("assessment.quizzes", "Quizzes", None),
    ("practice.my_labs", "My labs", "follow_own_plan"),
    ("practice.my_evidence", "My evidence", "follow_own_plan"),
    ("practice.reviews", "Reviews", "review_labs"),
    ("practice.verify_queue", "Verify", "view_mentees"),
    ("certification.mine", "Certifications", "follow_own_plan"),
    ("reports.my_record", "My record", "follow_own_plan"),
    ("certification.queue", "Ready to certify", "issue_certificates"),
    ("people.mentees", "People", "view_mentees"),
    ("reports.index", "Reports", "view_mentees"),
]
# the training team's and admins' tools, under one "Manage" menu so the bar fits one line
MANAGE = [
    ("onboarding.team", "Team plans", "assign_tracks"),
    ("banks.import_bank", "Import questions", "import_questions"),
    ("admin.users", "Users", "view_roster"),
    ("roster.upload", "Roster import", "import_roster"),
    ("admin.audit_log", "Audit log", "view_audit_log"),
]


def register(app: Flask) -> None:
    """Expose nav_items(), manage_items() and allowed() to templates."""

    def visible(items):
        return [item for item in items if item[2] is None or allowed(current_user, item[2])]

    app.jinja_env.globals.update(
        nav_items=lambda: visible(NAV), manage_items=lambda: visible(MANAGE), allowed=allowed
    )
