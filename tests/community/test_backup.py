"""The backup drill: back up a small world of requests with photos and timelines,
restore it in another process into a new, empty database and an empty MEDIA_ROOT
(as on a new machine), and find the same requests, timelines and photos there.

The restored database is read with the driver directly (psycopg2, sqlite3), not
through this process's Django connection, so nothing of the original can leak
into what is compared. The PostgreSQL drill runs in the PostgreSQL pass (a
``tongxin_restore_<random>`` database on the same server, dropped afterwards);
the SQLite drill in the default one. The refusals run on either.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from community.backup import BackupError, backup_unpack
from petitions.models import Category, Petition, PetitionEvent, PetitionPhoto
from tests.community.test_settings import manage
from tests.conftest import unavailable
from tests.grids.conftest import gw  # noqa: F401 - the fixture pw builds on
from tests.helpers import database_url
from tests.petitions.conftest import PetitionWorld, move, pw, walk_to  # noqa: F401 - fixture
from tests.photos import phone_jpeg

# The world's files must reach the disk (thumbnails are made on commit) and
# pg_dump, another session, must see the rows: committed, not in a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def clock(time_machine):
    """Stopped before the world is built (it asks for clock first): references carry the day."""
    time_machine.move_to("2026-11-23 09:00 +0800")
    return time_machine


@dataclass(frozen=True)
class Snapshot:
    """What a restore must bring back, as plain values."""

    statuses: dict[str, str]  # reference -> status
    events: dict[str, int]  # reference -> timeline length
    photos: dict[str, tuple[str, str]]  # image name -> (reference, sha256 of its bytes)
    thumbnails: dict[str, str]  # thumbnail name -> sha256


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def world(pw: PetitionWorld) -> list[Petition]:  # noqa: F811 - pw is the fixture imported above
    """Three requests: one closed round with photos at filing and in the reply, one
    escalated with two photos, one just filed without any."""
    done = walk_to(pw, pw.submit(photos=[phone_jpeg("wires.jpg")]), "in_progress")
    done = move(done, pw.handler, "reply", result="已安装充电桩", photos=[phone_jpeg("fix.jpg")])
    done = move(done, pw.gw.dispatcher, "approve")
    done = move(done, pw.gw.worker_1, "callback", note="居民确认已解决")
    half = pw.submit(
        category=Category.SANITATION,
        description="鸽子粪便污染窗户",
        photos=[phone_jpeg("a.jpg"), phone_jpeg("b.jpg", size=(800, 600))],
    )
    half = walk_to(pw, half, "escalated")
    new = pw.submit(category=Category.FACILITIES, description="楼道灯不亮")
    return [done, half, new]


def _original(media: Path) -> Snapshot:
    photos = PetitionPhoto.objects.select_related("petition")
    return Snapshot(
        statuses=dict(Petition.objects.values_list("reference", "status")),
        events={p.reference: p.events.count() for p in Petition.objects.all()},
        photos={
            ph.image.name: (ph.petition.reference, _sha(media / ph.image.name)) for ph in photos
        },
        thumbnails={p.thumbnail.name: _sha(media / p.thumbnail.name) for p in photos},
    )


def _restored(cursor: Any, media: Path) -> Snapshot:
    """The same facts read with plain SQL from the restored database."""
    # Table names from our own models, not input.
    p, e, ph = (m._meta.db_table for m in (Petition, PetitionEvent, PetitionPhoto))
    timeline = f"SELECT COUNT(*) FROM {e} e WHERE e.petition_id = p.id"  # noqa: S608
    cursor.execute(f"SELECT p.reference, p.status, ({timeline}) FROM {p} p")  # noqa: S608
    rows = cursor.fetchall()
    cursor.execute(
        f"SELECT ph.image, ph.thumbnail, p.reference FROM {ph} ph"  # noqa: S608
        f" JOIN {p} p ON p.id = ph.petition_id"
    )
    photos = cursor.fetchall()
    return Snapshot(
        statuses={ref: status for ref, status, _ in rows},
        events={ref: n for ref, _, n in rows},
        photos={image: (ref, _sha(media / image)) for image, _, ref in photos},
        thumbnails={thumb: _sha(media / thumb) for _, thumb, _ in photos},
    )


def _backup(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    (archive,) = (tmp_path / "backups").glob("tongxin-*.tar.gz")
    assert f"Backup written: {archive}" in out.getvalue()
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    return archive, manifest


def _restore_elsewhere(
    archive: Path, db_url: str, media: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """``manage.py restore`` in a new process, configured only by its environment."""
    return manage("restore", str(archive), *args, DATABASE_URL=db_url, MEDIA_ROOT=str(media))


def _drill(world: list[Petition], tmp_path: Path, db_url: str, cursor: Callable[[], Any]) -> None:
    media = Path(settings.MEDIA_ROOT)
    before = _original(media)
    # Not a drill of nothing: photos from filing and from a reply, their
    # thumbnails, timelines of different lengths.
    assert len(before.statuses) == 3
    assert len(before.photos) == 4
    assert all(before.thumbnails)
    assert len(set(before.events.values())) == 3

    archive, manifest = _backup(tmp_path)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # photos are personal data
    assert manifest["tables"]["petitions_petition"] == 3
    assert manifest["tables"]["petitions_petitionevent"] == sum(before.events.values())
    assert "0001_initial" in manifest["migrations"]["petitions"]
    for name, (_, sha) in before.photos.items():
        assert manifest["files"][f"media/{name}"]["sha256"] == sha
    assert manifest["missing_media"] == []

    restored_media = tmp_path / "new-machine" / "media"
    done = _restore_elsewhere(archive, db_url, restored_media)
    assert done.returncode == 0, done.stderr
    assert "every count as in the backup" in done.stdout
    assert "every checksum and size as in the backup" in done.stdout

    assert _restored(cursor(), restored_media) == before

    # A second restore into what is now a full database is refused.
    again = _restore_elsewhere(archive, db_url, restored_media)
    assert again.returncode != 0
    assert "already has" in again.stderr
    assert "--force" in again.stderr


# --- The drill on PostgreSQL --------------------------------------------------------


@pytest.fixture
def empty_postgresql_database() -> Iterator[str]:
    """A new database on the test server, ours alone, dropped at the end."""
    if connection.vendor != "postgresql":
        # A plain skip: the SQLite pass runs the drill below instead.
        pytest.skip("the PostgreSQL drill needs DATABASE_URL=postgres://...")
    for program in ("pg_dump", "pg_restore"):
        if shutil.which(program) is None:
            unavailable(f"{program} is missing: apt-get install postgresql-client")
    import psycopg2
    from psycopg2 import sql

    s = connection.settings_dict
    params = {
        "host": s["HOST"] or None,
        "port": s["PORT"] or None,
        "user": s["USER"] or None,
        "password": s["PASSWORD"] or None,
    }
    name = f"tongxin_restore_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    try:
        with admin.cursor() as c:
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        yield name
        with admin.cursor() as c:
            c.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    finally:
        admin.close()


def test_a_postgresql_backup_restores_into_a_new_database_with_the_same_requests_and_photos(
    empty_postgresql_database, world, tmp_path
):
    import psycopg2

    settings_dict = {**connection.settings_dict, "NAME": empty_postgresql_database}
    db_url = database_url(settings_dict)
    opened: list[Any] = []

    def cursor() -> Any:
        conn = psycopg2.connect(db_url)
        opened.append(conn)
        return conn.cursor()

    try:
        _drill(world, tmp_path, db_url, cursor)
    finally:
        for conn in opened:
            conn.close()


# --- The drill on SQLite (what `make run` uses) ----------------------------------------


@pytest.fixture
def _sqlite_only() -> None:
    # Before the world is built: on PostgreSQL the drill above runs instead.
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite drill runs in the SQLite pass")


@pytest.mark.usefixtures("_sqlite_only")
def test_a_sqlite_backup_restores_into_a_new_file_with_the_same_requests_and_photos(
    world, tmp_path
):
    target = tmp_path / "new-machine" / "tongxin.sqlite3"
    target.parent.mkdir(parents=True)
    opened: list[sqlite3.Connection] = []

    def cursor() -> sqlite3.Cursor:
        opened.append(sqlite3.connect(target))
        return opened[-1].cursor()

    try:
        _drill(world, tmp_path, f"sqlite:///{target}", cursor)
    finally:
        for conn in opened:
            conn.close()


# --- Refusals (either database) --------------------------------------------------------


def _repack(
    archive: Path,
    into: Path,
    change: Callable[[str, bytes], bytes | None],
    add: dict[str, bytes] | None = None,
) -> Path:
    """A copy of ``archive`` with each member passed through ``change`` (None drops
    it) and the members of ``add`` put in."""
    with tarfile.open(archive) as tar:
        members = {i.name: tar.extractfile(i).read() for i in tar.getmembers()}  # type: ignore[union-attr]
    copy = into / "altered.tar.gz"
    with tarfile.open(copy, "w:gz") as tar:
        for name, data in [*members.items(), *(add or {}).items()]:
            if (new := change(name, data)) is not None:
                info = tarfile.TarInfo(name)
                info.size = len(new)
                tar.addfile(info, io.BytesIO(new))
    return copy


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("flip", "checksum differs: media/private/petitions/"),
        ("drop", "missing: media/private/petitions/"),
        ("add", "not in the manifest: media/private/petitions/planted.jpg"),
    ],
)
def test_an_altered_archive_is_refused_before_anything_is_restored(
    world, tmp_path, change, problem
):
    archive, _ = _backup(tmp_path)
    touched: list[str] = []

    def alter(name: str, data: bytes) -> bytes | None:
        is_photo = name.startswith("media/") and not touched
        if change == "flip" and is_photo:
            touched.append(name)
            return data[:-1] + bytes([data[-1] ^ 1])
        if change == "drop" and is_photo:
            touched.append(name)
            return None
        return data

    planted = {"media/private/petitions/planted.jpg": b"x"} if change == "add" else {}
    altered = _repack(archive, tmp_path, alter, add=planted)
    petitions = Petition.objects.count()

    with pytest.raises(BackupError, match="damaged or altered") as refused:
        backup_unpack(altered, tmp_path / "unpacked")
    assert problem in str(refused.value)
    # The command checks before it looks at the database or MEDIA_ROOT.
    with pytest.raises(CommandError, match="nothing was restored"):
        call_command("restore", str(altered))
    assert Petition.objects.count() == petitions
    # The untouched archive passes the same check.
    call_command("restore", "--check", str(archive), stdout=io.StringIO())


def test_restore_refuses_a_database_that_already_has_tables(world, tmp_path):
    archive, _ = _backup(tmp_path)
    shutil.rmtree(settings.MEDIA_ROOT)  # so it is the database that stops it
    with pytest.raises(CommandError, match=r"already has \d+ tables"):
        call_command("restore", str(archive))
    assert Petition.objects.count() == 3
    assert not list(Path(settings.MEDIA_ROOT).rglob("*"))


def test_restore_refuses_a_backup_with_migrations_this_code_does_not_have(world, tmp_path):
    archive, _ = _backup(tmp_path)

    def future(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["petitions"].append("9999_from_the_future")
        return json.dumps(manifest).encode()

    with pytest.raises(CommandError, match=r"petitions\.9999_from_the_future"):
        call_command("restore", str(_repack(archive, tmp_path, future)))


def test_a_backup_never_overwrites_an_archive(world, tmp_path):
    target = tmp_path / "nightly.tar.gz"
    target.write_bytes(b"yesterday")
    with pytest.raises(CommandError, match="never overwrites"):
        call_command("backup", "--output", str(target))
    assert target.read_bytes() == b"yesterday"
