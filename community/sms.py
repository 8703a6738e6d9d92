"""Sending verification codes by SMS, through a backend chosen by ``settings.SMS_BACKEND``.

``ConsoleBackend`` (development, tests) logs the message with its code and
keeps the last messages in ``ConsoleBackend.outbox``, so `make run` works
without a provider and a test reads the code the way a developer does.
``AliyunBackend`` (production) calls Aliyun Dysmsapi ``SendSms`` over its
documented HTTP API (RPC style, signature version 1.0, HMAC-SHA1) with
``urllib``: the official SDK pulls in a large dependency tree for one GET.

Codes are sent inline, in the request of the person who asked, with a short
timeout (``SMS_TIMEOUT``), not through Celery: the person is waiting on the
page for it, a failure must be told to them at once ("try again"), and the
code in plain text would otherwise sit in the broker and a task's arguments.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import quote

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider did not take the message; ``str()`` says why (for the log)."""


class SmsBackend(Protocol):
    def send_code(self, *, phone: str, code: str, purpose: str) -> None:
        """Send ``code`` to ``phone``; raise ``SmsError`` if it did not go."""

    def send_notice(self, *, phone: str, template: str, params: dict[str, str], text: str) -> None:
        """Send a notice (``template``: a key of ``NOTICE_TEMPLATES``) with its
        ``params``; ``text`` is what it says, for the console."""


@dataclass(frozen=True)
class SentSms:
    phone: str
    code: str
    purpose: str
    text: str


def code_text(*, code: str, purpose: str) -> str:
    """What the provider's template says, for the console (the template is Chinese)."""
    return f"【同心】验证码 {code}（{purpose}），5 分钟内有效，请勿告诉他人。"


# Notices other than codes, by key: the setting naming the provider's approved template.
NOTICE_TEMPLATES = {"follow": "SMS_FOLLOW_TEMPLATE_CODE"}


class ConsoleBackend:
    """Development and tests: the message goes to the log and to ``outbox``."""

    # The last messages, newest last, for tests and a developer's shell.
    outbox: deque[SentSms] = deque(maxlen=100)

    def send_code(self, *, phone: str, code: str, purpose: str) -> None:
        text = code_text(code=code, purpose=purpose)
        self.outbox.append(SentSms(phone=phone, code=code, purpose=purpose, text=text))
        logger.warning("SMS (console backend, not sent) to %s: %s", phone, text)

    def send_notice(self, *, phone: str, template: str, params: dict[str, str], text: str) -> None:
        self.outbox.append(SentSms(phone=phone, code="", purpose=template, text=text))
        logger.warning("SMS (console backend, not sent) to %s: %s", phone, text)


def percent_encode(value: str) -> str:
    """Aliyun's encoding: RFC 3986, space as %20, only A-Z a-z 0-9 - _ . ~ left as they are."""
    return quote(value, safe="~")


def aliyun_signature(params: dict[str, str], *, secret: str, method: str = "GET") -> str:
    """Signature version 1.0: HMAC-SHA1 over the sorted, encoded query, key ``secret&``."""
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items())
    )
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunBackend:
    """Aliyun SMS (Dysmsapi 2017-05-25, ``SendSms``), configured from settings."""

    def send_code(self, *, phone: str, code: str, purpose: str) -> None:
        self._send(phone=phone, template_code=settings.SMS_TEMPLATE_CODE, params={"code": code})

    def send_notice(self, *, phone: str, template: str, params: dict[str, str], text: str) -> None:
        template_code = getattr(settings, NOTICE_TEMPLATES.get(template, ""), "")
        if not template_code:
            raise SmsError(f"No template code for the {template!r} notice in the settings")
        self._send(phone=phone, template_code=template_code, params=params)

    def _send(self, *, phone: str, template_code: str, params: dict[str, str]) -> None:
        query_params = {
            "AccessKeyId": settings.SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": settings.SMS_REGION,
            "SignName": settings.SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "TemplateParam": json.dumps(params),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        signature = aliyun_signature(query_params, secret=settings.SMS_ACCESS_KEY_SECRET)
        query = "&".join(
            f"{percent_encode(k)}={percent_encode(v)}"
            for k, v in [("Signature", signature), *sorted(query_params.items())]
        )
        url = f"{settings.SMS_ENDPOINT.rstrip('/')}/?{query}"
        if not url.startswith(("https://", "http://")):
            raise SmsError(f"SMS_ENDPOINT must be an http(s) URL, not {settings.SMS_ENDPOINT!r}")
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url, headers={"Accept": "application/json"}
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 - scheme checked above
                request, timeout=settings.SMS_TIMEOUT
            ) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            # Signature and parameter errors come back as 4xx with a JSON body.
            body = exc.read()
        except (OSError, ValueError) as exc:
            raise SmsError(f"Aliyun SMS unreachable: {exc}") from exc
        try:
            answer = json.loads(body)
        except ValueError:
            raise SmsError(
                f"Aliyun SMS answered something that is not JSON: {body[:200]!r}"
            ) from None
        if not isinstance(answer, dict) or answer.get("Code") != "OK":
            # e.g. isv.BUSINESS_LIMIT_CONTROL (the provider's own rate limit),
            # isv.MOBILE_NUMBER_ILLEGAL, SignatureDoesNotMatch.
            code_ = answer.get("Code") if isinstance(answer, dict) else None
            message = answer.get("Message") if isinstance(answer, dict) else None
            raise SmsError(f"Aliyun SMS refused: {code_}: {message}")
        logger.info("SMS sent to %s****%s (BizId %s)", phone[:3], phone[-4:], answer.get("BizId"))


def get_backend() -> SmsBackend:
    backend: type[SmsBackend] = import_string(settings.SMS_BACKEND)
    return backend()
