"""NATS authentication on the embedded server as `dinet up` runs it (accounts DINET, PARTNER and
SYS, a user per service, partner users issued and revoked by JWT): who gets in, and what each
may do."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import nats
import pytest
from dinet_contracts.generate import subject_pattern
from dinet_contracts.registry import PUBLISHED_BY
from dinet_contracts.topology import PARTNERS, PII_SUBJECTS, SERVICES, partner_subject_prefix

from dinet_chassis import natsauth
from dinet_chassis.bus import connect, ensure_streams
from dinet_chassis.embedded import EmbeddedNats


async def _refused(url: str, **kwargs: Any) -> str:
    with pytest.raises(Exception) as caught:
        await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2, **kwargs)
    return str(caught.value)


def _concrete(template: str) -> str:
    return subject_pattern(template).replace("*", str(uuid.uuid4()))


class Violations(list):
    """The permission errors the server reports to one connection (give `.record` as error_cb)."""

    async def record(self, exc: Exception) -> None:
        self.append(str(exc).lower())

    async def wait_for(self, text: str, timeout: float = 3.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text.lower() in v for v in self):
            assert time.monotonic() < deadline, f"geen weigering voor {text}: {list(self)}"
            await asyncio.sleep(0.02)


async def test_no_one_gets_in_without_one_of_our_users(secured_nats: EmbeddedNats, tmp_path: Path) -> None:
    assert "authorization violation" in (await _refused(secured_nats.url)).lower()
    assert "authorization violation" in (await _refused(f"nats://kpi:geheim@127.0.0.1:{secured_nats.port}")).lower()
    # A well-formed user of an account the server does not trust (someone else's operator).
    stranger = natsauth.NatsAuth(tmp_path / "vreemd").ensure()
    assert "authorization violation" in (
        await _refused(secured_nats.url, user_credentials=str(stranger.creds_path("kpi")))
    ).lower()


async def test_a_service_user_publishes_only_its_own_subjects(secured_nats: EmbeddedNats) -> None:
    admin = await connect(secured_nats.url, creds=secured_nats.creds(natsauth.ADMIN_USER), connect_timeout=5)
    await ensure_streams(admin.jetstream())
    for service in SERVICES:
        violations = Violations()
        nc = await nats.connect(
            secured_nats.url, user_credentials=str(secured_nats.creds(service)), error_cb=violations.record,
            allow_reconnect=False,
        )
        js = nc.jetstream(timeout=2)
        own = _concrete(PUBLISHED_BY[service][0].subject_template)
        ack = await js.publish(own, b"{}", headers={"Nats-Msg-Id": str(uuid.uuid4())})
        assert ack.seq > 0
        other = next(s for s in SERVICES if s != service)
        foreign = _concrete(PUBLISHED_BY[other][0].subject_template)
        await nc.publish(foreign, b"{}")
        await nc.subscribe(PII_SUBJECTS)
        await nc.flush()
        await violations.wait_for(f'publish to "{foreign}"')
        await violations.wait_for(f'subscription to "{PII_SUBJECTS}"')
        await nc.close()
    await admin.close()


async def test_a_partner_publishes_only_below_its_own_prefix_and_reads_nothing(
    secured_nats: EmbeddedNats, tmp_path: Path
) -> None:
    admin = await connect(secured_nats.url, creds=secured_nats.creds(natsauth.ADMIN_USER), connect_timeout=5)
    js = admin.jetstream(timeout=2)
    await ensure_streams(js, (PARTNERS,))
    org, other_org = str(uuid.uuid4()), str(uuid.uuid4())
    user = secured_nats.auth.partner_issuer().issue("partner-een", org)
    creds = tmp_path / "partner.creds"
    creds.write_text(user.creds)
    violations = Violations()
    partner = await nats.connect(secured_nats.url, user_credentials=str(creds), error_cb=violations.record, allow_reconnect=False)
    own = f"{partner_subject_prefix(org)}.activiteit.gepland.v1"
    foreign = f"{partner_subject_prefix(other_org)}.activiteit.gepland.v1"
    for subject in (own, foreign, "dinet.evt.registratie.activiteit.gepland.v1", "$JS.API.STREAM.INFO.DINET_PARTNERS"):
        await partner.publish(subject, b"{}", headers={"Nats-Msg-Id": str(uuid.uuid4())})
    await partner.subscribe("dinet.partner.>")
    await partner.flush()
    await violations.wait_for(f'publish to "{foreign}"')
    await violations.wait_for('publish to "dinet.evt.registratie.activiteit.gepland.v1"')
    await violations.wait_for('publish to "$js.api.stream.info.dinet_partners"')
    await violations.wait_for('subscription to "dinet.partner.>"')
    # What it may publish arrives in the platform's account, in DINET_PARTNERS; nothing else does.
    deadline = time.monotonic() + 3
    while (await js.stream_info(PARTNERS.name)).state.messages < 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    info = await js.stream_info(PARTNERS.name, subjects_filter="dinet.partner.>")
    assert info.state.subjects == {own: 1}
    await partner.close()
    await admin.close()


async def test_revoking_a_partner_disconnects_it_and_refuses_it_for_good(
    secured_nats: EmbeddedNats, tmp_path: Path
) -> None:
    issuer = secured_nats.auth.partner_issuer()
    org = str(uuid.uuid4())
    revoked, kept = issuer.issue("partner-weg", org), issuer.issue("partner-blijft", org)
    paths = {}
    for u in (revoked, kept):
        paths[u.name] = tmp_path / f"{u.name}.creds"
        paths[u.name].write_text(u.creds)
    closed = asyncio.Event()

    async def on_closed() -> None:
        closed.set()

    connected = await nats.connect(
        secured_nats.url, user_credentials=str(paths["partner-weg"]), allow_reconnect=False, closed_cb=on_closed
    )
    began = time.monotonic()
    await issuer.push(secured_nats.url, {revoked.public_key: int(time.time())})
    await asyncio.wait_for(closed.wait(), timeout=5)  # the server threw the connected one out
    took = time.monotonic() - began
    assert connected.is_closed and took < 2, took
    assert "authorization violation" in (await _refused(secured_nats.url, user_credentials=str(paths["partner-weg"]))).lower()
    other = await nats.connect(secured_nats.url, user_credentials=str(paths["partner-blijft"]), allow_reconnect=False)
    await other.close()

    # The server keeps the revocation across a restart (the resolver stores the pushed account,
    # newer than the one in its configuration).
    secured_nats.restart()
    assert "authorization violation" in (await _refused(secured_nats.url, user_credentials=str(paths["partner-weg"]))).lower()
    other = await nats.connect(secured_nats.url, user_credentials=str(paths["partner-blijft"]), allow_reconnect=False)
    await other.close()


def test_keys_are_made_once_and_only_their_owner_may_read_them(tmp_path: Path) -> None:
    auth = natsauth.NatsAuth(tmp_path / "auth").ensure()
    seeds = {p.name: p.read_text() for p in (tmp_path / "auth" / "keys").iterdir()}
    issuer = auth.partner_issuer()
    natsauth.NatsAuth(tmp_path / "auth").ensure()
    assert {p.name: p.read_text() for p in (tmp_path / "auth" / "keys").iterdir()} == seeds
    assert auth.partner_issuer() == issuer
    for path in [tmp_path / "auth", *(tmp_path / "auth").rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, path
    # Each service's user carries exactly the generator's permissions (embedded == deploy).
    from dinet_contracts.generate import service_permissions

    for service in SERVICES:
        claims = natsauth.decode_jwt(natsauth.creds_jwt(auth.creds_path(service).read_text()))
        assert claims["nats"]["pub"]["allow"] == list(service_permissions(service).publish)
        assert claims["nats"]["sub"]["allow"] == ["_INBOX.>"]


async def test_a_service_with_wrong_credentials_fails_at_once_instead_of_waiting(
    secured_nats: EmbeddedNats, tmp_path: Path
) -> None:
    began = time.monotonic()
    with pytest.raises(PermissionError, match="(?i)weigert een verbinding zonder gebruiker.*authorization violation"):
        await connect(secured_nats.url, connect_timeout=30)
    stranger = natsauth.NatsAuth(tmp_path / "vreemd").ensure()
    with pytest.raises(PermissionError, match="(?i)weigert de gebruiker uit"):
        await connect(secured_nats.url, creds=stranger.creds_path("kpi"), connect_timeout=30)
    with pytest.raises(FileNotFoundError, match="NATS_CREDS"):
        await connect(secured_nats.url, creds=tmp_path / "ontbreekt.creds", connect_timeout=30)
    assert time.monotonic() - began < 10


def test_a_revocation_changes_nothing_in_the_partner_account_but_its_list(tmp_path: Path) -> None:
    auth = natsauth.NatsAuth(tmp_path / "auth").ensure()
    issuer = auth.partner_issuer()
    text = auth.server_conf.read_text()
    preloaded = text.split(f"{issuer.partner_account}: ", 1)[1].split("\n", 1)[0]
    first = natsauth.decode_jwt(preloaded)
    pushed = natsauth.decode_jwt(issuer.account_jwt({"UABC": 1_800_000_000}))
    assert pushed["nats"].pop("revocations") == {"UABC": 1_800_000_000}
    assert pushed["nats"] == first["nats"] and pushed["sub"] == first["sub"] == issuer.partner_account
    # Signed by the operator's signing key, which the operator JWT lists; later than the preload.
    operator = natsauth.decode_jwt(text.split("operator: ", 1)[1].split("\n", 1)[0])
    assert pushed["iss"] in operator["nats"]["signing_keys"] and pushed["iat"] > first["iat"]
    with pytest.raises(ValueError):
        header, body, signature = preloaded.split(".")
        natsauth.decode_jwt(f"{header}.{body}.{signature[:-4]}AAAA")
