"""Hospital credentials: a random secret issued once by ``syncsettle hospital add``; only its SHA-256
is stored. Requests carry it as ``Authorization: Bearer <secret>``."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def issue_secret() -> tuple[str, str]:
    """(secret to hand to the hospital, hash to store)."""
    secret = secrets.token_urlsafe(24)
    return secret, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
