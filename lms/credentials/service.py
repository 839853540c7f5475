"""Credentials: what the public may see of a certificate, the signed Open Badges credential,
the PDF's contents, the issuer's keys, and checking a credential file.

Reads only; nothing here writes to the database. Everything public goes through
`public_record`, which carries exactly what the verification page may show: the holder's
name, the certification, the issuer, the dates and the state.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from lms.accounts.models import User
from lms.certification import rules
from lms.certification.models import Certificate
from lms.certification.service import certification_or_error, context
from lms.content import Catalog
from lms.credentials import badges, keys
from lms.errors import ServiceError
from lms.extensions import db
from lms.timeutil import today as org_today
from lms.timeutil import utcnow

log = logging.getLogger("lms")

VALID, EXPIRED, REVOKED = "valid", "expired", "revoked"
CODE_ALPHABET = re.compile(r"^[A-Z2-7]{26}$")  # 128 bits in base32, without padding


class NoSigningKey(ServiceError):
    """Production has no key to sign credentials with."""


# --- the public record ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicRecord:
    """All the verification page may show about a certificate, and nothing more."""

    code: str
    holder_name: str
    title: str
    level: int | None
    issuer: str
    issued_on: date
    expires_on: date
    state: str
    revoked_on: date | None


def normalize_code(raw: str) -> str | None:
    """The code in its canonical form (groups of five letters), or None when it cannot be one.

    Spaces, dashes and case are forgiven, so a code read aloud or retyped still matches.
    """
    letters = re.sub(r"[\s-]", "", raw or "").upper()
    if not CODE_ALPHABET.match(letters):
        return None
    return "-".join(letters[i : i + 5] for i in range(0, len(letters), 5))


def state_of(certificate: Certificate, day: date) -> str:
    """valid, expired or revoked on a given day (revocation wins over expiry)."""
    if certificate.revoked_on is not None and certificate.revoked_on <= day:
        return REVOKED
    if day >= certificate.expires_on:
        return EXPIRED
    return VALID


def certificate_by_code(raw: str) -> Certificate | None:
    """The certificate with this verification code (any spelling of it), or None."""
    code = normalize_code(raw)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def public_record(raw_code: str, day: date | None = None) -> PublicRecord | None:
    """What anyone may see about the certificate with this code; None for an unknown code."""
    found = None
    code = normalize_code(raw_code)
    if code is not None:
        found = db.session.execute(
            select(Certificate, User.name)
            .join(User, User.id == Certificate.user_id)
            .where(Certificate.code == code)
        ).first()
    if found is None:
        return None
    certificate, name = found
    return PublicRecord(
        code=certificate.code,
        holder_name=name,
        title=certificate.title,
        level=certificate.level,
        issuer=organisation(),
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        state=state_of(certificate, day or org_today()),
        revoked_on=certificate.revoked_on,
    )


def organisation() -> str:
    """The issuing organisation's name (LMS_ORGANISATION)."""
    return current_app.config["LMS_ORGANISATION"]


# --- URLs -------------------------------------------------------------------------------------


def base_url(request_root: str | None = None) -> str:
    """The site's public address (LMS_BASE_URL, as mail links use), never the Host header.

    `request_root` is used only when no address is configured (tests that clear it).
    """
    configured = current_app.config.get("LMS_BASE_URL") or ""
    root = configured or request_root or "http://127.0.0.1:5000"
    return root.rstrip("/")


def verify_url(code: str, root: str) -> str:
    """The public verification page of a certificate."""
    return f"{root}/verify/{code}"


def issuer(root: str) -> badges.Issuer:
    """The issuer as the credentials name it."""
    return badges.Issuer(
        id=f"{root}/issuer",
        name=organisation(),
        url=current_app.config.get("LMS_ORGANISATION_URL") or f"{root}/",
        jwks_url=f"{root}/issuer/jwks.json",
    )


# --- who may download -------------------------------------------------------------------------


def certificate_by_id(certificate_id: int) -> Certificate | None:
    """The certificate with this id, or None."""
    return db.session.get(Certificate, certificate_id)


def holder_of(certificate: Certificate) -> User:
    """The person the certificate was issued to."""
    return db.session.get(User, certificate.user_id)


def signer_name(certificate: Certificate) -> str | None:
    """The issuing trainer's name, or None when the platform issued it automatically."""
    if certificate.issued_by_id is None:
        return None
    trainer = db.session.get(User, certificate.issued_by_id)
    return trainer.name if trainer is not None else None


def downloadable(certificate: Certificate) -> None:
    """Refuse a revoked certificate's PDF or credential: it must not circulate."""
    if certificate.revoked_on is not None:
        raise ServiceError("This certificate is revoked: its PDF and credential are withdrawn.")


# --- the PDF's contents -----------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateDocument:
    """What the printable certificate shows."""

    holder_name: str
    title: str
    level: int | None
    issuer: str
    issued_on: date
    expires_on: date
    signer: str | None
    code: str
    verify_url: str


def certificate_document(certificate: Certificate, root: str) -> CertificateDocument:
    """The PDF's contents for one certificate."""
    downloadable(certificate)
    return CertificateDocument(
        holder_name=holder_of(certificate).name,
        title=certificate.title,
        level=certificate.level,
        issuer=organisation(),
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        signer=signer_name(certificate),
        code=certificate.code,
        verify_url=verify_url(certificate.code, root),
    )


# --- keys -------------------------------------------------------------------------------------


def keys_folder() -> Path:
    """Where the issuer's keys live (LMS_KEYS_DIR, default instance/keys)."""
    return Path(current_app.config["LMS_KEYS_DIR"])


def current_signing_key() -> keys.SigningKey:
    """The key that signs; refused in production without one, made on first use otherwise."""
    key = keys.signing_key(keys_folder())
    if key is not None:
        return key
    if current_app.config.get("ENV_NAME") == "production":
        log.error("No credential signing key in %s: run `%s`", keys_folder(), keys.KEYGEN_COMMAND)
        raise NoSigningKey(
            "Signed credentials are not available yet: the issuer has no signing key. "
            f"An administrator must run `{keys.KEYGEN_COMMAND}`."
        )
    key = keys.generate(keys_folder())
    log.info("Made a development signing key %s in %s", key.kid, keys_folder())
    return key


# --- Open Badges --------------------------------------------------------------------------------


def criteria_narrative(catalog: Catalog, certification_id: str) -> str:
    """What earning the certification takes, in words, from curriculum.yml."""
    certification = certification_or_error(catalog, certification_id)
    ctx = context(catalog, org_today(), certification.id)
    checklist = rules.evaluate_requirements(
        certification.requires, rules.LearnerFacts(user_id=0), ctx
    )
    lines = "\n".join(f"- {result.label}" for result in checklist)
    return f"{certification.description}\n\nRequirements:\n\n{lines}"


def _salt(code: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, code.encode(), hashlib.sha256).hexdigest()[:16]


def _start_of(day: date) -> datetime:
    zone = ZoneInfo(current_app.config.get("LMS_TIMEZONE", "UTC"))
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def badge_facts(certificate: Certificate, catalog: Catalog, root: str) -> badges.BadgeFacts:
    """The plain facts the Open Badges credential states about a certificate."""
    holder = holder_of(certificate)
    known = {c.id: c for c in catalog.curriculum.certifications}
    definition = known.get(certificate.certification_id)
    description = definition.description if definition else certificate.title
    criteria = criteria_narrative(catalog, definition.id) if definition else certificate.title
    return badges.BadgeFacts(
        code=certificate.code,
        verify_url=verify_url(certificate.code, root),
        holder_name=holder.name,
        holder_email=holder.email,
        certification_id=certificate.certification_id,
        achievement_url=f"{root}/issuer/achievements/{certificate.certification_id}",
        title=certificate.title,
        level=certificate.level,
        description=description,
        criteria=criteria,
        valid_from=certificate.issued_at,
        # Valid on the days before the expiry date: it ends when that day begins.
        valid_until=_start_of(certificate.expires_on),
        salt=_salt(certificate.code),
    )


def achievement(catalog: Catalog, certification_id: str, root: str) -> dict:
    """The Achievement a certification stands for, as served at its id."""
    definition = certification_or_error(catalog, certification_id)
    return {
        "@context": [badges.VC_CONTEXT, badges.OB_CONTEXT],
        "id": f"{root}/issuer/achievements/{definition.id}",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": definition.title,
        "description": definition.description,
        "criteria": {"narrative": criteria_narrative(catalog, definition.id)},
        "creator": {"id": f"{root}/issuer", "type": ["Profile"], "name": organisation()},
    }


def signed_credential(certificate: Certificate, catalog: Catalog, root: str) -> dict:
    """The downloadable credential: the signed VC-JWT and the credential it carries."""
    downloadable(certificate)
    key = current_signing_key()
    unsigned = badges.credential(badge_facts(certificate, catalog, root), issuer(root))
    token = badges.sign(unsigned, key)
    return {
        "format": "vc+jwt",
        "jwt": token,
        "kid": key.kid,
        "jwks": f"{root}/issuer/jwks.json",
        "verify": verify_url(certificate.code, root),
        "credential": unsigned,
    }


# --- checking a credential file -------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One check of a credential: its name, whether it passed, and why."""

    name: str
    passed: bool
    detail: str


REQUIRED_FIELDS = ("@context", "id", "type", "issuer", "validFrom", "credentialSubject")


def _structure(credential: dict, schema: dict | None) -> Check:
    if schema is not None:
        import jsonschema  # a development tool: only needed when a schema file is given

        validator = jsonschema.Draft201909Validator(schema)
        errors = sorted(validator.iter_errors(credential), key=lambda e: list(e.path))
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.path) or "(top)"
            return Check("schema", False, f"{len(errors)} error(s); {where}: {first.message}")
        return Check("schema", True, "validates against the given Open Badges 3.0 JSON schema")
    missing = [name for name in REQUIRED_FIELDS if name not in credential]
    types = credential.get("type") or []
    achievement = (credential.get("credentialSubject") or {}).get("achievement") or {}
    problems = [f"missing {name}" for name in missing]
    if "VerifiableCredential" not in types or not {
        "OpenBadgeCredential",
        "AchievementCredential",
    } & set(types):
        problems.append("type must include VerifiableCredential and OpenBadgeCredential")
    if badges.VC_CONTEXT not in (credential.get("@context") or [])[:1]:
        problems.append(f"@context must start with {badges.VC_CONTEXT}")
    for name in ("id", "type", "name", "description", "criteria"):
        if name not in achievement:
            problems.append(f"credentialSubject.achievement.{name} missing")
    if problems:
        return Check("schema", False, "; ".join(problems))
    return Check(
        "schema", True, "the required Open Badges 3.0 fields are present (no schema file given)"
    )


def _dates(credential: dict, now: datetime) -> Check:
    try:
        valid_from = datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00"))
        until_text = credential.get("validUntil")
        valid_until = (
            datetime.fromisoformat(until_text.replace("Z", "+00:00")) if until_text else None
        )
    except (KeyError, AttributeError, ValueError) as exc:
        return Check("dates", False, f"unreadable validFrom/validUntil ({exc})")
    if valid_from > now:
        return Check("dates", False, f"not valid before {credential['validFrom']}")
    if valid_until is not None and valid_until <= now:
        return Check("dates", False, f"expired: valid until {until_text}")
    window = f"valid from {credential['validFrom']}" + (
        f" until {until_text}" if until_text else ""
    )
    return Check("dates", True, window)


def _status(credential: dict) -> Check:
    status = credential.get("credentialStatus") or {}
    code = str(status.get("id", "")).rstrip("/").rsplit("/", 1)[-1]
    certificate = certificate_by_code(code)
    if certificate is None:
        return Check("status", False, f"no certificate {code or '(none)'} was issued here")
    if badges.credential_id(certificate.code) != credential.get("id"):
        return Check("status", False, "the credential id does not belong to that certificate")
    state = state_of(certificate, org_today())
    if state == REVOKED:
        return Check("status", False, f"revoked on {certificate.revoked_on.isoformat()}")
    if state == EXPIRED:
        return Check("status", False, f"expired on {certificate.expires_on.isoformat()}")
    return Check(
        "status", True, f"valid until {certificate.expires_on.isoformat()} ({status.get('id')})"
    )


def read_token(text: str) -> str:
    """The JWT in a downloaded credential file (our .json, or a bare JWT)."""
    text = text.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise ServiceError(f"the file is not JSON ({exc})") from None
        token = document.get("jwt") if isinstance(document, dict) else None
        if not isinstance(token, str):
            raise ServiceError("the file holds no `jwt` field")
        return token
    return text


def verify_token(token: str, schema: dict | None = None) -> list[Check]:
    """Check a VC-JWT: signature against our JWKS, then schema, dates and current status.

    Once the signature fails nothing else in the payload can be trusted, so the other
    checks are not run.
    """
    if not keys.load_keys(keys_folder()):
        return [Check("signature", False, f"the issuer publishes no keys in {keys_folder()}")]
    try:
        header, credential = badges.decode(token, keys.key_set(keys_folder()))
    except badges.BadSignature as exc:
        return [Check("signature", False, str(exc))]
    checks = [Check("signature", True, f"Ed25519 signature by key {header['kid']} in the JWKS")]
    checks.append(_structure(credential, schema))
    checks.append(_dates(credential, utcnow()))
    checks.append(_status(credential))
    return checks


# --- sharing ------------------------------------------------------------------------------------

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_url(certificate: Certificate, root: str) -> str:
    """LinkedIn's documented add-to-profile link for a certification, filled in."""
    from urllib.parse import urlencode

    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.title,
        "organizationName": organisation(),
        "issueYear": certificate.issued_on.year,
        "issueMonth": certificate.issued_on.month,
        "expirationYear": certificate.expires_on.year,
        "expirationMonth": certificate.expires_on.month,
        "certUrl": verify_url(certificate.code, root),
        "certId": certificate.code,
    }
    return f"{LINKEDIN_ADD}?{urlencode(params)}"
