"""Run-time settings: the mode and the keys, read from configuration when the platform is wired
(never at import time).

- ``SYNCSETTLE_MODE``: ``development`` (default) or ``production``.
- ``SYNCSETTLE_MAX_BODY_BYTES``: the largest request body the HTTP edge accepts (default 1 MiB;
  an envelope is a few kB, a 1,000-line fee upload some 400 kB).
- ``SYNCSETTLE_MAX_FEE_LINES``: the most fee lines one 2204/2301 upload may carry (default 1,000).
- ``SYNCSETTLE_AUDIT_WITNESS``: a file (on storage the database's administrators cannot rewrite)
  that every signed audit checkpoint is also appended to; ``audit verify`` checks the log against it.
- ``SYNCSETTLE_PUBLIC_BASE_URL``: the address people reach the platform at from outside (e.g.
  ``https://settle.example.cn``), which a slip's QR code points to; unset, the address a request came
  in on (fine on a laptop, useless for a phone when that is ``127.0.0.1``).
- ``SYNCSETTLE_KEYS_FILE``: a JSON key file as ``syncsettle keys generate`` writes it::

    {"sm4":  {"pii": "<32 hex>", "channel": "<32 hex>"},
     "hmac": {"blind_index": "<64 hex>", "session": "<64 hex>"},
     "sm2":  {"platform": "<PEM PKCS#8>", "commercial_platform": "<PEM PKCS#8>"}}

A key the file does not name falls back to a *development key* derived from its name with SM3:
public knowledge, fine for a laptop and the tests, never for real data. In production mode the
platform refuses to start while any key it uses is a development key (:meth:`Settings.require_safe`).

Well-known key names: ``sm4.pii`` (names and certificate numbers at rest), ``hmac.blind_index``
(look-up of encrypted identifiers), ``sm2.platform`` (the medical-insurance side's signatures:
consent receipts, audit checkpoints, slips), ``sm2.commercial_platform`` and ``sm4.channel`` (the
dual-platform channel), ``hmac.session`` (console sessions).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from syncsettle.adapters.crypto.sm2 import SM2_ORDER, Sm2PrivateKey, Sm2PublicKey
from syncsettle.adapters.crypto.sm3 import sm3

SM4_NAMES = ("pii", "channel")
HMAC_NAMES = ("blind_index", "session")
SM2_NAMES = ("platform", "commercial_platform")
_DEV_LABEL = b"syncsettle development key (public, never for real data):"


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SettingsError(ValueError):
    """Configuration that cannot be used; the message names the setting and why."""


def _dev_bytes(kind: str, name: str, size: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < size:
        out += sm3(_DEV_LABEL + f"{kind}:{name}:{counter}".encode())
        counter += 1
    return out[:size]


def _dev_signer(name: str) -> Sm2PrivateKey:
    scalar = int.from_bytes(_dev_bytes("sm2", name, 32), "big") % (SM2_ORDER - 1) + 1
    return Sm2PrivateKey.from_scalar(scalar)


@dataclass
class KeyRing:
    """Named keys. Symmetric keys are ``bytes``; SM2 keys are key objects. ``development`` lists the
    names that fell back to a development key."""

    sm4_keys: dict[str, bytes] = field(default_factory=dict)
    hmac_keys: dict[str, bytes] = field(default_factory=dict)
    sm2_keys: dict[str, Sm2PrivateKey] = field(default_factory=dict)
    development: set[str] = field(default_factory=set)

    def sm4(self, name: str) -> bytes:
        if name not in self.sm4_keys:
            self.sm4_keys[name] = _dev_bytes("sm4", name, 16)
            self.development.add(f"sm4.{name}")
        return self.sm4_keys[name]

    def hmac(self, name: str) -> bytes:
        if name not in self.hmac_keys:
            self.hmac_keys[name] = _dev_bytes("hmac", name, 32)
            self.development.add(f"hmac.{name}")
        return self.hmac_keys[name]

    def signer(self, name: str) -> Sm2PrivateKey:
        if name not in self.sm2_keys:
            self.sm2_keys[name] = _dev_signer(name)
            self.development.add(f"sm2.{name}")
        return self.sm2_keys[name]

    def public(self, name: str) -> Sm2PublicKey:
        return self.signer(name).public_key()

    def touch_all(self) -> None:
        """Resolve every well-known key now, so :attr:`development` is complete."""
        for name in SM4_NAMES:
            self.sm4(name)
        for name in HMAC_NAMES:
            self.hmac(name)
        for name in SM2_NAMES:
            self.signer(name)


DEFAULT_MAX_BODY_BYTES = 1 << 20
DEFAULT_MAX_FEE_LINES = 1000


@dataclass
class Settings:
    mode: Mode = Mode.DEVELOPMENT
    keys: KeyRing = field(default_factory=KeyRing)
    source: str = "built-in development keys"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # bytes of one HTTP request body
    max_fee_lines: int = DEFAULT_MAX_FEE_LINES  # fee lines of one 2204/2301 upload
    # SYNCSETTLE_AUDIT_WITNESS: a file every signed audit checkpoint is also appended to, outside the
    # database it protects (adapters/audit_witness.py); None: checkpoints live in the database only
    audit_witness: str | None = None
    # SYNCSETTLE_PUBLIC_BASE_URL: the platform's public address (no trailing slash) for QR codes on slips
    public_base_url: str | None = None
    # SYNCSETTLE_NATS_URL: the NATS JetStream server the outbox is published to; None: events stay
    # in the outbox (the embedded default needs no broker)
    nats_url: str | None = None

    def require_safe(self) -> None:
        """Refuse production mode with any development key (called before serving or running jobs)."""
        if self.mode is not Mode.PRODUCTION:
            return
        self.keys.touch_all()
        if self.keys.development:
            raise SettingsError(
                f"production mode refuses development keys {sorted(self.keys.development)}: "
                "set SYNCSETTLE_KEYS_FILE to a key file made by `syncsettle keys generate`"
            )


def _hex_key(section: str, name: str, value: Any, size: int) -> bytes:
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise SettingsError(f"{section}.{name}: must be {2 * size} hex digits")
    return raw


def parse_key_file(data: Any, source: str) -> KeyRing:
    if not isinstance(data, dict):
        raise SettingsError(f"{source}: a key file is a JSON object")
    unknown = set(data) - {"sm4", "hmac", "sm2"}
    if unknown:
        raise SettingsError(f"{source}: unknown sections {sorted(unknown)}")
    ring = KeyRing()
    for name, value in (data.get("sm4") or {}).items():
        ring.sm4_keys[name] = _hex_key("sm4", name, value, 16)
    for name, value in (data.get("hmac") or {}).items():
        ring.hmac_keys[name] = _hex_key("hmac", name, value, 32)
    for name, value in (data.get("sm2") or {}).items():
        if not isinstance(value, str):
            raise SettingsError(f"sm2.{name}: must be a PEM private key")
        try:
            ring.sm2_keys[name] = Sm2PrivateKey.from_pem(value.encode())
        except ValueError as exc:
            raise SettingsError(f"sm2.{name}: {exc}") from None
    return ring


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name}: must be a positive whole number, got {raw!r}")
    return int(raw)


def _base_url(value: str) -> str | None:
    """An absolute http(s) address without its trailing slash, or ``None`` when unset."""
    value = value.strip().rstrip("/")
    if not value:
        return None
    if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
        raise SettingsError(f"SYNCSETTLE_PUBLIC_BASE_URL: must be an http(s) address like https://host, got {value!r}")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment (``os.environ`` unless given)."""
    env = os.environ if env is None else env
    body = _positive(env, "SYNCSETTLE_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
    lines = _positive(env, "SYNCSETTLE_MAX_FEE_LINES", DEFAULT_MAX_FEE_LINES)
    raw_mode = env.get("SYNCSETTLE_MODE", Mode.DEVELOPMENT.value)
    try:
        mode = Mode(raw_mode)
    except ValueError:
        raise SettingsError(f"SYNCSETTLE_MODE: must be development or production, got {raw_mode!r}") from None
    witness = env.get("SYNCSETTLE_AUDIT_WITNESS") or None
    public = _base_url(env.get("SYNCSETTLE_PUBLIC_BASE_URL", ""))
    nats = env.get("SYNCSETTLE_NATS_URL") or None
    path = env.get("SYNCSETTLE_KEYS_FILE")
    if not path:
        return Settings(mode=mode, max_body_bytes=body, max_fee_lines=lines, audit_witness=witness,
                        public_base_url=public, nats_url=nats)  # fmt: skip
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"SYNCSETTLE_KEYS_FILE {path}: cannot be read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise SettingsError(f"SYNCSETTLE_KEYS_FILE {path}: not JSON ({exc})") from None
    return Settings(mode=mode, keys=parse_key_file(data, path), source=path, max_body_bytes=body, max_fee_lines=lines,
                    audit_witness=witness, public_base_url=public, nats_url=nats)  # fmt: skip


def generate_key_file() -> dict[str, dict[str, str]]:
    """A complete key file of fresh random keys (SM2 from Tongsuo's CSPRNG)."""
    return {
        "sm4": {name: secrets.token_hex(16) for name in SM4_NAMES},
        "hmac": {name: secrets.token_hex(32) for name in HMAC_NAMES},
        "sm2": {name: Sm2PrivateKey.generate().to_pem().decode() for name in SM2_NAMES},
    }
