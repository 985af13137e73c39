"""Development mode is never mistaken for production: ``serve`` says so, and refuses a network address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_serve_refuses_development_mode_on_a_network_address(cli: Callable[..., Any], monkeypatch: Any) -> None:
    monkeypatch.delenv("SYNCSETTLE_MODE", raising=False)
    result = cli("serve", "--host", "0.0.0.0", "--port", "1")
    assert result.exit_code == 2
    assert "development keys are public" in result.stderr and "开发模式" in result.stderr
