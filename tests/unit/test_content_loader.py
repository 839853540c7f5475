"""Unit tests for lms.content: loading, validation problems and the check command."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pydantic
import pytest

from lms.content import Problem, fingerprint, load_content
from lms.content.check import check

DOC = """\
---
id: runbook
title: Runbook
order: 1
audience: [sre, engineering]
primary_for: [sre]
classification: internal
summary: How to run things.
when_to_use:
  - Always
tasks: [respond-to-incident]
symptoms: [service-down]
---
# Runbook

See [the module](module:basics) and [a section](doc:runbook#start).

## Start

Text.
"""

MODULE = """\
---
id: basics
title: Basics
number: 1
level: associate
duration: 60
summary: The basics.
objectives:
  - Know the basics
documents: [runbook]
quiz: basics-quiz
labs: [ex-1-1-first]
pass_score: 80
---
Intro with [a lab](lab:ex-1-1-first).

## First steps

Read [the quiz](quiz:basics-quiz).

## Next `steps`

```text
## not a section
```
"""

LAB = """\
---
id: ex-1-1-first
title: First exercise
kind: exercise
number: "1.1"
module: basics
objective: Try it.
time_limit: 30
steps:
  - Do it
pass_criteria:
  - Done
checkpoints:
  - id: state
    prompt: What state is it in?
    type: choice
    options: [normal, critical]
    answer: critical
  - id: factor
    prompt: By what factor?
    type: number
    answer: 50
    tolerance: 5
  - id: span
    prompt: Which span?
    type: pattern
    pattern: gateway
    example: the payment Gateway call
    reject: [the database, the cache]
  - id: diagram
    prompt: Draw it.
    type: review
    rubric:
      - criterion: Complete
        points: 3
    pass_points: 2
---
Scenario.
"""

QUIZ = """\
id: basics-quiz
title: Basics quiz
module: basics
pass_score: 80
questions_per_attempt: 3
questions:
  - id: first-hop
    type: single
    topic: path
    prompt: First hop? See [the runbook](doc:runbook).
    source: doc:runbook#start
    options:
      - {id: a, text: CDN}
      - {id: b, text: Load balancer, correct: true}
    explanation: The load balancer.
  - id: signals
    type: multiple
    topic: metrics
    prompt: Golden signals?
    source: module:basics#first-steps
    options:
      - {id: a, text: Latency, correct: true}
      - {id: b, text: Errors, correct: true}
      - {id: c, text: Colour, weight: -50}
    explanation: Latency and errors.
  - id: tf
    type: true_false
    topic: basics
    prompt: Restart first?
    answer: false
    explanation: Investigate first.
  - id: rate
    type: numeric
    topic: metrics
    prompt: Error rate?
    answer: 0.1
    unit: "%"
    explanation: It is 0.1.
  - id: window
    type: numeric
    topic: metrics
    prompt: Window?
    range: [10, 20]
    explanation: Between 10 and 20.
  - id: sev
    type: short
    topic: incidents
    prompt: Severity?
    accepted: [SEV-2]
    pattern: '^sev-?\\s*2$'
    explanation: SEV-2.
  - id: match
    type: matching
    topic: incidents
    prompt: Match them.
    pairs:
      - {left: SEV-1, right: Outage}
      - {left: SEV-2, right: Degraded}
    explanation: By impact.
  - id: order
    type: ordering
    topic: incidents
    prompt: Order them.
    items: [Acknowledge, Assess, Declare]
    explanation: That order.
"""

CURRICULUM = """\
library:
  tasks:
    - {id: respond-to-incident, label: respond to an incident}
  symptoms:
    - {id: service-down, label: Service is down, hint: Start here}
certifications:
  - id: associate
    title: Associate
    level: 1
    valid_for_months: 6
    issue: automatic
    description: Entry level.
    requires:
      - {kind: module, module: basics}
      - {kind: quiz, quiz: basics-quiz, min_score: 80}
      - {kind: labs, count: 1, labs: [ex-1-1-first]}
      - {kind: evidence, evidence: deployment, count: 2}
      - {kind: approval, by: manager}
      - {kind: tenure, months: 3}
  - id: professional
    title: Professional
    valid_for_months: 12
    issue: trainer
    description: Next level.
    requires:
      - {kind: certification, certification: associate}
      - {kind: labs, count: 1}
evidence_kinds:
  - {id: deployment, label: Production deployment}
tracks:
  - id: new-hire
    title: New hire
    description: Onboarding.
    weeks:
      - number: 1
        title: Week one
        items:
          - {doc: runbook}
          - {module: basics, day: 2}
          - {lab: ex-1-1-first, note: pair up}
          - {task: set-up-laptop, title: Set up your laptop, day: 1}
  - id: ongoing
    title: Ongoing
    description: Keep learning.
    recurring:
      - every: monthly
        items:
          - {task: read-postmortems, title: Read post-mortems}
"""

VALID = {
    "docs/runbook.md": DOC,
    "modules/basics.md": MODULE,
    "labs/ex-1-1-first.md": LAB,
    "quizzes/basics-quiz.yml": QUIZ,
    "curriculum.yml": CURRICULUM,
}


def make_tree(root: Path, **changes: tuple[str, str]) -> Path:
    """Write the valid tree, applying `changes`: file key -> (old text, new text)."""
    for rel, text in VALID.items():
        key = Path(rel).stem.replace("-", "_")
        if key in changes:
            old, new = changes[key]
            assert old in text, f"{old!r} not in {rel}"
            text = text.replace(old, new, 1)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def line_of(rel: str, needle: str) -> int:
    """The 1-based line of the first line of a VALID file containing `needle`."""
    lines = VALID[rel].splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def problems_of(root: Path) -> list[Problem]:
    """Load `root`, which must fail, and return its problems."""
    result = load_content(root)
    assert result.catalog is None
    assert result.problems
    return result.problems


def find(problems: list[Problem], path: str, field: str) -> Problem:
    """The one problem for `path` and `field`."""
    matches = [p for p in problems if p.path == path and p.field == field]
    assert len(matches) == 1, f"{path} {field}: {[str(p) for p in problems]}"
    return matches[0]


# --- a valid tree --------------------------------------------------------------------------


def test_valid_tree_loads_with_counts_and_hashes(tmp_path: Path) -> None:
    result = load_content(make_tree(tmp_path))
    assert result.problems == []
    catalog = result.catalog
    assert catalog is not None
    assert catalog.counts() == {
        "documents": 1,
        "modules": 1,
        "labs": 1,
        "quizzes": 1,
        "questions": 8,
        "certifications": 2,
        "tracks": 2,
    }
    module = catalog.modules["basics"]
    assert module.source_path == "modules/basics.md"
    assert module.content_hash == hashlib.sha256(MODULE.encode()).hexdigest()
    assert catalog.quizzes["basics-quiz"].content_hash == hashlib.sha256(QUIZ.encode()).hexdigest()
    assert [(s.slug, s.title) for s in module.sections] == [
        ("first-steps", "First steps"),
        ("next-steps", "Next steps"),
    ]
    assert module.sections[0].body == "Read [the quiz](quiz:basics-quiz)."
    assert module.intro == "Intro with [a lab](lab:ex-1-1-first)."
    assert catalog.documents["runbook"].body.startswith("# Runbook")
    assert catalog.curriculum.tracks[0].items[0].doc == "runbook"


def test_catalog_is_read_only(tmp_path: Path) -> None:
    catalog = load_content(make_tree(tmp_path)).catalog
    assert catalog is not None
    with pytest.raises(TypeError):
        catalog.documents["x"] = catalog.documents["runbook"]  # type: ignore[index]
    with pytest.raises(pydantic.ValidationError):
        catalog.modules["basics"].title = "Changed"  # type: ignore[misc]


def test_content_hash_and_fingerprint_change_when_a_file_changes(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    before, stamp = load_content(root).catalog, fingerprint(root)
    path = root / "docs/runbook.md"
    path.write_text(DOC.replace("Text.", "Changed text."))
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    after = load_content(root).catalog
    assert before is not None and after is not None
    assert before.documents["runbook"].content_hash != after.documents["runbook"].content_hash
    assert before.modules["basics"].content_hash == after.modules["basics"].content_hash
    assert fingerprint(root) != stamp
    assert len(stamp) == 5


def test_empty_folders_are_fine_but_curriculum_is_required(tmp_path: Path) -> None:
    (tmp_path / "curriculum.yml").write_text("library: {tasks: [], symptoms: []}\n")
    result = load_content(tmp_path)
    assert result.catalog is not None and result.catalog.counts()["documents"] == 0
    (tmp_path / "curriculum.yml").unlink()
    [problem] = problems_of(tmp_path)
    assert (problem.path, problem.line) == ("curriculum.yml", None)


def test_problem_str_format() -> None:
    assert str(Problem("docs/a.md", 3, "title", "required")) == "docs/a.md:3: title: required"
    assert str(Problem("curriculum.yml", None, "file", "gone")) == "curriculum.yml: file: gone"


# --- one kind of error at a time -----------------------------------------------------------


def test_missing_field(tmp_path: Path) -> None:
    root = make_tree(tmp_path, basics=("title: Basics\n", ""))
    problem = find(problems_of(root), "modules/basics.md", "title")
    assert problem.line == 2  # the front matter mapping starts on line 2
    assert "missing" in problem.message


def test_wrong_type(tmp_path: Path) -> None:
    root = make_tree(tmp_path, basics=("duration: 60", "duration: an hour"))
    problem = find(problems_of(root), "modules/basics.md", "duration")
    assert problem.line == line_of("modules/basics.md", "duration:")
    assert "integer" in problem.message


def test_text_with_a_colon_gets_a_hint(tmp_path: Path) -> None:
    root = make_tree(tmp_path, basics=("- Know the basics", "- Know: the basics"))
    problem = find(problems_of(root), "modules/basics.md", "objectives.0")
    assert problem.line == line_of("modules/basics.md", "- Know the basics")
    assert "quote text that contains ': '" in problem.message


def test_unknown_field(tmp_path: Path) -> None:
    root = make_tree(tmp_path, runbook=("order: 1", "ordr: 1"))
    problems = problems_of(root)
    assert find(problems, "docs/runbook.md", "ordr").line == line_of("docs/runbook.md", "order:")
    assert find(problems, "docs/runbook.md", "order").message == "required field is missing"


def test_duplicate_id(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    (root / "docs/runbook-copy.md").write_text(DOC)
    problems = problems_of(root)
    id_problems = [p for p in problems if p.path == "docs/runbook-copy.md" and p.field == "id"]
    assert {p.line for p in id_problems} == {2}
    assert any("duplicate document id 'runbook'" in p.message for p in id_problems)
    assert any("does not match the file name" in p.message for p in id_problems)
    assert not [p for p in problems if p.path == "docs/runbook.md"]


def test_duplicate_module_number(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    (root / "modules/more.md").write_text(
        MODULE.replace("id: basics", "id: more").replace("quiz: basics-quiz\n", "")
    )
    problem = find(problems_of(root), "modules/more.md", "number")
    assert problem.line == line_of("modules/basics.md", "number:")


def test_id_file_name_mismatch(tmp_path: Path) -> None:
    root = make_tree(tmp_path, ex_1_1_first=("id: ex-1-1-first", "id: ex-1-1-frist"))
    problem = find(problems_of(root), "labs/ex-1-1-first.md", "id")
    assert problem.line == 2
    assert "ex-1-1-first.md" in problem.message


def test_bad_slug(tmp_path: Path) -> None:
    root = make_tree(tmp_path, basics_quiz=("id: first-hop", "id: First_Hop"))
    problem = find(problems_of(root), "quizzes/basics-quiz.yml", "questions.0.id")
    assert problem.line == line_of("quizzes/basics-quiz.yml", "id: first-hop")


def test_dangling_references(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        basics=("documents: [runbook]", "documents: [runbook, no-such-doc]"),
        ex_1_1_first=("module: basics", "module: no-such-module"),
        runbook=("symptoms: [service-down]", "symptoms: [service-down, on-fire]"),
        curriculum=("evidence: deployment", "evidence: deploys"),
    )
    problems = problems_of(root)
    problem = find(problems, "modules/basics.md", "documents.1")
    assert problem.line == line_of("modules/basics.md", "documents:")
    assert "no-such-doc" in problem.message
    assert find(problems, "labs/ex-1-1-first.md", "module").line == 6
    assert find(problems, "docs/runbook.md", "symptoms.1").line == 12
    problem = find(problems, "curriculum.yml", "certifications.0.requires.3.evidence")
    assert problem.line == line_of("curriculum.yml", "evidence: deployment")


def test_dangling_track_items(tmp_path: Path) -> None:
    root = make_tree(tmp_path, curriculum=("{lab: ex-1-1-first", "{lab: ex-9-9"))
    problem = find(problems_of(root), "curriculum.yml", "tracks.0.weeks.0.items.2.lab")
    assert problem.line == line_of("curriculum.yml", "{lab: ex-1-1-first")


def test_yaml_syntax_error(tmp_path: Path) -> None:
    root = make_tree(tmp_path, basics_quiz=("pass_score: 80", "pass_score: [80"))
    problem = find(problems_of(root), "quizzes/basics-quiz.yml", "yaml")
    assert problem.line is not None
    assert problem.line >= line_of("quizzes/basics-quiz.yml", "pass_score")
    assert "syntax error" in problem.message


def test_yaml_syntax_error_in_front_matter_has_file_line(tmp_path: Path) -> None:
    root = make_tree(tmp_path, runbook=("title: Runbook", "title: Runbook: the: end"))
    problem = find(problems_of(root), "docs/runbook.md", "yaml")
    assert problem.line == line_of("docs/runbook.md", "title:")


def test_missing_front_matter(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    (root / "docs/runbook.md").write_text("# Just Markdown\n")
    problem = find(problems_of(root), "docs/runbook.md", "front matter")
    assert problem.line == 1


def test_unknown_question_type(tmp_path: Path) -> None:
    root = make_tree(tmp_path, basics_quiz=("type: true_false", "type: essay"))
    problem = find(problems_of(root), "quizzes/basics-quiz.yml", "questions.2.type")
    assert problem.line == line_of("quizzes/basics-quiz.yml", "type: true_false")
    assert "'essay'" in problem.message


def test_error_inside_a_question_variant(tmp_path: Path) -> None:
    root = make_tree(tmp_path, basics_quiz=("answer: false", "answer: nope"))
    problem = find(problems_of(root), "quizzes/basics-quiz.yml", "questions.2.answer")
    assert problem.line == line_of("quizzes/basics-quiz.yml", "answer: false")


def test_bad_links(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        runbook=("(module:basics)", "(module:no-such-module)"),
        basics_quiz=("(doc:runbook)", "(doc:no-such-doc)"),
    )
    problems = problems_of(root)
    problem = find(problems, "docs/runbook.md", "body")
    assert problem.line == line_of("docs/runbook.md", "(module:basics)")
    assert "no-such-module" in problem.message
    problem = find(problems, "quizzes/basics-quiz.yml", "questions.0.prompt")
    assert problem.line == line_of("quizzes/basics-quiz.yml", "prompt: First hop")


def test_question_sources_are_checked_with_their_line(tmp_path: Path) -> None:
    quiz = "quizzes/basics-quiz.yml"
    for old, new, message in [
        ("doc:runbook#start", "doc:runbook#no-such-heading", "no `##`/`###` heading anchor"),
        ("doc:runbook#start", "doc:no-such-doc#start", "unknown document 'no-such-doc'"),
        ("module:basics#first-steps", "module:basics#nope", "no `##` section #nope"),
        ("module:basics#first-steps", "module:gone#first-steps", "unknown module 'gone'"),
        ("module:basics#first-steps", "lab:ex-1-1-first#x", "is not 'doc:ID#section'"),
        ("module:basics#first-steps", "module:basics", "is not 'doc:ID#section'"),
    ]:
        root = make_tree(tmp_path / new.replace(":", "-").replace("#", "-"), basics_quiz=(old, new))
        index = 0 if old.startswith("doc:") else 1
        problem = find(problems_of(root), quiz, f"questions.{index}.source")
        assert problem.line == line_of(quiz, old), new
        assert message in problem.message, problem.message
        assert str(problem).startswith(f"{quiz}:{problem.line}: questions.{index}.source: ")


def test_question_source_may_name_a_level_three_heading_of_a_document(tmp_path: Path) -> None:
    root = make_tree(tmp_path, runbook=("## Start\n", "## Start\n\n### Deeper `part`\n"))
    (root / "quizzes/basics-quiz.yml").write_text(
        QUIZ.replace("doc:runbook#start", "doc:runbook#deeper-part")
    )
    assert [p for p in load_content(root).problems if p.path.startswith("quizzes/")] == []


def test_module_sections_are_checked(tmp_path: Path) -> None:
    root = make_tree(tmp_path, basics=("## Next `steps`", "## First steps"))
    problem = find(problems_of(root), "modules/basics.md", "body")
    assert problem.line == line_of("modules/basics.md", "## Next")
    assert "duplicate section slug 'first-steps'" in problem.message
    (root / "modules/basics.md").write_text(MODULE.split("## First")[0])
    problem = find(problems_of(tmp_path), "modules/basics.md", "body")
    assert "no '## ' sections" in problem.message


TWO_CORRECT = "Latency, correct: true}\n      - {id: b, text: Errors, correct: true}"
SEV_ANSWERS = "    accepted: [SEV-2]\n    pattern: '^sev-?\\s*2$'\n"
RULES = [
    # (file key, old text, new text, the field the one problem names)
    ("basics_quiz", "text: CDN}", "text: CDN, correct: true}", "questions.0.options"),
    ("basics_quiz", "{id: b, text: Load", "{id: a, text: Load", "questions.0.options.1.id"),
    ("basics_quiz", TWO_CORRECT, TWO_CORRECT.replace(", correct: true", ""), "questions.1.options"),
    ("basics_quiz", "    answer: 0.1\n", "", "questions.3.answer"),
    ("basics_quiz", "range: [10, 20]", "range: [20, 10]", "questions.4.range"),
    ("basics_quiz", SEV_ANSWERS, "", "questions.5.accepted"),
    ("basics_quiz", "right: Degraded", "right: Outage", "questions.6.pairs.1.right"),
    ("basics_quiz", "items: [Acknowledge, ", "items: [", "questions.7.items"),
    ("basics_quiz", "per_attempt: 3", "per_attempt: 9", "questions_per_attempt"),
    ("basics_quiz", "id: tf", "id: first-hop", "questions.2.id"),
    ("ex_1_1_first", "answer: critical", "answer: broken", "checkpoints.0.answer"),
    ("ex_1_1_first", "the payment Gateway call", "the database", "checkpoints.2.example"),
    ("ex_1_1_first", "pattern: gateway", "pattern: gate(way", "checkpoints.2.pattern"),
    ("ex_1_1_first", "pass_points: 2", "pass_points: 4", "checkpoints.3.pass_points"),
    ("ex_1_1_first", "id: factor", "id: state", "checkpoints.1.id"),
    ("runbook", "primary_for: [sre]", "primary_for: [managers]", "primary_for.0"),
    ("curriculum", "by: manager", "by: ceo", "certifications.0.requires.4.by"),
    ("curriculum", "read-postmortems, title: Read post-mortems", "read-postmortems", None),
    ("curriculum", "    recurring:\n", "    weeks: []\n    recurring:\n", None),
]


@pytest.mark.parametrize(("key", "old", "new", "field"), RULES)
def test_per_model_rules(tmp_path: Path, key: str, old: str, new: str, field: str | None) -> None:
    root = make_tree(tmp_path, **{key: (old, new)})
    problems = problems_of(root)
    assert len(problems) == 1, [str(p) for p in problems]
    if field is not None:
        assert problems[0].field == field, str(problems[0])
    assert problems[0].line is not None


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        basics=("title: Basics\n", ""),
        runbook=("order: 1", "order: first"),
        ex_1_1_first=("id: ex-1-1-first", "id: ex-1-1-frist"),
        basics_quiz=("type: true_false", "type: essay"),
        curriculum=("{doc: runbook}", "{doc: no-such-doc}"),
    )
    (root / "docs/runbook-copy.md").write_text(DOC.replace("(module:basics)", "(module:nope)"))
    (root / "quizzes/broken.yml").write_text("id: broken\ntitle: [unclosed\n")
    problems = problems_of(root)
    found = {(p.path, p.field, p.line) for p in problems}
    expected = {
        ("modules/basics.md", "title", 2),
        ("docs/runbook.md", "order", 4),
        ("labs/ex-1-1-first.md", "id", 2),
        (
            "quizzes/basics-quiz.yml",
            "questions.2.type",
            line_of("quizzes/basics-quiz.yml", "true_"),
        ),
        ("curriculum.yml", "tracks.0.weeks.0.items.0.doc", line_of("curriculum.yml", "{doc: ")),
        ("docs/runbook-copy.md", "body", line_of("docs/runbook.md", "(module:basics)")),
        ("quizzes/broken.yml", "yaml", 3),
    }
    assert expected <= found, [str(p) for p in problems]
    assert any(p.path == "docs/runbook-copy.md" and "duplicate" in p.message for p in problems)


# --- the check command ---------------------------------------------------------------------


def test_check_summarises_a_valid_tree(tmp_path: Path) -> None:
    code, lines = check(make_tree(tmp_path))
    assert code == 0
    assert lines == [
        "ok: 1 documents, 1 modules, 1 labs, 1 quizzes (8 questions), 2 certifications, 2 tracks"
    ]


def test_check_lists_problems(tmp_path: Path) -> None:
    code, lines = check(make_tree(tmp_path, basics=("duration: 60", "duration: -5")))
    assert code == 1
    line = line_of("modules/basics.md", "duration")
    assert lines == [f"modules/basics.md:{line}: duration: Input should be greater than 0"]


def test_a_lab_body_with_a_hints_section_is_reported(tmp_path):
    """Hints are shown on request; a `## Hints` section in the body would show them to all."""
    from tests.content_tree import copy_content

    root = copy_content(tmp_path / "content")
    path = root / "labs" / "ex-2-1-morning-checklist.md"
    path.write_text(path.read_text() + "\n## Hints\n\n- The answer is 3.\n", encoding="utf-8")
    problems = [str(p) for p in load_content(root).problems]
    assert len(problems) == 1
    assert problems[0].startswith("labs/ex-2-1-morning-checklist.md:")
    assert "hints belong in the front matter" in problems[0]


# --- at scale: the same load, found faster, kept for the next process ------------------------


def test_windows_line_ends_load_as_unix_ones(tmp_path: Path) -> None:
    """A file saved with CRLF line ends reads as the same body, sections and lines."""
    unix = load_content(make_tree(tmp_path / "unix")).catalog
    root = make_tree(tmp_path / "windows")
    for path in (root / "modules/basics.md", root / "docs/runbook.md"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    windows = load_content(root).catalog
    assert unix is not None and windows is not None
    for kind in ("modules", "documents"):
        for item_id, item in getattr(unix, kind).items():
            assert getattr(windows, kind)[item_id].body == item.body
    assert [(s.slug, s.body, s.line) for s in windows.modules["basics"].sections] == [
        (s.slug, s.body, s.line) for s in unix.modules["basics"].sections
    ]


def test_front_matter_not_closed_is_reported(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    (root / "docs/runbook.md").write_text("---\nid: runbook\n--- not a close\n# Runbook\n")
    problem = find(problems_of(root), "docs/runbook.md", "front matter")
    assert (problem.line, problem.message) == (1, "not closed by a second '---' line")


def test_citing_lists_the_modules_that_use_each_document(tmp_path: Path) -> None:
    catalog = load_content(make_tree(tmp_path)).catalog
    assert catalog is not None
    for doc_id in catalog.documents:
        expected = [m for m in catalog.modules.values() if doc_id in m.documents]
        assert list(catalog.citing.get(doc_id, ())) == expected
    assert [m.id for m in catalog.citing["runbook"]] == ["basics"]


def test_a_load_is_kept_on_disk_by_content_hash_for_the_next_process(tmp_path: Path) -> None:
    from lms.content import cache

    root, folder = make_tree(tmp_path / "content"), tmp_path / "loads"
    fresh = cache.cached_load(root, folder)
    (kept,) = folder.glob("load-*.pickle")
    again = cache.cached_load(root, folder)  # read back, not loaded again
    assert again.catalog is not None and fresh.catalog is not None
    assert again.catalog is not fresh.catalog
    assert again.catalog.counts() == fresh.catalog.counts()
    for kind in ("documents", "modules", "labs", "quizzes"):
        assert dict(getattr(again.catalog, kind)) == dict(getattr(fresh.catalog, kind))
    module = again.catalog.modules["basics"]
    assert module.body == fresh.catalog.modules["basics"].body
    assert module.content_hash == fresh.catalog.modules["basics"].content_hash
    assert [s.body for s in module.sections] == [
        s.body for s in fresh.catalog.modules["basics"].sections
    ]
    with pytest.raises(TypeError):
        again.catalog.modules["x"] = module  # type: ignore[index]
    # a changed file is a new key: loaded afresh, problems and all, and kept as well
    (root / "docs/runbook.md").write_text(DOC.replace("title: Runbook", "title: ''"))
    broken = cache.cached_load(root, folder)
    assert broken.catalog is None and broken.problems == load_content(root).problems
    assert cache.cached_load(root, folder).problems == broken.problems
    assert len(list(folder.glob("load-*.pickle"))) == 2
    # an unreadable file is loaded over, and only the newest few are kept
    for path in folder.glob("load-*.pickle"):
        path.write_bytes(b"not a pickle")
    assert cache.cached_load(root, folder).problems == broken.problems
    for n in range(cache.KEEP + 2):
        (root / "docs/runbook.md").write_text(DOC.replace("Text.", f"Text {n}."))
        assert cache.cached_load(root, folder).catalog is not None
    assert len(list(folder.glob("load-*.pickle"))) == cache.KEEP
    assert kept.exists() is False


def test_no_cache_folder_writes_nothing(tmp_path: Path) -> None:
    from lms.content import cache

    root = make_tree(tmp_path / "content")
    assert cache.cached_load(root, None).catalog is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]


def test_a_kept_load_reads_module_bodies_from_its_file(tmp_path: Path) -> None:
    """A kept load holds each module's body, intro and sections as positions in its file
    (bytes of UTF-8: the text around them has characters of two, three and four bytes), and
    reads back the very text loaded, in the process that wrote it as in the next one."""
    from lms.content import cache
    from lms.content.text import StoredText

    wide = "Caf\u00e9 \u2192 p95 \u2264 200 ms \U0001f680 \u2014 done."
    root = make_tree(
        tmp_path / "content",
        basics=("Intro with", f"{wide}\n\nIntro with"),
    )
    (root / "modules/basics.md").write_text(
        (root / "modules/basics.md").read_text().replace("## Next", f"{wide}\n\n## Next \u00e9"),
        encoding="utf-8",
    )
    loaded = load_content(root).catalog.modules["basics"]
    assert loaded.stored_body is None and wide in loaded.body
    for _ in range(2):  # written then read back; read back
        result = cache.cached_load(root, tmp_path / "loads")
        module = result.catalog.modules["basics"]
        assert isinstance(module.stored_body, StoredText)
        assert module.body == loaded.body and module.intro == loaded.intro
        assert all(section.source is module.stored_body for section in module.sections)
        assert [(s.slug, s.title, s.line, s.body) for s in module.sections] == [
            (s.slug, s.title, s.line, s.body) for s in loaded.sections
        ]
        assert module == loaded
    # documents, labs and quizzes stay in memory: a page shows the whole of one
    assert result.catalog.documents["runbook"].stored_body is None
    # a load file cut short is loaded again (and kept again)
    (path,) = (tmp_path / "loads").glob("load-*.pickle")
    path.write_bytes(path.read_bytes()[:-4])
    again = cache.cached_load(root, tmp_path / "loads").catalog.modules["basics"]
    assert again.body == loaded.body and again.stored_body is not None


def test_utf8_positions_and_stored_text_slices() -> None:
    from lms.content.text import TextFile, utf8_positions

    texts = TextFile()
    first, text = texts.add("plain"), "a\u00e9b\u2192c\U0001f680d"
    stored = texts.add(text)
    at = utf8_positions(text, range(len(text) + 1))
    assert [stored[at[i] : at[j]] for i in range(len(text)) for j in range(i, len(text) + 1)] == [
        text[i:j] for i in range(len(text)) for j in range(i, len(text) + 1)
    ]
    assert str(first) == "plain" and first[1:3] == "la" and str(stored) == text
    assert utf8_positions("ascii", [0, 3, 5]) == {0: 0, 3: 3, 5: 5}


def test_a_folder_that_cannot_be_written_keeps_the_load_in_memory(tmp_path: Path) -> None:
    from lms.content import cache

    root, blocked = make_tree(tmp_path / "content"), tmp_path / "not-a-folder"
    blocked.write_text("")
    result, key = cache.keyed_load(root, blocked / "loads")
    module = result.catalog.modules["basics"]
    assert module.stored_body is None
    assert module.body == load_content(root).catalog.modules["basics"].body
    index = cache.cached_index(result.catalog, key, blocked / "loads")
    assert index.numbers is not None and index.search("first steps").hits


def test_a_load_or_index_to_keep_is_made_in_a_child_process(tmp_path: Path) -> None:
    """What a load goes through stays in a forked child; the caller reads the kept result
    back. A process with threads is not forked (the work is then done in process)."""
    import threading

    from lms.content import cache

    mark = tmp_path / "written"
    assert cache._forked(lambda: mark.write_text(str(os.getpid()))) is True
    assert int(mark.read_text()) != os.getpid()
    assert cache._forked(lambda: False) is False
    assert cache._forked(lambda: 1 / 0) is None
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert cache._forked(lambda: mark.write_text("threads")) is None
    finally:
        stop.set()
        thread.join()
    assert mark.read_text() != "threads"
    # a load kept by the child is read back with its bodies in the file
    root = make_tree(tmp_path / "content")
    result, key = cache.keyed_load(root, tmp_path / "loads")
    assert key is not None and result.catalog.modules["basics"].stored_body is not None
