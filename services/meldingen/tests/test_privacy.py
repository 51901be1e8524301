"""Privacy in meldingen: erasure removes every copy (choices, organisation, registrations, the
delivery log's link to the person) and "download my data" shows what meldingen holds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts.events import activiteiten as act
from dinet_contracts.events.registratie import LidGeregistreerd, LidGewist
from dinet_contracts.types import OrganisatieType
from meldingen.store.voorkeuren import zet_voorkeur


async def test_download_en_wissen(dienst, http, h):
    runtime, bus, mail_dir = dienst
    an, an_mail = await h.lid(bus, "An")
    await bus.publiceer(LidGeregistreerd(lid_id=an, organisatie_id=h.ORG, organisatie_type=OrganisatieType.LOKAAL_BESTUUR,
                                         lid_sinds="2026-01-01", nieuwsbrief=False))
    async with runtime.db.transaction() as conn:
        await zet_voorkeur(conn, an, "wekelijks")
    a = h.activiteit()
    await bus.publiceer(h.als_event(a, act.ActiviteitGeplandV2))
    await bus.publiceer(h.inschrijving(a, an, "ingeschreven", 1, uuid.uuid4()))
    await h.wacht_op(mail_dir, an_mail, 2)

    client = http(runtime)
    assert (await client.get("/meldingen/api/v1/mijn-gegevens")).status_code == 401
    wie = Identiteit(sub=f"lid:{an}", naam="An", rollen=frozenset({Rol.LID}), lid_id=an)
    client.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))
    r = await client.get("/meldingen/api/v1/mijn-gegevens")
    assert r.status_code == 200
    gegevens = r.json()
    assert gegevens["contact"]["email"] == an_mail and gegevens["uitnodigingen"] == "wekelijks"
    assert {m["soort"] for m in gegevens["mails"]} >= {"welkom", "inschrijving_bevestigd", "herinnering"}

    await bus.publiceer(LidGewist(lid_id=an, gewist_op=datetime.now(UTC)))

    async def weg():
        for tabel in ("contact", "voorkeur", "lid_organisatie", "inschrijving"):
            if await h.rijen(runtime, f"SELECT 1 FROM {tabel} WHERE lid_id = :l", l=an):
                return False
        return True

    await wait_until(weg)
    over = await h.rijen(runtime, "SELECT status, reden, gegevens::text AS g FROM melding WHERE lid_id = :l", l=an)
    assert over and all(r["g"] == "{}" and r["status"] in ("verzonden", "mislukt") for r in over)
    na = (await client.get("/meldingen/api/v1/mijn-gegevens")).json()
    assert na["contact"] is None and na["uitnodigingen"] == "geen"
