"""Trainers' question bank import page: upload GIFT, Moodle XML or Aiken, preview, download.

The page never writes into the content folder: it shows what the file gives and the content
check's verdict on the quiz YAML it makes, and hands that YAML back as a download to commit.
"""

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from lms.content.bank_files import MAX_BANK_BYTES, BankFileError
from lms.content.banks import FORMATS, content_check, guess_format, preview_bank, valid_quiz_id
from lms.permissions import require

banks_bp = Blueprint("banks", __name__, url_prefix="/question-banks")

UPLOAD_LIMIT = MAX_BANK_BYTES  # as on the command line; MAX_CONTENT_LENGTH caps the request
LIMIT_MIB = UPLOAD_LIMIT // 1048576
FORMAT_CHOICES = [
    SelectChoice(value, label)
    for value, label in [("auto", "Guess from the file"), *FORMATS.items()]
]


def _check_quiz_id(form: FlaskForm, field: StringField) -> None:
    if not valid_quiz_id(field.data or ""):
        raise ValidationError("Use a lowercase slug: a-z, 0-9 and single hyphens.")


class BankUploadForm(FlaskForm):
    """Upload a question bank file for a preview."""

    bank = FileField(
        "Question bank file",
        validators=[
            FileRequired("Choose a file."),
            FileAllowed(
                ["gift", "txt", "xml", "aiken"], "Upload a .gift, .txt, .xml or .aiken file."
            ),
            FileSize(
                UPLOAD_LIMIT,
                message=f"The file is over {LIMIT_MIB} MiB: split the bank.",
            ),
        ],
        description=f"GIFT (.gift or .txt), Moodle XML (.xml) or Aiken (.txt), at most "
        f"{LIMIT_MIB} MiB.",
    )
    format = SelectField("Format", choices=FORMAT_CHOICES, default="auto")
    quiz_id = StringField(
        "Quiz id",
        validators=[DataRequired(), Length(max=100), _check_quiz_id],
        description="The new quiz's id and file name, for example incident-response-bank.",
    )
    title = StringField("Title", validators=[Optional(), Length(max=200)])


class BankDownloadForm(FlaskForm):
    """Download the quiz YAML of a clean preview; the YAML travels back in the form."""

    quiz_id = HiddenField(validators=[DataRequired(), _check_quiz_id])
    document = HiddenField(validators=[DataRequired()])


@banks_bp.route("/import", methods=["GET", "POST"])
@login_required
@require("import_questions")
def import_bank():
    """Upload a bank and see what it would give, with the content check's result."""
    form = BankUploadForm()
    preview = download = None
    if form.validate_on_submit():
        upload = form.bank.data
        raw = upload.read(UPLOAD_LIMIT + 1)
        fmt = form.format.data
        if fmt == "auto":
            fmt = guess_format(upload.filename or "", raw)
        try:
            preview = preview_bank(raw, fmt, form.quiz_id.data, form.title.data, limit=UPLOAD_LIMIT)
        except BankFileError as exc:
            form.bank.errors = [*form.bank.errors, f"This file cannot be imported: {exc}"]
        else:
            if not preview.problems:
                download = BankDownloadForm(quiz_id=preview.quiz_id, document=preview.document)
    return render_template("banks/import.html", form=form, preview=preview, download=download)


@banks_bp.route("/import/download", methods=["POST"])
@login_required
@require("import_questions")
def download_quiz():
    """Send the previewed quiz YAML as a file, after checking it again."""
    form = BankDownloadForm()
    if not form.validate_on_submit():
        flash("Upload the question bank again.", "danger")
        return redirect(url_for("banks.import_bank"))
    quiz_id, document = form.quiz_id.data, form.document.data
    if content_check(quiz_id, document):
        flash("That quiz does not pass the content check; upload the bank again.", "danger")
        return redirect(url_for("banks.import_bank"))
    return Response(
        document,
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{quiz_id}.yml"'},
    )
