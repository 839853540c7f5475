"""Learning events as xAPI 1.0.3 statements: queued in the database, sent in batches.

Listeners (`lms.listeners`) queue a statement when something is learned, in the same
transaction as the change: a rolled-back change queues nothing. Each statement gets its
UUID when queued and keeps it, so a batch sent again after a lost answer is recognised by
the Learning Record Store as the same statements (xAPI says an LRS must not store a
statement id twice): retried, never lost, never duplicated. `event_key` names the fact
(`quiz-graded:17`), so an event announced twice is queued once.
"""

import base64
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import String, cast, func, literal, select, update

from lms.accounts.models import User
from lms.api.models import XapiStatement, new_statement_id
from lms.certification.models import Certificate
from lms.content import Catalog
from lms.extensions import db, insert_ignoring_duplicates
from lms.timeutil import utcnow
from lms.transaction import unit_of_work

log = logging.getLogger("lms.xapi")

XAPI_VERSION = "1.0.3"
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    "completed": ADL + "completed",
    "passed": ADL + "passed",
    "failed": ADL + "failed",
    "scored": ADL + "scored",
    "attempted": ADL + "attempted",
    # ADL's vocabulary has no "earned"; this is the registry IRI that badge and
    # credential statements use.
    "earned": "http://id.tincanapi.com/verb/earned",
}
ACTIVITY = "http://adlnet.gov/expapi/activities/"


def _base() -> str:
    return current_app.config["LMS_BASE_URL"]


def _verb(name: str) -> dict:
    """A verb: ADL's where it has one, the platform's own (under LMS_BASE_URL) otherwise."""
    return {"id": VERBS.get(name) or f"{_base()}/xapi/verbs/{name}", "display": {"en-US": name}}


def actor(user: User) -> dict:
    """The learner as an xAPI Agent: an account on XAPI_ACCOUNT_HOMEPAGE, else their mbox."""
    home = current_app.config.get("XAPI_ACCOUNT_HOMEPAGE")
    if home:
        return {
            "objectType": "Agent", "name": user.name,
            "account": {"homePage": home, "name": str(user.id)},
        }  # fmt: skip
    return {"objectType": "Agent", "name": user.name, "mbox": f"mailto:{user.email}"}


def activity(path: str, name: str, kind: str) -> dict:
    """An activity under the platform's base URL (`kind` is an ADL activity type name)."""
    kind_iri = kind if kind.startswith("http") else ACTIVITY + kind
    return {
        "objectType": "Activity",
        "id": f"{_base()}{path}",
        "definition": {"name": {"en-US": name}, "type": kind_iri},
    }


def _timestamp(moment: datetime | None) -> str:
    moment = (moment or utcnow()).astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def queue(event_key: str, user: User, verb: str, obj: dict, *, result=None, when=None) -> None:
    """Queue one statement about `user` unless this fact (`event_key`) is queued already."""
    statement_id = new_statement_id()
    statement = {
        "id": statement_id,
        "actor": actor(user),
        "verb": _verb(verb),
        "object": obj,
        "timestamp": _timestamp(when),
        "context": {"platform": current_app.config["LMS_ORGANISATION"], "language": "en-US"},
        "version": XAPI_VERSION,
    }
    if result is not None:
        statement["result"] = result
    insert_ignoring_duplicates(
        XapiStatement,
        statement_id=statement_id,
        event_key=event_key[:200],
        user_id=user.id,
        statement=statement,
        created_at=utcnow(),
        attempts=0,
    )


# --- one function per learning event -------------------------------------------------------


def section_read(user: User, catalog: Catalog, module_id: str, slug: str) -> None:
    """A module section was marked read."""
    module = catalog.modules.get(module_id)
    section = next((s for s in module.sections if s.slug == slug), None) if module else None
    title = f"{module.title}: {section.title}" if module and section else f"{module_id}#{slug}"
    obj = activity(f"/modules/{module_id}#{slug}", title, "lesson")
    queue(f"section-read:{user.id}:{module_id}:{slug}", user, "completed", obj)


def module_completed(user: User, catalog: Catalog, module_id: str) -> None:
    """A module was completed (every section read and its quiz passed)."""
    module = catalog.modules.get(module_id)
    obj = activity(f"/modules/{module_id}", module.title if module else module_id, "module")
    result = {"completion": True}
    queue(f"module-completed:{user.id}:{module_id}", user, "completed", obj, result=result)


def quiz_graded(user: User, attempt) -> None:
    """A quiz attempt was graded: passed or failed, with its score."""
    percent = float(attempt.percent or 0.0)
    result = {
        "score": {"scaled": round(percent / 100, 4), "raw": percent, "min": 0, "max": 100},
        "success": bool(attempt.passed),
        "completion": True,
    }
    obj = activity(f"/quizzes/{attempt.quiz_id}", attempt.quiz_title, "assessment")
    verb = "passed" if attempt.passed else "failed"
    queue(f"quiz-graded:{attempt.id}", user, verb, obj, result=result, when=attempt.submitted_at)


def lab_passed(user: User, submission) -> None:
    """A lab submission passed."""
    obj = activity(f"/labs/{submission.lab_id}", submission.lab_title, "performance")
    result = {"success": True, "completion": True}
    queue(
        f"lab-passed:{submission.id}", user, "passed", obj, result=result,
        when=submission.decided_at or submission.submitted_at,
    )  # fmt: skip


def evidence_verified(user: User, evidence) -> None:
    """A piece of practical evidence was verified."""
    obj = activity(f"/evidence/{evidence.id}", f"{evidence.kind}: {evidence.title}", "performance")
    queue(
        f"evidence-verified:{evidence.id}", user, "completed", obj,
        result={"success": True, "completion": True}, when=evidence.decided_at,
    )  # fmt: skip


def _certificate_activity(certificate: Certificate) -> dict:
    return activity(
        f"/certifications/{certificate.certification_id}",
        certificate.title,
        f"{_base()}/xapi/activity-types/certification",
    )


def certificate_issued(user: User, certificate: Certificate) -> None:
    """A certificate was issued."""
    queue(
        f"certificate-issued:{certificate.id}", user, "earned", _certificate_activity(certificate),
        result={"success": True, "extensions": {f"{_base()}/xapi/code": certificate.code}},
        when=certificate.issued_at,
    )  # fmt: skip


def certificate_revoked(user: User, certificate: Certificate) -> None:
    """A certificate was revoked."""
    queue(
        f"certificate-revoked:{certificate.id}", user, "revoked",
        _certificate_activity(certificate), when=certificate.revoked_at,
    )  # fmt: skip


def queue_expired_certificates(catalog: Catalog, today: date) -> int:
    """Queue an `expired` statement for every certificate past its expiry (once each)."""
    already = select(XapiStatement.event_key).where(
        XapiStatement.event_key.like("certificate-expired:%")
    )
    rows = db.session.execute(
        select(Certificate, User)
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.expires_on <= today, Certificate.revoked_on.is_(None))
        .where(literal("certificate-expired:").concat(cast(Certificate.id, String)).not_in(already))
    ).all()
    for certificate, user in rows:
        when = datetime.combine(certificate.expires_on, datetime.min.time(), UTC)
        queue(
            f"certificate-expired:{certificate.id}", user, "expired",
            _certificate_activity(certificate), when=when,
        )  # fmt: skip
    return len(rows)


# --- sending and exporting ------------------------------------------------------------------


class LrsError(Exception):
    """The LRS could not be reached or refused the batch."""


@dataclass(frozen=True)
class SendResult:
    """What a send run did."""

    sent: int
    waiting: int
    error: str | None = None
    no_lrs: bool = False


def waiting_count() -> int:
    """Statements not yet sent."""
    return db.session.scalar(
        select(func.count()).select_from(XapiStatement).where(XapiStatement.sent_at.is_(None))
    )


def _post(statements: list[dict]) -> None:
    """POST a batch to the LRS's statements resource; raise LrsError on any failure."""
    config = current_app.config
    request = urllib.request.Request(
        config["XAPI_LRS_URL"] + "/statements",
        data=json.dumps(statements).encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Experience-API-Version": XAPI_VERSION,
        },
    )
    if config.get("XAPI_LRS_USERNAME"):
        pair = f"{config['XAPI_LRS_USERNAME']}:{config.get('XAPI_LRS_PASSWORD', '')}"
        request.add_header("Authorization", "Basic " + base64.b64encode(pair.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=config.get("XAPI_TIMEOUT", 10)) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()[:300].decode("utf-8", "replace")
        raise LrsError(f"HTTP {exc.code}: {body}") from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise LrsError(str(getattr(exc, "reason", exc))) from exc


def send_waiting() -> SendResult:
    """Send every waiting statement, oldest first, in batches; stop at the first failure.

    A batch is marked sent only after the LRS accepted it. If the answer is lost, the
    next run sends the same statement ids again, which the LRS does not store twice.
    """
    if not current_app.config.get("XAPI_LRS_URL"):
        return SendResult(0, waiting_count(), no_lrs=True)
    size = max(int(current_app.config.get("XAPI_BATCH_SIZE") or 100), 1)
    sent = 0
    while True:
        with unit_of_work():
            batch = db.session.execute(
                select(XapiStatement.id, XapiStatement.statement)
                .where(XapiStatement.sent_at.is_(None))
                .order_by(XapiStatement.id)
                .limit(size)
            ).all()
        if not batch:
            return SendResult(sent, 0)
        ids = [row.id for row in batch]
        try:
            _post([row.statement for row in batch])
        except LrsError as exc:
            log.warning("xapi: the LRS refused %d statement(s): %s", len(ids), exc)
            with unit_of_work():
                db.session.execute(
                    update(XapiStatement)
                    .where(XapiStatement.id.in_(ids))
                    .values(attempts=XapiStatement.attempts + 1, last_error=str(exc)[:1000])
                )
            return SendResult(sent, waiting_count(), error=str(exc))
        with unit_of_work():
            db.session.execute(
                update(XapiStatement)
                .where(XapiStatement.id.in_(ids))
                .values(sent_at=utcnow(), attempts=XapiStatement.attempts + 1, last_error=None)
            )
        sent += len(ids)


def export_lines(since: date) -> Iterator[str]:
    """Every statement queued on or after `since`, oldest first, one JSON document a line."""
    start = datetime.combine(since, datetime.min.time(), UTC)
    query = (
        select(XapiStatement.statement)
        .where(XapiStatement.created_at >= start)
        .order_by(XapiStatement.id)
        .execution_options(yield_per=500)
    )
    for statement in db.session.scalars(query):
        yield json.dumps(statement, sort_keys=True, ensure_ascii=False)
