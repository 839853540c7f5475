"""`flask --app lms api ...` (tokens) and `flask --app lms xapi ...` (the statement queue)."""

from datetime import date

import click
from flask.cli import AppGroup

from lms.accounts import service as accounts
from lms.api import tokens, xapi
from lms.api.models import TokenKind
from lms.catalog import current_catalog
from lms.errors import ServiceError
from lms.timeutil import today
from lms.transaction import transactional, unit_of_work

api_cli = AppGroup("api", help="API access tokens (service tokens for integrations).")
xapi_cli = AppGroup("xapi", help="Learning events as xAPI statements: send and export.")


@api_cli.command("create-token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for.")
@click.option(
    "--scope", "scopes", multiple=True, required=True, type=click.Choice(sorted(tokens.SCOPES))
)
@click.option("--days", type=int, default=None, help="Expire after this many days.")
@click.option("--service", is_flag=True, help="A service token for an integration.")
@transactional
def create_token(email: str, name: str, scopes: tuple[str], days: int | None, service: bool):
    """Make a token acting as EMAIL; the secret is printed once, on the last line."""
    user = accounts.get_by_email(email)
    if user is None:
        raise ServiceError(f"No user with the email {email}.")
    kind = TokenKind.SERVICE if service else TokenKind.PERSONAL
    made = tokens.create_token(user, name=name, scopes=scopes, days=days, kind=kind)
    click.echo(f"Token {made.token.id} ({kind.value}, {made.token.scopes}) for {user.email}:")
    click.echo(made.secret)


@api_cli.command("list-tokens")
def list_tokens():
    """List the service tokens (never their secrets)."""
    for token, email in tokens.service_tokens():
        state = "revoked" if token.revoked_at else "active"
        expires = token.expires_at.date().isoformat() if token.expires_at else "never"
        click.echo(f"{token.id}\t{token.prefix}…\t{email}\t{token.name}\t{token.scopes}\t"
                   f"expires {expires}\t{state}")  # fmt: skip


@api_cli.command("revoke-token")
@click.argument("token_id", type=int)
@transactional
def revoke_token(token_id: int):
    """Revoke a token by its id (see list-tokens)."""
    token = tokens.get_token(token_id)
    if token is None:
        raise ServiceError(f"No token with the id {token_id}.")
    tokens.revoke(token, actor=None)
    click.echo(f"Token {token_id} ({token.name}) is revoked.")


@xapi_cli.command("send")
def send():
    """Send the waiting statements to the LRS in batches (safe to rerun; run from cron)."""
    with unit_of_work():
        expired = xapi.queue_expired_certificates(current_catalog(), today())
    result = xapi.send_waiting()
    if result.no_lrs:
        click.echo(
            f"No LRS is configured (XAPI_LRS_URL); {result.waiting} statement(s) stay queued "
            f"({expired} expiry statement(s) added). Use `xapi export` to read them."
        )
        return
    click.echo(f"{result.sent} statement(s) sent, {result.waiting} waiting.")
    if result.error:
        click.echo(f"The LRS refused or could not be reached: {result.error}", err=True)
        click.echo("The statements stay queued and are retried on the next run.", err=True)
        raise SystemExit(1)


@xapi_cli.command("export")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--output", type=click.File("w"), default="-", help="A file (default: stdout).")
def export(since, output):
    """Write every statement queued since DATE (sent or not) as JSON lines."""
    count = 0
    for line in xapi.export_lines(date(since.year, since.month, since.day)):
        output.write(line + "\n")
        count += 1
    click.echo(f"{count} statement(s) exported.", err=True)
