"""The trainers' question bank import page: upload, preview, download; never writes content."""

import io
from pathlib import Path

import pytest
import yaml

from lms.accounts.models import Role
from lms.content.banks import quiz_document, read_bank

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
URL = "/question-banks/import"


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.fixture
def trainer(make_user, login):
    user = make_user(role=Role.TRAINER)
    login(user)
    return user


def upload(client, content: bytes, filename: str, quiz_id="imported-bank", **fields):
    data = {"bank": (io.BytesIO(content), filename), "quiz_id": quiz_id, **fields}
    return client.post(URL, data=data, content_type="multipart/form-data")


def content_snapshot() -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in (ROOT / "quizzes").rglob("*")}


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.LEARNER, 403), (Role.MENTOR, 403), (Role.TRAINER, 200), (Role.ADMIN, 200)],
)
def test_only_trainers_and_admins_may_import(client, make_user, login, role, status):
    login(make_user(role=role))
    assert client.get(URL).status_code == status
    assert upload(client, b"Q?{T}", "q.gift").status_code == status
    home = client.get("/home").get_data(as_text=True)
    assert ("Import questions" in home) == (status == 200)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_gift_preview_then_download_and_nothing_is_written(client, trainer):
    before = content_snapshot()
    source = (FIXTURES / "gift" / "all_constructs.gift").read_bytes()
    html = upload(client, source, "bank.gift", title="Imported bank").get_data(as_text=True)
    assert "Preview: GIFT" in html
    assert "20 question(s) found; the quiz passes the content check." in html
    assert "line 70: essay question (empty answer block)" in html
    assert "line 72: description (no answer block)" in html
    assert "<code>lb-first-hop</code>" in html
    expected = quiz_document("imported-bank", "Imported bank", read_bank(source, "gift").questions)
    response = client.post(
        "/question-banks/import/download",
        data={"quiz_id": "imported-bank", "document": expected},
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="imported-bank.yml"'
    assert response.get_data(as_text=True) == expected
    assert yaml.safe_load(response.get_data(as_text=True))["title"] == "Imported bank"
    assert content_snapshot() == before


def test_moodle_xml_preview_lists_skipped_questions_by_name_and_images(client, trainer):
    html = upload(client, (FIXTURES / "moodle" / "bank.xml").read_bytes(), "bank.xml")
    html = html.get_data(as_text=True)
    assert "Preview: Moodle XML" in html and "10 question(s) found" in html
    assert "&#34;Outage story&#34;: type essay (graded by hand) cannot be represented" in html
    assert "&#34;Cloze ports&#34;: type cloze (embedded answers) cannot be represented" in html
    assert "image &#39;network map.png&#39; skipped" in html


def test_aiken_is_recognised_in_a_txt_file(client, trainer):
    html = upload(client, (FIXTURES / "aiken" / "bank.txt").read_bytes(), "exam.txt")
    html = html.get_data(as_text=True)
    assert "Preview: Aiken" in html and "4 question(s) found" in html
    assert "line 22: option C where option B was expected" in html


def test_the_format_can_be_chosen(client, trainer):
    html = upload(client, b"Pick one\nA. x\nB. y\nANSWER: A\n", "bank.gift", format="aiken")
    assert "Preview: Aiken" in html.get_data(as_text=True)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<quiz><question type="truefalse"><name><text>&lol2;</text></name></question></quiz>"""


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (BILLION_LAUGHS, "bank.xml", "a Moodle export has none, so it was refused unread"),
        (
            b'<!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>',
            "bank.xml",
            "refused unread",
        ),
        ("Caf\xe9?{T}".encode("latin-1"), "bank.gift", "iconv -f ISO-8859-1 -t UTF-8"),
        (b"PK\x03\x04" + bytes(100), "bank.xml", "a zip archive"),
        (b"  \n", "bank.gift", "the file is empty"),
    ],
)
def test_bad_and_hostile_files_get_a_clear_message(client, trainer, content, filename, message):
    response = upload(client, content, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This file cannot be imported" in html and message in html.replace("&#39;", "'")
    assert "Preview:" not in html and "Traceback" not in html


def test_a_file_with_nothing_importable_offers_no_download(client, trainer):
    html = upload(client, b"Describe an outage.{}", "essay.gift").get_data(as_text=True)
    assert "no question in the file could be converted" in html
    assert "/question-banks/import/download" not in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quiz_id": "Not A Slug"}, "Use a lowercase slug"),
        ({"filename": "bank.pdf"}, "Upload a .gift, .txt, .xml or .aiken file."),
    ],
)
def test_form_errors(client, trainer, fields, message):
    filename = fields.pop("filename", "bank.gift")
    html = upload(client, b"Q?{T}", filename, **fields).get_data(as_text=True)
    assert message in html and "Preview:" not in html


def post_big(client, size: int):
    """Post a GIFT file of `size` bytes as a ready-made multipart body (the test client
    would spool it to a temporary file it never closes)."""
    boundary = "bank-boundary"
    content = b"Q?{T}\n\n" + b"/" * size
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="quiz_id"\r\n\r\nbig\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="bank"; '
            'filename="big.gift"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize("app_config", [{"UPLOAD_MAX_SUBMISSION_MB": 1}], indirect=True)
def test_a_request_over_the_apps_limit_is_refused(client, trainer):
    assert post_big(client, 2 * 1024 * 1024 + 10).status_code == 413


def test_a_file_over_the_pages_limit_is_refused(client, trainer):
    html = post_big(client, 16 * 1024 * 1024 + 10).get_data(as_text=True)
    assert "The file is over 16 MiB: split the bank." in html and "Preview:" not in html


def test_download_refuses_a_document_that_fails_the_check(client, trainer):
    response = client.post(
        "/question-banks/import/download",
        data={"quiz_id": "imported-bank", "document": "id: other\ntitle: x\n"},
        follow_redirects=True,
    )
    assert "does not pass the content check" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_the_upload_needs_the_csrf_token(client, trainer):
    html = upload(client, b"Q?{T}", "q.gift").get_data(as_text=True)
    assert "The form expired" in html and "Preview:" not in html
