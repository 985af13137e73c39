"""Keys come from configuration; production mode refuses to run on development keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncsettle.adapters.crypto import sm4_gcm_decrypt, sm4_gcm_encrypt
from syncsettle.adapters.settings import Mode, SettingsError, generate_key_file, load_settings
from syncsettle.entrypoints.cli import _load_commands, app


def test_development_keys_are_stable_and_flagged() -> None:
    a, b = load_settings({}), load_settings({})
    assert a.mode is Mode.DEVELOPMENT
    assert a.keys.sm4("pii") == b.keys.sm4("pii") and len(a.keys.sm4("pii")) == 16
    assert a.keys.public("platform") == b.keys.public("platform")
    assert "sm4.pii" in a.keys.development
    a.require_safe()  # development mode accepts them


def test_production_refuses_development_keys(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="development keys"):
        load_settings({"SYNCSETTLE_MODE": "production"}).require_safe()
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"sm4": {"pii": "00" * 16}}))
    with pytest.raises(SettingsError, match=r"hmac\.blind_index"):
        load_settings({"SYNCSETTLE_MODE": "production", "SYNCSETTLE_KEYS_FILE": str(partial)}).require_safe()


def test_generated_key_file_runs_production(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(generate_key_file()))
    settings = load_settings({"SYNCSETTLE_MODE": "production", "SYNCSETTLE_KEYS_FILE": str(path)})
    settings.require_safe()
    key = settings.keys.sm4("pii")
    assert key != load_settings({}).keys.sm4("pii")
    assert sm4_gcm_decrypt(key, sm4_gcm_encrypt(key, "张三".encode(), b"aad"), b"aad").decode() == "张三"
    signer = settings.keys.signer("platform")
    assert settings.keys.public("platform").verify(signer.sign(b"receipt"), b"receipt")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        (json.dumps({"sm4": {"pii": "abcd"}}), r"sm4\.pii: must be 32 hex digits"),
        (json.dumps({"sm2": {"platform": "PEM?"}}), r"sm2\.platform"),
        (json.dumps({"aes": {}}), "unknown sections"),
    ],
)
def test_bad_key_files_name_the_key(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "keys.json"
    path.write_text(content)
    with pytest.raises(SettingsError, match=message):
        load_settings({"SYNCSETTLE_KEYS_FILE": str(path)})
    with pytest.raises(SettingsError, match="SYNCSETTLE_MODE"):
        load_settings({"SYNCSETTLE_MODE": "prod"})


def test_keys_generate_command_refuses_to_overwrite(tmp_path: Path) -> None:
    _load_commands()
    out = tmp_path / "keys.json"
    first = CliRunner().invoke(app, ["keys", "generate", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert set(json.loads(out.read_text())) == {"sm4", "hmac", "sm2"}
    assert out.stat().st_mode & 0o077 == 0
    again = CliRunner().invoke(app, ["keys", "generate", "--out", str(out)])
    assert again.exit_code == 2
