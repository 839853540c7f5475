"""Copies of the shipped content that a test may change or grow."""

import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CONTENT = ["docs", "modules", "labs", "quizzes", "curriculum.yml"]


def copy_content(target: Path) -> Path:
    """Copy the shipped content folders and curriculum.yml into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in CONTENT:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)
    return target


def add_bulk(target: Path, n: int) -> Path:
    """Add a module of `n` sections, a document, and a track of `n` tasks plus both."""
    sections = "\n".join(f"## Part {i}\n\nText of part {i}.\n" for i in range(1, n + 1))
    (target / "modules" / "bulk-module.md").write_text(
        "---\nid: bulk-module\ntitle: Bulk module\nnumber: 99\nlevel: expert\nduration: 60\n"
        "summary: Many sections.\nobjectives: [Read them all]\ndocuments: [training-materials]\n"
        f"pass_score: 80\n---\nIntro.\n\n{sections}",
        encoding="utf-8",
    )
    tasks = "\n".join(
        f"          - {{task: task-{i}, title: 'Task {i}', day: {i % 5 + 1}}}" for i in range(n)
    )
    with (target / "curriculum.yml").open("a", encoding="utf-8") as curriculum:
        curriculum.write(
            "\n  - id: bulk\n    title: Bulk track\n    description: Many items.\n    weeks:\n"
            "      - number: 1\n        title: Everything\n        items:\n"
            "          - {doc: training-materials}\n          - {module: bulk-module}\n"
            f"{tasks}\n"
        )
    return target


def add_generated_modules(target: Path, total: int) -> Path:
    """Grow the content in `target` to `total` modules, each a renamed copy of a shipped one.

    The copies keep the shipped bodies (sections, links, code) so that loading, checking,
    indexing and rendering them costs what real modules cost; they have no quiz of their own.
    """
    shipped = sorted((REPO_ROOT / "modules").glob("*.md"))
    numbers = 1000
    for index in range(total - len(shipped)):
        original = shipped[index % len(shipped)]
        module_id = f"generated-{index + 1:05d}"
        text = original.read_text(encoding="utf-8")
        lines = []
        for line in text.splitlines():
            if line.startswith("id: "):
                line = f"id: {module_id}"
            elif line.startswith("number: "):
                line = f"number: {numbers + index}"
            elif line.startswith("title: "):
                line = f"{line} (copy {index + 1})"
            elif line.startswith("quiz: "):
                continue
            lines.append(line)
        (target / "modules" / f"{module_id}.md").write_text("\n".join(lines) + "\n", "utf-8")
    return target
