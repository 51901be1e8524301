"""Requests for tailored support from a local government's plan reach VVSG staff in registratie,
who turn one into a tailored-support activity (the kind counted for od33_op_maat)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts.envelope import wrap
from dinet_contracts.events.beleidsplan import OndersteuningsnoodGesignaleerd
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_nis
from registratie.main import DEFINITION

GENT = organisatie_id_voor_nis("44021")
PAD = "/registratie/beheer/ondersteuningsvragen"
MEDEWERKER = Identiteit(sub="demo:medewerker", naam="Mia", rollen=frozenset({Rol.MEDEWERKER}))


async def test_a_request_from_a_plan_becomes_a_tailored_support_activity(start_service: Any, http: Any, nats_server: Any) -> None:
    vraag = OndersteuningsnoodGesignaleerd(
        vraag_id=uuid.uuid4(), organisatie_id=GENT, beleidsplan_id=uuid.uuid4(), element_id="REG-09",
        element_tekst="… betrekken we inwoners bij de evaluatie van onze acties.",
        vraag="Hoe bereiken we inwoners die nooit naar een inspraakavond komen?", gesignaleerd_op=datetime.now(UTC),
    )
    async with start_service(DEFINITION) as runtime:
        nc = await nats.connect(nats_server.url)
        try:
            body = wrap(vraag, source="/dinet/beleidsplan").model_dump_json().encode()
            for _ in range(2):  # published twice (a relay retry under a new id would be a new request; this is the same one)
                await nc.jetstream().publish(vraag.nats_subject(), body)
        finally:
            await nc.close()

        client = http(runtime)
        client.cookies.set(COOKIE, maak_cookie(MEDEWERKER, runtime.settings.secret_key))

        async def zichtbaar() -> bool:
            return "nooit naar een inspraakavond" in (await client.get(PAD)).text

        await wait_until(zichtbaar, timeout=10)
        lijst = (await client.get(PAD)).text
        assert "Gent: REG-09" in lijst and "Open vragen (1)" in lijst

        formulier = await client.get(f"/registratie/beheer/activiteiten/nieuw?vraag={vraag.vraag_id}")
        assert 'value="ondersteuning_op_maat" selected' in formulier.text
        assert f'name="vraag_id" value="{vraag.vraag_id}"' in formulier.text
        assert 'value="REG-09" checked' in formulier.text
        token = re.search(r'name="_csrf_token" value="([^"]+)"', formulier.text).group(1)
        dag = (datetime.now(UTC) + timedelta(days=14)).date().isoformat()
        r = await client.post(
            "/registratie/beheer/activiteiten/nieuw",
            data={
                "_csrf_token": token, "vraag_id": str(vraag.vraag_id), "soort": "ondersteuning_op_maat",
                "titel": "Ondersteuning op maat Gent: REG-09", "organisator_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "urn:dinet:organisatie:vvsg")),
                "trekker": "vvsg", "vorm": "fysiek", "start_datum": dag, "start_tijd": "10:00", "einde_tijd": "12:00",
                "lokaal_bestuur_id": str(GENT), "ondersteuning": vraag.vraag, "methode": "Werksessie met de adviesraden",
                "elementen": ["REG-09"], "pijlers": ["REG"],
            },
        )
        assert r.status_code == 303, r.text
        activiteit_id = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])

        lijst = (await client.get(PAD)).text
        assert "Open vragen (0)" in lijst and f"/registratie/beheer/activiteiten/{activiteit_id}" in lijst
        async with runtime.db.engine.connect() as conn:
            (body,) = (
                await conn.execute(text("SELECT body FROM outbox WHERE aggregate_id = :a"), {"a": str(activiteit_id)})
            ).scalars().all()
            aantal = (await conn.execute(text("SELECT count(*) FROM ondersteuningsvragen"))).scalar_one()
        a = json.loads(body)["data"]["activiteit"]
        assert a["soort"] == "ondersteuning_op_maat" and a["lokaal_bestuur_id"] == str(GENT) and a["elementen"] == ["REG-09"]
        assert aantal == 1
