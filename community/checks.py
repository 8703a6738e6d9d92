"""System checks for settings that must agree with each other."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.compatibility, deploy=True)
def production_settings_agree(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    if not settings.PRODUCTION:
        return problems
    if settings.CELERY_TASK_ALWAYS_EAGER:
        problems.append(
            Error(
                "Celery runs tasks in-process in production.",
                hint="Set CELERY_BROKER_URL to the Redis broker and run a worker and beat.",
                id="tongxin.E001",
            )
        )
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "locmem.EmailBackend")):
        problems.append(
            Warning(
                "E-mail notifications are printed, not sent.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587.",
                id="tongxin.W001",
            )
        )
    if settings.TRUSTED_PROXY_COUNT == 0:
        problems.append(
            Warning(
                "TRUSTED_PROXY_COUNT is 0 behind the HTTPS proxy production expects.",
                hint="Every client would look like the proxy, and the login lock would "
                "lock a username for everyone. Set it to the number of proxies (usually 1).",
                id="tongxin.W002",
            )
        )
    if settings.DEFAULT_FROM_EMAIL.rstrip(">").endswith("@localhost"):
        problems.append(
            Warning(
                "E-mail is sent from an @localhost address, which mail relays refuse.",
                hint="Set DEFAULT_FROM_EMAIL, e.g. 同心 <noreply@tongxin.example.cn>.",
                id="tongxin.W003",
            )
        )
    if settings.SMS_BACKEND == "community.sms.ConsoleBackend":
        problems.append(
            Error(
                "Verification codes are only logged (console SMS backend) in production.",
                hint="Residents could not sign up or reset a password. Leave SMS_BACKEND "
                "unset (Aliyun) and set SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET, "
                "SMS_SIGN_NAME and SMS_TEMPLATE_CODE.",
                id="tongxin.E003",
            )
        )
    if settings.CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache")):
        problems.append(
            Error(
                "The cache is not shared between workers in production.",
                hint="SMS codes and their limits live in the cache: a code sent from one "
                "gunicorn worker would be unknown to the next. Set CACHE_URL, e.g. "
                "rediscache://127.0.0.1:6379/1.",
                id="tongxin.E004",
            )
        )
    if settings.TIME_ZONE != "Asia/Shanghai" or not settings.USE_TZ:
        problems.append(Error("Deadlines assume Asia/Shanghai with USE_TZ on.", id="tongxin.E002"))
    return problems
