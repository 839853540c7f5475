"""Templates' remembering `url_for` (lms/core/urls.py): the same links as Flask builds them."""

from flask import render_template_string, url_for


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
