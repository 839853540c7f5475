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


def test_rules_compile_their_url_builders_when_first_used_and_build_what_werkzeug_builds():
    """`lms.core.urls.Rule`: no builder compiled when the app is made; every rule then builds,
    with and without extra query values, the URL Werkzeug's own builders make."""
    from unittest import mock

    from werkzeug import routing

    from lms import create_app
    from lms.core.urls import Rule
    from tests.conftest import base_config

    with mock.patch.object(
        routing.Rule, "_compile_builder", autospec=True, side_effect=routing.Rule._compile_builder
    ) as compile_builder:
        app = create_app(base_config("sqlite://"))
        compiled_at_start = {call.args[0].endpoint for call in compile_builder.call_args_list}
    assert compiled_at_start <= {"static", "bootstrap.static"}

    def sample(converter):
        if isinstance(converter, routing.IntegerConverter):
            return 7
        return "a/b c" if isinstance(converter, routing.PathConverter) else "x-y"

    rules = [rule for rule in app.url_map.iter_rules() if isinstance(rule, Rule)]
    assert len(rules) > 100
    for rule in rules:
        values = {name: sample(converter) for name, converter in rule._converters.items()}
        for append_unknown in (False, True):
            extra = {"page": 2, "q": "a&b"} if append_unknown else {}
            own = routing.Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            expected = own(**values, **extra)
            assert rule.build({**values, **extra}, append_unknown) == expected, rule.rule
            assert rule.build({**values, **extra}, append_unknown) == expected, rule.rule
