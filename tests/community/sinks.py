"""A generic group bot on 127.0.0.1 that keeps connections alive and records every POST.

Used by the delivery tests and by ``bench/notifications_drain.py``: what came
(headers, JSON body), over which connection, and when.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Sink:
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give first, then 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def keys(self) -> list[str]:
        """The Idempotency-Key of each request, in order ('' where there was none)."""
        with self.lock:
            return [r["headers"].get("Idempotency-Key", "") for r in self.requests]

    def titles(self) -> Counter[str]:
        """How often each message (by its title) arrived."""
        with self.lock:
            return Counter(r["body"].get("title", "") for r in self.requests)

    def peers(self) -> set[tuple[str, int]]:
        """The client connections the requests came over."""
        with self.lock:
            return {r["peer"] for r in self.requests}


@contextmanager
def sink_server() -> Iterator[Sink]:
    sink = Sink()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps the connection open between requests
        # Headers and body go out at once, not held back for the client's delayed ACK.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            request = {
                "headers": dict(self.headers),
                "body": json.loads(self.rfile.read(length)),
                "peer": self.client_address,
                "at": time.monotonic(),
            }
            with sink.lock:
                sink.requests.append(request)
                status = sink.statuses.pop(0) if sink.statuses else 200
            body = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    sink.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
