"""Writing many rows fast: COPY on PostgreSQL, batched executemany elsewhere, explicit ids."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

# --- Writing rows --------------------------------------------------------------------


def _pg_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


class Table:
    """One model's columns, written with explicit ids: COPY on PostgreSQL,
    batched executemany elsewhere. Rows are dicts by attname; a missing key
    takes the field's default (or NULL / "")."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.pg = connection.vendor == "postgresql"
        fields = model._meta.concrete_fields
        self.attnames = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.defaults = [self._default(f) for f in fields]
        self.encoders = [self._encoder(f) for f in fields]

    @staticmethod
    def _default(f: models.Field[Any, Any]) -> Any:
        if f.has_default() and not callable(f.default):
            return f.default
        if f.has_default() and f.default in (dict, list):
            return f.default()
        if f.null:
            return None
        if isinstance(f, models.CharField | models.TextField):
            return ""
        return None

    def _encoder(self, f: models.Field[Any, Any]) -> Callable[[Any], Any]:
        pg = self.pg
        if isinstance(f, models.DateTimeField):
            # Times are kept as epoch seconds (floats) while generating.
            if pg:
                return lambda v: "\\N" if v is None else datetime.fromtimestamp(v, UTC).isoformat()
            return lambda v: (
                None
                if v is None
                else datetime.fromtimestamp(v, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            )
        if isinstance(f, models.DateField):
            return lambda v: ("\\N" if pg else None) if v is None else v.isoformat()
        if isinstance(f, models.BooleanField):
            return (lambda v: "t" if v else "f") if pg else (lambda v: int(bool(v)))
        if isinstance(f, models.JSONField):
            return lambda v: (_pg_text if pg else str)(json.dumps(v, ensure_ascii=False))
        if isinstance(f, models.UUIDField):
            return (lambda v: str(v)) if pg else (lambda v: v.hex)
        if isinstance(f, models.CharField | models.TextField):
            if pg:
                return lambda v: "\\N" if v is None else _pg_text(v)
            return lambda v: v
        if pg:
            return lambda v: "\\N" if v is None else str(v)
        return lambda v: str(v) if isinstance(v, Decimal) else v

    def write(self, rows: Iterable[dict[str, Any]]) -> int:
        spec = list(zip(self.attnames, self.defaults, self.encoders, strict=True))
        encoded = [[enc(row.get(a, d)) for a, d, enc in spec] for row in rows]
        if not encoded:
            return 0
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            if self.pg:
                buf = io.StringIO()
                buf.writelines("\t".join(r) + "\n" for r in encoded)
                buf.seek(0)
                cols = ", ".join(f'"{c}"' for c in self.columns)
                raw = cursor.cursor  # psycopg2's own cursor, under Django's wrapper
                raw.copy_expert(f'COPY "{table}" ({cols}) FROM STDIN', buf)
            else:
                cols = ", ".join(f'"{c}"' for c in self.columns)
                marks = ", ".join(["%s"] * len(self.columns))
                sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
                for i in range(0, len(encoded), 2_000):
                    cursor.executemany(sql, encoded[i : i + 2_000])
        return len(encoded)


def next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def reset_sequences(models_: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class progress:
    """tqdm when it is there, on stderr; nothing otherwise."""

    def __init__(self, total: int, what: str) -> None:
        try:
            from tqdm import tqdm

            self.bar: Any = tqdm(total=total, desc=what, unit=" rows", mininterval=1.0)
        except ImportError:  # pragma: no cover
            self.bar = None

    def __enter__(self) -> progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)
