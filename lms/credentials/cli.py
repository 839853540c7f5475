"""`flask --app lms credentials ...`: signing keys (keygen, list, retire-key) and verify."""

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from lms.credentials import keys, service
from lms.errors import ServiceError
from lms.transaction import transactional

credentials_cli = AppGroup(
    "credentials", help="Signed credentials: the issuer's keys, and checking a credential."
)


@credentials_cli.command("keygen")
def keygen():
    """Make a new Ed25519 signing key under instance/keys/ (it signs from now on).

    Older keys keep only their public half and stay in the JWKS, so what they signed
    still verifies, until `credentials retire-key KID`.
    """
    folder = service.keys_folder()
    key = keys.generate(folder)
    click.echo(f"New signing key {key.kid} in {folder}.")
    older = [k.kid for k in keys.load_keys(folder) if k.kid != key.kid]
    if older:
        click.echo(f"Still published for verifying: {', '.join(older)}.")


@credentials_cli.command("list-keys")
def list_keys():
    """List the issuer's keys, newest first, and which one signs."""
    found = list(reversed(keys.load_keys(service.keys_folder())))
    if not found:
        click.echo(f"No keys yet: run `{keys.KEYGEN_COMMAND}`.")
    for key in found:
        role = "signs" if key.private else "verifies only"
        click.echo(f"{key.kid}  made {key.created:%Y-%m-%d %H:%M} UTC  {role}")


@credentials_cli.command("retire-key")
@click.argument("kid")
def retire_key(kid: str):
    """Remove key KID from the JWKS: credentials it signed stop verifying."""
    try:
        keys.retire(service.keys_folder(), kid)
    except keys.KeyProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Retired {kid}: it is no longer published.")


@credentials_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--schema",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also validate against this JSON schema (1EdTech's achievementcredential.json).",
)
@transactional
def verify(file: Path, schema: Path | None):
    """Check a downloaded credential FILE (our .json or a bare VC-JWT), printing each check.

    Signature against the issuer's JWKS, the Open Badges structure (or a JSON schema),
    the validity dates and the certificate's current status. Exits 1 if any check fails.
    """
    try:
        token = service.read_token(file.read_text(encoding="utf-8"))
    except (ServiceError, UnicodeDecodeError) as exc:
        raise click.ClickException(getattr(exc, "message", str(exc))) from None
    schema_json = json.loads(schema.read_text(encoding="utf-8")) if schema else None
    checks = service.verify_token(token, schema_json)
    for check in checks:
        click.echo(f"[{'pass' if check.passed else 'FAIL'}] {check.name}: {check.detail}")
    if all(check.passed for check in checks):
        click.echo("The credential is genuine and current.")
        return
    click.echo("The credential does NOT verify.", err=True)
    sys.exit(1)
