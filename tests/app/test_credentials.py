"""Credentials through the app: the public verification page (valid, expired, revoked,
unknown; nothing private; rate limited; cacheable; noindex), the issuer's Profile and
JWKS, the PDF and Open Badge downloads and who may have them, and the command line
(keygen, retire-key, verify)."""

import json
import re
import subprocess
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from lms.accounts.models import Role
from lms.catalog import current_catalog
from lms.certification import service as certification
from lms.certification.models import Certificate
from lms.credentials import keys
from lms.extensions import db
from lms.timeutil import today, utcnow

SCHEMA = "../shared/standards/openbadges-3.0/achievementcredential.json"


@pytest.fixture
def app_config(tmp_path):
    return {
        "LMS_KEYS_DIR": str(tmp_path / "keys"),
        "LMS_ORGANISATION": "Acme Reliability",
        "LMS_BASE_URL": "http://localhost",  # the test client's host, so links can be followed
    }


@pytest.fixture
def make_certificate(app):
    """Return a function that records a certificate (as `demo._held` does) and commits."""

    def make(learner, cert_id="associate", issued_on=None, trainer=None, revoked=""):
        catalog = current_catalog()
        definition = certification.certification_or_error(catalog, cert_id)
        issued_on = issued_on or today() - timedelta(days=10)
        held = Certificate(
            user_id=learner.id, certification_id=cert_id, cycle=1,
            code=certification.new_code(), issued_on=issued_on,
            expires_on=certification.rules.add_months(issued_on, definition.valid_for_months),
            issued_at=utcnow() - timedelta(days=(today() - issued_on).days),
            issued_by_id=trainer.id if trainer else None, title=definition.title,
            level=definition.level, curriculum_version=catalog.curriculum.content_hash,
            definition_hash=definition.definition_hash, counted={},
        )  # fmt: skip
        db.session.add(held)
        db.session.flush()
        if revoked:
            certification.revoke(held.code, revoked, catalog, today(), actor=trainer)
        db.session.commit()
        return held

    return make


@pytest.fixture
def holder(make_user):
    return make_user("holder.private@example.com", name="Ada Lovelace", team="Secret Platform Team")


def words(page: str) -> str:
    """The page's text without its tags."""
    return re.sub(r"<[^>]+>", "", page)


# --- the public page ---------------------------------------------------------------------------


def test_a_valid_certificate_shows_its_state_and_only_public_facts(
    client, login, holder, make_certificate
):
    certificate = make_certificate(holder)
    login(holder)  # the page is the same for everyone, so a shared cache may keep it
    response = client.get(f"/verify/{certificate.code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="verify-state-word" id="state">Valid</p>' in page
    dates = (certificate.issued_on.isoformat(), certificate.expires_on.isoformat())
    for shown in ("Ada Lovelace", "DWCP v3 Associate", "Acme Reliability", *dates):
        assert shown in page
    for private in ("holder.private@example.com", "@example.com", "Secret Platform Team"):
        assert private not in page
    assert "Sign out" not in page
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "Accept" in response.headers["Vary"]
    assert '<meta name="robots" content="noindex, nofollow">' in page


def test_an_expired_certificate_says_expired(client, holder, make_certificate):
    certificate = make_certificate(holder, issued_on=today() - timedelta(days=400))
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert ">Expired</p>" in page
    assert f"expired on {certificate.expires_on.isoformat()}" in words(page)


def test_a_revoked_certificate_says_revoked_with_the_date_not_the_reason(
    client, holder, make_user, make_certificate
):
    trainer = make_user(role=Role.TRAINER, name="Tom Trainer")
    certificate = make_certificate(holder, trainer=trainer, revoked="Copied the exam answers")
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert ">Revoked</p>" in page
    assert f"revoked on {today().isoformat()}" in words(page)
    assert "Copied the exam answers" not in page
    assert "Tom Trainer" not in page


def test_an_unknown_code_answers_404_with_the_same_page(client, holder, make_certificate):
    make_certificate(holder)
    for code in ("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-A", "nonsense", "x" * 300):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert ">Not found</p>" in page
        assert 'name="code"' in page and "Ada Lovelace" not in page
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_a_code_is_found_however_it_is_typed(client, holder, make_certificate):
    certificate = make_certificate(holder)
    typed = certificate.code.lower().replace("-", " ")
    assert client.get(f"/verify/{typed}").status_code == 200
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302
    assert response.location.endswith(f"/verify/{certificate.code}")


def test_the_code_form_is_at_verify_for_visitors(client):
    response = client.get("/verify")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'action="/verify" method="get"' in page and 'name="code"' in page
    response = client.get("/verify", query_string={"code": "not a code"})
    assert response.status_code == 404


def test_verify_is_the_code_form_for_everyone_and_evidence_waits_elsewhere(
    client, make_user, login
):
    mentor = make_user(role=Role.MENTOR)
    login(mentor)
    assert "Check a certificate" in client.get("/verify").get_data(as_text=True)
    assert client.get("/evidence/to-verify").status_code == 200


def test_the_public_pages_are_labelled_and_landmarked(client, holder, make_certificate):
    from tests.app.test_accessibility import check

    certificate = make_certificate(holder)
    for url in (
        f"/verify/{certificate.code}",
        "/verify/AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-A",
        "/verify",
    ):
        check(client.get(url).get_data(as_text=True), url)


def test_the_page_answers_json_when_asked(client, holder, make_certificate):
    certificate = make_certificate(holder)
    response = client.get(f"/verify/{certificate.code}", headers={"Accept": "application/json"})
    assert response.json == {
        "code": certificate.code, "state": "valid", "holder": "Ada Lovelace",
        "certification": "DWCP v3 Associate", "level": 1, "issuer": "Acme Reliability",
        "issued_on": certificate.issued_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat(), "revoked_on": None,
    }  # fmt: skip
    unknown = client.get("/verify/AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-A",
                         headers={"Accept": "application/json"})  # fmt: skip
    assert unknown.status_code == 404 and unknown.json == {"error": "unknown code"}


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "VERIFY_RATE_LIMIT": "5 per minute"}]
)
def test_walking_the_code_space_is_rate_limited(client):
    statuses = [client.get(f"/verify/AAAAA-AAAAA-AAAAA-AAAAA-AAAA{n}-A").status_code
                for n in range(2, 8)]  # fmt: skip
    assert statuses == [404] * 5 + [429]


# --- the issuer ----------------------------------------------------------------------------------


def test_the_issuer_profile_and_jwks_are_public(client, app):
    keys.generate(keys_dir(app))
    profile = client.get("/issuer").json
    assert profile["name"] == "Acme Reliability" and profile["id"] == "http://localhost/issuer"
    jwks = client.get("/issuer/jwks.json")
    assert jwks.headers["Cache-Control"].startswith("public")
    assert [k["kty"] for k in jwks.json["keys"]] == ["OKP"]
    assert all("d" not in k for k in jwks.json["keys"])
    achievement = client.get("/issuer/achievements/associate").json
    assert achievement["achievementType"] == "Certificate"
    assert "Pass 3 labs" in achievement["criteria"]["narrative"]
    assert client.get("/issuer/achievements/nope").status_code == 404


def keys_dir(app):
    from pathlib import Path

    return Path(app.config["LMS_KEYS_DIR"])


# --- downloads -----------------------------------------------------------------------------------


def links_on(page: str) -> list[str]:
    return re.findall(r'href="(/certificates/\d+/[^"]+)"', page)


def test_the_holder_downloads_the_pdf_and_the_badge_from_the_certificate_page(
    client, login, holder, make_certificate
):
    certificate = make_certificate(holder)
    login(holder)
    page = client.get("/certifications/associate").get_data(as_text=True)
    assert links_on(page) == [
        f"/certificates/{certificate.id}/certificate.pdf",
        f"/certificates/{certificate.id}/credential.json",
    ]
    assert f"http://localhost/verify/{certificate.code}" in page
    assert "js/copy.js" in page
    linkedin = re.search(r'href="(https://www.linkedin.com/profile/add\?[^"]+)"', page).group(1)
    params = parse_qs(urlsplit(linkedin.replace("&amp;", "&")).query)
    assert params == {
        "startTask": ["CERTIFICATION_NAME"], "name": ["DWCP v3 Associate"],
        "organizationName": ["Acme Reliability"],
        "issueYear": [str(certificate.issued_on.year)],
        "issueMonth": [str(certificate.issued_on.month)],
        "expirationYear": [str(certificate.expires_on.year)],
        "expirationMonth": [str(certificate.expires_on.month)],
        "certUrl": [f"http://localhost/verify/{certificate.code}"], "certId": [certificate.code],
    }  # fmt: skip

    pdf = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and "attachment" in pdf.headers["Content-Disposition"]
    badge = client.get(f"/certificates/{certificate.id}/credential.json")
    assert badge.status_code == 200
    document = badge.json
    assert document["credential"]["credentialSubject"]["achievement"]["name"] == "DWCP v3 Associate"
    assert document["jwt"].count(".") == 2


def test_the_downloaded_pdf_qr_opens_this_certificates_page(
    client, login, holder, make_certificate, tmp_path
):
    certificate = make_certificate(holder)
    login(holder)
    (tmp_path / "c.pdf").write_bytes(
        client.get(f"/certificates/{certificate.id}/certificate.pdf").data
    )
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(tmp_path / "c.pdf"),
                    str(tmp_path / "c")], check=True)  # fmt: skip
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "c.png")],
                             check=True, capture_output=True, text=True)  # fmt: skip
    assert decoded.stdout.strip() == f"http://localhost/verify/{certificate.code}"


def test_trainers_and_supervisors_download_but_other_learners_do_not(
    client, login, make_user, holder, make_certificate
):
    certificate = make_certificate(holder)
    trainer = make_user(role=Role.TRAINER)
    stranger = make_user()
    login(stranger)
    for kind in ("certificate.pdf", "credential.json"):
        assert client.get(f"/certificates/{certificate.id}/{kind}").status_code == 404
    assert client.get("/certificates/99999/certificate.pdf").status_code == 404
    client.post("/logout")
    login(trainer)
    page = client.get(f"/people/{holder.id}/certifications/associate").get_data(as_text=True)
    assert f"/certificates/{certificate.id}/certificate.pdf" in page
    assert "linkedin.com" not in page  # sharing is the holder's
    assert client.get(f"/certificates/{certificate.id}/certificate.pdf").status_code == 200


def test_anonymous_visitors_cannot_download(client, holder, make_certificate):
    certificate = make_certificate(holder)
    response = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 302 and "/login" in response.location


def test_a_revoked_certificate_offers_no_pdf_or_badge(
    client, login, make_user, holder, make_certificate
):
    trainer = make_user(role=Role.TRAINER)
    certificate = make_certificate(holder, trainer=trainer, revoked="Issued in error")
    login(holder)
    page = client.get("/certifications/associate").get_data(as_text=True)
    assert links_on(page) == []
    assert "no PDF or badge is offered" in page
    for kind in ("certificate.pdf", "credential.json"):
        assert client.get(f"/certificates/{certificate.id}/{kind}").status_code == 404


def test_production_refuses_to_issue_credentials_without_a_key(
    client, login, holder, make_certificate, app
):
    app.config.update(ENV_NAME="production")
    certificate = make_certificate(holder)
    login(holder)
    response = client.get(f"/certificates/{certificate.id}/credential.json")
    assert response.status_code == 503
    assert "flask --app lms credentials keygen" in response.get_data(as_text=True)
    assert not keys_dir(app).exists()


def test_development_makes_a_key_on_first_use(client, login, holder, make_certificate, app):
    certificate = make_certificate(holder)
    login(holder)
    document = client.get(f"/certificates/{certificate.id}/credential.json").json
    assert keys.signing_key(keys_dir(app)).kid == document["kid"]


# --- the command line ----------------------------------------------------------------------------


def download(client, login, holder, certificate, tmp_path):
    login(holder)
    path = tmp_path / "credential.json"
    path.write_bytes(client.get(f"/certificates/{certificate.id}/credential.json").data)
    client.post("/logout")
    return path


def test_keygen_rotate_and_retire(runner, app):
    first = runner.invoke(args=["credentials", "keygen"])
    assert first.exit_code == 0 and "New signing key" in first.output
    old_kid = keys.signing_key(keys_dir(app)).kid
    second = runner.invoke(args=["credentials", "keygen"])
    assert f"Still published for verifying: {old_kid}" in second.output
    listing = runner.invoke(args=["credentials", "list-keys"]).output
    assert "signs" in listing and f"{old_kid}" in listing and "verifies only" in listing
    new_kid = keys.signing_key(keys_dir(app)).kid
    refused = runner.invoke(args=["credentials", "retire-key", new_kid])
    assert refused.exit_code == 1 and "keygen" in refused.output
    retired = runner.invoke(args=["credentials", "retire-key", old_kid])
    assert retired.exit_code == 0
    assert [k["kid"] for k in keys.jwks(keys_dir(app))["keys"]] == [new_kid]
    unknown = runner.invoke(args=["credentials", "retire-key", "nope"])
    assert unknown.exit_code == 1 and "No key 'nope'" in unknown.output


def test_verify_prints_each_check_of_a_good_credential(
    client, login, runner, holder, make_certificate, tmp_path
):
    path = download(client, login, holder, make_certificate(holder), tmp_path)
    result = runner.invoke(args=["credentials", "verify", str(path), "--schema", SCHEMA])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines[:4]] == [
        "[pass] signature", "[pass] schema", "[pass] dates", "[pass] status",
    ]  # fmt: skip
    assert "validates against the given Open Badges 3.0 JSON schema" in result.output
    bare = tmp_path / "bare.jwt"
    bare.write_text(json.loads(path.read_text())["jwt"])
    assert runner.invoke(args=["credentials", "verify", str(bare)]).exit_code == 0


def test_verify_rejects_a_tampered_credential(
    client, login, runner, holder, make_certificate, tmp_path
):
    path = download(client, login, holder, make_certificate(holder), tmp_path)
    document = json.loads(path.read_text())
    head, body, signature = document["jwt"].split(".")
    # One character changed in the payload.
    flipped = body[:40] + ("A" if body[40] != "A" else "B") + body[41:]
    document["jwt"] = ".".join((head, flipped, signature))
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["credentials", "verify", str(path)])
    assert result.exit_code == 1
    assert "[FAIL] signature:" in result.output
    assert "does NOT verify" in result.output


def test_verify_rejects_a_credential_signed_by_an_unknown_key(
    client, login, runner, holder, make_certificate, tmp_path, app
):
    path = download(client, login, holder, make_certificate(holder), tmp_path)
    kid = keys.signing_key(keys_dir(app)).kid
    runner.invoke(args=["credentials", "keygen"])
    runner.invoke(args=["credentials", "retire-key", kid])
    result = runner.invoke(args=["credentials", "verify", str(path)])
    assert result.exit_code == 1
    assert f"[FAIL] signature: signed by key '{kid}', which is not in the issuer's JWKS" in (
        result.output
    )


def test_verify_reports_a_revoked_certificate(
    client, login, runner, make_user, holder, make_certificate, tmp_path
):
    certificate = make_certificate(holder)
    path = download(client, login, holder, certificate, tmp_path)
    certification.revoke(certificate.code, "Issued in error", current_catalog(), today(),
                         actor=None)  # fmt: skip
    db.session.commit()
    result = runner.invoke(args=["credentials", "verify", str(path)])
    assert result.exit_code == 1
    assert "[pass] signature" in result.output
    assert f"[FAIL] status: revoked on {today().isoformat()}" in result.output


def test_old_credentials_verify_after_rotation(
    client, login, runner, holder, make_certificate, tmp_path
):
    path = download(client, login, holder, make_certificate(holder), tmp_path)
    assert runner.invoke(args=["credentials", "keygen"]).exit_code == 0
    result = runner.invoke(args=["credentials", "verify", str(path)])
    assert result.exit_code == 0, result.output


def test_verify_explains_a_file_that_is_not_a_credential(runner, tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    result = runner.invoke(args=["credentials", "verify", str(path)])
    assert result.exit_code == 1 and "no `jwt` field" in result.output


def test_verify_says_when_the_issuer_has_no_keys(client, login, runner, holder, make_certificate,
                                                 tmp_path, app):  # fmt: skip
    path = download(client, login, holder, make_certificate(holder), tmp_path)
    app.config["LMS_KEYS_DIR"] = str(tmp_path / "empty")
    result = runner.invoke(args=["credentials", "verify", str(path)])
    assert result.exit_code == 1 and "the issuer publishes no keys" in result.output
