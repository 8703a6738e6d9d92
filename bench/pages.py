"""How fast the portal's pages are at a district's size, each against an empty signed-in page.

One command, on a fresh clone (after ``make setup``), with PostgreSQL on
127.0.0.1:5432 (user postgres, trust):

    .venv/bin/python bench/pages.py --size 10k          # ~1 min to grow, ~3 min to measure
    .venv/bin/python bench/pages.py --size 1m           # the district of issue #13
    .venv/bin/python bench/pages.py --smoke             # CI: tiny, SQLite, 2 s a page

On SQLite (``--smoke`` without ``--db-url``) the settings are development's
with DEBUG off, since production refuses SQLite.

What it does:

1. The database ``tongxin_bench_pages_<size>`` (never another; ``--db-url`` for
   your own) is created if missing, migrated, seeded (``seed_demo``) and grown
   (``grow_district --size``); a database grown before is reused as it is
   (``--fresh`` drops and grows it again). The generation time is printed.
2. The portal is served as in production: ``DJANGO_ENV=production`` (DEBUG off,
   the cached template loader, WhiteNoise's manifest after ``collectstatic``),
   gunicorn with 2 sync workers on a spare port, a private redis-server (when
   installed) for the cache and broker, and the API's per-user throttle lifted
   (a load test is one user asking very often).
3. Each demo role is signed in (a session made by ``Client.force_login``, its
   cookie sent with every request), and each page below is driven for
   ``--duration`` seconds by ``--connections`` concurrent connections (a Python
   load driver in this file: threads, http.client, a new connection a request,
   as gunicorn's sync workers close each), after one warm-up request.
4. Printed per page: requests a second, median and 99th-percentile latency,
   the ratio of its rate to the empty page's (``/ping``: the session and the
   user, nothing else, served by the same stack in the same run), the SQL
   queries of one rendering (the test client with CaptureQueriesContext, in
   this process, on the same database), the largest RSS of a gunicorn worker
   while the page ran, and the response size.

The driver shares the machine's CPUs with gunicorn and PostgreSQL: the
figures are for comparing pages with one another and runs with runs on one
machine, not absolute capacity. ``--json FILE`` writes them for a table.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import free_port, port_open  # noqa: E402 - needs ROOT on the path

PYTHON = sys.executable
HOST = "bench.tongxin.example.cn"


# --- The pages -----------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    user: str
    path: str  # may hold {detail} and {deep}, filled once the data is known


PAGES = [
    Page("empty signed-in view (/ping)", "shuji", "/ping"),
    Page("secretary's list", "shuji", "/requests/"),
    Page("secretary's list ?status=open", "shuji", "/requests/?status=open"),
    Page("secretary's list ?page={deep}", "shuji", "/requests/?page={deep}"),
    Page("request detail ({events} events)", "shuji", "/requests/{detail}/"),
    Page("API list", "shuji", "/api/v1/petitions/"),
    Page("API list ?status=open", "shuji", "/api/v1/petitions/?status=open"),
    Page("secretary home", "shuji", "/home/secretary/"),
    Page("street home", "jiedao", "/home/street_dispatcher/"),
    Page("grid worker home", "wangge", "/home/grid_worker/"),
    Page("street's list", "jiedao", "/requests/"),
    Page("department's list", "chengguan", "/requests/"),
    Page("rates page (三率)", "shuji", "/requests/rates/"),
    Page("daily summary", "shuji", "/requests/summary/"),
    Page("resident's own list (jumin)", "jumin", "/requests/"),
]


# --- Environment ---------------------------------------------------------------------


def production_env(database_url: str, redis_port: int | None, static_root: Path) -> dict[str, str]:
    """What gunicorn (and this process) run with: production, as the Makefile's
    deploy check sets it, on the bench database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    redis = f"redis://127.0.0.1:{redis_port}" if redis_port else ""
    # Production refuses SQLite: there (the smoke size), development settings
    # with DEBUG off, which keeps the cached template loader.
    sqlite = database_url.startswith("sqlite")
    env.update(
        DJANGO_ENV="development" if sqlite else "production",
        DEBUG="false",
        SECRET_KEY="bench-only-" + "x" * 60,
        ALLOWED_HOSTS=f"{HOST},127.0.0.1,testserver",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=f"{redis}/0" if redis else "memory://",
        CACHE_URL=f"rediscache://127.0.0.1:{redis_port}/1" if redis_port else "locmemcache://",
        EMAIL_URL="consolemail://",
        SITE_URL=f"https://{HOST}",
        DEFAULT_FROM_EMAIL=f"noreply@{HOST}",
        SMS_BACKEND="community.sms.ConsoleBackend",
        STATIC_ROOT=str(static_root),
        API_THROTTLE_USER="100000000/minute",
        LOG_LEVEL="WARNING",
    )
    return env


def development_env(database_url: str, demo_scale: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DATABASE_URL=database_url, LOG_LEVEL="WARNING")
    if demo_scale:
        env["DEMO_SCALE"] = demo_scale
    return env


def manage(args: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)
    return time.monotonic() - started


def ensure_database(url: str, *, fresh: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = Path(parts.path)
        if fresh and path.exists():
            path.unlink()
        return
    import psycopg2

    name = parts.path.lstrip("/")
    if not name.startswith("tongxin_bench"):
        raise SystemExit(f"refusing to use database {name!r}: its name must start tongxin_bench")
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        if fresh:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def drop_database(url: str) -> None:
    if "django" in sys.modules:  # this process's own connection, if it opened one
        from django.db import connections

        connections.close_all()
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        Path(parts.path).unlink(missing_ok=True)
        return
    import psycopg2

    name = parts.path.lstrip("/")
    assert name.startswith("tongxin_bench")
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        # Ours alone (the name says so): a straggling connection does not keep it.
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


# --- Processes -----------------------------------------------------------------------


def wait_for(check: Any, timeout: float, what: str) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what}: not within {timeout}s")


def start_redis(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: port_open("127.0.0.1", port), 15, "redis-server")
    return process


def start_gunicorn(
    port: int, workers: int, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "community.wsgi",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--worker-class=sync",
            "--timeout=120",
            f"--error-logfile={log}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for(lambda: port_open("127.0.0.1", port), 60, "gunicorn")
    return process


def stop(process: subprocess.Popen[bytes] | None, *, group: bool = False) -> None:
    if process is None or process.poll() is not None:
        return
    if group:
        os.killpg(process.pid, signal.SIGTERM)
    else:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL) if group else process.kill()
        process.wait()


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return pids


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# --- The load driver -----------------------------------------------------------------


@dataclass
class Result:
    page: str
    user: str
    path: str
    status: int = 0
    size: int = 0
    sql: int | None = None
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    rss_mb: float = 0.0
    ratio: float = 0.0
    latencies: list[float] = field(default_factory=list, repr=False)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def get(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(
            "GET",
            path,
            headers={
                "Host": HOST,
                "Cookie": cookie,
                # As the proxy in front of production says: https, and who asked.
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": "127.0.0.1",
                "Accept-Language": "zh-hans",
            },
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def drive(
    port: int, result: Result, cookie: str, *, connections: int, duration: float, master: int
) -> None:
    """``connections`` threads asking for the page for ``duration`` seconds."""
    stop_at = time.monotonic() + duration
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0

    def one() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                status, _body = get(port, result.path, cookie)
            except OSError:
                status = 0
            if status == 200:
                mine.append(time.perf_counter() - started)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors += bad

    peak = 0.0
    started = time.monotonic()
    threads = [threading.Thread(target=one, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak = max([peak, *(rss_mb(pid) for pid in worker_pids(master))])
        time.sleep(0.25)
    result.seconds = time.monotonic() - started
    result.requests, result.errors = len(latencies), errors
    result.rss_mb = peak
    if latencies:
        latencies.sort()
        result.p50_ms = statistics.median(latencies) * 1000
        result.p99_ms = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000


# --- In this process: sessions, the pages' parameters, SQL counts ---------------------


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    import django

    django.setup()


def is_grown() -> bool:
    from community.models import User

    return User.objects.filter(username__regex=r"^(d\d{5}|r\d+)$").exists()


def sessions(usernames: set[str]) -> dict[str, str]:
    """A signed-in session for each user, as its Cookie header."""
    from django.conf import settings
    from django.test import Client

    from community.models import User

    cookies = {}
    for username in sorted(usernames):
        client = Client()
        client.force_login(User.objects.get(username=username))
        cookies[username] = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return cookies


def parameters() -> dict[str, Any]:
    """The request on the detail page (of the 200 newest of 御景花园 that went to a
    department, the one with the longest timeline) and the deep page's number."""
    from django.db.models import Count

    from community.management.commands.seed_demo import YUJING
    from community.models import User
    from petitions.models import Petition
    from petitions.views import PAGE_SIZE

    shuji = User.objects.get(username="shuji")
    newest = (
        Petition.objects.filter(community__name=YUJING, department__isnull=False)
        .order_by("-pk")
        .values_list("pk", flat=True)[:200]
    )
    longest = (
        Petition.objects.filter(pk__in=list(newest))
        .annotate(n=Count("events"))
        .order_by("-n", "-pk")
        .values_list("pk", "n")
        .first()
    )
    detail, events = longest or (1, 0)
    visible = Petition.objects.visible_to(shuji).count()
    last_page = max(1, -(-visible // PAGE_SIZE))
    # Page 500 as the issue measured it, or the last page of a smaller desk.
    return {"detail": detail, "events": events, "deep": min(500, last_page)}


def check_sample(n: int = 3_000) -> int:
    """The newest requests (every open status is among them) replayed against the
    state machine (bench.district.check); returns how many problems were found."""
    from bench.district import check
    from petitions.models import Petition

    rows = Petition.objects.select_related("merged_into").order_by("-pk")[:n]
    problems = check(rows)
    for line in problems[:20]:
        print(f"!! {line}")
    return len(problems)


def sql_count(path: str, username: str) -> tuple[int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from community.models import User

    client = Client(HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username=username))
    client.get(path, secure=True)  # warm: the first rendering fills per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, secure=True)
    return len(queries), response.status_code


# --- Main --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", default="10k", help="smoke, 10k, 100k, 1m or a number")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="the smoke size, 2 s a page, on SQLite unless --db-url (dropped after)",
    )
    parser.add_argument("--db-url", help="default: postgres://postgres@127.0.0.1:5432/...")
    parser.add_argument("--fresh", action="store_true", help="drop and grow the database anew")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds a page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--demo-share", default="0.25")
    parser.add_argument("--only", help="pages whose name contains this (comma-separated)")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    if args.smoke:
        args.size = "smoke"
        args.duration = min(args.duration, 2.0)
        args.connections = min(args.connections, 4)
    tmp = Path(tempfile.mkdtemp(prefix="tongxin-pages-"))
    size_key = args.size.lower()
    if args.db_url:
        url = args.db_url
    elif args.smoke:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    else:
        url = f"postgres://postgres@127.0.0.1:5432/tongxin_bench_pages_{size_key}"
    redis_process = gunicorn = None
    try:
        ensure_database(url, fresh=args.fresh)
        # The smoke size seeds a tenth of the demo requests (as the browser tests do).
        dev = development_env(url, "0.1" if args.smoke else "")
        print(f"== database {url}", flush=True)
        manage(["migrate", "--noinput", "-v0"], dev)
        redis_port = free_port() if shutil.which("redis-server") else None
        env = production_env(url, redis_port, tmp / "static")
        django_setup(env)
        if is_grown():
            print("== reusing the grown database (--fresh grows it anew)", flush=True)
        else:
            seeded = manage(["seed_demo"], dev)
            print(f"== seed_demo: {seeded:.0f} s", flush=True)
            grown = manage(
                ["grow_district", "--size", args.size, "--demo-share", args.demo_share], dev
            )
            print(f"== grow_district --size {args.size}: {grown:.0f} s", flush=True)
            print(f"== checked the newest requests: {check_sample()} problems", flush=True)
        manage(["collectstatic", "--noinput", "-v0"], env)
        if redis_port:
            redis_process = start_redis(redis_port)
        port = free_port()
        gunicorn = start_gunicorn(port, args.workers, env, tmp / "gunicorn.log")
        values = parameters()
        pages = [Page(p.name.format(**values), p.user, p.path.format(**values)) for p in PAGES]
        if args.only:
            wanted = [w.strip() for w in args.only.split(",")]
            pages = [pages[0]] + [p for p in pages[1:] if any(w in p.name for w in wanted)]
        cookies = sessions({p.user for p in pages})
        results = []
        print(
            f"== {len(pages)} pages, {args.duration:.0f} s each, {args.connections} connections, "
            f"gunicorn {args.workers} workers",
            flush=True,
        )
        for page in pages:
            result = Result(page.name, page.user, page.path)
            result.status, body = get(port, page.path, cookies[page.user])
            result.size = len(body)
            result.sql, _status = sql_count(page.path, page.user)
            drive(
                port,
                result,
                cookies[page.user],
                connections=args.connections,
                duration=args.duration,
                master=gunicorn.pid,
            )
            results.append(result)
            print(f"   {page.name}: {result.rate:.0f}/s, p50 {result.p50_ms:.1f} ms", flush=True)
        ceiling = results[0].rate or 1.0
        for r in results:
            r.ratio = r.rate / ceiling
        print_table(results, args)
        if args.json:
            rows = [{k: v for k, v in asdict(r).items() if k != "latencies"} for r in results]
            Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=1))
        bad = [r for r in results if r.status != 200 or r.errors]
        for r in bad:
            print(f"!! {r.page} ({r.path}): status {r.status}, {r.errors} failed requests")
        if bad:
            log = (tmp / "gunicorn.log").read_text(errors="replace")[-3000:]
            print(log)
        return 1 if bad else 0
    finally:
        stop(gunicorn, group=True)
        stop(redis_process)
        if args.drop or (args.smoke and url.startswith("sqlite")):
            drop_database(url)
        shutil.rmtree(tmp, ignore_errors=True)


def print_table(results: list[Result], args: argparse.Namespace) -> None:
    print()
    print(f"size {args.size}, {args.connections} connections, {args.duration:.0f} s a page")
    print()
    print("| page | user | req/s | p50 ms | p99 ms | of empty | SQL | worker RSS MB | kB |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r.page} | {r.user} | {r.rate:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
            f"| {r.ratio * 100:.1f} % | {r.sql} | {r.rss_mb:.0f} | {r.size / 1024:.0f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
