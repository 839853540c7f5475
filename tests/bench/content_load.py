"""Time content start-up and `content check` at 7, 100 and 1,000 modules (not a test).

    .venv/bin/python -m tests.bench.content_load [--sizes 7,100,1000] [--repeat 3]

Each size is a copy of the shipped content grown with generated modules
(`tests.content_tree.add_generated_modules`). Each figure is the least CPU time
(user + system) of `--repeat` fresh processes: `flask content check`, and `create_app()` with the
content loaded (what a worker does before serving; the search index is built on the
first search).
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.content_tree import REPO_ROOT, add_generated_modules, copy_content

STARTUP = "from lms import create_app; create_app()"


def _best(command: list[str], env: dict[str, str], repeat: int) -> float:
    """Best CPU time (user + system), in seconds, of `repeat` runs of a command that must
    succeed: CPU rather than wall time, because the wall time on a shared machine measures
    the neighbours too."""
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, env=env, check=True, capture_output=True, cwd=REPO_ROOT)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(times)


def measure(sizes: list[int], repeat: int) -> list[tuple[int, float, float]]:
    """(modules, start-up seconds, check seconds) for each size."""
    python = str(Path(sys.executable))
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in sizes:
            root = copy_content(Path(scratch) / f"content-{size}")
            add_generated_modules(root, size)
            env = {**os.environ, "LMS_CONTENT_DIR": str(root),
                   "DATABASE_URL": f"sqlite:///{scratch}/unused.sqlite"}  # fmt: skip
            startup = _best([python, "-c", STARTUP], env, repeat)
            flask = [python, "-m", "flask", "--app", "lms", "content", "check"]
            checked = _best(flask, env, repeat)
            rows.append((size, startup, checked))
    return rows


def main() -> None:
    """Print one line per content size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="7,100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'modules':>8} {'start-up CPU s':>15} {'content check CPU s':>20}")
    for size, startup, checked in measure([int(s) for s in args.sizes.split(",")], args.repeat):
        print(f"{size:>8} {startup:>15.2f} {checked:>20.2f}")


if __name__ == "__main__":
    main()
