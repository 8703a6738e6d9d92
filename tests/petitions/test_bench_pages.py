"""The page benchmark (bench/pages.py) runs end to end at its smoke size.

Real processes: gunicorn serving the portal, a private redis-server when one
is installed, the database of DATABASE_URL's kind (PostgreSQL: production
settings, in a database of its own that is dropped after; SQLite: a file in a
temporary folder). Figures are not asserted: a timed test would fail on a busy
machine. What is: every page answered 200 under load and the table was printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.services


def test_the_page_benchmark_runs_at_the_smoke_size(tmp_path):
    out = tmp_path / "pages.json"
    args = [sys.executable, "bench/pages.py", "--smoke", "--duration", "1", "--json", str(out)]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        server = urlsplit(url)._replace(path=f"/tongxin_bench_pages_ci_{os.getpid()}")
        args += ["--db-url", server.geturl(), "--fresh", "--drop"]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    rows = json.loads(out.read_text())
    assert len(rows) >= 15
    assert all(r["status"] == 200 and r["errors"] == 0 and r["requests"] > 0 for r in rows)
    assert all(r["sql"] >= 2 for r in rows)
    assert "| page | user | req/s |" in done.stdout
