from __future__ import annotations

from pathlib import Path

import pytest

from feedback import create_app
from feedback.config import Config, ConfigError, ProductionConfig, normalise_database_url

STRONG = "k" * 20 + "Q9x!" * 5


def test_production_refuses_missing_secret() -> None:
    with pytest.raises(ConfigError, match="FEEDBACK_SECRET_KEY"):
        Config.from_env({"FEEDBACK_ENV": "production"})


@pytest.mark.parametrize("secret", ["dev", "changeme", "short-but-random-81"])
def test_production_refuses_weak_secret(secret: str) -> None:
    with pytest.raises(ConfigError):
        ProductionConfig({"FEEDBACK_SECRET_KEY": secret})


REDIS = {"FEEDBACK_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0"}


def test_production_with_strong_secret_uses_secure_cookies() -> None:
    config = Config.from_env({"FEEDBACK_ENV": "production", "FEEDBACK_SECRET_KEY": STRONG, **REDIS})
    assert isinstance(config, ProductionConfig)
    assert config.SESSION_COOKIE_SECURE is True
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax"
    assert config.HSTS is True


def test_production_app_refuses_to_start_without_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBACK_ENV", "production")
    monkeypatch.delenv("FEEDBACK_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()


def test_unknown_environment_name_is_an_error() -> None:
    with pytest.raises(ConfigError, match="FEEDBACK_ENV"):
        Config.from_env({"FEEDBACK_ENV": "staging"})


def test_settings_come_from_environment() -> None:
    config = Config.from_env(
        {
            "FEEDBACK_DATABASE_URL": "postgresql://u@db:5432/feedback",
            "FEEDBACK_SECRET_KEY": STRONG,
            "FEEDBACK_IDLE_TIMEOUT_MINUTES": "15",
            "FEEDBACK_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/2",
            "FEEDBACK_LOGIN_ATTEMPT_LIMIT": "3 per 10 minutes",
        }
    )
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db:5432/feedback"
    assert config.SECRET_KEY == STRONG
    assert config.IDLE_TIMEOUT.total_seconds() == 15 * 60
    assert config.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/2"
    assert config.LOGIN_ATTEMPT_LIMIT == "3 per 10 minutes"


def test_bad_number_in_environment_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="FEEDBACK_IDLE_TIMEOUT_MINUTES"):
        Config({"FEEDBACK_IDLE_TIMEOUT_MINUTES": "soon"})


def test_default_database_is_sqlite_in_instance_folder(tmp_path: Path) -> None:
    config = Config({})
    config.finalise(str(tmp_path))
    assert f"sqlite:///{tmp_path / 'feedback.sqlite3'}" == config.SQLALCHEMY_DATABASE_URI
    # The development secret is random, kept in the instance folder, and stable.
    assert config.SECRET_KEY and len(config.SECRET_KEY) >= 32
    again = Config({})
    again.finalise(str(tmp_path))
    assert again.SECRET_KEY == config.SECRET_KEY
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql+psycopg://a@h/d", "postgresql+psycopg://a@h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_uses_psycopg3(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_production_refuses_per_process_attempt_counters() -> None:
    """memory:// counts in each gunicorn worker alone: 2 workers, twice every limit."""
    with pytest.raises(ConfigError, match="FEEDBACK_RATELIMIT_STORAGE_URL"):
        Config.from_env({"FEEDBACK_ENV": "production", "FEEDBACK_SECRET_KEY": STRONG})
    with pytest.raises(ConfigError, match="FEEDBACK_RATELIMIT_ALLOW_MEMORY"):
        ProductionConfig(
            {"FEEDBACK_SECRET_KEY": STRONG, "FEEDBACK_RATELIMIT_STORAGE_URL": "memory://"}
        )


def test_production_refuses_to_start_with_memory_counters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FEEDBACK_ENV", "production")
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", STRONG)
    monkeypatch.delenv("FEEDBACK_RATELIMIT_STORAGE_URL", raising=False)
    monkeypatch.delenv("FEEDBACK_RATELIMIT_ALLOW_MEMORY", raising=False)
    with pytest.raises(ConfigError, match="memory://"):
        create_app()


def test_production_takes_memory_counters_when_told_one_process_runs() -> None:
    config = ProductionConfig(
        {"FEEDBACK_SECRET_KEY": STRONG, "FEEDBACK_RATELIMIT_ALLOW_MEMORY": "true"}
    )
    assert config.RATELIMIT_STORAGE_URI == "memory://"
    assert ProductionConfig({"FEEDBACK_SECRET_KEY": STRONG, **REDIS}).RATELIMIT_STORAGE_URI == (
        "redis://127.0.0.1:6379/0"
    )


def test_development_keeps_memory_counters() -> None:
    assert Config({}).RATELIMIT_STORAGE_URI == "memory://"


def test_the_old_whole_app_receipt_limit_is_refused_with_its_new_name() -> None:
    with pytest.raises(ConfigError, match="FEEDBACK_RECEIPT_PREFIX_LIMIT"):
        Config({"FEEDBACK_RECEIPT_ATTEMPT_LIMIT": "300 per 10 minutes"})
