"""Settings of the commercial legs, read from the environment when the platform is wired.

- ``SYNCSETTLE_COMMERCIAL_URL``: the commercial-platform service (``syncsettle serve --role
  commercial``); unset = the embedded default, the commercial side in this process.
- ``SYNCSETTLE_COMMERCIAL_BUDGET_MS``: how long one settlement may wait for the commercial side
  (all its remote legs together) before those legs become pending claims; default 300.
- ``SYNCSETTLE_CLAIMS_RETRY_S``: how often the server retries pending claims (0 = never); default 5.
- ``SYNCSETTLE_CLAIMS_BACKOFF_MAX_S``: the longest wait between two attempts at one claim; default 300.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from syncsettle.adapters.settings import SettingsError


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}: must be a number, got {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{name}: must not be negative")
    return value


@dataclass(frozen=True)
class CommercialConfig:
    url: str | None = None
    budget_s: float = 0.3
    retry_s: float = 5.0
    backoff_max_s: float = 300.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CommercialConfig:
        env = os.environ if env is None else env
        return cls(
            url=env.get("SYNCSETTLE_COMMERCIAL_URL") or None,
            budget_s=_number(env, "SYNCSETTLE_COMMERCIAL_BUDGET_MS", 300) / 1000,
            retry_s=_number(env, "SYNCSETTLE_CLAIMS_RETRY_S", 5),
            backoff_max_s=_number(env, "SYNCSETTLE_CLAIMS_BACKOFF_MAX_S", 300),
        )
