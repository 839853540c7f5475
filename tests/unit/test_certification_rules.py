"""Certification rules: every requirement kind, dates across month ends and leap years, states."""

from datetime import UTC, date, datetime

import pytest

from lms.certification import rules
from lms.certification.rules import (
    Context,
    HeldCertificate,
    LearnerFacts,
    QuizResult,
    add_months,
    certification_status,
    exam_blockers,
    next_expiry,
    renewal_opens_on,
)
from lms.content.schema import Certification

TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


def cert(**fields) -> Certification:
    definition = {
        "id": "pro",
        "title": "Pro",
        "valid_for_months": 12,
        "issue": "automatic",
        "description": "Test certification.",
        "requires": [{"kind": "quiz", "quiz": "exam", "min_score": 85}],
        "renew": [{"kind": "quiz", "quiz": "exam", "min_score": 85}],
    } | fields
    return Certification.model_validate(definition)


def ctx(**fields) -> Context:
    return Context(**({"today": TODAY, "certification_id": "pro"} | fields))


def evaluate(requirement: dict, facts: LearnerFacts, **context):
    definition = cert(requires=[requirement])
    return rules.evaluate_requirements(definition.requires, facts, ctx(**context))[0]


# --- dates ----------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 3, 15), 6, date(2026, 9, 15)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2026, 5, 31), 24, date(2028, 5, 31)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start, months, expected):
    assert add_months(start, months) == expected


def test_renewal_early_on_the_day_and_late():
    held = HeldCertificate(1, "pro", 1, date(2025, 7, 1), date(2026, 7, 1))
    assert renewal_opens_on(held.expires_on, 60) == date(2026, 5, 2)
    # Early (inside the window): from the old expiry, no time lost.
    assert next_expiry(date(2026, 5, 20), 12, held) == date(2027, 7, 1)
    # On the expiry day itself: from that day.
    assert next_expiry(date(2026, 7, 1), 12, held) == date(2027, 7, 1)
    # Late: from the renewal day.
    assert next_expiry(date(2026, 9, 10), 12, held) == date(2027, 9, 10)
    # A first certificate: from the issue day.
    assert next_expiry(date(2026, 1, 31), 1, None) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 5, 1), rules.CERTIFIED),
        (date(2026, 5, 2), rules.RENEWAL_OPEN),
        (date(2026, 6, 30), rules.RENEWAL_OPEN),
        (date(2026, 7, 1), rules.EXPIRED),
    ],
)
def test_certificate_state_from_dates(today, state):
    held = HeldCertificate(1, "pro", 1, date(2025, 7, 1), date(2026, 7, 1))
    assert held.state_on(today, 60) == state
    assert held.valid_on(today) == (state != rules.EXPIRED)


def test_a_revoked_certificate_is_revoked_from_that_day():
    held = HeldCertificate(1, "pro", 1, date(2026, 1, 1), date(2027, 1, 1), date(2026, 3, 1))
    assert held.state_on(date(2026, 2, 28), 60) == rules.CERTIFIED
    assert held.state_on(date(2026, 3, 1), 60) == rules.REVOKED
    assert not held.valid_on(date(2026, 3, 1))


# --- requirement kinds ----------------------------------------


def test_module_kind():
    requirement = {"kind": "module", "module": "m1"}
    missing = evaluate(requirement, LearnerFacts(1), titles={"module:m1": "Module 1"})
    assert not missing.met and missing.progress == "0 of 1"
    assert missing.action.target == "module:m1" and missing.label == "Complete Module 1"
    done = evaluate(requirement, LearnerFacts(1, modules_complete=frozenset({"m1"})))
    assert done.met and done.counted == ("module:m1",) and done.action is None


def test_quiz_kind_takes_the_best_stored_result_against_the_bar():
    results = {"q": (QuizResult(7, 70.0, NOW), QuizResult(9, 86.0, NOW))}
    facts = LearnerFacts(1, quiz_results=results)
    met = evaluate({"kind": "quiz", "quiz": "q", "min_score": 85}, facts)
    assert met.met and met.counted == ("attempt:9",) and met.note == "best 86%"
    assert not evaluate({"kind": "quiz", "quiz": "q", "min_score": 90}, facts).met
    # Without min_score the quiz's pass mark is the bar.
    assert evaluate({"kind": "quiz", "quiz": "q"}, facts, pass_scores={"q": 80}).met
    none = evaluate({"kind": "quiz", "quiz": "q"}, LearnerFacts(1), pass_scores={"q": 80})
    assert not none.met and none.action.label == "Take the quiz"


def test_quiz_kind_when_renewing_counts_only_attempts_since_the_last_issue():
    results = {"q": (QuizResult(1, 95.0, at(2025, 1, 10)), QuizResult(2, 60.0, NOW))}
    facts = LearnerFacts(1, quiz_results=results)
    renewing = evaluate({"kind": "quiz", "quiz": "q", "min_score": 85}, facts, since=at(2026, 1, 1))
    assert not renewing.met and renewing.action.label == "Take the quiz again"


def test_labs_kind_counts_any_or_named_labs():
    facts = LearnerFacts(1, passed_labs={"a": 11, "b": 12, "c": 13})
    assert evaluate({"kind": "labs", "count": 3}, facts).counted == (
        "lab_submission:11", "lab_submission:12", "lab_submission:13",
    )  # fmt: skip
    named = evaluate({"kind": "labs", "count": 2, "labs": ["b", "x"]}, facts)
    assert not named.met and named.progress == "1 of 2" and named.action.target == "lab:x"
    short = evaluate({"kind": "labs", "count": 4}, facts)
    assert not short.met and short.progress == "3 of 4" and short.action.target == "labs:"


def test_certification_kind_needs_a_valid_certificate_today():
    valid = HeldCertificate(5, "assoc", 1, date(2026, 1, 1), date(2026, 7, 1))
    lapsed = HeldCertificate(4, "assoc", 1, date(2025, 1, 1), date(2025, 7, 1))
    requirement = {"kind": "certification", "certification": "assoc"}
    assert evaluate(requirement, LearnerFacts(1, certificates=(valid,))).counted == (
        "certificate:5",
    )
    assert not evaluate(requirement, LearnerFacts(1, certificates=(lapsed,))).met
    revoked = HeldCertificate(6, "assoc", 2, date(2026, 1, 1), date(2026, 7, 1), date(2026, 2, 1))
    assert not evaluate(requirement, LearnerFacts(1, certificates=(revoked,))).met


def test_evidence_kind_counts_verified_entries_and_since():
    entries = {"deployment": ((1, date(2025, 12, 1)), (2, date(2026, 2, 1)), (3, date(2026, 3, 1)))}
    facts = LearnerFacts(1, evidence=entries)
    four = evaluate({"kind": "evidence", "evidence": "deployment", "count": 4}, facts)
    assert not four.met and four.progress == "3 of 4"
    assert four.action.target == "evidence:deployment"
    three = evaluate({"kind": "evidence", "evidence": "deployment", "count": 3}, facts)
    assert three.met and three.counted == ("evidence:1", "evidence:2", "evidence:3")
    since = evaluate(
        {"kind": "evidence", "evidence": "deployment", "count": 2}, facts, since=at(2026, 1, 1)
    )
    assert since.met and since.counted == ("evidence:2", "evidence:3")


def test_approval_kind_reads_the_approval_for_this_certification():
    requirement = {"kind": "approval", "by": "manager"}
    asked = evaluate(requirement, LearnerFacts(1, has_manager=True))
    assert not asked.met and asked.action.target == "approval:manager"
    nobody = evaluate(requirement, LearnerFacts(1))
    assert nobody.action is None and "no manager" in nobody.note
    approved = LearnerFacts(1, has_manager=True, approvals={("pro", "manager"): (8, NOW)})
    assert evaluate(requirement, approved).counted == ("approval:8",)
    other = LearnerFacts(1, has_manager=True, approvals={("other", "manager"): (8, NOW)})
    assert not evaluate(requirement, other).met


def test_tenure_kind_counts_whole_months_from_the_start_date():
    requirement = {"kind": "tenure", "months": 3}
    assert not evaluate(requirement, LearnerFacts(1)).met
    early = evaluate(requirement, LearnerFacts(1, start_date=date(2026, 3, 16)))
    assert not early.met and early.progress == "2 of 3" and early.note == "reached on 2026-06-16"
    on_the_day = evaluate(requirement, LearnerFacts(1, start_date=date(2026, 3, 15)))
    assert on_the_day.met and on_the_day.progress == "3 of 3"


def test_every_kind_the_curriculum_uses_is_registered():
    from lms.content.schema.curriculum import Requirement  # noqa: F401 - the union of kinds

    assert set(rules.KINDS) == {
        "module", "quiz", "labs", "certification", "evidence", "approval", "tenure",
    }  # fmt: skip


# --- overall status ----------------------------------------


def test_status_from_not_started_to_ready():
    definition = cert(
        requires=[
            {"kind": "module", "module": "m"},
            {"kind": "quiz", "quiz": "exam", "min_score": 85},
        ]
    )
    assert certification_status(definition, LearnerFacts(1), ctx()).state == rules.NOT_STARTED
    half = LearnerFacts(1, modules_complete=frozenset({"m"}))
    status = certification_status(definition, half, ctx())
    assert (status.state, status.met, status.total, status.due) == (rules.IN_PROGRESS, 1, 2, False)
    ready = LearnerFacts(
        1, modules_complete=frozenset({"m"}), quiz_results={"exam": (QuizResult(3, 90.0, NOW),)}
    )
    status = certification_status(definition, ready, ctx())
    assert (status.state, status.due) == (rules.READY, True)
    assert status.counted() == {"0": ["module:m"], "1": ["attempt:3"]}


def test_status_of_a_held_certificate_and_its_renewal():
    definition = cert()
    held = HeldCertificate(1, "pro", 1, date(2025, 8, 1), date(2026, 8, 1))
    old_pass = {"exam": (QuizResult(3, 90.0, at(2025, 7, 20)),)}
    facts = LearnerFacts(1, quiz_results=old_pass, certificates=(held,))
    status = certification_status(definition, facts, ctx(today=date(2026, 5, 1)))
    assert (status.state, status.renewing, status.due) == (rules.CERTIFIED, True, False)
    assert status.renewal_opens_on == date(2026, 6, 2)
    in_window = certification_status(definition, facts, ctx(today=date(2026, 6, 10)))
    assert (in_window.state, in_window.due) == (rules.RENEWAL_OPEN, False)
    renewed = LearnerFacts(
        1,
        quiz_results={"exam": (*old_pass["exam"], QuizResult(9, 88.0, at(2026, 6, 10)))},
        certificates=(held,),
    )
    status = certification_status(definition, renewed, ctx(today=date(2026, 6, 10)))
    assert status.due and status.requirements[0].counted == ("attempt:9",)
    late = certification_status(definition, facts, ctx(today=date(2026, 9, 1)))
    assert (late.state, late.due) == (rules.EXPIRED, False)


def test_a_revoked_certificate_is_never_due_again_by_itself():
    held = HeldCertificate(1, "pro", 1, date(2026, 1, 1), date(2027, 1, 1), date(2026, 2, 1))
    results = {"exam": (QuizResult(3, 99.0, at(2026, 5, 1)),)}
    status = certification_status(
        cert(), LearnerFacts(1, quiz_results=results, certificates=(held,)), ctx()
    )
    assert (status.state, status.due) == (rules.REVOKED, False)


def test_exam_blockers_are_the_unmet_before_exam_requirements():
    definition = cert(
        exam="exam",
        requires=[
            {"kind": "certification", "certification": "assoc", "before_exam": True},
            {"kind": "tenure", "months": 3, "before_exam": True},
            {"kind": "quiz", "quiz": "exam", "min_score": 85},
        ],
    )
    facts = LearnerFacts(1, start_date=date(2020, 1, 1))
    blockers = exam_blockers(definition, facts, ctx())
    assert [b.kind for b in blockers] == ["certification"]
    valid = HeldCertificate(2, "assoc", 1, date(2026, 1, 1), date(2026, 7, 1))
    ok = LearnerFacts(1, start_date=date(2020, 1, 1), certificates=(valid,))
    assert exam_blockers(definition, ok, ctx()) == []


def test_renewal_never_counts_what_counted_for_the_certificate_it_renews():
    issued_at = at(2026, 3, 2)
    held = HeldCertificate(
        1, "pro", 1, date(2026, 3, 2), date(2026, 9, 2), None, issued_at, frozenset({"attempt:3"})
    )
    # The attempt that earned it was graded the same second the certificate was issued.
    facts = LearnerFacts(1, quiz_results={"exam": (QuizResult(3, 99.0, issued_at),)},
                         certificates=(held,))  # fmt: skip
    status = certification_status(cert(), facts, ctx(today=date(2026, 8, 1)))
    assert (status.state, status.due) == (rules.RENEWAL_OPEN, False)
    assert status.requirements[0].note == "no attempt since 2026-03-02"


def test_checklist_titles_are_kept_per_content_load_and_follow_a_new_one(tmp_path):
    from datetime import date

    from lms.certification.service import context
    from lms.content import load_content
    from tests.content_tree import copy_content

    first = load_content(copy_content(tmp_path / "first")).catalog
    root = copy_content(tmp_path / "second")
    page = root / "modules" / "daily-operations.md"
    page.write_text(page.read_text().replace("title: Daily Operations", "title: Day to Day", 1))
    second = load_content(root).catalog
    day = date(2026, 12, 1)
    number = first.modules["daily-operations"].number
    assert context(first, day, "associate").titles["module:daily-operations"] == (
        f"Module {number}: Daily Operations"
    )
    assert context(first, day, "professional").titles is context(first, day, "associate").titles
    assert context(second, day, "associate").titles["module:daily-operations"] == (
        f"Module {number}: Day to Day"
    )
