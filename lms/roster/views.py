"""Roster import pages (admins): upload a CSV, read the preview, import.

Route table (blueprint `roster`):

    GET  /admin/roster          upload   the upload form
    POST /admin/roster          upload   preview what the file would do
    POST /admin/roster/import   confirm  import a file whose preview was clean
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.utils import secure_filename

from lms.catalog import current_catalog, weekly_track_ids
from lms.notifications import mail
from lms.permissions import require
from lms.roster import service
from lms.roster.forms import RosterConfirmForm, RosterUploadForm
from lms.web import commit_or_report

roster_bp = Blueprint("roster", __name__, url_prefix="/admin/roster")


@roster_bp.route("", methods=["GET", "POST"])
@login_required
@require("import_roster")
def upload():
    """Upload a roster CSV and see a preview of what it would do."""
    form = RosterUploadForm()
    preview = text = filename = None
    if form.validate_on_submit():
        filename = secure_filename(form.roster.data.filename or "") or "roster.csv"
        raw = form.roster.data.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            form.roster.errors = ["The file is not UTF-8 text. Save it as CSV UTF-8."]
        else:
            preview = service.preview_roster(text, track_ids=weekly_track_ids())
    confirm = None
    if preview is not None and preview.ok:
        confirm = RosterConfirmForm(content=text, filename=filename)
    return render_template(
        "roster/upload.html", form=form, preview=preview, confirm=confirm, filename=filename
    )


@roster_bp.route("/import", methods=["POST"])
@login_required
@require("import_roster")
def confirm():
    """Import a roster whose preview was clean; nothing is written if any row is bad."""
    form = RosterConfirmForm()
    if not form.validate_on_submit():
        flash("Upload the roster again.", "danger")
        return redirect(url_for("roster.upload"))
    preview = service.preview_roster(form.content.data, track_ids=weekly_track_ids())
    if not preview.ok:
        flash(f"The roster has {preview.error_count} error(s); nothing was imported.", "danger")
        return render_template(
            "roster/upload.html", form=RosterUploadForm(), preview=preview, confirm=None,
            filename=form.filename.data,
        )  # fmt: skip

    def write():
        counts = service.apply_roster(preview, current_catalog(), actor=current_user)
        invited = service.invite_new_people(preview, actor=current_user) if form.invite.data else []
        return counts, invited

    ok, result = commit_or_report(None, write)
    if ok:
        counts, invited = result
        mail.deliver_now(invited)
        flash(
            f"Roster imported: {counts['create']} created, {counts['update']} updated, "
            f"{counts['unchanged']} unchanged"
            + (f"; {len(invited)} invitation(s) sent." if form.invite.data else "."),
            "success",
        )
        if counts["create"] and not form.invite.data:
            flash(
                f"The {counts['create']} new {'person' if counts['create'] == 1 else 'people'} "
                "cannot sign in yet: invite them from each one's Edit page (an email with a "
                "link to choose a password), or set a password there and give it in person.",
                "info",
            )
    return redirect(url_for("admin.users"))
