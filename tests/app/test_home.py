"""Each role's home page offers only what that role may do; times read in LMS_TIMEZONE."""

from datetime import UTC, datetime

import pytest

from lms.accounts.models import Role


@pytest.mark.parametrize(
    "role, offered, not_offered",
    [
        (Role.ADMIN, ["/admin/roster", "/onboarding/team", "/reports/quizzes"], []),
        (Role.TRAINER, ["/onboarding/team", "/reports/quizzes", "/admin/users"],
         ["/admin/roster", "Import a roster"]),
        (Role.MENTOR, ["/people/"], ["/admin/roster", "/onboarding/team", "Import a roster"]),
        (Role.LEARNER, ["/library", "/modules/"],
         ["/admin/roster", "/onboarding/team", "Import a roster"]),
    ],
)  # fmt: skip
def test_home_offers_what_the_role_can_use(client, make_user, login, role, offered, not_offered):
    login(make_user(role=role))
    html = client.get("/home").get_data(as_text=True)
    main = html[html.index('<main id="main"') :]
    for link in offered:
        assert link in main, link
        # and every link offered opens for this person
        if link.startswith("/"):
            assert client.get(link).status_code == 200, link
    for text in not_offered:
        assert text not in main, text


@pytest.fixture
def app_config():
    return {
        "LMS_TIMEZONE": "Europe/Berlin",
        "LMS_NOW": datetime(2026, 11, 30, 17, 56, tzinfo=UTC),
    }


def test_audit_log_reads_in_the_organisations_time_zone(client, make_user, login):
    admin = make_user(role=Role.ADMIN)
    login(admin)
    client.post(f"/admin/users/{make_user().id}/active")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Mon 30 Nov 2026, 18:56 CET" in html
    assert "(UTC)" not in html
