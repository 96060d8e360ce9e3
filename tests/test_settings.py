from __future__ import annotations

import stat

import pytest

from turnout.settings import Settings, SettingsError


def test_defaults_describe_the_embedded_deployment(tmp_path, monkeypatch):
    for name in ("TURNOUT_DATABASE_URL", "TURNOUT_REDIS_URL", "TURNOUT_SECRET_KEY", "TURNOUT_ENV"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'turnout.db'}"
    assert settings.redis_url is None
    assert (settings.host, settings.port, settings.health_interval_s) == ("127.0.0.1", 8000, 60.0)


def test_environment_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("TURNOUT_SECRET_KEY", "newest-key, older-key")
    monkeypatch.setenv("TURNOUT_OUTBOUND_ALLOWLIST", "10.0.0.0/8,llm.internal")
    monkeypatch.setenv("TURNOUT_REDIS_URL", "")
    settings = Settings()
    assert settings.secret_key == ["newest-key", "older-key"]
    assert settings.outbound_allowlist == ["10.0.0.0/8", "llm.internal"]
    assert settings.redis_url is None


def test_development_generates_one_owner_only_secret_and_keeps_it(tmp_path):
    first = Settings(data_dir=tmp_path, secret_key=[]).resolved_secret_keys()
    again = Settings(data_dir=tmp_path, secret_key=[]).resolved_secret_keys()
    assert first == again and len(first[0]) >= 40
    mode = stat.S_IMODE((tmp_path / "secret.key").stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize("keys", [[], ["changeme"], ["short-but-not-default"]])
def test_production_refuses_missing_default_or_short_secrets(tmp_path, keys):
    settings = Settings(env="production", data_dir=tmp_path, secret_key=keys)
    with pytest.raises(SettingsError):
        settings.resolved_secret_keys()
    assert not (tmp_path / "secret.key").exists()


def test_production_accepts_a_strong_secret(tmp_path):
    strong = "x" * 40
    assert Settings(
        env="production", data_dir=tmp_path, secret_key=[strong]
    ).resolved_secret_keys() == [strong]
