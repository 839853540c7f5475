"""The navigation bar: which links each user sees, asked of the permissions module."""

from flask import Flask, request, url_for
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
    # The links depend on the role only (the rules above take no learner), and their URLs on
    # the app's mount point: work them out once per role, not on every page.
    built: dict[tuple, list[tuple[str, str, str]]] = {}

    def visible(name: str, items) -> list[tuple[str, str, str]]:
        """(endpoint, label, URL) of each link of `items` the signed-in user sees."""
        user = current_user._get_current_object()
        key = (name, user.role, user.is_active, request.script_root)
        shown = built.get(key)
        if shown is None:
            shown = [
                (endpoint, label, url_for(endpoint))
                for endpoint, label, action in items
                if action is None or allowed(user, action)
            ]
            built[key] = shown
        return shown

    app.jinja_env.globals.update(
        nav_items=lambda: visible("nav", NAV),
        manage_items=lambda: visible("manage", MANAGE),
        allowed=allowed,
    )
