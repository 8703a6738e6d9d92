"""HTTP POSTs over kept-alive connections, one per destination, for a batch of sends.

Opening a TCP (and TLS) connection per message costs more than the message:
a batch of group-bot posts shares one connection per scheme, host and port.
Redirects are never followed (http.client has no such thing): a 3xx is an
answer like any other, and the caller decides what it means.
"""

from __future__ import annotations

import http.client
import ssl
from types import TracebackType
from urllib.parse import urlsplit

# What is read of an answer; a longer body ends the connection instead of
# being drained, so a connection is reused only after a whole answer.
MAX_ANSWER = 65536


class KeepAlivePool:
    """Connections by (scheme, host, port), open until ``close()``; one thread only."""

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}
        self._tls: ssl.SSLContext | None = None

    def _connection(self, scheme: str, host: str, port: int) -> http.client.HTTPConnection:
        key = (scheme, host, port)
        conn = self._connections.get(key)
        if conn is None:
            if scheme == "https":
                self._tls = self._tls or ssl.create_default_context()
                conn = http.client.HTTPSConnection(
                    host, port, timeout=self.timeout, context=self._tls
                )
            else:
                conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
            self._connections[key] = conn
        return conn

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST ``body`` to ``url``; return the status and at most MAX_ANSWER bytes.

        Raises OSError or http.client.HTTPException when the exchange fails;
        that connection is closed then, and the next post opens a new one.
        A failed post is not repeated here: the outbox retries it later, with
        the same idempotency key.
        """
        parts = urlsplit(url)
        scheme = parts.scheme
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = (scheme, host, port)
        conn = self._connection(scheme, host, port)
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read(MAX_ANSWER)
        except (OSError, http.client.HTTPException):
            self._drop(key)
            raise
        if not response.isclosed():  # more than we read, or no length: do not reuse
            self._drop(key)
        return response.status, answer

    def _drop(self, key: tuple[str, str, int]) -> None:
        conn = self._connections.pop(key, None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        for key in list(self._connections):
            self._drop(key)

    def __enter__(self) -> KeepAlivePool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
