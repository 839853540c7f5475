"""A worker starts without the libraries only a few rare actions need (memory, start-up)."""

import json
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
    "email_validator": "checking an email address",
    "segno": "a certificate's PDF (its QR code)",
    "spectree": "an API request or the API's description",
    "lms.content.gift": "importing or exporting a question bank",
    "lms.content.moodle_xml": "importing or exporting a question bank",
    "lms.demo": "a command (`flask --app lms ...`)",
    "lms.assessment.cli": "a command (`flask --app lms ...`)",
}


def _python(script: str) -> subprocess.CompletedProcess:
    """Run `script` in a fresh interpreter from the repository (it must succeed)."""
    return subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )


def test_the_app_starts_without_the_rarely_needed_libraries(tmp_path):
    script = (
        "import sys\n"
        "from lms import create_app\n"
        f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.sqlite', "
        "'LMS_MARKDOWN_CACHE': ''})\n"
        f"print(sorted(name for name in {sorted(RARE)!r} if name in sys.modules))\n"
    )
    done = _python(script)
    assert done.stdout.strip() == "[]", done.stderr[-2000:]


def test_the_api_description_is_worked_out_when_first_asked_for(tmp_path):
    """Spectree is made, and the models' schemas worked out, at the first API request or
    description, not at start nor for a page: then every declared model is described."""
    script = (
        "import json, sys\n"
        "from lms import create_app\n"
        "from lms.api.views import spec\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.sqlite', "
        "'LMS_MARKDOWN_CACHE': ''})\n"
        "print(json.dumps('spectree' in sys.modules))\n"
        "app.test_client().get('/healthz')\n"
        "print(json.dumps('spectree' in sys.modules))\n"
        "declared = {model.__name__ for _, options, _ in spec._views for model in "
        "[options.get('query'), options.get('json'), *(options['resp'] or {}).values()] if model}\n"
        "print(json.dumps(sorted(declared)))\n"
        "document = app.test_client().get('/api/v1/openapi.json').get_json()\n"
        "print(json.dumps(sorted(document['components']['schemas'])))\n"
    )
    done = _python(script)
    started, after_a_page, declared, schemas = done.stdout.strip().splitlines()
    assert started == after_a_page == "false"
    assert {"Person", "PersonPage", "Problem", "TrainingRecord"} <= set(json.loads(declared))
    # every model the views declare, and the models nested in them
    assert set(json.loads(declared)) | {"FieldProblem", "PlanItemState"} <= set(json.loads(schemas))


def test_start_up_leaves_the_collector_on_and_its_own_objects_out_of_it(tmp_path):
    """The collector is paused while the app is made (lms.collector), never left off;
    a process's app (not a test's) leaves what it made frozen, out of later collections."""
    script = (
        "import gc, json\n"
        "from lms import create_app\n"
        "on_at_import = gc.isenabled()\n"
        f"config = {{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.sqlite', "
        "'LMS_MARKDOWN_CACHE': ''}\n"
        "create_app({**config, 'TESTING': True})\n"
        "tested = [gc.isenabled(), gc.get_freeze_count()]\n"
        "create_app(config)\n"
        "print(json.dumps([on_at_import, tested, gc.isenabled(), gc.get_freeze_count()]))\n"
    )
    done = _python(script)
    on_at_import, tested, on, frozen = json.loads(done.stdout)
    assert on_at_import and on
    assert tested == [True, 0]
    assert frozen > 100_000
