"""Mail: build a message from templates, keep it in the outbox, deliver it.

Every message has a plain-text and an HTML part (`templates/email/<name>.txt` and
`.html`), a Date, a Message-ID and, when it is not essential, a List-Unsubscribe
header. Messages are written to the outbox table in the caller's transaction and
delivered after it commits: by SMTP when MAIL_SERVER is set, otherwise as `.eml`
files in `instance/outbox/` so a newcomer can read them. A failed send is logged and
kept as failed; the next `notify run` tries it again. Delivery never raises.
"""

import logging
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import select, update

from lms.extensions import db
from lms.notifications.models import OutboxMessage, OutboxStatus
from lms.timeutil import utcnow
from lms.transaction import unit_of_work

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on LMS_BASE_URL, never on the request's Host header (mail links)."""
    base = urlsplit(current_app.config["LMS_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def build_message(
    to: str,
    subject: str,
    template: str,
    *,
    unsubscribe_url: str | None = None,
    **context,
) -> EmailMessage:
    """Render `email/<template>.txt` and `.html` into one message with its headers."""
    sender = current_app.config["MAIL_FROM"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    context.update(subject=subject, unsubscribe_url=unsubscribe_url)
    message.set_content(render_template(f"email/{template}.txt", **context))
    message.add_alternative(render_template(f"email/{template}.html", **context), subtype="html")
    return message


def queue(message: EmailMessage, *, kind: str, user_id: int | None = None) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction (sent once it commits)."""
    row = OutboxMessage(
        user_id=user_id,
        kind=kind,
        to_address=str(message["To"]),
        subject=str(message["Subject"])[:300],
        message=message.as_string(),
        status=OutboxStatus.PENDING,
    )
    db.session.add(row)
    db.session.flush()
    return row


def deliver_waiting() -> tuple[int, int]:
    """Try every pending or failed message once; return (sent, failed). Never raises."""
    with unit_of_work():
        waiting = db.session.execute(
            select(OutboxMessage.id, OutboxMessage.attempts)
            .where(
                OutboxMessage.status != OutboxStatus.SENT,
                OutboxMessage.attempts < MAX_ATTEMPTS,
            )
            .order_by(OutboxMessage.id)
        ).all()
    return _deliver(waiting)


def deliver_now(ids: list[int]) -> None:
    """Try the messages a request just committed (a page never fails because of mail)."""
    if not ids:
        return
    try:
        with unit_of_work():
            waiting = db.session.execute(
                select(OutboxMessage.id, OutboxMessage.attempts).where(
                    OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING
                )
            ).all()
        _deliver(waiting)
    except Exception:  # noqa: BLE001 - a page must not break because mail did
        db.session.rollback()
        log.exception("mail: could not deliver messages %s; notify run will retry", ids)


def _deliver(waiting) -> tuple[int, int]:
    sent = failed = 0
    for message_id, seen_attempts in waiting:
        if not _claim(message_id, seen_attempts):
            continue  # another run took it
        row = db.session.get(OutboxMessage, message_id)
        try:
            _transport(row)
        except Exception as exc:  # noqa: BLE001 - any failure is kept and retried
            log.warning(
                "mail: sending message %s to %s failed (attempt %s): %s",
                row.id, row.to_address, row.attempts, exc,
            )  # fmt: skip
            with unit_of_work():
                row.status = OutboxStatus.FAILED
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            failed += 1
        else:
            with unit_of_work():
                row.status = OutboxStatus.SENT
                row.sent_at = utcnow()
                row.last_error = None
            sent += 1
    return sent, failed


def _claim(message_id: int, seen_attempts: int) -> bool:
    """Count this attempt, unless another process already did (so only one sends it)."""
    with unit_of_work():
        result = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.attempts == seen_attempts,
                OutboxMessage.status != OutboxStatus.SENT,
            )
            .values(attempts=seen_attempts + 1)
        )
    return result.rowcount == 1


def _transport(row: OutboxMessage) -> None:
    """Send by SMTP when a server is configured; otherwise write instance/outbox/*.eml."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        folder = Path(current_app.instance_path) / "outbox"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        (folder / f"{stamp}-{row.id:06d}-{row.kind}.eml").write_text(row.message, "utf-8")
        return
    from email import message_from_string
    from email.policy import default

    message = message_from_string(row.message, policy=default)
    with smtplib.SMTP(
        config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
    ) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)


def display_address(name: str, email: str) -> str:
    """`Name <email>` with the name quoted as mail needs."""
    return str(Address(display_name=name, addr_spec=email))
