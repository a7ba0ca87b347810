"""Configuration read from environment variables.

Every setting has a ``FEEDBACK_`` environment variable. ``Config`` is the development default,
``ProductionConfig`` refuses weak secrets and sets secure cookies, ``TestConfig`` is for pytest.
Instances are built explicitly (``Config.from_env()``) so nothing is read at import time.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

#: Secrets that appear in tutorials and must never run in production.
WEAK_SECRETS = frozenset({"", "dev", "secret", "changeme", "change-me", "development", "test"})
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The environment does not describe a configuration that may run."""


#: The setting for logging the requests of respondents and reporters (see feedback.logs), and
#: what it may be: "off" (the default) or "masked".
PUBLIC_REQUESTS_SETTING = "FEEDBACK_LOG_PUBLIC_REQUESTS"
PUBLIC_REQUEST_MODES = ("off", "masked")


def public_requests_mode(environ: Mapping[str, str]) -> str:
    """How public requests are logged: "off" or "masked" (FEEDBACK_LOG_PUBLIC_REQUESTS)."""
    mode = environ.get(PUBLIC_REQUESTS_SETTING, "off").strip().lower() or "off"
    if mode not in PUBLIC_REQUEST_MODES:
        raise ConfigError(f"{PUBLIC_REQUESTS_SETTING} must be off or masked, got {mode!r}")
    return mode


def _int(environ: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Development configuration; subclasses tighten it."""

    ENV_NAME = "development"
    DEBUG = False
    TESTING = False

    def __init__(self, environ: Mapping[str, str] | None = None, **overrides: Any) -> None:
        env = os.environ if environ is None else environ
        #: None means "an SQLite file in the instance folder", resolved by the app factory.
        url = env.get("FEEDBACK_DATABASE_URL") or None
        self.SQLALCHEMY_DATABASE_URI: str | None = normalise_database_url(url) if url else None
        #: For a server database, pooled connections are tested before use (pool_pre_ping,
        #: set in finalise): one lost while idle is replaced rather than failing a request.
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
        self.SECRET_KEY: str | None = env.get("FEEDBACK_SECRET_KEY") or None
        #: Earlier secret keys, comma-separated, still accepted for reading (sessions, and the
        #: stored TOTP keys) after FEEDBACK_SECRET_KEY was changed.
        self.SECRET_KEY_FALLBACKS: list[str] = [
            key.strip()
            for key in env.get("FEEDBACK_SECRET_KEY_FALLBACKS", "").split(",")
            if key.strip()
        ]

        self.BABEL_DEFAULT_LOCALE = "nb"
        self.BABEL_DEFAULT_TIMEZONE = env.get("FEEDBACK_TIMEZONE", "Europe/Oslo")
        self.BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent.parent / "translations")

        self.MAX_CONTENT_LENGTH = _int(env, "FEEDBACK_MAX_CONTENT_LENGTH", 1024 * 1024, 1024)
        self.IDLE_TIMEOUT = timedelta(minutes=_int(env, "FEEDBACK_IDLE_TIMEOUT_MINUTES", 30, 1))
        #: A signed-in session ends after this long even when in use.
        self.PERMANENT_SESSION_LIFETIME = timedelta(
            hours=_int(env, "FEEDBACK_SESSION_MAX_HOURS", 12, 1)
        )
        self.SESSION_COOKIE_NAME = "brukerstemmen"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool(env, "FEEDBACK_SECURE_COOKIES", False)
        self.REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
        self.WTF_CSRF_TIME_LIMIT = _int(env, "FEEDBACK_CSRF_TIME_LIMIT_SECONDS", 8 * 3600, 60)

        #: Where login and code attempt counters live: memory:// or redis://host:port/db.
        self.RATELIMIT_STORAGE_URI = env.get("FEEDBACK_RATELIMIT_STORAGE_URL", "memory://")
        self.RATELIMIT_KEY_PREFIX = env.get("FEEDBACK_RATELIMIT_PREFIX", "brukerstemmen")
        self.RATELIMIT_HEADERS_ENABLED = False
        #: Failed logins allowed per account and window (limits notation).
        self.LOGIN_ATTEMPT_LIMIT = env.get("FEEDBACK_LOGIN_ATTEMPT_LIMIT", "5 per 15 minutes")
        #: Per-process counters (memory://) are refused in production unless this says that
        #: only one server process runs.
        self.RATELIMIT_ALLOW_MEMORY = _bool(env, "FEEDBACK_RATELIMIT_ALLOW_MEMORY", False)
        #: Wrong deviation receipt codes allowed per code prefix (first two characters) and
        #: window; never per client. docs/security-limits.md has the numbers.
        self.RECEIPT_PREFIX_LIMIT = env.get("FEEDBACK_RECEIPT_PREFIX_LIMIT", "300 per 10 minutes")
        #: Wrong access codes allowed per code prefix and window (the codes are shorter).
        self.ACCESS_CODE_PREFIX_LIMIT = env.get(
            "FEEDBACK_ACCESS_CODE_PREFIX_LIMIT", "5 per hour; 20 per day"
        )
        if env.get("FEEDBACK_RECEIPT_ATTEMPT_LIMIT"):
            raise ConfigError(
                "FEEDBACK_RECEIPT_ATTEMPT_LIMIT (one counter for the whole app) is replaced by "
                "FEEDBACK_RECEIPT_PREFIX_LIMIT (a counter per code prefix); see "
                "docs/security-limits.md"
            )
        #: Self-service "forgotten password" mails per e-mail address.
        self.PASSWORD_LINK_LIMIT = env.get("FEEDBACK_PASSWORD_LINK_LIMIT", "3 per hour")
        #: Wrong second-factor codes (and passwords asked again there) per account and window.
        self.SECOND_FACTOR_ATTEMPT_LIMIT = env.get(
            "FEEDBACK_SECOND_FACTOR_ATTEMPT_LIMIT", "5 per 15 minutes"
        )
        #: A new deviation case gets a deadline this many days after it came in.
        self.DEVIATION_DEADLINE_DAYS = _int(env, "FEEDBACK_DEVIATION_DEADLINE_DAYS", 14, 1)
        #: Closed deviation cases are anonymised (or deleted) this many days after closing.
        self.DEVIATION_RETENTION_DAYS = _int(env, "FEEDBACK_DEVIATION_RETENTION_DAYS", 365, 1)
        #: "anonymise" keeps the numbers for statistics; "delete" removes the whole case.
        self.DEVIATION_RETENTION_ACTION = env.get(
            "FEEDBACK_DEVIATION_RETENTION_ACTION", "anonymise"
        )
        if self.DEVIATION_RETENTION_ACTION not in ("anonymise", "delete"):
            raise ConfigError(
                "FEEDBACK_DEVIATION_RETENTION_ACTION must be anonymise or delete, got "
                f"{self.DEVIATION_RETENTION_ACTION!r}"
            )
        #: Requests of respondents and reporters: "off" (not logged, the default) or "masked"
        #: (logged as "POST /s/*"); see feedback.logs.
        self.LOG_PUBLIC_REQUESTS = public_requests_mode(env)
        #: ``flask schedule`` (run hourly) rewrites every anonymous table whole once a day, at its
        #: first run from this hour on (Norwegian time, 0-23); the other runs rewrite only the
        #: rows of the current date. See feedback/maintenance.py.
        self.REORDER_HOUR = _int(env, "FEEDBACK_REORDER_HOUR", 2, 0)
        if self.REORDER_HOUR > 23:
            raise ConfigError(f"FEEDBACK_REORDER_HOUR must be 0-23, got {self.REORDER_HOUR}")

        #: werkzeug password hash method; scrypt with werkzeug's strong defaults.
        self.PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
        self.PREFERRED_URL_SCHEME = "https" if self.SESSION_COOKIE_SECURE else "http"
        #: Send HSTS; only meaningful behind HTTPS.
        self.HSTS = False

        #: SMTP server for e-mail notifications; empty means no mail is sent.
        self.MAIL_SERVER = env.get("FEEDBACK_MAIL_SERVER", "").strip()
        #: SMTP port (25 plain, 587 usually with STARTTLS, 465 usually with SSL).
        self.MAIL_PORT = _int(env, "FEEDBACK_MAIL_PORT", 25, 1)
        #: Upgrade the plain SMTP connection with STARTTLS (certificate verified).
        self.MAIL_STARTTLS = _bool(env, "FEEDBACK_MAIL_STARTTLS", False)
        #: Speak SMTP over TLS from the start (SMTPS, usually port 465).
        self.MAIL_SSL = _bool(env, "FEEDBACK_MAIL_SSL", False)
        #: SMTP login; no login is attempted when the username is empty.
        self.MAIL_USERNAME = env.get("FEEDBACK_MAIL_USERNAME", "")
        self.MAIL_PASSWORD = env.get("FEEDBACK_MAIL_PASSWORD", "")
        #: Sender address of notifications.
        self.MAIL_FROM = env.get("FEEDBACK_MAIL_FROM") or "brukerstemmen@localhost"
        #: Seconds to wait for the SMTP server before giving up.
        self.MAIL_TIMEOUT = _int(env, "FEEDBACK_MAIL_TIMEOUT", 10, 1)
        #: Address links in e-mails start with, without a trailing slash.
        self.PUBLIC_URL = (env.get("FEEDBACK_PUBLIC_URL") or "http://localhost:5000").rstrip("/")
        #: Seconds to wait for an OpenID Connect provider (discovery, keys, token) before giving up.
        self.OIDC_HTTP_TIMEOUT = _int(env, "FEEDBACK_OIDC_HTTP_TIMEOUT", 10, 1)
        #: Clock difference allowed between this server and a provider when checking ID tokens.
        self.OIDC_CLOCK_SKEW_SECONDS = _int(env, "FEEDBACK_OIDC_CLOCK_SKEW_SECONDS", 60, 0)
        #: A token signed with a key the app has not seen fetches the provider's keys again, at
        #: most this often (a flood of made-up key ids cannot make it hammer the provider).
        self.OIDC_JWKS_MIN_REFRESH_SECONDS = 10
        #: Plain HTTP to a provider on this machine (127.0.0.1, localhost); only the tests' own
        #: provider needs it. Everything else must be HTTPS.
        self.OIDC_ALLOW_HTTP_LOOPBACK = False
        for key, value in overrides.items():
            setattr(self, key, value)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Pick the configuration class named by FEEDBACK_ENV and build it."""
        env = os.environ if environ is None else environ
        name = env.get("FEEDBACK_ENV", "development").lower()
        classes: dict[str, type[Config]] = {
            "development": Config,
            "production": ProductionConfig,
        }
        if name not in classes:
            raise ConfigError(f"FEEDBACK_ENV must be development or production, got {name!r}")
        return classes[name](env)

    def finalise(self, instance_path: str) -> None:
        """Fill the settings that depend on the instance folder."""
        if self.SQLALCHEMY_DATABASE_URI is None:
            path = Path(instance_path) / "feedback.sqlite3"
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
        if not self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            self.SQLALCHEMY_ENGINE_OPTIONS = {
                "pool_pre_ping": True,
                **self.SQLALCHEMY_ENGINE_OPTIONS,
            }
        if self.SECRET_KEY is None:
            self.SECRET_KEY = _instance_secret(Path(instance_path))


def _instance_secret(instance: Path) -> str:
    """A development secret kept in the instance folder so restarts keep people signed in."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


class ProductionConfig(Config):
    ENV_NAME = "production"

    def __init__(self, environ: Mapping[str, str] | None = None, **overrides: Any) -> None:
        env = os.environ if environ is None else environ
        super().__init__(env, **overrides)
        secret = self.SECRET_KEY or ""
        if secret.lower() in WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH:
            raise ConfigError(
                "FEEDBACK_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.RATELIMIT_STORAGE_URI.startswith("memory://") and not self.RATELIMIT_ALLOW_MEMORY:
            raise ConfigError(
                "FEEDBACK_RATELIMIT_STORAGE_URL is memory://, so each server process would count "
                "attempts alone (2 workers: twice the limits). Set it to a Redis URL "
                "(redis://host:6379/0), or set FEEDBACK_RATELIMIT_ALLOW_MEMORY=true if only "
                "one server process runs"
            )
        self.SESSION_COOKIE_SECURE = _bool(env, "FEEDBACK_SECURE_COOKIES", True)
        self.PREFERRED_URL_SCHEME = "https" if self.SESSION_COOKIE_SECURE else "http"
        self.HSTS = self.SESSION_COOKIE_SECURE
        if self.SESSION_COOKIE_SECURE:
            # __Host-: the browser takes the cookie only from this host over HTTPS, for path /
            # and without a Domain, so another site under the same domain cannot set or shadow
            # it (ASVS 5.0 3.3.1). The device cookie follows the same rule (auth.devices).
            self.SESSION_COOKIE_NAME = "__Host-brukerstemmen"


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True

    def __init__(self, database_url: str, **overrides: Any) -> None:
        super().__init__({}, **overrides)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(database_url)
        self.SECRET_KEY = overrides.get("SECRET_KEY", "test-secret-" + "x" * 40)
        # Cheap hashes keep the suite fast; production uses werkzeug's strong scrypt defaults.
        self.PASSWORD_HASH_METHOD = overrides.get("PASSWORD_HASH_METHOD", "scrypt:1024:8:1")
        self.WTF_CSRF_ENABLED = overrides.get("WTF_CSRF_ENABLED", True)
        # The tests' OpenID provider listens on plain HTTP on 127.0.0.1.
        self.OIDC_ALLOW_HTTP_LOOPBACK = overrides.get("OIDC_ALLOW_HTTP_LOOPBACK", True)
