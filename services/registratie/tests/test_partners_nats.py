"""NATS users for partners: issued on the staff page, and what they get works on a real server
started with the generated configuration (own prefix only)."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import secrets
import subprocess
import uuid
from pathlib import Path
from typing import Any

import bcrypt
import nats
from dinet_chassis.bus import ensure_streams
from dinet_chassis.embedded import free_port, nats_server_binary, wait_for_port
from dinet_contracts.generate import OPERATOR_USER, PartnerAccount, nats_server_conf, password_variable
from dinet_contracts.topology import PARTNERS, SERVICES
from sqlalchemy import text

from registratie.domain import organisatie_id_voor_sleutel
from registratie.main import DEFINITION

MEDIAWIJS = organisatie_id_voor_sleutel("mediawijs")
LINK = organisatie_id_voor_sleutel("link-in-de-kabel")


def _csrf(pagina: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', pagina).group(1)


async def _staf(runtime: Any, http: Any) -> Any:
    client = http(runtime)
    pagina = await client.get("/registratie/inloggen")
    await client.post(
        "/registratie/inloggen", data={"_csrf_token": _csrf(pagina.text), "gebruikersnaam": "medewerker", "wachtwoord": "demo"}
    )
    return client


def _start_nats(tmp_path: Path, partners: list[PartnerAccount]) -> tuple[subprocess.Popen[bytes], int, str]:
    port, http_port = free_port(), free_port()
    conf = nats_server_conf(partners)
    conf = re.sub(r"^listen: .*$", f"listen: 127.0.0.1:{port}", conf, flags=re.M)
    conf = re.sub(r"^http: .*$", f"http: 127.0.0.1:{http_port}", conf, flags=re.M)
    conf = re.sub(r"^(\s*)store_dir: .*$", rf'\g<1>store_dir: "{tmp_path / "js"}"', conf, flags=re.M)
    (tmp_path / "nats.conf").write_text(conf)
    wachtwoorden = {password_variable(u): secrets.token_hex(8) for u in (*SERVICES, OPERATOR_USER)}
    proces = subprocess.Popen(
        [nats_server_binary(), "-c", str(tmp_path / "nats.conf")],
        env={**os.environ, **wachtwoorden},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return proces, port, wachtwoorden[password_variable(OPERATOR_USER)]


async def test_staff_issue_a_nats_user_that_works_on_its_own_prefix_only(
    start_service: Any, http: Any, tmp_path: Path
) -> None:
    async with start_service(DEFINITION, demo=True) as runtime:
        staf = await _staf(runtime, http)
        lijst = await staf.get("/registratie/beheer/partners")
        r = await staf.post(
            "/registratie/beheer/partners/nats", data={"_csrf_token": _csrf(lijst.text), "nats_organisatie_id": str(MEDIAWIJS)}
        )
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        gebruiker = re.search(r"Gebruiker</dt>\s*<dd[^>]*><code>([^<]+)</code>", r.text).group(1)
        wachtwoord = re.search(r"Wachtwoord</dt>\s*<dd[^>]*><code>([^<]+)</code>", r.text).group(1)
        item = json.loads(html.unescape(re.search(r"<pre><code>(.*?)</code></pre>", r.text, re.S).group(1)))
        assert gebruiker == "partner-mediawijs" and item["organisatie_id"] == str(MEDIAWIJS)

        async with runtime.db.engine.connect() as conn:
            opgeslagen = (await conn.execute(text("SELECT wachtwoord_bcrypt FROM partner_nats_gebruikers"))).scalar_one()
        assert wachtwoord not in opgeslagen and bcrypt.checkpw(wachtwoord.encode(), opgeslagen.encode())

        # A second one for the same organisation only after revoking the first.
        r = await staf.post(
            "/registratie/beheer/partners/nats", data={"_csrf_token": _csrf(lijst.text), "nats_organisatie_id": str(MEDIAWIJS)}
        )
        assert r.status_code == 400 and "Trek die eerst in" in r.text

    # The entry as staff paste it into deploy/nats/partners.json, on a real server.
    proces, port, operator_wachtwoord = _start_nats(tmp_path, [PartnerAccount(**item)])
    try:
        operator = await nats.connect(f"nats://{OPERATOR_USER}:{operator_wachtwoord}@127.0.0.1:{port}")
        js = operator.jetstream(timeout=2)
        await ensure_streams(js, (PARTNERS,))
        fouten: list[str] = []

        async def bij_fout(exc: Exception) -> None:
            fouten.append(str(exc).lower())

        partner = await nats.connect(
            f"nats://{gebruiker}:{wachtwoord}@127.0.0.1:{port}", error_cb=bij_fout, allow_reconnect=False
        )
        eigen = f"dinet.partner.{MEDIAWIJS}.activiteit.gepland.v1"
        ander = f"dinet.partner.{LINK}.activiteit.gepland.v1"
        await partner.publish(eigen, b"{}", headers={"Nats-Msg-Id": str(uuid.uuid4())})
        await partner.publish(ander, b"{}", headers={"Nats-Msg-Id": str(uuid.uuid4())})
        await partner.flush()
        for _ in range(100):
            if any(ander.lower() in f for f in fouten):
                break
            await asyncio.sleep(0.02)
        assert any("permissions violation for publish" in f and ander.lower() in f for f in fouten)
        info = await js.stream_info(PARTNERS.name, subjects_filter="dinet.partner.>")
        assert info.state.subjects == {eigen: 1}
        await partner.close()
        await operator.close()
    finally:
        proces.terminate()
        proces.wait(10)


async def test_revoking_a_nats_user_says_what_to_remove(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION, demo=True) as runtime:
        staf = await _staf(runtime, http)
        lijst = await staf.get("/registratie/beheer/partners")
        await staf.post(
            "/registratie/beheer/partners/nats", data={"_csrf_token": _csrf(lijst.text), "nats_organisatie_id": str(LINK)}
        )
        lijst = await staf.get("/registratie/beheer/partners")
        assert "partner-link-in-de-kabel" in lijst.text and "Stukje voor partners.json" in lijst.text
        pad = re.search(r"/registratie/beheer/partners/nats/(\d+)/intrekken", lijst.text).group(0)
        r = await staf.post(pad, data={"_csrf_token": _csrf(lijst.text)})
        assert r.status_code == 303
        na = await staf.get(r.headers["location"])
        assert "Haal hem ook uit deploy/nats/partners.json" in na.text and "Ingetrokken op" in na.text
        assert "Stukje voor partners.json" not in na.text
        # Revoked: a new one may be issued under the same name.
        r = await staf.post(
            "/registratie/beheer/partners/nats", data={"_csrf_token": _csrf(na.text), "nats_organisatie_id": str(LINK)}
        )
        assert r.status_code == 200
