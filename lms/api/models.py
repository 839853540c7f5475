"""API state: access tokens (stored hashed) and the queue of xAPI statements."""

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db, status_type
from lms.timeutil import utcnow


class TokenKind(enum.StrEnum):
    """personal (made by a person on their account page) or service (made by an admin)."""

    PERSONAL = "personal"
    SERVICE = "service"


class ApiToken(db.Model):
    """A bearer token: only the SHA-256 of its secret is kept, so it is shown once.

    A token acts as its `user` (a service token's user is the admin who made it, or the
    account named for the integration) and is limited further by its scopes.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TokenKind] = mapped_column(
        status_type(TokenKind, "kind"), default=TokenKind.PERSONAL
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists, so a token is recognised
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))  # space separated
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    @property
    def scope_set(self) -> frozenset[str]:
        """The token's scopes as a set."""
        return frozenset(self.scopes.split())


def new_statement_id() -> str:
    """A fresh statement id (UUID 4), fixed once so a retried send never makes a duplicate."""
    return str(uuid.uuid4())


class XapiStatement(db.Model):
    """One xAPI statement waiting to be sent to the Learning Record Store, or sent."""

    __tablename__ = "xapi_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_statement_id)
    # What the statement is about, so an event announced twice is queued once.
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
