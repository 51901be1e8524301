"""The NATS server `dinet up` starts is secured like production: keys made once in the data
folder, each service started with its own user, the operator CLI with `beheer`, no anonymous
client. (The servers are those of `dinet_cli.infra.Infrastructure`, which `dinet up` uses; only
NATS is embedded here, the other two URLs point nowhere and are never used.)"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import nats
import pytest
from dinet_chassis.natsauth import PARTNER_ISSUER, PartnerIssuer
from dinet_contracts.topology import SERVICES

from dinet_cli import connections, paths
from dinet_cli.infra import Infrastructure


@pytest.fixture
async def infra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name in ("NATS_URL", "NATS_CREDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://niemand@127.0.0.1:1/niets")
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:1")
    monkeypatch.setenv("DINET_DATA_DIR", str(tmp_path / "data"))
    stack = await Infrastructure(tmp_path / "data").start()
    try:
        yield stack
    finally:
        stack.stop()


async def test_dinet_up_nats_refuses_anyone_without_one_of_its_users(infra: Infrastructure) -> None:
    for url in (infra.nats_url, infra.nats_url.replace("nats://", "nats://registratie:x@")):
        with pytest.raises(Exception, match="(?i)authorization violation"):
            await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=1, connect_timeout=2)


async def test_each_service_is_started_with_its_own_limited_user(infra: Infrastructure) -> None:
    data = infra.data
    for service in SERVICES:
        env = infra.nats_env(service)
        creds = Path(env["NATS_CREDS"])
        assert creds.is_relative_to(data) and creds.stat().st_mode & 0o077 == 0
        assert ("NATS_PARTNER_ISSUER" in env) == (service == PARTNER_ISSUER)
        errors: list[str] = []

        async def on_error(exc: Exception) -> None:
            errors.append(str(exc).lower())

        nc = await nats.connect(infra.nats_url, user_credentials=str(creds), error_cb=on_error, allow_reconnect=False)
        await nc.publish("dinet.evt.iemand.anders.v1", b"{}")
        await nc.flush()
        for _ in range(100):
            if errors:
                break
            await asyncio.sleep(0.02)
        assert any('permissions violation for publish to "dinet.evt.iemand.anders.v1"' in e for e in errors), service
        await nc.close()
    issuer = PartnerIssuer.load(infra.nats_env(PARTNER_ISSUER)["NATS_PARTNER_ISSUER"])
    assert issuer.issue("partner-x", str(uuid.uuid4())).creds


async def test_the_operator_cli_finds_its_user_in_the_state_file(infra: Infrastructure) -> None:
    state = {"nats": infra.describe()["nats"]}
    paths.write_state(infra.data, state)
    creds = connections.nats_creds()
    assert creds == state["nats"]["creds"] and Path(creds).exists()
    async with connections.jetstream(infra.nats_url) as js:
        await js.account_info()  # `dinet status` asks exactly this
    # Keys are made once: a second start of the same data folder keeps the same ones.
    seed = (infra.data / "nats-auth" / "keys" / "operator.nk").read_text()
    infra.nats.restart()
    assert (infra.data / "nats-auth" / "keys" / "operator.nk").read_text() == seed
    async with connections.jetstream(infra.nats_url) as js:
        await js.account_info()
