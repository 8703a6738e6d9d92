"""Each engine's dump and load: pg_dump/pg_restore for PostgreSQL, the online
backup API for SQLite."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.client import DatabaseClient

from community.backup.common import BackupError, applied_migrations, count_rows


def pg_command(connection: BaseDatabaseWrapper, program: str) -> tuple[list[str], dict]:
    """``program`` with the connection's host, port and user, and its environment
    (PGPASSWORD, PGSSLMODE… as Django's own ``dbshell`` sets them)."""
    path = shutil.which(program)
    if path is None:
        raise BackupError(
            f"{program} is not installed: apt-get install postgresql-client "
            "(the same major version as the server, or newer)."
        )
    args, extra_env = DatabaseClient.settings_to_cmd_args_env(connection.settings_dict, [])
    # psql's arguments: the options, then the database name last.
    return [path, *args[1:-1]], {**os.environ, **(extra_env or {})}


def pg_major(program: str) -> int:
    out = subprocess.run(  # noqa: S603 - a program found by shutil.which, no shell
        [program, "--version"], capture_output=True, text=True, check=True
    )
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    if match is None:
        raise BackupError(f"Cannot read the version of {program}: {out.stdout!r}")
    return int(match.group(1))


def run(args: list[str], env: dict, what: str) -> None:
    # No shell: the arguments are the program's path, our options and settings values.
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}):\n{done.stderr.strip()}")


def dump_postgresql(connection: BaseDatabaseWrapper, target: Path) -> dict[str, Any]:
    """Dump into ``target``; return the counts and migrations of the same snapshot."""
    args, env = pg_command(connection, "pg_dump")
    dump_major = pg_major(args[0])
    with connection.cursor() as cursor:
        # Django's connection is in autocommit; this transaction is ours alone
        # and is held open until pg_dump has read the snapshot it exports.
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute(
                "SELECT pg_export_snapshot(), current_setting('server_version'),"
                " current_setting('server_version_num')::int / 10000"
            )
            snapshot, server_version, server = cursor.fetchone()
            if dump_major < server:
                raise BackupError(
                    f"pg_dump {dump_major} cannot dump a PostgreSQL {server} server: "
                    f"install postgresql-client-{server}."
                )
            tables = connection.introspection.table_names(cursor)
            facts = {
                "server_version": server_version,
                "pg_dump_major": dump_major,
                "tables": count_rows(cursor, connection, tables),
                "migrations": applied_migrations(cursor),
            }
            run(
                [
                    *args,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    connection.settings_dict["NAME"],
                ],
                env,
                "pg_dump",
            )
        finally:
            cursor.execute("COMMIT")
    return facts


def dump_sqlite(connection: BaseDatabaseWrapper, target: Path) -> dict[str, Any]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # The online backup API: a consistent copy while the portal keeps writing.
        connection.connection.backup(copy)
        cursor = copy.cursor()
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        return {
            "server_version": sqlite3.sqlite_version,
            "tables": count_rows(cursor, connection, tables),
            "migrations": applied_migrations(cursor),
        }
    finally:
        copy.close()


def load_postgresql(
    connection: BaseDatabaseWrapper, dump: Path, manifest: dict, *, force: bool
) -> None:
    args, env = pg_command(connection, "pg_restore")
    made_by = int(manifest.get("pg_dump_major", 0))
    if pg_major(args[0]) < made_by:
        raise BackupError(
            f"This archive was made by pg_dump {made_by}; pg_restore {pg_major(args[0])} "
            f"cannot read it: install postgresql-client-{made_by}."
        )
    options = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    if force:
        options += ["--clean", "--if-exists"]  # drop each object before it is recreated
    connection.close()  # no session of ours holds anything pg_restore must drop
    run(
        [*args, *options, f"--dbname={connection.settings_dict['NAME']}", str(dump)],
        env,
        "pg_restore",
    )


def load_sqlite(connection: BaseDatabaseWrapper, dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        # Replaces the whole target database, page by page, under its lock.
        source.backup(connection.connection)
    finally:
        source.close()
