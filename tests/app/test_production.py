"""Fail fast in production: a missing or weak SECRET_KEY stops gunicorn's master at once."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from lms.config import ConfigError, check_environment

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize(
    "key", [None, "", "dev-only-insecure-key", "short", "x" * 64, "ab" * 40], ids=repr
)
def test_production_refuses_a_missing_or_weak_key(monkeypatch, key):
    monkeypatch.setenv("LMS_ENV", "production")
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="Refusing to start in production: set SECRET_KEY"):
        check_environment()


def test_production_accepts_a_random_key(monkeypatch):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    check_environment()


def test_development_needs_no_key(monkeypatch):
    monkeypatch.delenv("LMS_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    check_environment()


def test_gunicorn_master_exits_with_the_message_instead_of_respawning_workers():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {"LMS_ENV": "production"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(
        [str(gunicorn), "-c", "python:lms.gunicorn_conf", "--workers", "2",
         "--bind", "127.0.0.1:0", "lms:create_app()"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Refusing to start in production: set SECRET_KEY" in result.stderr
    assert "Booting worker" not in result.stderr
