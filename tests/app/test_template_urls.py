"""Templates' remembering `url_for` (lms/core/urls.py) and kept navigation bar (lms/core/nav.py):
the same links as Flask builds them."""

import re

from flask import render_template_string, url_for

from lms.accounts.models import Role
from tests.conftest import PASSWORD


def test_links_follow_the_mount_point_of_each_request(app, client, login, make_user):
    login(make_user())
    assert 'href="/library/production-operations-runbook"' in client.get("/library").get_data(
        as_text=True
    )
    mounted = client.get("/library", base_url="http://localhost/lms").get_data(as_text=True)
    assert 'href="/lms/library/production-operations-runbook"' in mounted
    assert 'href="/library/' not in mounted
    again = client.get("/library").get_data(as_text=True)
    assert 'href="/library/production-operations-runbook"' in again


def test_query_values_anchors_and_absolute_links_are_built_as_flask_builds_them(app):
    template = (
        "{{ url_for('library.document', doc_id='production-operations-runbook', _anchor='x y') }}"
        "|{{ url_for('admin.users', q='a&b', page=2) }}"
        "|{{ url_for('admin.users', q=['a', 'b']) }}"
        "|{{ url_for('core.home', _external=True) }}"
    )
    with app.test_request_context("/"):
        expected = "|".join(
            [
                url_for("library.document", doc_id="production-operations-runbook", _anchor="x y"),
                url_for("admin.users", q="a&b", page=2),
                url_for("admin.users", q=["a", "b"]),
                url_for("core.home", _external=True),
            ]
        )
        first = render_template_string(template)
        assert first == render_template_string(template)
    assert first == expected.replace("&", "&amp;")


def _bar(page: str) -> str:
    return page[page.index('aria-label="Main"') : page.index("</nav>")]


def _current(bar: str) -> list[str]:
    return re.findall(r'aria-current="page"\s+href="([^"]+)"', bar)


def test_the_kept_navigation_bar_follows_the_page_the_role_and_the_mount_point(
    app, client, login, make_user
):
    make_user(email="trainer@example.com", role=Role.TRAINER)
    login(make_user(email="hire@example.com"))
    bar = _bar(client.get("/modules/").get_data(as_text=True))
    assert _current(bar) == ["/modules/"]
    assert "Reviews" not in bar and "Manage" not in bar and "My plan" in bar
    assert _current(_bar(client.get("/library").get_data(as_text=True))) == ["/library"]
    mounted = _bar(client.get("/library", base_url="http://localhost/lms").get_data(as_text=True))
    assert _current(mounted) == ["/lms/library"]
    assert set(re.findall(r'href="(/[a-z]*)', mounted)) == {"/lms"}

    trainer = app.test_client()
    trainer.post("/login", data={"email": "trainer@example.com", "password": PASSWORD})
    bar = _bar(trainer.get("/onboarding/team").get_data(as_text=True))
    assert _current(bar) == ["/onboarding/team"]
    assert "Reviews" in bar and "My plan" not in bar
    assert re.search(r'dropdown-toggle[^"]* active"', bar)  # the "Manage" menu holds the page
    bar = _bar(trainer.get("/library").get_data(as_text=True))
    assert _current(bar) == ["/library"] and not re.search(r'dropdown-toggle[^"]* active"', bar)
