"""The API's typed request and response bodies: the OpenAPI description is built from these.

Responses carry scores and states, never a quiz's answer key or a lab's expected answers.
"""

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

Role = Literal["learner", "mentor", "trainer", "admin"]
CURSOR_PATTERN = r"^[0-9]{1,10}$"
# No text field takes a NUL character: the app refuses it in every request (databases do).
NO_NUL = r"^[^\x00]*$"


def _iso_day(value):
    """A day only as YYYY-MM-DD (pydantic alone would read a number as a timestamp)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("give the day as YYYY-MM-DD")
    if isinstance(value, int | float):
        raise ValueError("give the day as YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]
CURSOR_HELP = "the next_cursor of the previous page (items come after it, in id order)"


class Body(BaseModel):
    """A request or response body. Its validator is built when first used, not at import:
    only API requests use these (and a worker that serves none never builds them)."""

    model_config = ConfigDict(defer_build=True)


class Strict(Body):
    """A request body or query: unknown fields are refused, so a typo is never ignored."""

    model_config = ConfigDict(extra="forbid")


# --- errors -------------------------------------------------------------------------------


class FieldProblem(Body):
    """One field at fault and what is wrong with it."""

    field: str | None = Field(description="the field (dotted path), or null for the whole item")
    message: str


class Problem(Body):
    """RFC 9457 problem details (served as application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] = []


# --- people -------------------------------------------------------------------------------


class Person(Body):
    """A person on the roster."""

    id: int
    email: str
    name: str
    role: Role
    team: str | None
    manager_email: str | None
    mentor_email: str | None
    start_date: date | None
    active: bool


class PersonPage(Body):
    """A page of people; pass `next_cursor` as `cursor` for the next page (null: the last)."""

    items: list[Person]
    next_cursor: str | None


class PeopleQuery(Strict):
    """Filters and paging for the people list."""

    role: Role | None = None
    team: str | None = Field(None, pattern=NO_NUL, max_length=120)
    active: bool | None = None
    q: str | None = Field(
        None, pattern=NO_NUL, max_length=100, description="part of the name or email"
    )
    cursor: str | None = Field(None, pattern=CURSOR_PATTERN, description=CURSOR_HELP)
    limit: int = Field(50, ge=1, le=200)


# Text fields are bounded here only against abuse; their rules (an email's form, a name's
# length, who may be a manager, which tracks exist) are the roster's, shared with the CSV
# import, so they are answered per person (lms.roster.service.check_person).
TEXT_MAX = 1000


class PersonFields(Strict):
    """A person's fields as the roster has them (PUT by email; the email is in the path)."""

    name: str = Field(
        pattern=NO_NUL, max_length=TEXT_MAX, description="display name, at most 120 characters"
    )
    role: str = Field(
        "learner",
        pattern=NO_NUL,
        max_length=TEXT_MAX,
        description="learner, mentor, trainer, admin",
    )
    team: str | None = Field(None, pattern=NO_NUL, max_length=TEXT_MAX)
    manager_email: str | None = Field(None, pattern=NO_NUL, max_length=TEXT_MAX)
    mentor_email: str | None = Field(None, pattern=NO_NUL, max_length=TEXT_MAX)
    start_date: IsoDay | None = None
    track: str | None = Field(
        None, pattern=NO_NUL, max_length=TEXT_MAX, description="start this onboarding track"
    )


class PersonInput(PersonFields):
    """One person of a bulk roster, with their email."""

    email: str = Field(pattern=NO_NUL, max_length=TEXT_MAX)


class RosterBatch(Strict):
    """A bulk roster: every person is checked; nothing is written unless all are valid."""

    people: list[PersonInput] = Field(min_length=1, max_length=1000)
    dry_run: bool = False


class RosterItemResult(Body):
    """What the roster did (or would do) with one person, or why it cannot."""

    index: int = Field(description="0-based position in the request")
    email: str
    action: Literal["create", "update", "unchanged", "invalid"]
    errors: list[FieldProblem] = []


class RosterResult(Body):
    """Per-item outcome; `written` is false for a dry run."""

    written: bool
    created: int
    updated: int
    unchanged: int
    items: list[RosterItemResult]


class RosterProblem(Problem):
    """A bulk roster refused: `items` says which people are wrong and why."""

    items: list[RosterItemResult] = []


class PersonWritten(Body):
    """A person after a PUT: what happened, and the person as stored."""

    action: Literal["create", "update", "unchanged"]
    dry_run: bool
    person: Person | None


class DryRunQuery(Strict):
    """dry_run=true checks and reports without writing."""

    dry_run: bool = False


# --- a person's progress and records --------------------------------------------------------


class PlanItemState(Body):
    """One item of an onboarding week plan."""

    key: str = Field(description="doc:ID, module:ID, lab:ID or task:ID")
    title: str
    week: int
    due: date
    state: Literal["done", "overdue", "due", "upcoming"]


class PlanProgress(Body):
    """An assigned onboarding track as of today."""

    track_id: str
    track_title: str
    start_date: date
    current_week: int
    week_count: int
    done: int
    total: int
    percent: int
    items: list[PlanItemState]


class PlanList(Body):
    """Every track assigned to the person."""

    items: list[PlanProgress]


class ModuleState(Body):
    """How far the person is through one module."""

    module_id: str
    title: str
    sections_read: int
    sections_total: int
    quiz_required: bool
    quiz_passed: bool
    complete: bool


class ModuleList(Body):
    """Every module of the curriculum with the person's progress."""

    items: list[ModuleState]


class Attempt(Body):
    """A quiz attempt: when, and how it scored (never the questions or their answers)."""

    id: int
    quiz_id: str
    quiz_title: str
    number: int
    status: Literal["open", "submitted"]
    started_at: datetime
    submitted_at: datetime | None
    percent: float | None
    pass_score: int
    passed: bool | None


class AttemptList(Body):
    """The person's attempts, newest first."""

    items: list[Attempt]


class LabState(Body):
    """The person's standing on one lab they have started."""

    lab_id: str
    title: str
    state: str
    submissions: int
    passed: bool


class LabList(Body):
    """Labs the person has started."""

    items: list[LabState]


class EvidenceItem(Body):
    """A piece of practical evidence and its verification."""

    id: int
    kind: str
    title: str
    reference: str
    happened_on: date
    status: Literal["pending", "verified", "rejected"]
    decided_at: datetime | None


class EvidenceList(Body):
    """The person's evidence, newest first."""

    items: list[EvidenceItem]


class Requirement(Body):
    """One requirement of a certification checklist."""

    kind: str
    label: str
    met: bool
    done: int
    needed: int


class CertificationState(Body):
    """The person on one certification: state, checklist and current certificate."""

    certification_id: str
    title: str
    state: str
    met: int
    total: int
    requirements: list[Requirement]
    certificate_code: str | None
    expires_on: date | None


class CertificationList(Body):
    """Every certification of the curriculum for the person."""

    items: list[CertificationState]


# --- certificates across the organisation --------------------------------------------------


class Certificate(Body):
    """A certificate held (or once held) by someone."""

    code: str
    certification_id: str
    title: str
    person_id: int
    person_email: str
    issued_on: date
    expires_on: date
    state: Literal["valid", "expired", "revoked"]
    revoked_on: date | None


class CertificatePage(Body):
    """A page of certificates; pass `next_cursor` as `cursor` for the next page."""

    items: list[Certificate]
    next_cursor: str | None


class CertificatesQuery(Strict):
    """Filters and paging for certificates."""

    state: Literal["valid", "expired", "revoked"] | None = None
    expiring_before: IsoDay | None = Field(None, description="expires_on earlier than this day")
    certification_id: str | None = Field(None, pattern=NO_NUL, max_length=100)
    cursor: str | None = Field(None, pattern=CURSOR_PATTERN, description=CURSOR_HELP)
    limit: int = Field(50, ge=1, le=200)


class Verification(Body):
    """What anyone may know about a certificate code (the public verification record)."""

    code: str
    holder_name: str
    title: str
    issuer: str
    issued_on: date
    expires_on: date
    state: Literal["valid", "expired", "revoked"]
    revoked_on: date | None


# --- the training record --------------------------------------------------------------------


class RecordModule(Body):
    """A module on the record: sections read and the module quiz's best result."""

    module_id: str
    title: str
    sections_read: int
    sections_total: int
    best_percent: float | None
    passed: bool
    complete: bool


class RecordLab(Body):
    """A lab on the record: its state, submissions, reviewer and date of decision."""

    lab_id: str
    title: str
    state: str
    submissions: int
    reviewer: str | None
    decided_at: datetime | None


class RecordEvidence(EvidenceItem):
    """Evidence on the record, with its kind's name and who verified (or should verify) it."""

    kind_label: str
    verifier: str | None


class HeldCertificate(Body):
    """One certificate of a certification on the record."""

    code: str
    issued_on: date
    expires_on: date
    state: Literal["valid", "expired", "revoked"]
    revoked_on: date | None


class RecordCertification(Body):
    """A certification on the record: state now, requirements met, every certificate."""

    certification_id: str
    title: str
    state: str
    met: int
    total: int
    renewing: bool = Field(description="met and total count the renewal requirements")
    expires_on: date | None
    certificates: list[HeldCertificate]


class TrainingRecord(Body):
    """Everything the person has done: the training record the reports page prints."""

    person: Person
    plans: list[PlanProgress]
    modules: list[RecordModule]
    attempts: list[Attempt]
    labs: list[RecordLab]
    evidence: list[RecordEvidence]
    certifications: list[RecordCertification]
