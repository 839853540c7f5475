"""The navigation bar: which links each user sees, asked of the permissions module."""

from flask import Flask, request, url_for
from flask_login import current_user
from markupsafe import Markup

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


# bars kept: far more than roles x pages x mount points; a clear costs one redraw of each
BARS_KEPT = 5_000


def register(app: Flask) -> None:
    """Expose navigation() and allowed() to templates."""
    # The links depend on the role only (the rules above take no learner), and their URLs on
    # the app's mount point; the bar's markup on those and the page it is shown on. Each is
    # worked out once and kept: at most roles x pages entries.
    links: dict[tuple, tuple[list, list]] = {}
    bars: dict[tuple, Markup] = {}

    def navigation() -> Markup:
        """The bar's links the signed-in user sees, the current page's marked."""
        user = current_user._get_current_object()
        key = (user.role, user.is_active, request.script_root)
        bar = bars.get((*key, request.endpoint))
        if bar is None:
            if key not in links:
                links[key] = tuple(
                    [(endpoint, label, url_for(endpoint))
                     for endpoint, label, action in items
                     if action is None or allowed(user, action)]
                    for items in (NAV, MANAGE)
                )  # fmt: skip
            nav, manage = links[key]
            template = app.jinja_env.get_template("_nav.html")
            bar = Markup(template.render(nav=nav, manage=manage, here=request.endpoint))
            if len(bars) >= BARS_KEPT:  # only many mount points could fill it
                bars.clear()
            bars[(*key, request.endpoint)] = bar
        return bar

    app.jinja_env.globals.update(navigation=navigation, allowed=allowed)
