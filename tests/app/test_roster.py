"""Roster import: preview every row's errors; all or nothing; idempotent."""

import html as html_module
import io
import re

from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.audit import AuditEvent
from lms.extensions import db

HEADER = "email,name,role,team,manager_email,mentor_email,start_date\n"
GOOD = HEADER + (
    "lead@example.com,Lee Lead,mentor,SRE,,,2025-01-06\n"
    "kim@example.com,Kim Kay,learner,SRE,lead@example.com,lead@example.com,2026-11-30\n"
)
BAD = HEADER + (
    "ok@example.com,Okay Person,learner,SRE,,,2026-11-30\n"
    "not-an-email,No Email,learner,SRE,,,2026-11-30\n"
    "x@example.com,,wizard,SRE,ghost@example.com,,30/11/2026\n"
    "ok@example.com,Twice,learner,SRE,,,\n"
)


def upload(client, text: str, url="/admin/roster"):
    data = {"roster": (io.BytesIO(text.encode()), "roster.csv")}
    return client.post(url, data=data, content_type="multipart/form-data")


def count(model=User) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_preview_lists_every_error_by_row_and_writes_nothing(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    before = count()
    html = upload(client, BAD).get_data(as_text=True)
    assert "Row 3: email: Not a valid email address" in html
    assert "Row 4: name: Enter a name." in html
    assert "Row 4: role: &#39;wizard&#39; is not one of" in html
    assert "Row 4: manager_email: No user with the manager email ghost@example.com" in html
    assert "Row 4: start_date &#39;30/11/2026&#39; is not a date" in html
    assert "Row 5: email: ok@example.com already appears in row 2" in html
    assert "Import 4 rows" not in html
    assert count() == before


def test_import_refuses_a_bad_file_posted_directly(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    before = count()
    response = client.post("/admin/roster/import", data={"content": BAD})
    assert b"nothing was imported" in response.data
    assert count() == before


def test_preview_then_import_then_reimport_changes_nothing(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    html = upload(client, GOOD).get_data(as_text=True)
    assert "2 to create" in html
    response = client.post("/admin/roster/import", data={"content": GOOD}, follow_redirects=True)
    assert b"2 created, 0 updated, 0 unchanged" in response.data
    kim = db.session.scalar(select(User).where(User.email == "kim@example.com"))
    lead = db.session.scalar(select(User).where(User.email == "lead@example.com"))
    assert kim.mentor_id == lead.id and kim.manager_id == lead.id
    assert lead.role == Role.MENTOR
    users, events = count(), count(AuditEvent)
    html = upload(client, GOOD).get_data(as_text=True)
    assert "0 to create, 0 to update, 2 unchanged" in html
    client.post("/admin/roster/import", data={"content": GOOD})
    assert (count(), count(AuditEvent)) == (users, events)


def test_import_updates_changed_rows(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    client.post("/admin/roster/import", data={"content": GOOD})
    changed = GOOD.replace("Kim Kay,learner", "Kim Kay,mentor")
    response = client.post("/admin/roster/import", data={"content": changed}, follow_redirects=True)
    assert b"0 created, 1 updated, 1 unchanged" in response.data
    kim = db.session.scalar(select(User).where(User.email == "kim@example.com"))
    assert kim.role == Role.MENTOR


def test_file_level_errors(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    assert (
        b"Missing column(s): start_date"
        in upload(client, "email,name,role,team,manager_email,mentor_email\n").data
    )
    assert b"no rows" in upload(client, HEADER).data
    response = client.post(
        "/admin/roster",
        data={"roster": (io.BytesIO(b"\xff\xfe\x00bad"), "r.csv")},
        content_type="multipart/form-data",
    )
    assert b"not UTF-8" in response.data
    response = client.post(
        "/admin/roster",
        data={"roster": (io.BytesIO(b"x"), "roster.xlsx")},
        content_type="multipart/form-data",
    )
    assert b"Upload a .csv file." in response.data


def test_a_bad_row_shows_the_values_as_written(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    text = HEADER + "typo@example.com,Tia Typo,learnr,SRE,,,30/11/2026\n"
    html = upload(client, text).get_data(as_text=True)
    row = html[html.index('id="row-2"') :]
    row = row[: row.index("</tr>")]
    assert "<td>learnr</td>" in row and "<td>30/11/2026</td>" in row
    assert "<td>learner</td>" not in row
    errors = html[html.index('class="alert alert-danger roster-errors"') :]
    assert "Row 2: role: &#39;learnr&#39; is not one of" in errors


def test_the_previewed_file_is_imported_without_choosing_it_again(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    html = upload(client, GOOD).get_data(as_text=True)
    assert "Preview of <span" in html and "roster.csv" in html
    assert 'name="filename" type="hidden" value="roster.csv"' in html
    content = re.search(r'name="content" type="hidden" value="([^"]*)"', html)[1]
    response = client.post(
        "/admin/roster/import",
        data={"content": html_module.unescape(content), "filename": "roster.csv"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "2 created" in page
    assert "The 2 new people cannot sign in yet" in page and "invite them" in page
