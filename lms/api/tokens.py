"""Access tokens: made, listed, revoked, and checked on every API request.

A token is `lms_` followed by 40 random URL-safe characters; only its SHA-256 is stored,
so it is shown once, when made. A token acts as its person, limited to its scopes.
Services flush; the request or command that called them commits.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from lms import audit
from lms.accounts.models import Role, User
from lms.api.models import ApiToken, TokenKind
from lms.errors import ServiceError
from lms.extensions import db
from lms.timeutil import utcnow

TOKEN_PREFIX = "lms_"
SCOPES = {
    "people:read": "read people (those the token's person may see) and their progress",
    "people:write": "create, update and deactivate people (the roster; admins only)",
    "records:read": "read attempts, labs, evidence, certifications and training records",
}
NAME_MAX = 100
MAX_DAYS = 366
# How often last_used_at is written: not on every request, so a busy token costs no writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """A token just made: the row, and its secret (never stored, shown this once)."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    """The stored form of a token's secret (SHA-256, hex)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def check_scopes(scopes) -> list[str]:
    """Return the scopes, known and without repeats, or raise ServiceError naming the first bad."""
    wanted = []
    for scope in scopes or ():
        if scope not in SCOPES:
            known = ", ".join(SCOPES)
            raise ServiceError(f"Unknown scope {scope!r}; choose from {known}.", "scopes")
        if scope not in wanted:
            wanted.append(scope)
    if not wanted:
        raise ServiceError("Choose at least one scope.", "scopes")
    return wanted


def create_token(
    user: User,
    *,
    name: str,
    scopes,
    days: int | None,
    kind: TokenKind = TokenKind.PERSONAL,
    actor: User | None = None,
) -> NewToken:
    """Make a token for `user`; `days` None means it never expires (service tokens only)."""
    name = (name or "").strip()
    if not name:
        raise ServiceError("Give the token a name, so you recognise it later.", "name")
    if len(name) > NAME_MAX:
        raise ServiceError(f"The name is longer than {NAME_MAX} characters.", "name")
    wanted = check_scopes(scopes)
    if "people:write" in wanted and user.role != Role.ADMIN:
        raise ServiceError("Only an admin's token may have people:write.", "scopes")
    if days is None and kind == TokenKind.PERSONAL:
        raise ServiceError("A personal token needs an expiry.", "days")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ServiceError(f"The expiry must be 1 to {MAX_DAYS} days.", "days")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(30)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        kind=kind,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_secret(secret),
        scopes=" ".join(wanted),
        created_at=now,
        expires_at=None if days is None else now + timedelta(days=days),
        created_by_id=(actor or user).id,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        f"api_token.create_{kind.value}",
        actor=actor or user,
        target=user,
        obj=token,
        detail=f"{name}: {' '.join(wanted)}",
    )
    return NewToken(token, secret)


def tokens_of(user: User) -> list[ApiToken]:
    """The person's tokens, newest first (revoked ones included, for the record)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def service_tokens() -> list[tuple[ApiToken, str]]:
    """Every service token with its person's email, newest first."""
    rows = db.session.execute(
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.kind == TokenKind.SERVICE)
        .order_by(ApiToken.id.desc())
    )
    return [(token, email) for token, email in rows]


def revoke(token: ApiToken, *, actor: User) -> None:
    """Stop a token working from now on (revoking twice changes nothing)."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    audit.record("api_token.revoke", actor=actor, target=None, obj=token, detail=token.name)
    db.session.flush()


def get_token(token_id: int) -> ApiToken | None:
    """The token with this id, or None."""
    return db.session.get(ApiToken, token_id)


@dataclass(frozen=True)
class Caller:
    """Who an API request acts as: the token's person and the token."""

    user: User
    token: ApiToken

    def may(self, scope: str) -> bool:
        """True when the token carries this scope."""
        return scope in self.token.scope_set


def authenticate(secret: str, now: datetime | None = None) -> Caller | None:
    """The caller a bearer secret names, or None when it is unknown, expired or revoked,
    or its person is deactivated."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    found = db.session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_secret(secret))
    ).first()
    if found is None:
        return None
    token, user = found
    now = now or utcnow()
    if token.revoked_at is not None or not user.active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return Caller(user, token)
