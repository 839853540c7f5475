"""The issuer's signing keys: Ed25519 JWKs kept as files under `instance/keys/`.

One file per key, `<kid>.json`, holding the key id, when it was made and the JWK. The
newest key that still has its private half signs; making a new key (`credentials keygen`)
drops the private half of the older ones, whose public halves stay in the published JWKS
so that credentials they signed keep verifying, until `credentials retire-key KID`
removes them. No Flask here: the folder is passed in.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # joserfc (with cryptography, 10 MB) is loaded when a credential is signed
    from joserfc.jwk import KeySet, OKPKey

ALGORITHM = "Ed25519"  # RFC 9864 (fully specified; "EdDSA" is its deprecated alias)
KEYGEN_COMMAND = "flask --app lms credentials keygen"


class KeyProblem(Exception):
    """A key operation cannot be done; the message says why and what to run."""


@dataclass(frozen=True)
class SigningKey:
    """One key of the issuer: its id, when it was made, and the JWK (private or public)."""

    kid: str
    created: datetime
    jwk: dict

    @property
    def private(self) -> bool:
        """True when this file still holds the private half (the current signing key)."""
        return "d" in self.jwk

    def okp(self) -> OKPKey:
        """The key as joserfc's object."""
        from joserfc.jwk import OKPKey

        return OKPKey.import_key(self.jwk, {"kid": self.kid, "alg": ALGORITHM, "use": "sig"})

    def public_jwk(self) -> dict:
        """The public half as published in the JWKS."""
        public = {name: value for name, value in self.jwk.items() if name != "d"}
        return {**public, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


def load_keys(folder: Path) -> list[SigningKey]:
    """Every key in the folder, oldest first (a missing folder holds none)."""
    keys = []
    if not folder.is_dir():
        return keys
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        keys.append(SigningKey(data["kid"], datetime.fromisoformat(data["created"]), data["jwk"]))
    return sorted(keys, key=lambda key: (key.created, key.kid))


def signing_key(folder: Path) -> SigningKey | None:
    """The key that signs from now on: the newest with its private half, or None."""
    private = [key for key in load_keys(folder) if key.private]
    return private[-1] if private else None


def jwks(folder: Path) -> dict:
    """The public JWKS: every key not yet retired, newest first."""
    return {"keys": [key.public_jwk() for key in reversed(load_keys(folder))]}


def key_set(folder: Path) -> KeySet:
    """The published keys as a joserfc KeySet, for verifying."""
    from joserfc.jwk import KeySet

    return KeySet.import_key_set(jwks(folder))


def generate(folder: Path, now: datetime | None = None) -> SigningKey:
    """Make a new Ed25519 key that signs from now on; older keys keep only their public half."""
    now = now or datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    for older in load_keys(folder):
        if older.private:
            public = {name: value for name, value in older.jwk.items() if name != "d"}
            _write(folder, SigningKey(older.kid, older.created, public))
    from joserfc.jwk import OKPKey

    okp = OKPKey.generate_key("Ed25519", private=True)
    kid = f"{now:%Y%m%d}-{okp.thumbprint()[:16]}"
    key = SigningKey(kid, now, okp.as_dict(private=True))
    _write(folder, key)
    return key


def retire(folder: Path, kid: str) -> SigningKey:
    """Remove an old key from the JWKS: what it signed no longer verifies."""
    keys = {key.kid: key for key in load_keys(folder)}
    if kid not in keys:
        known = ", ".join(keys) or "none"
        raise KeyProblem(f"No key {kid!r} (keys: {known}).")
    if keys[kid].private:
        raise KeyProblem(
            f"{kid} is the key that signs now: run `{KEYGEN_COMMAND}` first, then retire it."
        )
    (folder / f"{kid}.json").unlink()
    return keys[kid]


def _write(folder: Path, key: SigningKey) -> None:
    path = folder / f"{key.kid}.json"
    data = {"kid": key.kid, "created": key.created.isoformat(), "jwk": key.jwk}
    # Owner-only from the first byte: the private half must never be readable by others.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
