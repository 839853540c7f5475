"""Certification rules: requirement kinds, a learner's checklist, dates and states (pure).

Everything here takes plain data (a learner's facts, the certification's definition,
today's date in the organisation's time zone) and returns frozen dataclasses; there is
no Flask and no database. The service loads the facts for many learners in a fixed
number of queries and calls `certification_status` for each.

Dates: a certificate issued on D for N months expires on D + N months (31 January plus
one month is 28 or 29 February) and is valid on every day before its expiry date.
Renewal opens `renewal_window_days` before the expiry date. Renewing inside the window
extends from the old expiry date (nobody loses time by renewing early); renewing after
expiry counts from the renewal date.
"""

from __future__ import annotations

import calendar
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar

# States of one person on one certification, in the words the pages use.
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
READY = "ready"
CERTIFIED = "certified"
RENEWAL_OPEN = "renewal_open"
EXPIRED = "expired"
REVOKED = "revoked"
STATES = (NOT_STARTED, IN_PROGRESS, READY, CERTIFIED, RENEWAL_OPEN, EXPIRED, REVOKED)


# --- dates -------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def renewal_opens_on(expires_on: date, window_days: int) -> date:
    """The first day a certificate expiring on `expires_on` can be renewed."""
    return expires_on - timedelta(days=window_days)


def renewed_expiry(old_expires_on: date, renewed_on: date, months: int) -> date:
    """Expiry of a renewal: from the old expiry if renewed before it, else from the renewal day."""
    return add_months(max(old_expires_on, renewed_on), months)


# --- facts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldCertificate:
    """One issued certificate (one cycle) as the rules need it."""

    id: int
    certification_id: str
    cycle: int
    issued_on: date
    expires_on: date
    revoked_on: date | None = None
    issued_at: datetime | None = None
    counted: frozenset[str] = frozenset()  # what counted toward it ("attempt:9", ...)
    code: str = ""

    def state_on(self, today: date, window_days: int) -> str:
        """certified, renewal_open, expired or revoked on a given day."""
        if self.revoked_on is not None and self.revoked_on <= today:
            return REVOKED
        if today >= self.expires_on:
            return EXPIRED
        if today >= renewal_opens_on(self.expires_on, window_days):
            return RENEWAL_OPEN
        return CERTIFIED

    def valid_on(self, today: date) -> bool:
        """Valid: issued, not expired and not revoked on that day."""
        revoked = self.revoked_on is not None and self.revoked_on <= today
        return self.issued_on <= today < self.expires_on and not revoked


@dataclass(frozen=True)
class QuizResult:
    """A graded attempt: its id, percent and when it was graded."""

    attempt_id: int
    percent: float
    on: datetime


@dataclass(frozen=True)
class LearnerFacts:
    """Everything the requirement kinds read about one learner."""

    user_id: int
    start_date: date | None = None
    has_manager: bool = False
    has_mentor: bool = False
    modules_complete: frozenset[str] = frozenset()
    quiz_results: Mapping[str, tuple[QuizResult, ...]] = field(default_factory=dict)
    # lab id -> id of the submission that passed it
    passed_labs: Mapping[str, int] = field(default_factory=dict)
    # evidence kind -> ((evidence id, day it happened), ...) of verified entries
    evidence: Mapping[str, tuple[tuple[int, date], ...]] = field(default_factory=dict)
    # (certification id, "manager" | "mentor") -> (approval id, when approved), the latest
    approvals: Mapping[tuple[str, str], tuple[int, datetime]] = field(default_factory=dict)
    certificates: tuple[HeldCertificate, ...] = ()


@dataclass(frozen=True)
class Context:
    """What evaluating one certification for one learner needs besides the facts.

    `since` and `used` are set when renewal requirements are evaluated: only results from
    the moment the certificate being renewed was issued count, and never one that already
    counted toward it (evidence carries only the day it happened). `titles` maps "kind:id"
    to a readable name; `pass_scores` gives a quiz's pass mark when a requirement sets
    no `min_score`.
    """

    today: date
    certification_id: str
    since: datetime | None = None
    used: frozenset[str] = frozenset()
    titles: Mapping[str, str] = field(default_factory=dict)
    pass_scores: Mapping[str, int] = field(default_factory=dict)

    def title(self, kind: str, item_id: str) -> str:
        """A readable name for a content item or evidence kind (its id when unknown)."""
        return self.titles.get(f"{kind}:{item_id}", item_id)

    def counts(self, moment: date | datetime, ref: str) -> bool:
        """Whether a result (`ref`, such as "attempt:9") from `moment` counts now.

        Always, unless renewing: then only results from the issue of the certificate being
        renewed on, and none that already counted toward it.
        """
        if self.since is None:
            return True
        if ref in self.used:
            return False
        if isinstance(moment, datetime):
            return moment >= self.since
        return moment >= self.since.date()


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """The next thing to do for a requirement: a label and what it points at.

    `target` is "module:ID", "quiz:ID", "labs:" or "lab:ID", "evidence:KIND",
    "approval:BY" or "certification:ID"; the pages turn it into a link or a button.
    """

    label: str
    target: str


@dataclass(frozen=True)
class RequirementResult:
    """One line of a checklist: met or not, progress, what counted and what to do next."""

    kind: str
    label: str
    met: bool
    done: int
    needed: int
    counted: tuple[str, ...] = ()
    action: Action | None = None
    before_exam: bool = False
    note: str = ""

    @property
    def progress(self) -> str:
        """Progress in words, such as "3 of 10"."""
        return f"{min(self.done, self.needed)} of {self.needed}"


class RequirementKind(ABC):
    """One kind of requirement: evaluates a requirement of that kind against a learner."""

    name: ClassVar[str]

    @abstractmethod
    def evaluate(self, requirement: Any, facts: LearnerFacts, ctx: Context) -> RequirementResult:
        """Return the checklist line for this requirement."""


KINDS: dict[str, RequirementKind] = {}


def _kind(cls: type[RequirementKind]) -> type[RequirementKind]:
    KINDS[cls.name] = cls()
    return cls


def _result(requirement: Any, **values: Any) -> RequirementResult:
    return RequirementResult(
        kind=requirement.kind, before_exam=getattr(requirement, "before_exam", False), **values
    )


@_kind
class ModuleKind(RequirementKind):
    """Complete a module: every section read and its quiz passed."""

    name = "module"

    def evaluate(self, requirement, facts, ctx):
        title = ctx.title("module", requirement.module)
        met = requirement.module in facts.modules_complete
        return _result(
            requirement,
            label=f"Complete {title}",
            met=met,
            done=int(met),
            needed=1,
            counted=(f"module:{requirement.module}",) if met else (),
            action=None if met else Action("Open the module", f"module:{requirement.module}"),
        )


@_kind
class QuizKind(RequirementKind):
    """Score at least `min_score` (or the quiz's pass mark) in one graded attempt."""

    name = "quiz"

    def evaluate(self, requirement, facts, ctx):
        quiz_id = requirement.quiz
        bar = requirement.min_score
        if bar is None:
            bar = ctx.pass_scores.get(quiz_id, 100)
        results = [
            r
            for r in facts.quiz_results.get(quiz_id, ())
            if ctx.counts(r.on, f"attempt:{r.attempt_id}")
        ]
        best = max(results, key=lambda r: (r.percent, -r.attempt_id), default=None)
        met = best is not None and best.percent >= bar
        note = "" if best is None else f"best {best.percent:g}%"
        if ctx.since is not None:
            since = ctx.since.date().isoformat()
            note = f"{note} since {since}" if note else f"no attempt since {since}"
        verb = "Take the quiz again" if results else "Take the quiz"
        return _result(
            requirement,
            label=f"Score at least {bar}% on {ctx.title('quiz', quiz_id)}",
            met=met,
            done=int(met),
            needed=1,
            counted=(f"attempt:{best.attempt_id}",) if met else (),
            action=None if met else Action(verb, f"quiz:{quiz_id}"),
            note=note,
        )


@_kind
class LabsKind(RequirementKind):
    """Have `count` labs passed, from the named ones or any."""

    name = "labs"

    def evaluate(self, requirement, facts, ctx):
        allowed = requirement.labs
        passed = sorted(
            (lab, submission)
            for lab, submission in facts.passed_labs.items()
            if allowed is None or lab in allowed
        )
        counted = tuple(f"lab_submission:{submission}" for _, submission in passed)
        needed = requirement.count
        met = len(passed) >= needed
        if allowed is None:
            label = f"Pass {needed} lab{'s' if needed != 1 else ''}"
        else:
            names = ", ".join(ctx.title("lab", lab) for lab in allowed)
            label = f"Pass {needed} of these labs: {names}"
        action = None
        if not met:
            todo = [lab for lab in (allowed or []) if lab not in facts.passed_labs]
            action = (
                Action(f"Do {ctx.title('lab', todo[0])}", f"lab:{todo[0]}")
                if todo
                else Action("Choose a lab", "labs:")
            )
        return _result(
            requirement,
            label=label,
            met=met,
            done=len(passed),
            needed=needed,
            counted=counted[:needed] if met else counted,
            action=action,
        )


@_kind
class CertificationKind(RequirementKind):
    """Hold another certification, valid today."""

    name = "certification"

    def evaluate(self, requirement, facts, ctx):
        wanted = requirement.certification
        valid = [
            c for c in facts.certificates if c.certification_id == wanted and c.valid_on(ctx.today)
        ]
        held = max(valid, key=lambda c: c.cycle, default=None)
        title = ctx.title("certification", wanted)
        note = f"valid until {held.expires_on.isoformat()}" if held else ""
        return _result(
            requirement,
            label=f"Hold a valid {title} certificate",
            met=held is not None,
            done=int(held is not None),
            needed=1,
            counted=(f"certificate:{held.id}",) if held else (),
            action=None if held else Action(f"Work toward {title}", f"certification:{wanted}"),
            note=note,
        )


@_kind
class EvidenceKindRule(RequirementKind):
    """Have `count` entries of one evidence kind verified."""

    name = "evidence"

    def evaluate(self, requirement, facts, ctx):
        entries = [
            (entry_id, day)
            for entry_id, day in facts.evidence.get(requirement.evidence, ())
            if ctx.counts(day, f"evidence:{entry_id}")
        ]
        entries.sort(key=lambda entry: (entry[1], entry[0]))
        needed = requirement.count
        met = len(entries) >= needed
        title = ctx.title("evidence", requirement.evidence)
        since = f" since {ctx.since.date().isoformat()}" if ctx.since else ""
        return _result(
            requirement,
            label=f"{title}: {needed} verified{since}",
            met=met,
            done=len(entries),
            needed=needed,
            counted=tuple(f"evidence:{entry_id}" for entry_id, _ in entries[:needed]),
            action=None if met else Action("Log evidence", f"evidence:{requirement.evidence}"),
        )


@_kind
class ApprovalKind(RequirementKind):
    """Be approved for this certification by one's manager or mentor."""

    name = "approval"

    def evaluate(self, requirement, facts, ctx):
        by = requirement.by
        approval = facts.approvals.get((ctx.certification_id, by))
        met = approval is not None and ctx.counts(approval[1], f"approval:{approval[0]}")
        has_person = facts.has_manager if by == "manager" else facts.has_mentor
        note = "" if has_person or met else f"no {by} on your record: ask a trainer to add one"
        action = None
        if not met and has_person:
            action = Action(f"Ask your {by} for approval", f"approval:{by}")
        return _result(
            requirement,
            label=f"Approval from your {by}",
            met=met,
            done=int(met),
            needed=1,
            counted=(f"approval:{approval[0]}",) if met else (),
            action=action,
            note=note,
        )


@_kind
class TenureKind(RequirementKind):
    """Have been with the organisation `months` months (from the start date on record)."""

    name = "tenure"

    def evaluate(self, requirement, facts, ctx):
        months = requirement.months
        label = f"{months} months with the organisation"
        if facts.start_date is None:
            return _result(
                requirement,
                label=label,
                met=False,
                done=0,
                needed=months,
                note="no start date on record: ask a trainer to add it",
            )
        reached_on = add_months(facts.start_date, months)
        served = 0
        while served < months and add_months(facts.start_date, served + 1) <= ctx.today:
            served += 1
        met = reached_on <= ctx.today
        return _result(
            requirement,
            label=label,
            met=met,
            done=served,
            needed=months,
            counted=(f"start_date:{facts.start_date.isoformat()}",) if met else (),
            note="" if met else f"reached on {reached_on.isoformat()}",
        )


def evaluate_requirements(
    requirements: list[Any], facts: LearnerFacts, ctx: Context
) -> tuple[RequirementResult, ...]:
    """Evaluate a list of requirements with the registered kinds (KeyError for an unknown kind)."""
    return tuple(KINDS[r.kind].evaluate(r, facts, ctx) for r in requirements)


# --- a person's status on a certification ------------------------------------------------------


@dataclass(frozen=True)
class CertificationStatus:
    """One person on one certification: state, checklist, current certificate, and what is due.

    `requirements` is the checklist that matters now: the first-time requirements, or the
    renewal requirements once a certificate has been held (`renewing`). `due` is True when
    a certificate (first or renewal) may be issued now.
    """

    certification_id: str
    state: str
    requirements: tuple[RequirementResult, ...]
    renewing: bool
    current: HeldCertificate | None
    due: bool
    renewal_opens_on: date | None = None

    @property
    def met(self) -> int:
        """How many requirements are met."""
        return sum(1 for r in self.requirements if r.met)

    @property
    def total(self) -> int:
        """How many requirements there are."""
        return len(self.requirements)

    @property
    def all_met(self) -> bool:
        """Every requirement is met."""
        return all(r.met for r in self.requirements)

    def counted(self) -> dict[str, list[str]]:
        """What counted for each requirement, by its position, for the certificate's record."""
        return {str(i): list(r.counted) for i, r in enumerate(self.requirements)}


def certification_status(
    certification: Any, facts: LearnerFacts, ctx: Context
) -> CertificationStatus:
    """Work out a person's state on a certification from their facts, as of `ctx.today`.

    A revoked certificate is not renewed or re-issued automatically: only a trainer can
    issue anew. A certificate whose prerequisite lapses stays valid until its own expiry.
    """
    window = certification.renewal_window_days
    cycles = [c for c in facts.certificates if c.certification_id == certification.id]
    current = max(cycles, key=lambda c: c.cycle, default=None)
    if current is None:
        checklist = evaluate_requirements(certification.requires, facts, ctx)
        all_met = all(r.met for r in checklist)
        started = any(r.met or r.done for r in checklist)
        state = READY if all_met else IN_PROGRESS if started else NOT_STARTED
        return CertificationStatus(certification.id, state, checklist, False, None, all_met)
    since = current.issued_at or datetime.combine(current.issued_on, time(), tzinfo=UTC)
    renew_ctx = replace(ctx, since=since, used=current.counted)
    checklist = evaluate_requirements(certification.renewal_requirements, facts, renew_ctx)
    state = current.state_on(ctx.today, window)
    opens = renewal_opens_on(current.expires_on, window)
    due = state in (RENEWAL_OPEN, EXPIRED) and all(r.met for r in checklist)
    return CertificationStatus(certification.id, state, checklist, True, current, due, opens)


def exam_blockers(certification: Any, facts: LearnerFacts, ctx: Context) -> list[RequirementResult]:
    """The requirements marked `before_exam` that are not met yet (empty: the exam may start)."""
    gate = [r for r in certification.requires if r.before_exam]
    return [r for r in evaluate_requirements(gate, facts, ctx) if not r.met]


def next_expiry(issued_on: date, months: int, previous: HeldCertificate | None) -> date:
    """Expiry of a certificate issued on `issued_on`: a first one, or a renewal of `previous`."""
    if previous is None:
        return add_months(issued_on, months)
    return renewed_expiry(previous.expires_on, issued_on, months)
