"""Open Badges 3.0 credentials and the issuer's keys: the credential validates against
1EdTech's JSON schema, its VC-JWT verifies with the published JWKS, tampering and unknown
keys fail, and rotated keys keep old credentials verifying until they are retired."""

import base64
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from joserfc.jwk import KeySet

from lms.credentials import badges, keys

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared/standards/openbadges-3.0"
ISSUER = badges.Issuer(
    id="https://training.example.com/issuer",
    name="DWCP Training",
    url="https://training.example.com/",
    jwks_url="https://training.example.com/issuer/jwks.json",
)


def facts(**changes) -> badges.BadgeFacts:
    values = {
        "code": "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY-Z",
        "verify_url": "https://training.example.com/verify/ABCDE-FGHIJ-KLMNO-PQRST-UVWXY-Z",
        "holder_name": "Ελένη Παπαδοπούλου",
        "holder_email": "eleni@example.com",
        "certification_id": "associate",
        "achievement_url": "https://training.example.com/issuer/achievements/associate",
        "title": "DWCP v3 Associate",
        "level": 1,
        "description": "The first level of the program.",
        "criteria": "Requirements:\n\n- Complete Module 1\n- Pass 3 labs",
        "valid_from": datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        "valid_until": datetime(2026, 9, 2, tzinfo=UTC),
        "salt": "0123456789abcdef",
    }
    return badges.BadgeFacts(**{**values, **changes})


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def published(folder: Path) -> KeySet:
    """The JWKS exactly as a verifier downloads it (JSON text, then imported)."""
    return KeySet.import_key_set(json.loads(json.dumps(keys.jwks(folder))))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_the_credential_validates_against_the_1edtech_schema():
    credential = badges.credential(facts(), ISSUER)
    validator = jsonschema.Draft201909Validator(
        schema("achievementcredential.json"), format_checker=jsonschema.FormatChecker()
    )
    assert [e.message for e in validator.iter_errors(credential)] == []
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert "Pass 3 labs" in achievement["criteria"]["narrative"]
    assert credential["validFrom"] == "2026-03-02T09:30:00Z"
    assert credential["validUntil"] == "2026-09-02T00:00:00Z"
    assert credential["credentialStatus"]["id"].endswith("/verify/ABCDE-FGHIJ-KLMNO-PQRST-UVWXY-Z")


def test_the_schema_test_would_catch_a_broken_credential():
    broken = badges.credential(facts(), ISSUER)
    del broken["credentialSubject"]["achievement"]["criteria"]
    broken["type"] = ["VerifiableCredential"]
    validator = jsonschema.Draft201909Validator(schema("achievementcredential.json"))
    assert len(list(validator.iter_errors(broken))) >= 2


def test_the_issuer_profile_validates_against_the_profile_schema():
    profile = badges.issuer_profile(ISSUER)
    jsonschema.Draft201909Validator(schema("profile.json")).validate(profile)
    assert profile["id"] == ISSUER.id


def test_the_email_is_only_in_the_credential_as_a_salted_hash():
    credential = badges.credential(facts(), ISSUER)
    text = json.dumps(credential)
    assert "eleni@example.com" not in text
    email = credential["credentialSubject"]["identifier"][1]
    assert email["hashed"] is True and email["identityHash"].startswith("sha256$")


def test_the_vc_jwt_verifies_with_the_published_jwks(tmp_path):
    key = keys.generate(tmp_path)
    unsigned = badges.credential(facts(), ISSUER)
    token = badges.sign(unsigned, key)
    header = json.loads(unb64(token.split(".")[0]))
    public = {"kty": "OKP", "crv": "Ed25519", "x": key.jwk["x"]}
    assert header == {"alg": "Ed25519", "kid": key.kid, "typ": "vc+jwt", "cty": "vc", "jwk": public}
    decoded_header, credential = badges.decode(token, published(tmp_path))
    assert credential == unsigned
    payload = json.loads(unb64(token.split(".")[1]))
    assert payload["iss"] == ISSUER.id and payload["jti"] == unsigned["id"]
    assert payload["exp"] == int(datetime(2026, 9, 2, tzinfo=UTC).timestamp())


def test_one_changed_character_in_the_payload_fails(tmp_path):
    key = keys.generate(tmp_path)
    token = badges.sign(badges.credential(facts(), ISSUER), key)
    head, body, signature = token.split(".")
    payload = unb64(body).decode()
    tampered_payload = payload.replace("DWCP v3 Associate", "DWCP v3 Associatf", 1)
    assert tampered_payload != payload
    tampered = ".".join((head, b64(tampered_payload.encode()), signature))
    with pytest.raises(badges.BadSignature, match="signature does not match"):
        badges.decode(tampered, published(tmp_path))


def test_a_credential_signed_by_an_unknown_key_fails(tmp_path):
    keys.generate(tmp_path / "ours")
    stranger = keys.generate(tmp_path / "theirs")
    token = badges.sign(badges.credential(facts(), ISSUER), stranger)
    with pytest.raises(badges.BadSignature, match="not in the issuer's JWKS"):
        badges.decode(token, published(tmp_path / "ours"))


def test_a_forged_key_id_does_not_help(tmp_path):
    ours = keys.generate(tmp_path / "ours")
    stranger = keys.generate(tmp_path / "theirs")
    forged = keys.SigningKey(ours.kid, stranger.created, stranger.jwk)
    token = badges.sign(badges.credential(facts(), ISSUER), forged)
    with pytest.raises(badges.BadSignature, match="not the key"):
        badges.decode(token, published(tmp_path / "ours"))
    # Without the carried key, the published key itself refuses the signature.
    head, body, signature = token.split(".")
    header = json.loads(unb64(head))
    del header["jwk"]
    bare = ".".join((b64(json.dumps(header).encode()), body, signature))
    with pytest.raises(badges.BadSignature, match="signature does not match"):
        badges.decode(bare, published(tmp_path / "ours"))


def test_a_token_carrying_another_key_than_the_published_one_fails(tmp_path):
    ours = keys.generate(tmp_path / "ours")
    token = badges.sign(badges.credential(facts(), ISSUER), ours)
    head, body, signature = token.split(".")
    header = json.loads(unb64(head))
    header["jwk"]["x"] = keys.generate(tmp_path / "theirs").jwk["x"]
    swapped = ".".join((b64(json.dumps(header).encode()), body, signature))
    with pytest.raises(badges.BadSignature, match="not the key"):
        badges.decode(swapped, published(tmp_path / "ours"))


def test_rotated_keys_still_verify_old_credentials_until_retired(tmp_path):
    old = keys.generate(tmp_path, datetime(2026, 1, 1, tzinfo=UTC))
    old_token = badges.sign(badges.credential(facts(), ISSUER), old)
    new = keys.generate(tmp_path, datetime(2026, 6, 1, tzinfo=UTC))
    assert keys.signing_key(tmp_path).kid == new.kid
    new_token = badges.sign(badges.credential(facts(), ISSUER), keys.signing_key(tmp_path))
    # The old key lost its private half; its public half is still published.
    stored = {key.kid: key for key in keys.load_keys(tmp_path)}
    assert not stored[old.kid].private and stored[new.kid].private
    assert [k["kid"] for k in keys.jwks(tmp_path)["keys"]] == [new.kid, old.kid]
    assert all("d" not in k for k in keys.jwks(tmp_path)["keys"])
    assert badges.decode(old_token, published(tmp_path))[0]["kid"] == old.kid
    assert badges.decode(new_token, published(tmp_path))[0]["kid"] == new.kid

    with pytest.raises(keys.KeyProblem, match="keygen"):
        keys.retire(tmp_path, new.kid)
    keys.retire(tmp_path, old.kid)
    with pytest.raises(badges.BadSignature, match="not in the issuer's JWKS"):
        badges.decode(old_token, published(tmp_path))
    assert badges.decode(new_token, published(tmp_path))[0]["kid"] == new.kid


def test_key_files_are_readable_by_their_owner_only(tmp_path):
    key = keys.generate(tmp_path)
    mode = stat.S_IMODE(os.stat(tmp_path / f"{key.kid}.json").st_mode)
    assert mode == 0o600


def test_garbage_is_not_a_jwt(tmp_path):
    keys.generate(tmp_path)
    with pytest.raises(badges.BadSignature):
        badges.decode("not-a-token", published(tmp_path))
