"""Configuration: defaults for development, overridden by the environment or tests."""

import os
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-insecure-key"


class ConfigError(SystemExit):
    """The app cannot start with this configuration; exits with the reason, no traceback."""


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from environment variables."""
    env = os.environ
    production = env.get("LMS_ENV", "development") == "production"
    database_url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'lms.sqlite'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "ENV_NAME": "production" if production else "development",
        "SECRET_KEY": env.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LMS_CONTENT_DIR": env.get("LMS_CONTENT_DIR", str(REPO_ROOT)),
        "LMS_CONTENT_RELOAD": env.get("LMS_CONTENT_RELOAD", "0" if production else "1") == "1",
        "LMS_TIMEZONE": env.get("LMS_TIMEZONE", "UTC"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute"),
        "LOGIN_LIMIT_PER_ADDRESS": env.get("LOGIN_LIMIT_PER_ADDRESS", "20 per minute"),
        "UPLOAD_MAX_FILE_MB": float(env.get("UPLOAD_MAX_FILE_MB", "10")),
        "UPLOAD_MAX_SUBMISSION_MB": float(env.get("UPLOAD_MAX_SUBMISSION_MB", "25")),
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER") or str(Path(instance_path) / "uploads"),
        "PROXY_FIX_X_FOR": _int(env, "PROXY_FIX_X_FOR", 0),
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int(env, "REMEMBER_COOKIE_DAYS", 30)),
        "LMS_BASE_URL": env.get("LMS_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "1") == "1",
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "DWCP Training <training@localhost>"),
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "10")),
        "PASSWORD_RESET_HOURS": float(env.get("PASSWORD_RESET_HOURS", "2")),
        "INVITATION_DAYS": float(env.get("INVITATION_DAYS", "7")),
        "RESET_LIMIT_PER_ACCOUNT": env.get("RESET_LIMIT_PER_ACCOUNT", "3 per hour"),
        "RESET_LIMIT_PER_ADDRESS": env.get("RESET_LIMIT_PER_ADDRESS", "20 per hour"),
        "LMS_ORGANISATION": env.get("LMS_ORGANISATION", "DWCP Training"),
        "LMS_ORGANISATION_URL": env.get("LMS_ORGANISATION_URL", ""),
        "LMS_KEYS_DIR": env.get("LMS_KEYS_DIR") or str(Path(instance_path) / "keys"),
        # rendered Markdown by source hash, read by the next process instead of rendering; "" off
        "LMS_MARKDOWN_CACHE": env.get("LMS_MARKDOWN_CACHE", str(Path(instance_path) / "markdown")),
        "LMS_CERTIFICATE_PAPER": env.get("LMS_CERTIFICATE_PAPER", "A4"),
        "VERIFY_RATE_LIMIT": env.get("VERIFY_RATE_LIMIT", "30 per minute"),
        "VERIFY_MAX_AGE": int(env.get("VERIFY_MAX_AGE", "300")),
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "120 per minute"),
        "XAPI_LRS_URL": env.get("XAPI_LRS_URL", "").rstrip("/"),
        "XAPI_LRS_USERNAME": env.get("XAPI_LRS_USERNAME", ""),
        "XAPI_LRS_PASSWORD": env.get("XAPI_LRS_PASSWORD", ""),
        "XAPI_ACCOUNT_HOMEPAGE": env.get("XAPI_ACCOUNT_HOMEPAGE", ""),
        "XAPI_BATCH_SIZE": _int(env, "XAPI_BATCH_SIZE", 100),
        "XAPI_TIMEOUT": float(env.get("XAPI_TIMEOUT", "10")),
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
    }


def _int(env, name: str, default: int) -> int:
    """Read a non-negative whole number from the environment, or stop with a clear message."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number of zero or more, not {raw!r}.")
    return int(raw)


BASE = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "BOOTSTRAP_SERVE_LOCAL": True,
    "WTF_CSRF_TIME_LIMIT": None,
    "RATELIMIT_HEADERS_ENABLED": True,
}


FORM_OVERHEAD_BYTES = 1024 * 1024  # room for the text fields beside the files


def upload_limits(config: dict) -> None:
    """Let a request carry a whole submission's files (plus its text) and no more."""
    total = config.get("UPLOAD_MAX_SUBMISSION_MB", 25) * 1024 * 1024
    config["MAX_CONTENT_LENGTH"] = int(total) + FORM_OVERHEAD_BYTES


def check_production(config: dict) -> None:
    """Refuse to start in production with a missing, default or weak secret key."""
    if config.get("ENV_NAME") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    # A random key of 32+ characters uses many different ones; "x" * 64 does not.
    if key == DEFAULT_SECRET_KEY or len(key) < 32 or len(set(key)) < 8:
        raise ConfigError(
            "Refusing to start in production: set SECRET_KEY to a random value of at least "
            "32 characters (python -c 'import secrets; print(secrets.token_hex(32))')."
        )


def check_environment() -> None:
    """Check the configuration the environment gives, as create_app would (for gunicorn's
    master and `make serve`, so a bad setting stops the server instead of every worker)."""
    check_production(from_environment(str(REPO_ROOT / "instance")))
