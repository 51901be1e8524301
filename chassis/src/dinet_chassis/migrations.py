"""Plain-SQL migrations, applied once each, in file-name order, under an advisory lock.

Each service keeps `migrations/NNNN_what.sql` beside its code; the chassis applies its own
(`outbox`, `inbox`) first. Applied files are recorded with a checksum: editing an applied
migration is refused, because the databases that already ran it would silently differ.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import text

from .db import Database

CHASSIS_MIGRATIONS = Path(__file__).parent / "migrations"


class MigrationChanged(RuntimeError):
    pass


async def migrate(db: Database, service_migrations: Path | None) -> list[str]:
    """Bring the schema up to date; returns the names applied now."""
    await db.ensure_schema()
    applied_now: list[str] = []
    sets = [("chassis", CHASSIS_MIGRATIONS)]
    if service_migrations is not None and service_migrations.exists():
        sets.append((db.schema, service_migrations))
    async with db.engine.begin() as conn:
        # One migrator per schema at a time, even with several instances starting together.
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"migrate:{db.schema}"})
        await conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " bron text NOT NULL, naam text NOT NULL, checksum text NOT NULL,"
                " toegepast_op timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (bron, naam))"
            )
        )
        done = {
            (row.bron, row.naam): row.checksum
            for row in (await conn.execute(text("SELECT bron, naam, checksum FROM schema_migrations"))).all()
        }
        for source, folder in sets:
            for path in sorted(folder.glob("*.sql")):
                sql = path.read_text(encoding="utf-8")
                checksum = hashlib.sha256(sql.encode()).hexdigest()
                known = done.get((source, path.name))
                if known is not None:
                    if known != checksum:
                        raise MigrationChanged(
                            f"migratie {source}/{path.name} is gewijzigd nadat ze werd toegepast; "
                            "voeg een nieuwe migratie toe in plaats van een oude te wijzigen"
                        )
                    continue
                raw = await conn.get_raw_connection()
                await raw.driver_connection.execute(sql)  # type: ignore[union-attr]
                await conn.execute(
                    text("INSERT INTO schema_migrations (bron, naam, checksum) VALUES (:b, :n, :c)"),
                    {"b": source, "n": path.name, "c": checksum},
                )
                applied_now.append(f"{source}/{path.name}")
    return applied_now
