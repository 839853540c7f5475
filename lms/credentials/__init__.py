"""Credentials anyone can check: the public verification page, the PDF certificate, the
signed Open Badges 3.0 credential, and the issuer's signing keys."""
