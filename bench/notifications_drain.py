"""How fast the notifications outbox drains, and whether anything is lost or sent twice.

Real parts only: PostgreSQL (database ``tongxin_bench``, created if missing),
a private redis-server on a spare port as the broker, a real ``celery worker``
started as in production (prefork, default concurrency, queues
notifications,default) and a real ``celery beat``, and a local group-bot sink
(a threaded HTTP/1.1 server on 127.0.0.1) that counts what it is sent.

Scenarios (``--scenario``):

- ``drain``: N pending group-bot rows (bulk-inserted as ``notify_unit`` writes
  them) handed to Celery as a commit does; time from the hand-off until the
  sink has every message.
- ``backlog``: the broker is down (its redis-server stopped) while the N rows
  are written, so every hand-off fails; they are dated back past the sweep's
  first-hand-off grace (an outage longer than it); then the broker comes back
  on the same port. Time from its return until the sink has every message;
  the worker and beat find the broker again by themselves.
- ``crash``: N rows delivering; the whole worker is killed with SIGKILL when a
  third have arrived, and started again. Counts repeats (by message and by
  Idempotency-Key) and how long after the kill the last repeat arrived.

Lost = rows the sink never got within the time limit; duplicates = messages the
sink got more than once (by the row's title, which the sink can always read).

    .venv/bin/python bench/notifications_drain.py --rows 10000 --scenario drain
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.community.sinks import Sink, sink_server  # noqa: E402 - needs ROOT on the path
from tests.helpers import free_port, port_open  # noqa: E402

# --- The sink (tests.community.sinks): counted by message title and by key ------------


def unique(sink: Sink) -> int:
    return len(sink.titles())


def duplicates(sink: Sink) -> int:
    return sum(n - 1 for n in sink.titles().values())


# --- Processes ---------------------------------------------------------------------


def wait_for(check: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    raise TimeoutError(f"{what}: not within {timeout}s")


def start_redis(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server") or "redis-server"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    wait_for(lambda: port_open("127.0.0.1", port), 15, "redis-server")
    return process


def stop(process: subprocess.Popen[bytes], *, group: bool = False) -> None:
    if process.poll() is None:
        if group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL) if group else process.kill()
            process.wait()


def celery(args: list[str], logfile: Path) -> subprocess.Popen[bytes]:
    """A celery process in a session of its own (so the whole group can be killed)."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "community", *args, f"--logfile={logfile}"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start_worker(tmp: Path, n: int) -> subprocess.Popen[bytes]:
    log = tmp / f"worker{n}.log"
    process = celery(
        [
            "worker",
            "--queues=notifications,default",
            f"--hostname=bench{n}-{os.getpid()}@localhost",
            "--loglevel=INFO",
        ],
        log,
    )
    wait_for(lambda: log.exists() and " ready." in log.read_text(errors="replace"), 90, "worker")
    return process


def start_beat(tmp: Path) -> subprocess.Popen[bytes]:
    return celery(
        ["beat", f"--schedule={tmp / 'beat-schedule'}", "--loglevel=INFO"], tmp / "beat.log"
    )


# --- The database ------------------------------------------------------------------


def ensure_database(url: str) -> None:
    from urllib.parse import urlsplit

    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def write_rows(n: int, url: str, run: str) -> list[int]:
    """N pending group-bot rows as ``notify_unit`` writes them, in one bulk insert.

    Bulk, so that the figures measure delivery, not this machine's insert speed;
    the hand-off is the service's own (``_hand_to_broker``, what runs on commit).
    """
    from community.models import BotKind, Channel, Notification

    rows = Notification.objects.bulk_create(
        Notification(
            kind="bench",
            channel=Channel.WEBHOOK,
            title=f"{run}-{i}",
            body="基准测试消息",
            link="/",
            target=url,
            options={"bot_kind": BotKind.GENERIC, "mention_mobiles": []},
            dedupe_key=f"bench:{run}:{i}",
        )
        for i in range(n)
    )
    return [row.pk for row in rows]


def hand_over(ids: list[int]) -> None:
    from community.services.notifications import _hand_to_broker

    _hand_to_broker(ids)


def sent_count() -> int:
    from community.models import Channel, DeliveryStatus, Notification

    return Notification.objects.filter(
        channel=Channel.WEBHOOK, status=DeliveryStatus.SENT, kind="bench"
    ).count()


def report(name: str, n: int, sink: Sink, seconds: float | None, extra: str = "") -> None:
    lost = n - unique(sink)
    rate = f"{n / seconds:.0f}/s" if seconds else "-"
    took = f"{seconds:.1f} s" if seconds is not None else "did not finish"
    print(
        f"{name}: {n} rows, {took} ({rate}), lost {lost}, duplicates {duplicates(sink)}, "
        f"sink connections {len(sink.peers())}{extra}",
        flush=True,
    )


# --- Scenarios ---------------------------------------------------------------------


def scenario_drain(n: int, tmp: Path, limit: float) -> None:
    from community.models import Notification

    Notification.objects.filter(kind="bench").delete()
    with sink_server() as sink:
        url = sink.url
        worker = start_worker(tmp, 1)
        beat = start_beat(tmp)
        try:
            ids = write_rows(n, url, "drain")
            started = time.monotonic()
            hand_over(ids)  # what the commit does
            handed = time.monotonic() - started
            try:
                wait_for(lambda: unique(sink) >= n, limit - (time.monotonic() - started), "drain")
                took: float | None = time.monotonic() - started
            except TimeoutError:
                took = None
            time.sleep(3)  # anything sent twice arrives now
            report(
                "drain", n, sink, took, f", handed over in {handed:.1f} s, DB sent {sent_count()}"
            )
        finally:
            stop(beat, group=True)
            stop(worker, group=True)


def scenario_backlog(n: int, tmp: Path, limit: float, port: int) -> subprocess.Popen[bytes]:
    from datetime import timedelta

    from django.db.models import F

    from community.models import Notification

    Notification.objects.filter(kind="bench").delete()
    with sink_server() as sink:
        url = sink.url
        worker = start_worker(tmp, 2)
        beat = start_beat(tmp)
        redis = None
        try:
            broker = BROKER["process"]
            stop(broker)  # the outage
            hand_over(write_rows(n, url, "backlog"))  # refused: the broker is down
            # An outage longer than the sweep's first-hand-off grace.
            Notification.objects.filter(kind="bench").update(
                created_at=F("created_at") - timedelta(minutes=3)
            )
            assert unique(sink) == 0
            time.sleep(5)
            redis = start_redis(port)  # the broker is back
            BROKER["process"] = redis
            started = time.monotonic()
            try:
                wait_for(lambda: unique(sink) >= n, limit, "backlog")
                took: float | None = time.monotonic() - started
            except TimeoutError:
                took = None
            time.sleep(3)
            report("backlog", n, sink, took, f", DB sent {sent_count()}")
        finally:
            stop(beat, group=True)
            stop(worker, group=True)
    return BROKER["process"]


def scenario_crash(n: int, tmp: Path, limit: float) -> None:
    from community.models import Notification

    Notification.objects.filter(kind="bench").delete()
    with sink_server() as sink:
        url = sink.url
        worker = start_worker(tmp, 3)
        beat = start_beat(tmp)
        try:
            hand_over(write_rows(n, url, "crash"))
            wait_for(lambda: unique(sink) >= n // 3, limit, "a third delivered")
            os.killpg(worker.pid, signal.SIGKILL)  # the whole worker, children too
            killed = time.monotonic()
            worker.wait()
            worker = start_worker(tmp, 4)
            try:
                wait_for(lambda: unique(sink) >= n, limit, "crash")
                took: float | None = time.monotonic() - killed
            except TimeoutError:
                took = None
            # A repeat comes after the claim's lease; wait it out.
            time.sleep(float(os.environ.get("BENCH_CRASH_WAIT", "150")))
            repeats = {t for t, c in sink.titles().items() if c > 1}
            last = max(
                (r["at"] - killed for r in sink.requests if r["body"].get("title") in repeats),
                default=0.0,
            )
            keyed = sum(c - 1 for k, c in Counter(sink.keys()).items() if k)
            report(
                "crash",
                n,
                sink,
                took,
                f", repeats with the same Idempotency-Key {keyed}, "
                f"last repeat {last:.0f} s after the kill",
            )
        finally:
            stop(beat, group=True)
            stop(worker, group=True)


BROKER: dict[str, subprocess.Popen[bytes]] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--scenario", choices=["drain", "backlog", "crash", "all"], default="all")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tongxin_bench"
    )
    parser.add_argument("--limit", type=float, default=900, help="seconds before giving up")
    args = parser.parse_args()

    port = free_port()
    ensure_database(args.database_url)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "community.settings",
            "DATABASE_URL": args.database_url,
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    BROKER["process"] = start_redis(port)
    tmp = Path(tempfile.mkdtemp(prefix="bench-drain-"))
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}, logs in {tmp}", flush=True)
    try:
        if args.scenario in {"drain", "all"}:
            scenario_drain(args.rows, tmp, args.limit)
        if args.scenario in {"backlog", "all"}:
            scenario_backlog(args.rows, tmp, args.limit, port)
        if args.scenario in {"crash", "all"}:
            scenario_crash(min(args.rows, 2000), tmp, args.limit)
    finally:
        stop(BROKER["process"])


if __name__ == "__main__":
    main()
