"""Open Badges 3.0: an `OpenBadgeCredential` (a Verifiable Credential, Data Model 2.0) for
a certificate, the issuer Profile, and the VC-JWT that secures it.

No Flask and no database: the service hands in plain data (`BadgeFacts`, `Issuer`) and
keys. The JWT follows VC-JOSE-COSE: the payload is the credential itself (plus the
registered claims `iss`, `jti`, `nbf`, `iat` and `exp`), the protected header names the
algorithm (Ed25519, RFC 9864), the key id, the public key (`jwk`) and `typ: vc+jwt`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # joserfc is loaded when a credential is signed or checked
    from joserfc.jwk import KeySet

from lms.credentials.keys import ALGORITHM, SigningKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
JWT_TYPE = "vc+jwt"
REGISTERED_CLAIMS = ("iss", "jti", "nbf", "iat", "exp", "sub")


@dataclass(frozen=True)
class Issuer:
    """The organisation that issues: its Profile's URL (its id), name, home page and JWKS."""

    id: str
    name: str
    url: str
    jwks_url: str


@dataclass(frozen=True)
class BadgeFacts:
    """What a credential says about one certificate (plain data from the service)."""

    code: str
    verify_url: str
    holder_name: str
    holder_email: str
    certification_id: str
    achievement_url: str
    title: str
    level: int | None
    description: str
    criteria: str
    valid_from: datetime
    valid_until: datetime
    salt: str


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_id(code: str) -> str:
    """The credential's stable id: a name-based UUID of its verification code."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'lms-certificate:' + code)}"


def issuer_profile(issuer: Issuer) -> dict:
    """The issuer Profile (Open Badges 3.0), as served at its own id."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer.id,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "description": f"{issuer.name} issues the certificates of its production training "
        f"program. Public keys: {issuer.jwks_url}",
    }


def credential(facts: BadgeFacts, issuer: Issuer) -> dict:
    """The unsigned OpenBadgeCredential for one certificate."""
    email_hash = hashlib.sha256((facts.holder_email.lower() + facts.salt).encode()).hexdigest()
    achievement = {
        "id": facts.achievement_url,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": facts.title,
        "description": facts.description,
        "criteria": {"narrative": facts.criteria},
        "creator": {"id": issuer.id, "type": ["Profile"], "name": issuer.name},
        "humanCode": facts.certification_id,
    }
    if facts.level is not None:
        achievement["tag"] = [f"level {facts.level}"]
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id(facts.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{facts.title}: {facts.holder_name}",
        "issuer": {"id": issuer.id, "type": ["Profile"], "name": issuer.name, "url": issuer.url},
        "validFrom": _timestamp(facts.valid_from),
        "validUntil": _timestamp(facts.valid_until),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": facts.holder_name,
                    "identityType": "name",
                    "hashed": False,
                },
                {
                    "type": "IdentityObject",
                    "identityHash": f"sha256${email_hash}",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": facts.salt,
                },
            ],
            "achievement": achievement,
        },
        # Anyone can follow this to see whether the certificate is valid, expired or revoked.
        "credentialStatus": {
            "id": facts.verify_url,
            "type": "VerificationPage",
        },
    }


def _epoch(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


def sign(unsigned: dict, key: SigningKey, now: datetime | None = None) -> str:
    """Secure the credential as a compact VC-JWT signed with the issuer's key."""
    now = now or datetime.now(UTC)
    claims = {
        **unsigned,
        "iss": unsigned["issuer"]["id"],
        "jti": unsigned["id"],
        "nbf": _epoch(unsigned["validFrom"]),
        "iat": int(now.timestamp()),
    }
    if "validUntil" in unsigned:
        claims["exp"] = _epoch(unsigned["validUntil"])
    # The public key rides along (`jwk`, as Open Badges 3.0 section 8.2 allows); verifiers
    # must still find it under `kid` in the issuer's JWKS, as `decode` does.
    public = {name: key.public_jwk()[name] for name in ("kty", "crv", "x")}
    header = {"alg": ALGORITHM, "kid": key.kid, "typ": JWT_TYPE, "cty": "vc", "jwk": public}
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    from joserfc import jws

    return jws.serialize_compact(header, payload, key.okp(), algorithms=[ALGORITHM])


class BadSignature(Exception):
    """The JWT is malformed, signed by a key not in the JWKS, or its signature fails."""


def decode(token: str, published: KeySet) -> tuple[dict, dict]:
    """Check the JWT's signature against the published keys; return (header, credential).

    The credential is the payload without the JWT's registered claims.
    """
    try:
        header = json.loads(_b64decode(token.split(".")[0]))
    except (ValueError, IndexError) as exc:
        raise BadSignature(f"not a compact JWT ({exc})") from None
    if header.get("alg") != ALGORITHM:
        raise BadSignature(f"algorithm {header.get('alg')!r} is not {ALGORITHM}")
    kid = header.get("kid")
    known = {key.kid for key in published.keys}
    if kid not in known:
        raise BadSignature(f"signed by key {kid!r}, which is not in the issuer's JWKS")
    carried = header.get("jwk")
    if carried is not None:
        listed = next(key for key in published.keys if key.kid == kid).as_dict(private=False)
        if any(carried.get(name) != listed.get(name) for name in ("kty", "crv", "x")):
            raise BadSignature(f"the header's key is not the key {kid!r} the issuer publishes")
    from joserfc import jws
    from joserfc.errors import JoseError

    try:
        signature = jws.deserialize_compact(token, published, algorithms=[ALGORITHM])
    except JoseError as exc:
        raise BadSignature(f"the signature does not match the content ({exc.error})") from None
    except ValueError as exc:
        raise BadSignature(f"the token cannot be read ({exc})") from None
    try:
        claims = json.loads(signature.payload)
    except ValueError:
        raise BadSignature("the payload is not JSON") from None
    return header, {name: value for name, value in claims.items() if name not in REGISTERED_CLAIMS}


def _b64decode(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
