"""Real local peers for tests: a group-bot HTTP server, free ports, waiting."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connection, connections, transaction


@dataclass
class BotServer:
    """A WeCom-style group bot on 127.0.0.1 that records what it is sent."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    status: int = 200
    garbled: bool = False  # answer with something that is not HTTP at all
    redirect_to: str = ""  # answer 302 with this Location instead
    hits: list[str] = field(default_factory=list)  # "METHOD path" of every request, any method


@contextmanager
def bot_server() -> Iterator[BotServer]:
    state: dict[str, BotServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["bot"].hits.append(f"GET {self.path}")
            self.send_response(405)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            bot = state["bot"]
            bot.hits.append(f"POST {self.path}")
            length = int(self.headers.get("Content-Length", 0))
            bot.received.append(json.loads(self.rfile.read(length)))
            if bot.redirect_to:
                self.send_response(302)
                self.send_header("Location", bot.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if bot.garbled:
                self.wfile.write(b"THIS IS NOT HTTP\r\n\r\n")
                return
            body = json.dumps(bot.answer).encode()
            self.send_response(bot.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["bot"] = BotServer(
        url=f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send"
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["bot"]
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def wait_for(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# --- Real services: a Celery worker process, a private redis-server --------------

ROOT = Path(__file__).resolve().parents[1]


def database_url(settings_dict: dict[str, Any]) -> str:
    """The URL of the database the tests run on, for a worker process to share."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else f"{user}@"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    name: str
    logfile: Path

    def log(self) -> str:
        return self.logfile.read_text(errors="replace") if self.logfile.exists() else ""


@contextmanager
def celery_worker(*, broker_url: str, db_url: str, logdir: Path) -> Iterator[Worker]:
    """A real ``celery worker`` process on ``broker_url`` using the tests' database."""
    name = f"tongxin-test-{uuid.uuid4().hex[:8]}@localhost"
    logfile = logdir / f"{name.split('@')[0]}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "community.settings",
        "CELERY_BROKER_URL": broker_url,
        "DATABASE_URL": db_url,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "community",
            "worker",
            "--pool=solo",
            "--queues=notifications,default",
            f"--hostname={name}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            f"--logfile={logfile}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = Worker(process=process, name=name, logfile=logfile)
    try:
        wait_for(
            lambda: process.poll() is not None or " ready." in worker.log(),
            timeout=60,
            what=f"celery worker {name} to start",
        )
        if process.poll() is not None:
            raise AssertionError(f"celery worker exited early:\n{worker.log()[-3000:]}")
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def redis_server(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A private, throw-away redis-server: the only kind a test may stop."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: port_open("127.0.0.1", port), timeout=15, what="redis-server")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def use_broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at another broker for a while.

    Celery reads CELERY_BROKER_URL from the environment before its own
    configuration, so both are switched.
    """
    from community.celery import app
    from community.queueing import forget_broker_failures

    previous_conf = app.conf.broker_url
    previous_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    app._after_fork()  # drop pooled connections to the previous broker
    # A private broker may get the port of an earlier test's stopped one: a failure
    # recorded then would make this test's first hand-offs skip a broker that is up.
    forget_broker_failures()
    try:
        yield
    finally:
        forget_broker_failures()
        if previous_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = previous_env
        app.conf.broker_url = previous_conf
        app._after_fork()


# --- Races on PostgreSQL (the concurrency tests of every app) -----------------------

RACE_TIMEOUT = 30.0


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def _waiting_for_locks() -> int:
    """Backends of the test database blocked on a lock right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def race(*calls: Callable[[], Any], hold: Callable[[], Any]) -> list[Outcome]:
    """Run ``calls`` at the same moment, each in a thread and connection of its own.

    ``hold`` runs first in a transaction of a further thread and takes the lock
    the calls need; it commits (changing nothing) once they all wait for it.
    Returns what each call returned or raised, in order.
    """
    held, release = threading.Event(), threading.Event()
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]
    holder_failed: list[BaseException] = []

    def holder() -> None:
        try:
            with transaction.atomic():
                hold()
                held.set()
                release.wait(RACE_TIMEOUT)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            holder_failed.append(exc)
            held.set()
        finally:
            connections.close_all()

    def contender(outcome: Outcome, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(RACE_TIMEOUT)
            outcome.value = call()
        except BaseException as exc:  # noqa: BLE001 - checked by the test
            outcome.error = exc
        finally:
            connections.close_all()

    holding = threading.Thread(target=holder, daemon=True)
    holding.start()
    assert held.wait(RACE_TIMEOUT), "the holder never took its lock"
    assert not holder_failed, holder_failed
    threads = [
        threading.Thread(target=contender, args=(o, c), daemon=True)
        for o, c in zip(outcomes, calls, strict=True)
    ]
    for t in threads:
        t.start()
    try:
        # Let go once no contender can get further without the lock: each one is
        # queued on it (or, were the code to take no lock, already done).
        wait_for(
            lambda: _waiting_for_locks() + sum(not t.is_alive() for t in threads) >= len(calls),
            timeout=RACE_TIMEOUT,
            what=f"{len(calls)} contenders to queue on the lock",
        )
    finally:
        release.set()
        for t in [*threads, holding]:
            t.join(RACE_TIMEOUT)
    assert not any(t.is_alive() for t in [*threads, holding]), "a thread is stuck"
    assert not holder_failed, holder_failed
    return outcomes
