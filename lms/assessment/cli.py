"""`flask --app lms quiz ...`: close expired attempts, GIFT import and export."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from lms.assessment import attempts, statistics
from lms.catalog import current_catalog
from lms.content.gift import dump_gift, parse_gift, slugify, to_quiz_yaml
from lms.transaction import transactional

quiz_cli = AppGroup(
    "quiz", help="Quizzes: close expired attempts, rebuild statistics, import and export GIFT."
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
    """Recompute the item statistics' running sums from every graded answer."""
    rows = statistics.rebuild_question_stats()
    click.echo(f"Rebuilt statistics for {rows} question(s).")


@quiz_cli.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "quiz_id", required=True, help="Id of the new quiz (a lowercase slug).")
@click.option("--title", default=None, help="Quiz title (default: from the id).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the quiz YAML here (default: standard output).",
)
def import_gift(file: Path, quiz_id: str, title: str | None, out: Path | None):
    """Convert a GIFT file to quiz YAML; what cannot be converted is listed on stderr."""
    if slugify(quiz_id) != quiz_id:
        raise click.BadParameter(
            "use a lowercase slug (a-z, 0-9, single hyphens)", param_hint="--id"
        )
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        click.echo(f"Error: {file} is not UTF-8 text.", err=True)
        sys.exit(1)
    result = parse_gift(text)
    for line, reason in result.skipped:
        click.echo(f"{file}:{line}: skipped: {reason}", err=True)
    if not result.questions:
        click.echo(f"Error: no question in {file} could be converted.", err=True)
        sys.exit(1)
    document = to_quiz_yaml(
        quiz_id, title or quiz_id.replace("-", " ").capitalize(), result.questions
    )
    if out is None:
        click.echo(document, nl=False)
    else:
        out.write_text(document, encoding="utf-8")
        click.echo(
            f"Wrote {len(result.questions)} question(s) to {out}; skipped {len(result.skipped)}.",
            err=True,
        )


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
