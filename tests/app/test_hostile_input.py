"""No input produces a 500: every route, hostile ids, page numbers, NUL bytes, huge values.

Runs on SQLite and, with LMS_TEST_DB=postgresql, on PostgreSQL (whose INTEGER ends at 2**31-1
and whose text refuses NUL bytes).
"""

from urllib.parse import quote

import pytest

from lms.accounts.models import Role
from lms.web import ID_MAX, IdConverter
from tests.app.test_roster import HEADER, upload

HOSTILE_IDS = ["0", "2147483647", "2147483648", str(2**63), str(2**64), "9" * 400, "-1", "1.5"]
HOSTILE_TEXT = ["x" * 5000, "%00", "a%00b", "..%2F..%2Fetc", "%C3%A9" * 50, "2147483648", "%FF"]
HOSTILE_VALUES = [
    "9223372036854775807", "2147483648", "-1", "0", "abc", "1e9", "\x00", "a\x00b", "9" * 400,
    "x" * 20000, "\uff12", "", " ",
]  # fmt: skip
QUERY_NAMES = ["page", "q", "role", "action", "next", "certification", "team", "status"]
FORM_NAMES = [
    "email", "password", "remember", "name", "role", "team", "manager_email", "mentor_email",
    "start_date", "current_password", "new_password", "confirm", "item", "done", "back", "track",
    "content", "q", "reset-password", "action", "submit", "save", "submission", "note",
    "decision", "reason", "kind", "occurred_on", "description", "certification",
]  # fmt: skip


def _paths(rule, real_ids: list[str]) -> list[str]:
    """Every path of this rule with each hostile value in each of its arguments."""
    if not rule.arguments:
        return [rule.rule]
    paths = []
    for name, converter in rule._converters.items():
        values = [*HOSTILE_IDS, *real_ids] if isinstance(converter, IdConverter) else HOSTILE_TEXT
        for value in values:
            path = rule.rule
            for other in rule.arguments:
                placeholder = next(p for p in (f"<{other}>", f"<int:{other}>", f"<path:{other}>")
                                   if p in path)  # fmt: skip
                path = path.replace(placeholder, value if other == name else "1")
            paths.append(path)
    return paths


def _walk(app, client, real_ids: list[str]) -> list[str]:
    """Send every route hostile paths, query values and form values; return what answered 500."""
    failures = []
    # Signing out goes last, so the rest of the walk runs signed in.
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint == "auth.logout")
    for rule in rules:
        for path in _paths(rule, real_ids):
            for value in HOSTILE_VALUES:
                query = "&".join(f"{name}={quote(value)}" for name in QUERY_NAMES)
                requests = []
                if "GET" in rule.methods:
                    requests.append(("GET", f"{path}?{query}", None))
                if "POST" in rule.methods:
                    requests.append(("POST", f"{path}?{query}", dict.fromkeys(FORM_NAMES, value)))
                for method, url, form in requests:
                    try:
                        status = client.open(url, method=method, data=form).status_code
                    except Exception as exc:  # noqa: BLE001 - a traceback is what we look for
                        status = f"{type(exc).__name__}: {exc}"[:200]
                    if not isinstance(status, int) or status >= 500:
                        failures.append(f"{method} {url[:120]!r} {form and value[:20]!r}: {status}")
                if len(failures) > 20:
                    return failures
    return failures


@pytest.mark.parametrize("role", [Role.ADMIN, Role.LEARNER])
def test_no_route_answers_500_to_hostile_input(app, client, make_user, login, role):
    other = make_user(email="other@example.com")
    login(make_user(email="me@example.com", role=role))
    assert client.get("/home").status_code == 200
    assert other.id < ID_MAX
    # Real ids too, so that forms are filled with hostile values where they are processed.
    failures = _walk(app, client, [str(other.id)])
    assert failures == []


def test_every_int_route_uses_the_bounded_id_converter(app):
    int_rules = [r for r in app.url_map.iter_rules() if "<int:" in r.rule]
    assert int_rules
    for rule in int_rules:
        for name, converter in rule._converters.items():
            if f"<int:{name}>" in rule.rule:
                assert isinstance(converter, IdConverter), rule.rule


@pytest.mark.parametrize("path", ["/people/2147483648", f"/attempts/{2**63}", "/people/-1"])
def test_ids_beyond_the_database_range_answer_404(client, make_user, login, path):
    login(make_user(role=Role.ADMIN))
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("page", ["9223372036854775807", "100000", "2"])
def test_a_page_past_the_last_answers_404(client, make_user, login, page):
    login(make_user(role=Role.ADMIN))
    assert client.get(f"/admin/users?page={page}").status_code == 404
    assert client.get(f"/onboarding/team?page={page}").status_code == 404
    assert client.get(f"/certifications/queue?page={page}").status_code == 404


@pytest.mark.parametrize("page", ["-5", "0", "abc", "1e3", "\uff12", ""])
def test_a_page_number_that_is_not_one_shows_the_first_page(client, make_user, login, page):
    login(make_user(role=Role.ADMIN))
    assert client.get(f"/admin/users?page={quote(page)}").status_code == 200


@pytest.mark.parametrize(
    "method, url, form",
    [
        ("POST", "/login", {"email": "ana\x00@example.com", "password": "x"}),
        ("GET", "/search?q=a%00b", None),
        ("GET", "/library/a%00b", None),
        ("GET", "/admin/users?q=%00", None),
    ],
    ids=["sign-in email", "query", "path", "admin search"],
)
def test_a_nul_byte_anywhere_answers_400_with_a_clear_page(client, make_user, login, method,
                                                           url, form):  # fmt: skip
    login(make_user(role=Role.ADMIN))
    response = client.open(url, method=method, data=form)
    assert response.status_code == 400
    assert b"NUL character" in response.data


def test_a_roster_cell_beyond_the_csv_field_limit_is_a_row_error(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    text = HEADER + "a@example.com,A,learner,SRE,,,\n" + "b@example.com," + "x" * 200_000 + "\n"
    response = upload(client, text)
    assert response.status_code == 200
    assert "Row 3: cannot be read" in response.get_data(as_text=True)


def test_a_roster_header_beyond_the_csv_field_limit_is_reported(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    response = upload(client, "x" * 200_000 + "\n")
    assert "Row 1 (the column names) cannot be read" in response.get_data(as_text=True)


def test_users_import_reports_an_overlong_cell_as_a_row_error(runner, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "b@example.com," + "x" * 200_000 + "\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: cannot be read" in result.output
    assert "Traceback" not in result.output
