"""Invitations, password resets, mail preferences and the calendar feed.

Links to set a password are signed tokens (itsdangerous, under SECRET_KEY) that carry
the user's id and a fingerprint of their current password hash: setting any password
(through the link, the account page or an admin) changes the hash, so every link
issued before dies, including the one just used. They expire after
PASSWORD_RESET_HOURS (reset) or INVITATION_DAYS (invitation).

Services flush; the request or command that called them commits, then delivers the
queued mail (`mail.deliver_now`).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from lms import audit
from lms.accounts import service as accounts
from lms.accounts.models import User
from lms.content import Catalog
from lms.errors import ServiceError
from lms.extensions import db
from lms.notifications import mail
from lms.notifications.models import CalendarFeed, NotificationPreference, OutboxMessage
from lms.onboarding import service as onboarding
from lms.timeutil import utcnow

RESET = "password-reset"
INVITATION = "invitation"


# --- links to set a password ------------------------------------------------------------


@dataclass(frozen=True)
class LinkCheck:
    """What a set-password link turned out to be: the user, or why it is refused."""

    user: User | None
    problem: str | None  # None, "expired", "used" or "invalid"


class _AppClockSigner(TimestampSigner):
    """Signs and checks ages with the app's clock (lms.timeutil), which tests can move."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"lms-{purpose}", signer=_AppClockSigner
    )


def _max_age(purpose: str) -> int:
    config = current_app.config
    if purpose == RESET:
        return int(config["PASSWORD_RESET_HOURS"] * 3600)
    return int(config["INVITATION_DAYS"] * 86400)


def _fingerprint(user: User) -> str:
    """Changes whenever the password does, which kills every link issued before."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def make_link_token(user: User, purpose: str) -> str:
    """A signed token for `purpose` (reset or invitation) that only this password state accepts."""
    return _serializer(purpose).dumps({"u": user.id, "p": _fingerprint(user)})


def check_link_token(token: str, purpose: str) -> LinkCheck:
    """Return the user a link is for, or why it is refused (expired, used, invalid)."""
    try:
        payload = _serializer(purpose).loads(token, max_age=_max_age(purpose))
    except SignatureExpired:
        return LinkCheck(None, "expired")
    except BadSignature:
        return LinkCheck(None, "invalid")
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        return LinkCheck(None, "invalid")
    user = accounts.get_user(payload["u"])
    if user is None or not user.active:
        return LinkCheck(None, "invalid")
    if not hmac.compare_digest(str(payload.get("p", "")), _fingerprint(user)):
        return LinkCheck(None, "used")
    return LinkCheck(user, None)


def use_link(token: str, purpose: str, password: str) -> User:
    """Set the password a valid link allows (killing the link); ServiceError if refused."""
    check = check_link_token(token, purpose)
    if check.user is None:
        raise ServiceError(LINK_PROBLEMS[check.problem])
    try:
        accounts.set_password(check.user, password)
    except ServiceError as exc:
        raise ServiceError(exc.message, "password") from None
    action = "user.invitation_accepted" if purpose == INVITATION else "user.password_reset_by_link"
    audit.record(action, actor=check.user, target=check.user)
    return check.user


LINK_PROBLEMS = {
    "expired": "Links to set a password work for a limited time, and this one's time is up.",
    "used": "Each link works once: this one was used already, or the password was changed "
    "since it was sent.",
    "invalid": "Part of it may be missing or changed: check that you copied the whole address "
    "from the email.",
}


def invite(user: User, *, actor: User | None = None) -> OutboxMessage:
    """Queue an invitation to set a password; recorded in the audit log."""
    if not user.active:
        raise ServiceError(f"{user.email} is deactivated: reactivate the account first.")
    token = make_link_token(user, INVITATION)
    days = current_app.config["INVITATION_DAYS"]
    message = mail.build_message(
        mail.display_address(user.name, user.email),
        "You have an account on DWCP Training",
        "invitation",
        user=user,
        inviter=actor,
        link=mail.external_url("notifications.accept_invitation", invitation_token=token),
        sign_in=mail.external_url("auth.login"),
        valid_for=_days_text(days),
    )
    row = mail.queue(message, kind="invitation", user_id=user.id)
    audit.record("user.invite", actor=actor, target=user, obj=user, detail=f"valid {days:g} days")
    return row


def request_password_reset(email: str) -> OutboxMessage | None:
    """Queue a reset link if an active account has this email (callers answer the same)."""
    user = accounts.get_by_email(email)
    if user is None or not user.active:
        return None
    token = make_link_token(user, RESET)
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    message = mail.build_message(
        mail.display_address(user.name, user.email),
        "Reset your DWCP Training password",
        "password_reset",
        user=user,
        link=mail.external_url("notifications.reset_password", reset_token=token),
        forgot=mail.external_url("notifications.forgot_password"),
        valid_for=f"{hours:g} hour{'s' if hours != 1 else ''}",
    )
    row = mail.queue(message, kind="password_reset", user_id=user.id)
    audit.record("user.password_reset_requested", target=user)
    return row


def _days_text(days: float) -> str:
    return f"{days:g} day{'s' if days != 1 else ''}"


# --- preferences ------------------------------------------------------------------------


def wants_reminders(user: User) -> bool:
    """Whether the person receives reminder emails (the default is yes)."""
    preference = db.session.get(NotificationPreference, user.id)
    return preference is None or preference.reminder_emails


def set_reminder_emails(user: User, wanted: bool) -> None:
    """Turn reminder emails on or off for a person."""
    preference = db.session.get(NotificationPreference, user.id)
    if preference is None:
        preference = NotificationPreference(user_id=user.id)
        db.session.add(preference)
    preference.reminder_emails = wanted
    preference.updated_at = utcnow()
    db.session.flush()


def unsubscribe_token(user: User) -> str:
    """A signed, non-expiring token that turns a person's reminder emails off."""
    return _serializer("unsubscribe").dumps(user.id)


def user_for_unsubscribe(token: str) -> User | None:
    """The person an unsubscribe link is for, or None if it is not valid."""
    try:
        user_id = _serializer("unsubscribe").loads(token)
    except BadSignature:
        return None
    return accounts.get_user(user_id) if isinstance(user_id, int) else None


# --- calendar feed ----------------------------------------------------------------------


def _feed_token(user_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"calendar:{user_id}:{nonce}".encode(), hashlib.sha256).hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_token(user: User) -> str | None:
    """The person's current feed token, or None when they have no feed."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    return _feed_token(user.id, feed.nonce) if feed else None


def new_calendar_token(user: User) -> str:
    """Create the person's feed, or replace its token (the old link answers 404 from now)."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.nonce = secrets.token_hex(16)
    token = _feed_token(user.id, feed.nonce)
    feed.token_hash = _hash(token)
    feed.created_at = utcnow()
    db.session.flush()
    audit.record("calendar.new_link", actor=user, target=user, obj=feed)
    return token


def stop_calendar(user: User) -> None:
    """Delete the person's feed: its link answers 404."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is not None:
        db.session.delete(feed)
        audit.record("calendar.stop", actor=user, target=user)
        db.session.flush()


def user_for_calendar(token: str) -> User | None:
    """The active person whose feed has this token, or None."""
    if not token or len(token) > 128:
        return None
    user = db.session.scalar(
        select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == _hash(token))
    )
    return user if user is not None and user.active else None


def calendar_feed(user: User, catalog: Catalog, today: date) -> bytes:
    """The person's plan due dates and certificate expiry dates as an iCalendar file.

    Dates are the organisation's calendar dates (LMS_TIMEZONE), the same ones the plan
    page shows; an all-day event stays on that date in any viewer's time zone.
    """
    from icalendar import Calendar, Event

    zone = current_app.config["LMS_TIMEZONE"]
    calendar = Calendar()
    calendar.add("prodid", "-//DWCP Training//Plan feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Training plan: {user.name}")
    calendar.add("x-wr-timezone", zone)
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    stamp = utcnow()
    domain = mail.external_url("core.index").split("/")[2]
    for plan in onboarding.plans_for(catalog, today, [user.id]):
        for state in plan.week_plan.items:
            event = Event()
            uid = f"plan-{user.id}-{plan.track.id}-{state.item.key}@{domain}"
            event.add("uid", uid)
            event.add("dtstamp", stamp)
            prefix = "Done: " if state.state == "done" else "Due: "
            event.add("summary", prefix + state.item.title)
            event.add("dtstart", state.due)
            event.add("dtend", state.due + timedelta(days=1))
            event.add("transp", "TRANSPARENT")
            event.add(
                "description",
                f"{plan.track.title}, week {state.item.week}: due by the end of "
                f"{state.due:%A %d %B %Y} ({ZoneInfo(zone).key}).",
            )
            event.add("url", mail.external_url("onboarding.my_plan"))
            calendar.add_component(event)
    from lms.notifications.digest import current_certificates

    for certificate in current_certificates([user.id]):
        event = Event()
        event.add("uid", f"certificate-{certificate.id}-expires@{domain}")
        event.add("dtstamp", stamp)
        event.add("summary", f"Certificate expires: {certificate.title}")
        event.add("dtstart", certificate.expires_on)
        event.add("dtend", certificate.expires_on + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add(
            "description",
            f"{certificate.title} (certificate {certificate.code}) is valid until "
            f"{certificate.expires_on:%A %d %B %Y}; renew it before then.",
        )
        event.add(
            "url",
            mail.external_url("certification.detail", cert_id=certificate.certification_id),
        )
        calendar.add_component(event)
    return calendar.to_ical()
