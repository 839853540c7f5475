"""Certification: requirement kinds, progress, issuing, expiry, renewal and revocation."""
