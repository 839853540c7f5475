"""Worker memory under gunicorn after every bench page was served (not a test).

    .venv/bin/python -m tests.bench.memory [--modules 1000] [--learners 50] [--passes 3]
        [--content DIR] [--keep DIR]

Grows a copy of the shipped content to `--modules` modules (or serves `--content`), fills
a scratch SQLite database with `tests.bench.scale.fill`, then starts gunicorn with the
command and environment `make bench` uses (`tests.bench.pages`), signs in as the bench's
learner and trainer, requests every page of its list `--passes` times, and prints each
worker's resident memory (VmRSS) and proportional share (Pss, from /proc/PID/smaps_rollup:
pages shared with the master or the other worker count for a part).

Workers read the content load and the search index back from `LMS_MARKDOWN_CACHE` (in
`--keep`, a scratch folder by default), as they do once the first process has written them:
a warm-up process writes both first, so what is measured is a worker's steady state
(`--cold`: no warm-up, the workers load and index the content themselves when nothing is
kept yet).
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.pages import (
    LEARNER,
    PAGES,
    TRAINER,
    check_page,
    sign_in,
    start_server,
    stop_server,
)
from tests.content_tree import REPO_ROOT, add_generated_modules, copy_content

PORT = 8395
WARM = """
from lms import create_app
app = create_app()
with app.app_context():
    from lms.catalog import store

    store().search_index.search("incident latency")
"""


def _fields(path: Path) -> dict[str, str]:
    try:
        text = path.read_text()
    except OSError:
        return {}
    return {
        k: v.strip() for k, v in (line.split(":", 1) for line in text.splitlines() if ":" in line)
    }


def workers(master_pid: int) -> list[dict[str, float]]:
    """RSS and Pss (MB) of each worker of a gunicorn master."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        fields = _fields(status)
        if fields.get("PPid") != str(master_pid):
            continue
        rollup = _fields(status.parent / "smaps_rollup")
        found.append({
            "pid": int(status.parent.name),
            "rss": int(fields["VmRSS"].split()[0]) / 1024,
            "pss": int(rollup.get("Pss", "0 kB").split()[0]) / 1024,
            "anon": int(rollup.get("Anonymous", "0 kB").split()[0]) / 1024,
        })  # fmt: skip
    return sorted(found, key=lambda worker: worker["pid"])


def main() -> None:
    """Build, fill, serve, request, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--content", help="a content folder to serve instead")
    parser.add_argument("--keep", help="a folder for the database and the kept loads")
    parser.add_argument(
        "--cold", action="store_true", help="no warm-up: the workers load what is not kept"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lms-memory-") as scratch:
        keep = Path(args.keep or scratch)
        keep.mkdir(parents=True, exist_ok=True)
        content = args.content
        if content is None and args.modules > 7:
            content = str(add_generated_modules(copy_content(Path(scratch) / "c"), args.modules))
        content = content or str(REPO_ROOT)
        database = keep / f"memory-{args.learners}.sqlite"
        database_url = f"sqlite:///{database}"
        env = {**os.environ, "LMS_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
               "DATABASE_URL": database_url, "LMS_CONTENT_DIR": content,
               "LMS_MARKDOWN_CACHE": str(keep / "markdown"),
               "LMS_KEYS_DIR": f"{scratch}/keys", "UPLOAD_FOLDER": f"{scratch}/uploads",
               "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute"}  # fmt: skip
        if not database.exists():
            fill = (
                "from flask_migrate import upgrade\nfrom lms import create_app\n"
                "from tests.bench.scale import fill\napp = create_app()\n"
                f"with app.app_context():\n    upgrade()\n    fill({args.learners}, 5)\n"
            )
            subprocess.run([sys.executable, "-c", fill], env=env, cwd=REPO_ROOT, check=True)
        if not args.cold:
            subprocess.run([sys.executable, "-c", WARM], env=env, cwd=REPO_ROOT, check=True)
        server = start_server("lms:create_app()", PORT, env)
        try:
            cookies = {who: sign_in(PORT, who) for who in (LEARNER, TRAINER)}
            started = time.perf_counter()
            for _ in range(args.passes):
                for _ in range(2):  # two workers: each is likely to serve every page
                    for who, url in PAGES:
                        check_page(PORT, url, cookies[who])
            print(
                f"{len(PAGES)} pages x {2 * args.passes} in {time.perf_counter() - started:.1f} s"
            )
            for worker in workers(server.pid):
                print(f"worker {worker['pid']}: RSS {worker['rss']:.1f} MB, "
                      f"Pss {worker['pss']:.1f} MB, anonymous {worker['anon']:.1f} MB")  # fmt: skip
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
