"""A worker starts without the libraries only a few rare actions need (memory, start-up)."""

import subprocess
import sys

from tests.content_tree import REPO_ROOT

RARE = {
    "fpdf": "a certificate's PDF",
    "zxcvbn": "a new password",
    "joserfc": "signing or checking a credential",
    "markdownify": "importing a question bank from HTML",
    "flask_migrate": "a migration command (`flask db`)",
    "alembic": "a migration command (the health check reads the migration files)",
}


def test_the_app_starts_without_the_rarely_needed_libraries(tmp_path):
    script = (
        "import sys\n"
        "from lms import create_app\n"
        f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.sqlite', "
        "'LMS_MARKDOWN_CACHE': ''})\n"
        f"print(sorted(name for name in {sorted(RARE)!r} if name in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stderr[-2000:]
