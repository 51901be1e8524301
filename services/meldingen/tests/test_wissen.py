"""meldingen forgets an erased member and stops mail to one who left, on real NATS and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import nats
from dinet_chassis.testing import wait_until
from dinet_contracts import CloudEvent, wrap
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.events.registratie import LidContactgegevens, LidGewist, LidUitgeschreven
from meldingen.main import DEFINITION
from sqlalchemy import text

NAAM = "Griet Vandenbroucke"
EMAIL = "griet.vandenbroucke@gemeente.be"


def envelop(data) -> CloudEvent:
    return wrap(data, source="/dinet/registratie")


async def publiceer(url: str, *envelopes: CloudEvent) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for e in envelopes:
            await js.publish(
                e.data.nats_subject(),
                e.model_dump_json().encode(),
                headers={"Nats-Msg-Id": e.id, "Content-Type": CONTENT_TYPE},
            )
    finally:
        await nc.close()


async def rij(runtime, sql: str, **params):
    async with runtime.db.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).all()


async def verwerkt(runtime, event_id: str) -> bool:
    return bool(await rij(runtime, "SELECT 1 FROM inbox WHERE event_id = :id", id=event_id))


async def persoonsgegevens_in_schema(runtime) -> list[str]:
    """Every text, json or bytea column of meldingen's schema that still mentions the person."""
    gevonden = []
    async with runtime.db.engine.connect() as conn:
        kolommen = (
            await conn.execute(
                text(
                    "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
                    " JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
                    " WHERE c.table_schema = 'meldingen' AND t.table_type = 'BASE TABLE'"
                    " AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea')"
                )
            )
        ).all()
        for tabel, kolom, soort in kolommen:
            waarde = f"convert_from(\"{kolom}\", 'UTF8')" if soort == "bytea" else f"CAST(\"{kolom}\" AS text)"
            aantal = (
                await conn.execute(
                    text(f'SELECT count(*) FROM meldingen."{tabel}" WHERE {waarde} ILIKE ANY (:patronen)'),
                    {"patronen": ["%vandenbroucke%", f"%{EMAIL}%"]},
                )
            ).scalar_one()
            if aantal:
                gevonden.append(f"{tabel}.{kolom}")
    return gevonden


async def test_erasure_removes_contact_tokens_and_mail_content(start_service, nats_server, mail_sink) -> None:
    lid_id = uuid.uuid4()
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        contact = envelop(LidContactgegevens(lid_id=lid_id, naam=NAAM, email=EMAIL, nieuwsbrief=True, aanleiding="registratie"))
        await publiceer(nats_server.url, contact)

        async def verzonden() -> bool:
            rijen = await rij(runtime, "SELECT status FROM melding WHERE lid_id = :id", id=lid_id)
            return len(rijen) == 2 and all(r.status == "verzonden" for r in rijen)

        await wait_until(verzonden, timeout=15)
        assert await persoonsgegevens_in_schema(runtime) == ["contact.naam", "contact.email"]
        assert await rij(runtime, "SELECT 1 FROM nieuwsbrief_token WHERE lid_id = :id", id=lid_id)

        gewist = envelop(LidGewist(lid_id=lid_id, gewist_op=datetime.now(UTC)))
        await publiceer(nats_server.url, gewist)
        await wait_until(lambda: verwerkt(runtime, gewist.id), timeout=15)

        assert await rij(runtime, "SELECT 1 FROM contact WHERE lid_id = :id", id=lid_id) == []
        assert await rij(runtime, "SELECT 1 FROM nieuwsbrief_token WHERE lid_id = :id", id=lid_id) == []
        # The count of mails sent stays; nothing in it leads to the person.
        assert sorted(
            tuple(r) for r in await rij(runtime, "SELECT soort, status, token FROM melding WHERE lid_id = :id", id=lid_id)
        ) == [("nieuwsbrief_bevestiging", "verzonden", None), ("welkom", "verzonden", None)]
        assert await persoonsgegevens_in_schema(runtime) == []

        # A contact message that arrives after the erasure (no order between streams) is refused.
        laat = envelop(LidContactgegevens(lid_id=lid_id, naam=NAAM, email=EMAIL, nieuwsbrief=True, aanleiding="wijziging"))
        await publiceer(nats_server.url, laat)
        await wait_until(lambda: verwerkt(runtime, laat.id), timeout=15)
        assert await rij(runtime, "SELECT 1 FROM contact WHERE lid_id = :id", id=lid_id) == []
        assert len(await rij(runtime, "SELECT 1 FROM melding WHERE lid_id = :id", id=lid_id)) == 2
        assert await persoonsgegevens_in_schema(runtime) == []

        # The same erasure again (redelivery) changes nothing and fails nothing.
        nog_eens = envelop(LidGewist(lid_id=lid_id, gewist_op=datetime.now(UTC)))
        await publiceer(nats_server.url, nog_eens)
        await wait_until(lambda: verwerkt(runtime, nog_eens.id), timeout=15)
        assert await rij(runtime, "SELECT count(*) FROM gewiste_leden") == [(1,)]


async def test_leaving_stops_waiting_mails(start_service, nats_server) -> None:
    # No SMTP server listens (the fixture's default): mails stay waiting for a retry.
    lid_id = uuid.uuid4()
    async with start_service(DEFINITION) as runtime:
        contact = envelop(LidContactgegevens(lid_id=lid_id, naam=NAAM, email=EMAIL, nieuwsbrief=True, aanleiding="registratie"))
        await publiceer(nats_server.url, contact)

        async def wachtend() -> bool:
            rijen = await rij(runtime, "SELECT status, pogingen FROM melding WHERE lid_id = :id", id=lid_id)
            return len(rijen) == 2 and all(r.status == "wachtend" and r.pogingen >= 1 for r in rijen)

        await wait_until(wachtend, timeout=15)
        weg = envelop(LidUitgeschreven(lid_id=lid_id, lid_tot=date.today()))
        await publiceer(nats_server.url, weg)
        await wait_until(lambda: verwerkt(runtime, weg.id), timeout=15)

        meldingen = await rij(runtime, "SELECT status, reden, token FROM melding WHERE lid_id = :id", id=lid_id)
        tokens = await rij(runtime, "SELECT verloopt_op <= now() FROM nieuwsbrief_token WHERE lid_id = :id", id=lid_id)
    assert [tuple(m) for m in meldingen] == [("mislukt", "lid uitgeschreven", None)] * 2
    assert [t[0] for t in tokens] == [True]
