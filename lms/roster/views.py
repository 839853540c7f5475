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
    ok, counts = commit_or_report(
        None, lambda: service.apply_roster(preview, current_catalog(), actor=current_user)
    )
    if ok:
        flash(
            f"Roster imported: {counts['create']} created, {counts['update']} updated, "
            f"{counts['unchanged']} unchanged.",
            "success",
        )
        if counts["create"]:
            flash(
                f"The {counts['create']} new {'person' if counts['create'] == 1 else 'people'} "
                "cannot sign in yet: open each one's Edit page below and use “Set a new "
                "password”, then give them the password in person. (Email invitations are "
                "not built yet.)",
                "info",
            )
    return redirect(url_for("admin.users"))
