"""Pure rules of the practice area: grading a lab, a learner's state on it, evidence counts.

No Flask and no database: plain data in, frozen dataclasses or dicts out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lms.practice import checkpoints as kinds

# A learner's state on a lab, in the words the pages use.
NOT_STARTED, DRAFT, IN_REVIEW, RETURNED, PASSED = (
    "not_started",
    "draft",
    "in_review",
    "returned",
    "passed",
)
STATE_LABELS = {
    NOT_STARTED: "Not started",
    DRAFT: "Draft",
    IN_REVIEW: "In review",
    RETURNED: "Returned",
    PASSED: "Passed",
}


@dataclass(frozen=True)
class Outcome:
    """Whether a submission passes, and what failed (one line per failing checkpoint)."""

    passed: bool
    failures: tuple[str, ...]


def machine_results(snapshots: Sequence[dict[str, Any]], answers: dict[str, Any]) -> dict:
    """Grade every machine-checked checkpoint: checkpoint id -> right or not."""
    results = {}
    for snapshot in snapshots:
        kind = kinds.kind_of(snapshot)
        if kind.machine_checked:
            results[snapshot["id"]] = bool(
                kind.grade(kinds.load(snapshot), answers.get(snapshot["id"]))
            )
    return results


def needs_review(snapshots: Sequence[dict[str, Any]]) -> bool:
    """True when a trainer must score at least one checkpoint."""
    return any(not kinds.kind_of(s).machine_checked for s in snapshots)


def review_points(scores: dict[str, list[dict[str, Any]]] | None, checkpoint_id: str) -> int:
    """The points a trainer gave a review checkpoint (0 when unscored)."""
    return sum(int(c.get("points") or 0) for c in (scores or {}).get(checkpoint_id, []))


def outcome(
    snapshots: Sequence[dict[str, Any]],
    results: dict[str, bool],
    scores: dict[str, list[dict[str, Any]]] | None,
) -> Outcome:
    """Passed when every machine check is right and every reviewed checkpoint reaches its
    pass points; otherwise the failures, in checkpoint order."""
    failures = []
    for number, snapshot in enumerate(snapshots, start=1):
        checkpoint_id = snapshot["id"]
        if kinds.kind_of(snapshot).machine_checked:
            if not results.get(checkpoint_id, False):
                failures.append(f"Checkpoint {number}: the answer is not right.")
        else:
            got = review_points(scores, checkpoint_id)
            need = snapshot["pass_points"]
            if got < need:
                total = sum(r["points"] for r in snapshot["rubric"])
                failures.append(
                    f"Checkpoint {number}: {got} of {total} points; {need} needed to pass."
                )
    return Outcome(not failures, tuple(failures))


def check_scores(snapshot: dict[str, Any], points: Sequence[int | None]) -> str | None:
    """Why a trainer's points for a review checkpoint are not acceptable, or None."""
    rubric = snapshot["rubric"]
    if len(points) != len(rubric):
        return "Score every criterion."
    for given, criterion in zip(points, rubric, strict=True):
        if given is None:
            return "Score every criterion."
        if not 0 <= given <= criterion["points"]:
            return (
                f"Give between 0 and {criterion['points']} points for “{criterion['criterion']}”."
            )
    return None


def lab_state(statuses: Sequence[str]) -> str:
    """A learner's state on a lab from their submissions' statuses, newest first.

    Passed once any submission passed (a pass is never taken back); otherwise the state
    of the newest submission.
    """
    if not statuses:
        return NOT_STARTED
    if PASSED in statuses:
        return PASSED
    return {"draft": DRAFT, "submitted": IN_REVIEW, "returned": RETURNED}[statuses[0]]


def evidence_counts(entries: Iterable[tuple[int, str, str]]) -> dict[int, dict[str, int]]:
    """Per person and kind, how many entries are verified, from (user id, kind, status).

    Kinds with no verified entry are left out; read them with `.get(kind, 0)`.
    """
    counts: dict[int, dict[str, int]] = {}
    for user_id, kind, status in entries:
        if status == "verified":
            per_kind = counts.setdefault(user_id, {})
            per_kind[kind] = per_kind.get(kind, 0) + 1
    return counts
