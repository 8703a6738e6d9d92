"""Settings fail closed: production refuses to start without what it needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-production-secret-0123456789-abcdefghijklmnop"

PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "tongxin.example.cn",
    "DATABASE_URL": "postgres://tongxin:secret@db.internal:5432/tongxin",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://portal:secret@smtp.example.cn:587",
    "SITE_URL": "https://tongxin.example.cn",
    "DEFAULT_FROM_EMAIL": "同心 <noreply@tongxin.example.cn>",
    "CACHE_URL": "rediscache://redis.internal:6379/1",
    "SMS_ACCESS_KEY_ID": "LTAI-test-key-id",
    "SMS_ACCESS_KEY_SECRET": "test-secret",
    "SMS_SIGN_NAME": "同心社区",
    "SMS_TEMPLATE_CODE": "SMS_000001",
}
SCRUB = (
    "DJANGO_ENV",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SITE_URL",
    "DEFAULT_FROM_EMAIL",
    "TRUSTED_PROXY_COUNT",
    "EMAIL_URL",
    "CACHE_URL",
    "SMS_BACKEND",
    "SMS_ACCESS_KEY_ID",
    "SMS_ACCESS_KEY_SECRET",
    "SMS_SIGN_NAME",
    "SMS_TEMPLATE_CODE",
)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SCRUB}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _without(name: str) -> dict[str, str]:
    return {k: v for k, v in PRODUCTION.items() if k != name}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (_without("SECRET_KEY"), "SECRET_KEY must be set"),
        ({**PRODUCTION, "SECRET_KEY": "short"}, "SECRET_KEY is too weak"),
        ({**PRODUCTION, "SECRET_KEY": "k" * 60}, "SECRET_KEY is too weak"),
        (_without("ALLOWED_HOSTS"), "ALLOWED_HOSTS must be set"),
        ({**PRODUCTION, "ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS=* is refused"),
        ({**PRODUCTION, "ALLOWED_HOSTS": "tongxin.example.cn, *"}, "ALLOWED_HOSTS=* is refused"),
        (_without("DATABASE_URL"), "DATABASE_URL must be set"),
        (_without("CELERY_BROKER_URL"), "CELERY_BROKER_URL must be set"),
        (_without("SITE_URL"), "SITE_URL must be set"),
        (_without("SMS_ACCESS_KEY_SECRET"), "SMS_ACCESS_KEY_SECRET must be set"),
        (_without("SMS_TEMPLATE_CODE"), "SMS_TEMPLATE_CODE must be set"),
        ({**PRODUCTION, "DATABASE_URL": "sqlite:////tmp/x.db"}, "Production runs on PostgreSQL"),
        ({**PRODUCTION, "DEBUG": "true"}, "DEBUG must be off"),
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV must be"),
    ],
)
def test_production_refuses_to_start_without_what_it_needs(env, message):
    result = manage("check", **env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "mysql://root@localhost/x",
        "postgres://",
        "postgres://u:p@host:abc/db",
        "postgres://u:p@host:99999/db",
        "postgres://u:p@[::1/db",
    ],
)
def test_a_malformed_database_url_gets_one_clear_line(url):
    result = manage("check", DATABASE_URL=url)
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_complete_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("change", "warning"),
    [
        ({"EMAIL_URL": "consolemail://"}, "tongxin.W001"),
        ({"TRUSTED_PROXY_COUNT": "0"}, "tongxin.W002"),
        ({"DEFAULT_FROM_EMAIL": "noreply@localhost"}, "tongxin.W003"),
    ],
)
def test_production_warns_about_settings_that_disagree(change, warning):
    result = manage("check", "--deploy", **{**PRODUCTION, **change})
    assert warning in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"SMS_BACKEND": "community.sms.ConsoleBackend"}, "tongxin.E003"),
        ({"CACHE_URL": "locmemcache://"}, "tongxin.E004"),
    ],
)
def test_production_refuses_codes_that_would_not_reach_anyone(change, error):
    """Logged codes, or codes kept in one worker's memory, fail the deploy check."""
    result = manage("check", "--deploy", **{**PRODUCTION, **change})
    assert result.returncode == 1
    assert error in result.stderr + result.stdout
