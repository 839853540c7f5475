"""`flask --app lms quiz ...`: close expired attempts; GIFT, Moodle XML and Aiken import and
GIFT and Moodle XML export."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from lms.assessment import attempts, statistics
from lms.catalog import current_catalog
from lms.content.bank_files import MAX_BANK_BYTES, BankFileError
from lms.content.banks import quiz_document, read_bank, valid_quiz_id
from lms.content.gift import dump_gift
from lms.content.moodle_xml import dump_moodle_xml
from lms.transaction import transactional

quiz_cli = AppGroup(
    "quiz",
    help="Quizzes: close expired attempts, rebuild statistics, import question banks "
    "(GIFT, Moodle XML, Aiken) and export them (GIFT, Moodle XML).",
)


@quiz_cli.command("close-expired")
@transactional
def close_expired():
    """Grade every open attempt whose time limit (and grace) has passed."""
    closed = attempts.close_expired()
    click.echo(f"Closed {closed} expired attempt(s).")


@quiz_cli.command("rebuild-stats")
@transactional
def rebuild_stats():
    """Recompute the quizzes' totals and the item statistics' running sums from every graded
    attempt and answer."""
    quizzes = statistics.rebuild_quiz_totals()
    rows = statistics.rebuild_question_stats()
    click.echo(f"Rebuilt statistics for {quizzes} quiz(zes) and {rows} question(s).")


def _out_option(func):
    return click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write the quiz YAML here (default: standard output).",
    )(func)


def _located(file: Path, where: str) -> str:
    """`FILE:LINE` for a line ("line 12"), `FILE: "name"` for a Moodle question name."""
    if where.startswith("line "):
        return f"{file}:{where.removeprefix('line ')}"
    return f"{file}: {where}"


def _import_bank(file: Path, fmt: str, quiz_id: str, title: str | None, out: Path | None):
    """Convert a bank file to quiz YAML: skipped questions and notes on stderr, exit 1 if the
    file cannot be read or nothing converts; images go beside --out."""
    if not valid_quiz_id(quiz_id):
        raise click.BadParameter(
            "use a lowercase slug (a-z, 0-9, single hyphens)", param_hint="--id"
        )
    try:
        if file.stat().st_size > MAX_BANK_BYTES:
            raise BankFileError(
                f"the file is over the limit of {MAX_BANK_BYTES // 1048576} MiB: "
                "split the bank into several files."
            )
        image_dir = f"{quiz_id}-images" if out is not None else None
        bank = read_bank(file.read_bytes(), fmt, image_dir=image_dir)
    except BankFileError as exc:
        click.echo(f"Error: {file}: {exc}", err=True)
        sys.exit(1)
    for where, reason in bank.skipped:
        click.echo(f"{_located(file, where)}: skipped: {reason}", err=True)
    for where, note in bank.notes:
        click.echo(f"{_located(file, where)}: note: {note}", err=True)
    if not bank.questions:
        click.echo(f"Error: no question in {file} could be converted.", err=True)
        sys.exit(1)
    document = quiz_document(quiz_id, title, bank.questions)
    if out is None:
        click.echo(document, nl=False)
        return
    out.write_text(document, encoding="utf-8")
    for relative, data in bank.images.items():
        target = out.parent / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    images = f", {len(bank.images)} image(s) in {out.parent / image_dir}" if bank.images else ""
    click.echo(
        f"Wrote {len(bank.questions)} question(s) to {out}{images}; skipped {len(bank.skipped)}.",
        err=True,
    )


@quiz_cli.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "quiz_id", required=True, help="Id of the new quiz (a lowercase slug).")
@click.option("--title", default=None, help="Quiz title (default: from the id).")
@_out_option
def import_gift(file: Path, quiz_id: str, title: str | None, out: Path | None):
    """Convert a GIFT file to quiz YAML; what cannot be converted is listed on stderr."""
    _import_bank(file, "gift", quiz_id, title, out)


@quiz_cli.command("import-moodle-xml")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "quiz_id", required=True, help="Id of the new quiz (a lowercase slug).")
@click.option("--title", default=None, help="Quiz title (default: from the id).")
@_out_option
def import_moodle_xml(file: Path, quiz_id: str, title: str | None, out: Path | None):
    """Convert a Moodle XML bank to quiz YAML; unsupported questions are listed by name."""
    _import_bank(file, "moodle-xml", quiz_id, title, out)


@quiz_cli.command("import-aiken")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "quiz_id", required=True, help="Id of the new quiz (a lowercase slug).")
@click.option("--title", default=None, help="Quiz title (default: from the id).")
@_out_option
def import_aiken(file: Path, quiz_id: str, title: str | None, out: Path | None):
    """Convert an Aiken file to quiz YAML; every malformed question is listed by line."""
    _import_bank(file, "aiken", quiz_id, title, out)


@quiz_cli.command("export-gift")
@click.argument("quiz_id")
def export_gift(quiz_id: str):
    """Write a quiz's questions as GIFT to standard output (unsupported types on stderr)."""
    quiz = current_catalog().quizzes.get(quiz_id)
    if quiz is None:
        click.echo(f"Error: no quiz {quiz_id!r}.", err=True)
        sys.exit(1)
    text, skipped = dump_gift([attempts.question_dict(q) for q in quiz.questions])
    for question_id in skipped:
        click.echo(f"skipped {question_id}: GIFT cannot hold this question type", err=True)
    click.echo(text, nl=False)


@quiz_cli.command("export-moodle-xml")
@click.argument("quiz_id")
def export_moodle_xml(quiz_id: str):
    """Write a quiz's questions as Moodle XML to standard output (unsupported ones on stderr)."""
    quiz = current_catalog().quizzes.get(quiz_id)
    if quiz is None:
        click.echo(f"Error: no quiz {quiz_id!r}.", err=True)
        sys.exit(1)
    text, skipped = dump_moodle_xml([attempts.question_dict(q) for q in quiz.questions])
    for question_id in skipped:
        click.echo(f"skipped {question_id}: Moodle XML cannot hold its answer pattern", err=True)
    click.echo(text, nl=False)
