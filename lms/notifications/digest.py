"""What needs a person's attention: one registry of sources, for the home page and the digest.

A source is a function `(catalog, people, today) -> {user_id: [Notice, ...]}` that
finds, for many people at once in a fixed number of queries, what each of them should
act on. Areas plug their own in with `register_source` (labs waiting for review,
evidence waiting for verification, certificates expiring...). The home page shows
every notice of every source; `notify run` mails each person one digest a day of the
notices not announced before, and records each in the notification log under its
`(subject, period)` key, so a second run the same day sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, bindparam, exists, or_, select, union
from sqlalchemy.orm import aliased, undefer

from lms.accounts.models import User
from lms.content import Catalog
from lms.extensions import PeopleStatement, db, upsert
from lms.notifications import mail
from lms.notifications import service as notifications
from lms.notifications.models import NotificationLog, NotificationPreference
from lms.onboarding import service as onboarding
from lms.permissions import allowed
from lms.timeutil import utcnow

# The home page asks every source on every visit. Their statements are built once, with the
# people as a bound parameter: building one (aliases, correlated EXISTS) cost several times
# what running it costs.
IDS = bindparam("ids", expanding=True)
DUE_SOON_DAYS = 2
BATCH = 500
QUEUE_LIMIT = 200  # notices per source and batch of people, like the review queues' pages


@dataclass(frozen=True)
class Notice:
    """One thing a person should act on.

    `subject` and `period` are its key in the notification log: a notice is mailed once
    per key (an overdue item once, a weekly summary once a week). `endpoint` and
    `values` make its link.
    """

    subject: str
    period: str
    text: str
    endpoint: str
    values: dict = field(default_factory=dict)
    detail: str = ""
    urgent: bool = False
    label: str = "Due soon"


Source = Callable[[Catalog, list[User], date], dict[int, list[Notice]]]


@dataclass(frozen=True)
class SourceEntry:
    """A registered source, the heading its notices go under, and the page listing them all."""

    name: str
    heading: str
    find: Source
    more: str | None = None
    asks: Callable[[User], bool] | None = None  # whom it is asked about (None: everyone)


SOURCES: dict[str, SourceEntry] = {}


def register_source(
    name: str, heading: str, more: str | None = None, asks: Callable[[User], bool] | None = None
) -> Callable[[Source], Source]:
    """Decorate a source function to add it to the registry under `name`.

    `more` is the endpoint of the page that lists everything the source is about (the
    home page shows a few notices per source and links there for the rest).
    `asks`, when given, says of a person whether the source can have anything for them
    (mentors and managers, say): it is not asked about the others, which spares a learner's
    home page the queries of sources that are about one's people.
    """

    def add(find: Source) -> Source:
        SOURCES[name] = SourceEntry(name, heading, find, more, asks)
        return find

    return add


@dataclass(frozen=True)
class Section:
    """A source's notices for one person, under its heading."""

    name: str
    heading: str
    notices: tuple[Notice, ...]
    more: str | None = None


def notices_for(catalog: Catalog, people: list[User], today: date) -> dict[int, list[Section]]:
    """Every source's notices for each of these people, in registry order."""
    found: dict[int, list[Section]] = {person.id: [] for person in people}
    for entry in SOURCES.values():
        asked = people if entry.asks is None else [p for p in people if entry.asks(p)]
        if not asked:
            continue
        by_person = entry.find(catalog, asked, today)
        for person in asked:
            notices = by_person.get(person.id) or []
            if notices:
                found[person.id].append(
                    Section(entry.name, entry.heading, tuple(notices), entry.more)
                )
    return found


def oversees(person: User) -> bool:
    """Whether the person mentors or manages anyone (read with the signed-in user's row)."""
    return person.oversees


def attention_for(catalog: Catalog, person: User, today: date) -> list[Section]:
    """What the home page shows one person under "Needs your attention"."""
    return notices_for(catalog, [person], today)[person.id]


# --- the sources this area provides -----------------------------------------------------


def _local(moment):
    """A UTC timestamp in the organisation's time zone, for people to read."""
    return moment.astimezone(ZoneInfo(current_app.config.get("LMS_TIMEZONE", "UTC")))


_ITEM_PAGES = {"doc": ("library.document", "doc_id"), "module": ("learning.module", "module_id"),
               "lab": ("labs.lab", "lab_id")}  # fmt: skip


def _item_link(key: str) -> tuple[str, dict]:
    kind, ref = key.split(":", 1)
    page = _ITEM_PAGES.get(kind)
    return (page[0], {page[1]: ref}) if page else ("onboarding.my_plan", {})


@register_source("plan", "Your onboarding plan", more="onboarding.my_plan")
def own_plan(catalog: Catalog, people: list[User], today: date) -> dict[int, list[Notice]]:
    """A learner's overdue plan items and the ones due in the next two days."""
    found: dict[int, list[Notice]] = {}
    soon = today + timedelta(days=DUE_SOON_DAYS)
    days: dict[date, str] = {}  # each due date written once: plans share a few
    for plan in onboarding.plans_for(catalog, today, [p.id for p in people]):
        for state in plan.week_plan.items:
            due = state.due
            if state.state == "done" or due > soon:
                continue
            endpoint, values = _item_link(state.item.key)
            overdue = due < today
            day = days.get(due) or days.setdefault(due, f"{due:%a %d %b}")
            found.setdefault(plan.user.id, []).append(
                Notice(
                    subject=f"{'overdue' if overdue else 'due'}:{plan.track.id}:{state.item.key}",
                    period=due.isoformat(),
                    text=state.item.title,
                    endpoint=endpoint,
                    values=values,
                    detail=f"overdue since {day}"
                    if overdue
                    else f"due {'today' if due == today else day}",
                    urgent=overdue,
                    label="Overdue" if overdue else "Due soon",
                )
            )
    return found


@cache
def _supervised_query():
    return select(User).where(
        User.active.is_(True), or_(User.mentor_id.in_(IDS), User.manager_id.in_(IDS))
    )


@register_source("team", "Your people", asks=oversees)
def team_overdue(catalog: Catalog, people: list[User], today: date) -> dict[int, list[Notice]]:
    """For mentors and managers: each of their people with overdue plan items (weekly)."""
    ids = [p.id for p in people]
    if not ids:
        return {}
    supervised = list(db.session.scalars(_supervised_query(), {"ids": ids}))
    if not supervised:
        return {}
    wanted = set(ids)
    week = today.isocalendar()
    period = f"{week.year}-W{week.week:02d}"
    found: dict[int, list[Notice]] = {}
    for plan in onboarding.plans_for(catalog, today, [u.id for u in supervised]):
        overdue = plan.week_plan.overdue
        if not overdue:
            continue
        learner = plan.user
        count = len(overdue)
        oldest = min(s.due for s in overdue)
        notice = Notice(
            subject=f"team-overdue:{learner.id}",
            period=period,
            text=f"{learner.name}: {count} overdue item{'s' if count != 1 else ''}",
            endpoint="onboarding.person_plan",
            values={"user_id": learner.id},
            detail=f"{plan.track.title}, the oldest due {oldest:%a %d %b}",
            urgent=True,
            label="Overdue",
        )
        for overseer_id in {learner.mentor_id, learner.manager_id} & wanted:
            found.setdefault(overseer_id, []).append(notice)
    return found


# --- sources over other areas' records ---------------------------------------------------


@cache
def _returned_query(LabSubmission, SubmissionStatus):  # noqa: N803 (the models, imported late)
    later = aliased(LabSubmission)
    return PeopleStatement(
        lambda who: (
            select(
                LabSubmission.id,
                LabSubmission.user_id,
                LabSubmission.lab_title,
                LabSubmission.decided_at,
            )
            .where(
                who(LabSubmission.user_id),
                LabSubmission.status == SubmissionStatus.RETURNED,
                ~exists().where(
                    later.user_id == LabSubmission.user_id,
                    later.lab_id == LabSubmission.lab_id,
                    later.number > LabSubmission.number,
                ),
            )
            .order_by(LabSubmission.decided_at, LabSubmission.id)
            .limit(QUEUE_LIMIT)
        )
    )


@register_source("returned", "Labs returned to you for rework", more="practice.my_labs")
def labs_returned(catalog: Catalog, people: list[User], today: date) -> dict[int, list[Notice]]:
    """For learners: labs a trainer returned whose rework has not been started since."""
    from lms.practice.models import LabSubmission, SubmissionStatus

    ids = [p.id for p in people]
    if not ids:
        return {}
    rows = _returned_query(LabSubmission, SubmissionStatus).rows(ids)
    found: dict[int, list[Notice]] = {}
    for submission in rows:
        when = f" {_local(submission.decided_at):%a %d %b}" if submission.decided_at else ""
        found.setdefault(submission.user_id, []).append(
            Notice(
                subject=f"lab-returned:{submission.id}",
                period="returned",
                text=submission.lab_title,
                endpoint="practice.submission",
                values={"submission_id": submission.id},
                detail=f"returned{when}: read the feedback, then submit again",
                label="Returned",
                urgent=False,
            )
        )
    return found


@cache
def _evidence_query(Evidence, EvidenceStatus, staff: bool):  # noqa: N803 (models, imported late)
    # One indexed lookup per way of being asked, united, rather than an OR across the two
    # tables (which no index serves: it scanned every piece of evidence with its learner).
    pending = Evidence.status == EvidenceStatus.PENDING
    of_people = select(Evidence.id).join(User, User.id == Evidence.user_id).where(pending)
    theirs = [
        select(Evidence.id).where(pending, Evidence.verifier_id.in_(IDS)),
        of_people.where(User.mentor_id.in_(IDS)),
        of_people.where(User.manager_id.in_(IDS)),
        *([select(Evidence.id).where(pending, Evidence.verifier_id.is_(None))] if staff else []),
    ]
    return (
        select(Evidence, User)
        .join(User, User.id == Evidence.user_id)
        .where(Evidence.id.in_(union(*theirs)))
        .order_by(Evidence.logged_at, Evidence.id)
        .limit(QUEUE_LIMIT)
    )


@register_source(
    "evidence",
    "Evidence waiting for your verification",
    more="practice.verify_queue",
    # only a supervisor of the learner or a trainer may decide (`may_decide_evidence`): a former
    # mentor still named on an entry is not asked
    asks=lambda person: person.oversees or allowed(person, "review_labs"),
)
def evidence_to_verify(
    catalog: Catalog, people: list[User], today: date
) -> dict[int, list[Notice]]:
    """Pending evidence each person should decide: named to them, or of their people;
    for trainers also entries with no verifier (the same rule as the verification queue)."""
    from lms.practice.models import Evidence, EvidenceStatus

    ids = [p.id for p in people]
    staff = {p.id for p in people if allowed(p, "review_labs")}
    if not ids:
        return {}
    query = _evidence_query(Evidence, EvidenceStatus, bool(staff))
    rows = db.session.execute(query, {"ids": ids}).all()
    kinds = {k.id: k.label for k in catalog.curriculum.evidence_kinds}
    wanted = set(ids)
    found: dict[int, list[Notice]] = {}
    for evidence, learner in rows:
        notice = Notice(
            subject=f"evidence:{evidence.id}",
            period="pending",
            text=f"{learner.name}: {evidence.title}",
            endpoint="practice.verify_queue",
            detail=f"{kinds.get(evidence.kind, evidence.kind)} on {evidence.happened_on:%a %d %b}",
            label="To verify",
        )
        deciders = {evidence.verifier_id, learner.mentor_id, learner.manager_id} & wanted
        if evidence.verifier_id is None:
            deciders |= staff
        for person_id in deciders - {learner.id}:
            found.setdefault(person_id, []).append(notice)
    return found


@register_source("labs", "Labs waiting for your review", more="practice.reviews")
def labs_to_review(catalog: Catalog, people: list[User], today: date) -> dict[int, list[Notice]]:
    """For trainers: lab submissions waiting for review, oldest first."""
    from lms.practice.models import LabSubmission, SubmissionStatus

    staff = [p.id for p in people if allowed(p, "review_labs")]
    if not staff:
        return {}
    rows = db.session.execute(
        select(LabSubmission, User)
        .join(User, User.id == LabSubmission.user_id)
        .where(LabSubmission.status == SubmissionStatus.SUBMITTED)
        .order_by(LabSubmission.submitted_at, LabSubmission.id)
        .limit(QUEUE_LIMIT)
    ).all()
    notices = []
    for submission, learner in rows:
        notices.append(
            Notice(
                subject=f"lab-review:{submission.id}",
                period="submitted",
                text=f"{learner.name}: {submission.lab_title}",
                endpoint="practice.review",
                values={"submission_id": submission.id},
                detail=f"submitted {_local(submission.submitted_at):%a %d %b %H:%M}",
                label="To review",
            )
        )
    return {person_id: notices for person_id in staff if notices}


EXPIRED_SHOWN_DAYS = 90


def expiry_stage(expires_on: date, window_days: int, today: date) -> str | None:
    """The furthest expiry notice due on `today`: expired, 7-days, 30-days, renewal-open."""
    if today >= expires_on:
        return "expired" if (today - expires_on).days <= EXPIRED_SHOWN_DAYS else None
    left = (expires_on - today).days
    if left <= 7:
        return "7-days"
    if left <= 30:
        return "30-days"
    return "renewal-open" if left <= window_days else None


def current_certificates(user_ids: list[int]) -> list:
    """Each person's latest unrevoked certificate per certification (one query)."""
    from lms.certification.models import Certificate

    return list(db.session.scalars(_current_certificates_query(Certificate), {"ids": user_ids}))


def _still_current(Certificate):  # noqa: N803 (the model, imported late)
    """Not revoked, and no later cycle of the same certification: a person's current one."""
    later = aliased(Certificate)
    return and_(
        Certificate.revoked_at.is_(None),
        ~exists().where(
            later.user_id == Certificate.user_id,
            later.certification_id == Certificate.certification_id,
            later.cycle > Certificate.cycle,
        ),
    )


@cache
def _current_certificates_query(Certificate):  # noqa: N803 (the model, imported late)
    return (
        select(Certificate)
        .where(Certificate.user_id.in_(IDS), _still_current(Certificate))
        .order_by(Certificate.expires_on, Certificate.id)
    )


@cache
def _expiring_query(Certificate):  # noqa: N803 (the model, imported late)
    # Whose certificates: the people asked about, and the active people they manage.
    def managed(who):
        return select(User.id).where(User.active.is_(True), who(User.manager_id))

    return PeopleStatement(
        lambda who: (
            select(
                Certificate.id,
                Certificate.user_id,
                Certificate.certification_id,
                Certificate.title,
                Certificate.expires_on,
                User.name,
                User.manager_id,
            )
            .join(User, User.id == Certificate.user_id)
            .where(
                or_(who(Certificate.user_id), Certificate.user_id.in_(managed(who))),
                _still_current(Certificate),
            )
            .order_by(Certificate.expires_on, Certificate.id)
        )
    )


@register_source("certificates", "Certificates to renew", more="certification.mine")
def certificates_expiring(
    catalog: Catalog, people: list[User], today: date
) -> dict[int, list[Notice]]:
    """To the holder and their manager: renewal window opened, 30 and 7 days left, expired."""
    from lms.certification.models import Certificate

    ids = [p.id for p in people]
    if not ids:
        return {}
    windows = {c.id: c.renewal_window_days for c in catalog.curriculum.certifications}
    wanted = set(ids)
    found: dict[int, list[Notice]] = {}
    for certificate in _expiring_query(Certificate).rows(ids):
        holder_name, holder_manager_id = certificate.name, certificate.manager_id
        window = windows.get(certificate.certification_id, 60)
        stage = expiry_stage(certificate.expires_on, window, today)
        if stage is None:
            continue
        left = (certificate.expires_on - today).days
        detail = (
            f"expired on {certificate.expires_on:%a %d %b %Y}: renew it"
            if stage == "expired"
            else f"expires on {certificate.expires_on:%a %d %b %Y} ({left} days): renewal is open"
        )
        label = "Expired" if stage == "expired" else "Renew"
        key = {"subject": f"certificate:{certificate.id}", "period": stage}
        if certificate.user_id in wanted:
            found.setdefault(certificate.user_id, []).append(
                Notice(**key, text=certificate.title, endpoint="certification.detail",
                       values={"cert_id": certificate.certification_id}, detail=detail,
                       label=label, urgent=stage in ("expired", "7-days"))
            )  # fmt: skip
        if holder_manager_id in wanted:
            found.setdefault(holder_manager_id, []).append(
                Notice(**key, text=f"{holder_name}: {certificate.title}",
                       endpoint="certification.person",
                       values={"user_id": certificate.user_id,
                               "cert_id": certificate.certification_id},
                       detail=detail, label=label, urgent=stage == "expired")
            )  # fmt: skip
    return found


@cache
def _approvals_query(Approval, ApprovalStatus):  # noqa: N803 (the models, imported late)
    return (
        select(Approval, User)
        .join(User, User.id == Approval.user_id)
        .where(
            Approval.status == ApprovalStatus.REQUESTED,
            or_(
                (Approval.by == "manager") & User.manager_id.in_(IDS),
                (Approval.by == "mentor") & User.mentor_id.in_(IDS),
            ),
        )
        .order_by(Approval.requested_at, Approval.id)
        .limit(QUEUE_LIMIT)
    )


@register_source(
    "approvals", "Approvals waiting for you", more="certification.approvals", asks=oversees
)
def approvals_waiting(catalog: Catalog, people: list[User], today: date) -> dict[int, list[Notice]]:
    """For managers and mentors: certification approvals their people asked them for."""
    from lms.certification.models import Approval, ApprovalStatus

    ids = [p.id for p in people]
    if not ids:
        return {}
    rows = db.session.execute(_approvals_query(Approval, ApprovalStatus), {"ids": ids}).all()
    titles = {c.id: c.title for c in catalog.curriculum.certifications}
    found: dict[int, list[Notice]] = {}
    for approval, learner in rows:
        approver = learner.manager_id if approval.by == "manager" else learner.mentor_id
        found.setdefault(approver, []).append(
            Notice(
                subject=f"approval:{approval.id}",
                period="requested",
                text=f"{learner.name}: {titles.get(approval.certification_id, '')}".rstrip(": "),
                endpoint="certification.approvals",
                detail=f"asked you as their {approval.by} on "
                f"{_local(approval.requested_at):%a %d %b}",
                label="To approve",
            )
        )
    return found


@register_source("ready", "People ready to be certified", more="certification.queue")
def ready_to_certify(catalog: Catalog, people: list[User], today: date) -> dict[int, list[Notice]]:
    """For trainers: people whose certification a trainer issues and who meet every requirement."""
    staff = [p.id for p in people if allowed(p, "issue_certificates")]
    if not staff:
        return {}
    from lms.certification import service as certification

    rows, _ = certification.ready_queue(catalog)
    notices = [
        Notice(
            subject=f"ready:{row.user.id}:{row.certification.id}",
            period=str(row.progress.expires_on or "first"),  # once per certificate cycle
            text=f"{row.user.name}: {row.certification.title}",
            endpoint="certification.queue",
            detail="renewal ready to issue" if row.progress.renewing else "ready to issue",
            label="To certify",
        )
        for row in rows
    ]
    return {person_id: notices for person_id in staff if notices}


# --- the daily digest -------------------------------------------------------------------


@dataclass
class DigestRun:
    """What one `notify run` did."""

    people: int = 0
    digests: int = 0
    skipped_opted_out: int = 0


def queue_digests(catalog: Catalog, today: date) -> DigestRun:
    """Queue today's digest for every active person with something new (flushes only).

    A person gets at most one digest per day (the log's ("digest", date) key, claimed
    before anything is queued, so two runs at once cannot both send it), holding only
    the notices never announced before.
    """
    run = DigestRun()
    last_id = 0
    while True:
        people = list(
            db.session.scalars(
                select(User)
                .options(undefer(User.oversees))  # `notices_for` asks each
                .where(User.active.is_(True), User.id > last_id)
                .order_by(User.id)
                .limit(BATCH)
            )
        )
        if not people:
            return run
        last_id = people[-1].id
        run.people += len(people)
        _digest_batch(catalog, people, today, run)


def _digest_batch(catalog: Catalog, people: list[User], today: date, run: DigestRun) -> None:
    ids = [p.id for p in people]
    opted_out = set(
        db.session.scalars(
            select(NotificationPreference.user_id).where(
                NotificationPreference.user_id.in_(ids),
                NotificationPreference.reminder_emails.is_(False),
            )
        )
    )
    sections = notices_for(catalog, people, today)
    logged = _logged(ids, sections)
    for person in people:
        fresh = []
        for section in sections[person.id]:
            new = [n for n in section.notices if (person.id, n.subject, n.period) not in logged]
            if new:
                fresh.append(Section(section.name, section.heading, tuple(new)))
        if not fresh:
            continue
        if person.id in opted_out:
            run.skipped_opted_out += 1
            continue
        if not _claim(person.id, "digest", today.isoformat()):
            continue
        for section in fresh:
            for notice in section.notices:
                _claim(person.id, notice.subject, notice.period)
        _queue_digest(person, fresh, today)
        run.digests += 1


def _logged(ids: list[int], sections: dict[int, list[Section]]) -> set[tuple[int, str, str]]:
    """The (user, subject, period) keys already announced among these notices, in one query."""
    subjects = {n.subject for found in sections.values() for s in found for n in s.notices}
    if not subjects:
        return set()
    rows = db.session.execute(
        select(NotificationLog.user_id, NotificationLog.subject, NotificationLog.period).where(
            NotificationLog.user_id.in_(ids), NotificationLog.subject.in_(subjects)
        )
    )
    return {tuple(row) for row in rows}


def _claim(user_id: int, subject: str, period: str) -> bool:
    """Record an announcement; False if it was already recorded (by this run or another)."""
    result = db.session.execute(
        upsert(NotificationLog)
        .values(user_id=user_id, subject=subject, period=period, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(NotificationLog.id)
    )
    return result.first() is not None


def _queue_digest(person: User, sections: list[Section], today: date) -> None:
    counts: dict[str, int] = {}
    for notice in sorted((n for s in sections for n in s.notices), key=lambda n: not n.urgent):
        counts[notice.label.lower()] = counts.get(notice.label.lower(), 0) + 1
    subject = "Needs your attention: " + ", ".join(f"{n} {label}" for label, n in counts.items())
    links = {
        (n.endpoint, tuple(sorted(n.values.items()))): mail.external_url(n.endpoint, **n.values)
        for s in sections
        for n in s.notices
    }
    message = mail.build_message(
        mail.display_address(person.name, person.email),
        subject,
        "digest",
        unsubscribe_url=mail.external_url(
            "notifications.unsubscribe", unsubscribe_token=notifications.unsubscribe_token(person)
        ),
        user=person,
        today=today,
        sections=sections,
        link=lambda n: links[(n.endpoint, tuple(sorted(n.values.items())))],
        home=mail.external_url("core.home"),
        settings=mail.external_url("notifications.settings"),
    )
    mail.queue(message, kind="digest", user_id=person.id)


def keys(sections: Iterable[Section]) -> list[tuple[str, str]]:
    """The (subject, period) keys of these sections' notices, for tests and logs."""
    return [(n.subject, n.period) for s in sections for n in s.notices]
