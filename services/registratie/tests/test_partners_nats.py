"""NATS users for partners, issued and revoked on the staff page, on the embedded server as
`dinet up` runs it: a new user works at once on its own prefix only, a revoked one is thrown out
and refused within seconds, with no file edited and no server reloaded."""

from __future__ import annotations

import asyncio
import html
import re
import time
import uuid
from pathlib import Path
from typing import Any

import nats
import pytest
from dinet_chassis.bus import connect, ensure_streams
from dinet_chassis.natsauth import ADMIN_USER
from dinet_contracts.topology import PARTNERS
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_sleutel
from registratie.main import DEFINITION

MEDIAWIJS = organisatie_id_voor_sleutel("mediawijs")
LINK = organisatie_id_voor_sleutel("link-in-de-kabel")
BEHEER = "/registratie/beheer/partners"


def _csrf(pagina: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', pagina).group(1)


async def _staf(runtime: Any, http: Any) -> Any:
    client = http(runtime)
    pagina = await client.get("/registratie/inloggen")
    await client.post(
        "/registratie/inloggen", data={"_csrf_token": _csrf(pagina.text), "gebruikersnaam": "medewerker", "wachtwoord": "demo"}
    )
    return client


def _op_beveiligde_nats(secured_nats: Any, **meer: Any) -> dict[str, Any]:
    """registratie as `dinet up` starts it: its own user, and the keys to issue partner users."""
    return {
        "demo": True,
        "nats_url": secured_nats.url,
        "nats_creds": str(secured_nats.creds("registratie")),
        "nats_partner_issuer": str(secured_nats.auth.partner_issuer_path),
        **meer,
    }


async def _geef_uit(staf: Any, organisatie_id: uuid.UUID, tmp_path: Path) -> tuple[str, Path]:
    lijst = await staf.get(BEHEER)
    r = await staf.post(f"{BEHEER}/nats", data={"_csrf_token": _csrf(lijst.text), "nats_organisatie_id": str(organisatie_id)})
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    gebruiker = re.search(r"Gebruiker</dt>\s*<dd[^>]*><code>([^<]+)</code>", r.text).group(1)
    creds = html.unescape(re.search(r"<pre[^>]*><code>(.*?)</code></pre>", r.text, re.S).group(1))
    pad = tmp_path / f"{gebruiker}-{uuid.uuid4().hex[:6]}.creds"
    pad.write_text(creds)
    return gebruiker, pad


class Fouten(list):
    async def bewaar(self, exc: Exception) -> None:
        self.append(str(exc).lower())


async def _geweigerd(url: str, creds: Path) -> bool:
    try:
        nc = await nats.connect(url, user_credentials=str(creds), allow_reconnect=False, max_reconnect_attempts=0)
    except Exception as exc:
        return "authorization violation" in str(exc).lower()
    await nc.close()
    return False


async def test_staff_issue_a_nats_user_that_works_at_once_on_its_own_prefix_only(
    start_service: Any, http: Any, secured_nats: Any, tmp_path: Path
) -> None:
    async with start_service(DEFINITION, **_op_beveiligde_nats(secured_nats)) as runtime:
        staf = await _staf(runtime, http)
        gebruiker, creds = await _geef_uit(staf, MEDIAWIJS, tmp_path)
        assert gebruiker == "partner-mediawijs"
        seed = re.search(r"^SU[A-Z2-7]+$", creds.read_text(), re.M).group(0)

        # The register keeps the public key only; the seed is nowhere in the database.
        async with runtime.db.engine.connect() as conn:
            rij = (await conn.execute(text("SELECT * FROM partner_nats_gebruikers"))).mappings().one()
        assert rij["publieke_sleutel"].startswith("U") and seed not in str(dict(rij))

        # Straight away, with no server change: its own prefix lands in DINET_PARTNERS, another's is refused.
        fouten = Fouten()
        partner = await nats.connect(secured_nats.url, user_credentials=str(creds), error_cb=fouten.bewaar, allow_reconnect=False)
        eigen = f"dinet.partner.{MEDIAWIJS}.activiteit.gepland.v1"
        ander = f"dinet.partner.{LINK}.activiteit.gepland.v1"
        await partner.publish(eigen, b"{}", headers={"Nats-Msg-Id": str(uuid.uuid4())})
        await partner.publish(ander, b"{}", headers={"Nats-Msg-Id": str(uuid.uuid4())})
        await partner.flush()
        admin = await connect(secured_nats.url, creds=secured_nats.creds(ADMIN_USER), connect_timeout=5)
        js = admin.jetstream(timeout=2)
        await ensure_streams(js, (PARTNERS,))
        deadline = time.monotonic() + 5
        while not any(ander.lower() in f for f in fouten) or (await js.stream_info(PARTNERS.name)).state.messages < 1:
            assert time.monotonic() < deadline, fouten
            await asyncio.sleep(0.02)
        info = await js.stream_info(PARTNERS.name, subjects_filter="dinet.partner.>")
        assert info.state.subjects == {eigen: 1}
        await partner.close()
        await admin.close()

        # A second one for the same organisation only after revoking the first.
        lijst = await staf.get(BEHEER)
        r = await staf.post(f"{BEHEER}/nats", data={"_csrf_token": _csrf(lijst.text), "nats_organisatie_id": str(MEDIAWIJS)})
        assert r.status_code == 400 and "Trek die eerst in" in r.text


async def test_revoking_on_the_staff_page_throws_a_connected_partner_out_within_seconds(
    start_service: Any, http: Any, secured_nats: Any, tmp_path: Path
) -> None:
    async with start_service(DEFINITION, **_op_beveiligde_nats(secured_nats)) as runtime:
        staf = await _staf(runtime, http)
        _, creds = await _geef_uit(staf, LINK, tmp_path)
        gesloten = asyncio.Event()

        async def bij_sluiten() -> None:
            gesloten.set()

        partner = await nats.connect(secured_nats.url, user_credentials=str(creds), allow_reconnect=False, closed_cb=bij_sluiten)
        lijst = await staf.get(BEHEER)
        pad = re.search(r"/registratie/beheer/partners/nats/(\d+)/intrekken", lijst.text).group(0)
        begin = time.monotonic()
        r = await staf.post(pad, data={"_csrf_token": _csrf(lijst.text)})
        assert r.status_code == 303
        await asyncio.wait_for(gesloten.wait(), timeout=5)
        duur = time.monotonic() - begin
        assert partner.is_closed and duur < 3, duur
        assert await _geweigerd(secured_nats.url, creds)
        na = await staf.get(r.headers["location"])
        assert "De server weigert hem vanaf nu" in na.text and "Ingetrokken op" in na.text
        assert "partners.json" not in na.text

        # Revoked: a new one may be issued under the same name, and it works.
        _, nieuw = await _geef_uit(staf, LINK, tmp_path)
        partner = await nats.connect(secured_nats.url, user_credentials=str(nieuw), allow_reconnect=False)
        await partner.close()


async def test_a_revocation_made_while_nats_is_down_takes_effect_when_it_is_back(
    start_service: Any, http: Any, secured_nats: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registratie.toegang import nats_toegang

    monkeypatch.setattr(nats_toegang, "OPNIEUW_NA_SECONDEN", 0.2)
    async with start_service(DEFINITION, **_op_beveiligde_nats(secured_nats)) as runtime:
        staf = await _staf(runtime, http)
        _, creds = await _geef_uit(staf, MEDIAWIJS, tmp_path)
        secured_nats.stop()
        lijst = await staf.get(BEHEER)
        pad = re.search(r"/registratie/beheer/partners/nats/(\d+)/intrekken", lijst.text).group(0)
        r = await staf.post(pad, data={"_csrf_token": _csrf(lijst.text)})
        na = await staf.get(r.headers["location"])
        assert "de NATS-server was niet bereikbaar" in na.text
        secured_nats.start()
        deadline = time.monotonic() + 10
        while not await _geweigerd(secured_nats.url, creds):
            assert time.monotonic() < deadline, "de intrekking kwam niet aan na de herstart"
            await asyncio.sleep(0.1)


async def test_without_the_signing_keys_staff_are_told_why_no_user_can_be_made(
    start_service: Any, http: Any, secured_nats: Any
) -> None:
    async with start_service(DEFINITION, **_op_beveiligde_nats(secured_nats, nats_partner_issuer="")) as runtime:
        staf = await _staf(runtime, http)
        lijst = await staf.get(BEHEER)
        assert "NATS_PARTNER_ISSUER" in lijst.text
        r = await staf.post(f"{BEHEER}/nats", data={"_csrf_token": _csrf(lijst.text), "nats_organisatie_id": str(LINK)})
        assert r.status_code == 503 and "de sleutel om ze te ondertekenen ontbreekt" in r.text
