"""Content as the app sees it: refusal on bad content, the check command, reloading."""

import time

import pytest

from lms import create_app
from lms.catalog import ContentInvalid
from tests.conftest import base_config
from tests.content_tree import copy_content


def test_healthz_counts_the_shipped_content(client):
    content = client.get("/healthz").get_json()["content"]
    assert (content["documents"], content["modules"], content["labs"]) == (10, 7, 13)
    assert content["quizzes"] == 9


def test_app_refuses_to_start_on_invalid_content(tmp_path, database_url):
    tree = copy_content(tmp_path / "content")
    module = tree / "modules" / "daily-operations.md"
    module.write_text(module.read_text().replace("duration: 180", "duration: three hours"))
    (tree / "quizzes" / "security-quiz.yml").write_text("id: [unclosed\n")
    with pytest.raises(ContentInvalid) as refused:
        create_app({**base_config(database_url), "LMS_CONTENT_DIR": str(tree)})
    message = str(refused.value)
    assert message.startswith("Refusing to start: ")
    assert "modules/daily-operations.md:" in message and "duration" in message
    assert "quizzes/security-quiz.yml:2: yaml: syntax error" in message


def test_content_check_command(runner, tmp_path):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0
    assert result.output.startswith("ok: 10 documents, 7 modules, 13 labs, 9 quizzes")
    tree = copy_content(tmp_path / "broken")
    lab = tree / "labs" / "ex-2-2-metric-interpretation.md"
    lab.write_text(lab.read_text().replace("module: daily-operations", "module: no-such-module"))
    doc = tree / "docs" / "training-materials.md"
    doc.write_text(doc.read_text() + "\nSee [nothing](doc:no-such-doc).\n")
    result = runner.invoke(args=["content", "check", str(tree)])
    assert result.exit_code == 1
    assert "labs/ex-2-2-metric-interpretation.md:" in result.output
    assert "no-such-module" in result.output
    assert "docs/training-materials.md:" in result.output and "no-such-doc" in result.output


@pytest.fixture
def live_tree(tmp_path):
    return copy_content(tmp_path / "live")


@pytest.fixture
def app_config(live_tree):
    return {"LMS_CONTENT_DIR": str(live_tree), "LMS_CONTENT_RELOAD": True}


def test_content_changes_are_picked_up_without_restart(app, client, make_user, login, live_tree):
    login(make_user())
    assert b"Training Materials" in client.get("/library/training-materials").data
    doc = live_tree / "docs" / "training-materials.md"
    doc.write_text(doc.read_text().replace("title: Training Materials", "title: Training Guide"))
    time.sleep(1.1)  # the store looks at the files at most once a second
    assert b"Training Guide" in client.get("/library/training-materials").data
