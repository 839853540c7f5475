"""One production world: the glossary lint, pattern checkpoints and symptom sections."""

from __future__ import annotations

import os
from pathlib import Path

import pydantic
import pytest

from lms.content import forked, load_content, loader
from lms.content.glossary import find_avoided
from lms.content.schema import GlossaryEntry, PatternCheckpoint
from tests.content_tree import REPO_ROOT, copy_content
from tests.unit.test_content_loader import find, make_tree, problems_of

GLOSSARY = [
    GlossaryEntry(term="checkout-service", avoid=["order-service", "checkout"]),
    GlossaryEntry(term="dwcp-data", avoid=["-n data"]),
    GlossaryEntry(term="code", avoid=["status=~"]),
    GlossaryEntry(term="pg-main", avoid=["pg-primary", "pg-primary-0"]),
]


def uses(text: str) -> list[tuple[int, str, str]]:
    return [(use.line, use.variant, use.term) for use in find_avoided(text, GLOSSARY)]


# --- the glossary lint ---------------------------------------------------------------------


def test_a_variant_is_found_as_a_whole_token_in_any_case() -> None:
    text = 'intro\nRestart Order-Service now.\nkubectl -n data get pods\nrate(x{status=~"5.."})'
    assert uses(text) == [
        (2, "order-service", "checkout-service"),
        (3, "-n data", "dwcp-data"),
        (4, "status=~", "code"),
    ]


def test_the_canonical_term_is_not_flagged_when_a_variant_is_part_of_it() -> None:
    assert uses("checkout-service and CHECKOUT-SERVICE") == []
    assert uses("the checkout journey") == [(1, "checkout", "checkout-service")]


def test_tokens_do_not_match_inside_longer_tokens() -> None:
    text = "reorder-service; order-services; -n data-loader; pg-primary-0; pg-primary"
    assert uses(text) == [
        (1, "pg-primary", "pg-main"),
        (1, "pg-primary-0", "pg-main"),
    ]
    assert uses("kubectl -n  data") == [(1, "-n data", "dwcp-data")]  # any run of spaces


def test_glossary_entries_are_validated() -> None:
    with pytest.raises(pydantic.ValidationError, match="is the term itself"):
        GlossaryEntry(term="pg-main", avoid=["PG-MAIN"])
    with pytest.raises(pydantic.ValidationError, match="duplicate variant"):
        GlossaryEntry(term="pg-main", avoid=["pg-primary", "PG-primary"])


GLOSSARY_YAML = """\
glossary:
  - {term: checkout-service, avoid: [order-service], note: The service that places orders.}
  - {term: dwcp-data, avoid: ["-n data"]}
"""


def test_content_check_reports_every_avoided_variant_by_path_and_line(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        curriculum=("evidence_kinds:", GLOSSARY_YAML + "evidence_kinds:"),
        runbook=("# Runbook", "# Runbook\n\nRestart the order-service first."),
        basics=("Intro with", "Run `kubectl -n data get pods`. Intro with"),
    )
    problems = [str(p) for p in problems_of(root)]
    assert problems == [
        "docs/runbook.md:16: glossary: 'order-service' is an avoided variant; "
        "write 'checkout-service'",
        "modules/basics.md:15: glossary: '-n data' is an avoided variant; write 'dwcp-data'",
    ]


def test_a_variant_in_another_entrys_list_is_reported(tmp_path: Path) -> None:
    twice = GLOSSARY_YAML.replace('avoid: ["-n data"]', "avoid: [order-service]")
    root = make_tree(tmp_path, curriculum=("evidence_kinds:", twice + "evidence_kinds:"))
    problem = find(problems_of(root), "curriculum.yml", "glossary.1.avoid.0")
    assert "'order-service' is also avoided for 'checkout-service'" in problem.message


def test_old_names_planted_in_the_shipped_content_are_reported(tmp_path: Path) -> None:
    root = copy_content(tmp_path / "content")
    runbook = root / "docs/production-operations-runbook.md"
    lines = runbook.read_text(encoding="utf-8").splitlines()
    lines[40] += " Restart order-service, then check postgres-0 in -n data."
    runbook.write_text("\n".join(lines) + "\n", encoding="utf-8")
    lab = root / "labs/ex-4-1-memory-leak.md"
    lab.write_text(
        lab.read_text(encoding="utf-8") + "\nUse pgBackRest and `kubectl rollout undo`.\n"
    )
    quiz = root / "quizzes/architecture-quiz.yml"
    quiz.write_text(quiz.read_text(encoding="utf-8") + "# namespace: observability.svc\n")
    result = load_content(root)
    lab_line = len(lab.read_text(encoding="utf-8").splitlines())
    quiz_line = len(quiz.read_text(encoding="utf-8").splitlines())
    found = {(p.path, p.line, p.message) for p in result.problems}
    assert found == {
        ("docs/production-operations-runbook.md", 41,
         "'order-service' is an avoided variant; write 'checkout-service'"),
        ("docs/production-operations-runbook.md", 41,
         "'-n data' is an avoided variant; write 'dwcp-data'"),
        ("docs/production-operations-runbook.md", 41,
         "'postgres-0' is an avoided variant; write 'pg-main'"),
        ("labs/ex-4-1-memory-leak.md", lab_line,
         "'pgBackRest' is an avoided variant; write 'wal-g'"),
        ("labs/ex-4-1-memory-leak.md", lab_line,
         "'rollout undo' is an avoided variant; write 'kubectl argo rollouts undo'"),
        ("quizzes/architecture-quiz.yml", quiz_line,
         "'observability.svc' is an avoided variant; write 'monitoring'"),
    }  # fmt: skip
    assert all(p.field == "glossary" for p in result.problems)


def test_a_large_tree_is_linted_in_a_child_process_with_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_content(tmp_path / "content")
    runbook = root / "docs/production-operations-runbook.md"
    runbook.write_text(runbook.read_text(encoding="utf-8") + "\nRestart order-service.\n")
    inline = load_content(root).problems
    assert [p.message for p in inline] == [
        "'order-service' is an avoided variant; write 'checkout-service'"
    ]
    linted_in = []
    lint = loader._avoided_uses
    monkeypatch.setattr(
        loader, "_avoided_uses", lambda *a: linted_in.append(os.getpid()) or lint(*a)
    )
    monkeypatch.setattr(loader, "FORK_GLOSSARY_FROM", 0)  # as with a thousand modules
    assert load_content(root).problems == inline
    if forked.can_fork():  # not with threads running
        assert linted_in == []  # the child's list, not this process's


def test_work_a_child_could_not_finish_is_done_here() -> None:
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            raise RuntimeError("fails in the child only")
        return parent

    assert forked.begin(work)() == parent
    assert forked.begin(os.getpid)() != parent or not forked.can_fork()


def test_wrong_answers_in_reject_lists_are_not_linted() -> None:
    result = load_content(REPO_ROOT)
    assert result.problems == []
    lab = result.catalog.labs["ex-3-1-simulated-incident"]
    rejects = [c for c in lab.checkpoints if c.id == "rollback-command"][0].reject
    assert any("kubectl rollout undo" in answer for answer in rejects)


# --- pattern checkpoints -------------------------------------------------------------------


def pattern(**fields) -> PatternCheckpoint:
    base = {"id": "cause", "prompt": "Why?", "type": "pattern"}
    return PatternCheckpoint.model_validate(base | fields)


def test_matches_normalises_case_and_spaces_and_searches() -> None:
    checkpoint = pattern(
        pattern=r"^(?!.*\bnot\b)(?=.*pool)",
        accept=["the connection pool is exhausted"],
        reject=["not the pool", "the database"],
    )
    assert checkpoint.matches("  The   Connection\nPOOL ran dry ")
    assert not checkpoint.matches("It is NOT   the pool")
    assert checkpoint.accepted == ["the connection pool is exhausted"]


def test_the_old_example_still_counts_as_an_accepted_answer() -> None:
    checkpoint = pattern(pattern="gateway", example="the Gateway call", reject=["a", "b"])
    assert checkpoint.accepted == ["the Gateway call"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"accept": ["the pool"], "reject": ["the pool", "x"]}, "rejected answer 'the pool'"),
        ({"accept": ["the cache"], "reject": ["x", "y"]}, "accepted answer 'the cache'"),
        ({"reject": ["x", "y"]}, "needs at least one accepted answer"),
        ({"accept": ["the pool"], "reject": ["x"]}, "at least 2 items"),
        ({"accept": ["the pool"]}, "Field required"),
    ],
)
def test_accept_and_reject_are_verified_against_the_pattern(fields, message) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        pattern(pattern="pool", **fields)


def test_a_pattern_that_accepts_a_wrong_answer_is_reported_with_its_line(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path, ex_1_1_first=("reject: [the database, the cache]", "reject: [x, gateway down]")
    )
    problem = find(problems_of(root), "labs/ex-1-1-first.md", "checkpoints.2.reject.1")
    assert problem.message == "rejected answer 'gateway down' matches the pattern"
    assert problem.line is not None


def test_every_shipped_pattern_checkpoint_rejects_wrong_and_negated_answers() -> None:
    catalog = load_content(REPO_ROOT).catalog
    checkpoints = [
        (lab.id, c) for lab in catalog.labs.values() for c in lab.checkpoints if c.type == "pattern"
    ]
    assert len(checkpoints) >= 12
    for lab_id, checkpoint in checkpoints:
        assert len(checkpoint.reject) >= 2, (lab_id, checkpoint.id)
        assert all(checkpoint.matches(answer) for answer in checkpoint.accepted)
        assert not any(checkpoint.matches(answer) for answer in checkpoint.reject)
        assert not checkpoint.matches("the payment provider is slow"), (lab_id, checkpoint.id)
        for answer in checkpoint.accepted:
            assert not checkpoint.matches(f"not {answer}"), (lab_id, checkpoint.id, answer)


# --- symptoms and section links ------------------------------------------------------------


def test_a_symptom_links_to_a_section_of_a_document(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        curriculum=("hint: Start here}", "hint: Start here, see: 'doc:runbook#no-such-part'}"),
    )
    problem = find(problems_of(root), "curriculum.yml", "library.symptoms.0.see")
    assert problem.message == (
        "document 'runbook' has no '##' or '###' heading with anchor 'no-such-part'"
    )
    assert problem.line == 5


@pytest.mark.parametrize(
    ("see", "message"),
    [
        ("doc:nothing#x", "unknown document 'nothing' (no docs/nothing.md)"),
        ("module:basics#first-steps", "is not a section link of the form doc:ID#anchor"),
        ("doc:runbook", "is not a section link of the form doc:ID#anchor"),
    ],
)
def test_bad_symptom_links_are_reported(tmp_path: Path, see: str, message: str) -> None:
    root = make_tree(
        tmp_path, curriculum=("hint: Start here}", f"hint: Start here, see: '{see}'}}")
    )
    problem = find(problems_of(root), "curriculum.yml", "library.symptoms.0.see")
    assert message in problem.message


def test_section_anchors_of_doc_and_module_links_are_checked(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        runbook=(
            "# Runbook",
            "# Runbook\n\nSee [a](module:basics#first-steps) and [b](module:basics#nope).",
        ),
        basics=("Intro with", "See [c](doc:runbook#nothing-here). Intro with"),
    )
    problems = [str(p) for p in problems_of(root)]
    assert problems == [
        "docs/runbook.md:16: body: link to unknown section 'nope' of module 'basics'",
        "modules/basics.md:15: body: link to unknown section 'nothing-here' of document 'runbook'",
    ]


def test_a_link_to_a_heading_inside_a_note_is_accepted(tmp_path: Path) -> None:
    """Read from the source, the anchors miss headings inside a note; the render has them."""
    root = make_tree(
        tmp_path,
        runbook=("# Runbook", "# Runbook\n\n!!! note\n    ## Inside the note\n\n    Text."),
        basics=("Intro with", "See [c](doc:runbook#inside-the-note). Intro with"),
    )
    assert load_content(root).problems == []


def test_every_shipped_symptom_links_to_a_section() -> None:
    catalog = load_content(REPO_ROOT).catalog
    symptoms = catalog.curriculum.library.symptoms
    assert symptoms and all(s.see_doc in catalog.documents and s.see_anchor for s in symptoms)
