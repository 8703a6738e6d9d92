"""The SMS backends: the console one of development, and Aliyun's HTTP API against a stand-in.

The Aliyun backend's real request goes to a threaded HTTP server on 127.0.0.1
standing in for dysmsapi.aliyuncs.com (SMS_ENDPOINT points at it). The server
checks the signature the way Aliyun documents it, computed here on its own
(quote_plus, then the documented + → %20, * → %2A, %7E → ~ fix-ups), and
answers as Aliyun does: Code OK, or a business error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlsplit

import pytest

from community.sms import AliyunBackend, ConsoleBackend, SmsError, get_backend

SECRET = "testSecret+/="


def _documented_encode(value: str) -> str:
    return quote_plus(value).replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def _documented_signature(params: dict[str, str]) -> str:
    canonical = "&".join(
        f"{_documented_encode(k)}={_documented_encode(params[k])}" for k in sorted(params)
    )
    to_sign = "GET&%2F&" + _documented_encode(canonical)
    mac = hmac.new((SECRET + "&").encode(), to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


@dataclass
class FakeAliyun:
    url: str
    received: list[dict[str, str]] = field(default_factory=list)
    raw_queries: list[str] = field(default_factory=list)
    answer: dict[str, Any] = field(
        default_factory=lambda: {
            "Code": "OK",
            "Message": "OK",
            "BizId": "900619746936498440^0",
            "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990",
        }
    )
    status: int = 200


@contextmanager
def fake_aliyun() -> Iterator[FakeAliyun]:
    state: dict[str, FakeAliyun] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake = state["fake"]
            query = urlsplit(self.path).query
            fake.raw_queries.append(query)
            params = dict(parse_qsl(query, keep_blank_values=True))
            fake.received.append(params)
            signature = params.pop("Signature", "")
            if signature != _documented_signature(params):
                status, body = 400, {"Code": "SignatureDoesNotMatch", "Message": "bad"}
            else:
                status, body = fake.status, fake.answer
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["fake"] = FakeAliyun(url=f"http://127.0.0.1:{server.server_address[1]}/")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["fake"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def aliyun(settings):
    with fake_aliyun() as fake:
        settings.SMS_BACKEND = "community.sms.AliyunBackend"
        settings.SMS_ENDPOINT = fake.url
        settings.SMS_ACCESS_KEY_ID = "LTAI5tTestKeyId"
        settings.SMS_ACCESS_KEY_SECRET = SECRET
        settings.SMS_SIGN_NAME = "同心社区"
        settings.SMS_TEMPLATE_CODE = "SMS_154950909"
        settings.SMS_REGION = "cn-hangzhou"
        yield fake


def test_aliyun_backend_sends_a_signed_sendsms_request(aliyun):
    backend = get_backend()
    assert isinstance(backend, AliyunBackend)
    backend.send_code(phone="13800138000", code="042917", purpose="注册")
    [params] = aliyun.received
    assert params["Action"] == "SendSms"
    assert params["Version"] == "2017-05-25"
    assert params["Format"] == "JSON"
    assert params["SignatureMethod"] == "HMAC-SHA1"
    assert params["SignatureVersion"] == "1.0"
    assert params["AccessKeyId"] == "LTAI5tTestKeyId"
    assert params["PhoneNumbers"] == "13800138000"
    assert params["SignName"] == "同心社区"
    assert params["TemplateCode"] == "SMS_154950909"
    assert json.loads(params["TemplateParam"]) == {"code": "042917"}
    assert params["Timestamp"].endswith("Z")
    # The server found the signature right (a wrong one answers SignatureDoesNotMatch,
    # which the backend would have raised); and the nonce changes per request.
    backend.send_code(phone="13800138000", code="042918", purpose="注册")
    assert aliyun.received[0]["SignatureNonce"] != aliyun.received[1]["SignatureNonce"]
    # Spaces are %20 and the secret never travels.
    assert "+" not in aliyun.raw_queries[0]
    assert SECRET not in aliyun.raw_queries[0]


def test_a_wrong_secret_is_a_clear_failure(aliyun, settings):
    settings.SMS_ACCESS_KEY_SECRET = "not-the-secret"
    with pytest.raises(SmsError, match="SignatureDoesNotMatch"):
        get_backend().send_code(phone="13800138000", code="111111", purpose="注册")


def test_the_providers_business_limit_is_a_clear_failure(aliyun):
    aliyun.answer = {
        "Code": "isv.BUSINESS_LIMIT_CONTROL",
        "Message": "触发小时级流控Permits:5",
        "RequestId": "x",
    }
    with pytest.raises(SmsError, match=r"isv\.BUSINESS_LIMIT_CONTROL: 触发小时级流控"):
        get_backend().send_code(phone="13800138000", code="111111", purpose="注册")


def test_a_provider_that_does_not_answer_json_or_at_all_is_a_clear_failure(aliyun, settings):
    aliyun.status, aliyun.answer = 502, "bad gateway"  # type: ignore[assignment]
    with pytest.raises(SmsError, match="refused"):
        get_backend().send_code(phone="13800138000", code="111111", purpose="注册")
    settings.SMS_ENDPOINT = "http://127.0.0.1:9/"  # discard port: nothing listens
    with pytest.raises(SmsError, match="unreachable"):
        get_backend().send_code(phone="13800138000", code="111111", purpose="注册")


def test_the_console_backend_logs_the_code_and_keeps_it(settings, caplog):
    settings.SMS_BACKEND = "community.sms.ConsoleBackend"
    backend = get_backend()
    assert isinstance(backend, ConsoleBackend)
    with caplog.at_level("WARNING", logger="community.sms"):
        backend.send_code(phone="13800138000", code="314159", purpose="注册")
    assert "314159" in caplog.text
    assert "13800138000" in caplog.text
    assert ConsoleBackend.outbox[-1].code == "314159"
