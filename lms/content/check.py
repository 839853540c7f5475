"""Check a content tree and summarise it: `python -m lms.content.check [ROOT]`."""

from __future__ import annotations

import sys
from pathlib import Path

from lms.content.loader import LoadResult, load_content


def check(root: Path, result: LoadResult | None = None) -> tuple[int, list[str]]:
    """Return (exit code, output lines): every problem, or one summary line when all is well.

    `result` is the load of `root` when the caller has one already (the app loaded it at start).
    """
    result = result or load_content(Path(root))
    if result.catalog is None:
        return 1, [str(problem) for problem in result.problems]
    n = result.catalog.counts()
    return 0, [
        f"ok: {n['documents']} documents, {n['modules']} modules, {n['labs']} labs, "
        f"{n['quizzes']} quizzes ({n['questions']} questions), "
        f"{n['certifications']} certifications, {n['tracks']} tracks"
    ]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: print the check's lines and return its exit code."""
    args = sys.argv[1:] if argv is None else argv
    code, lines = check(Path(args[0]) if args else Path.cwd())
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
