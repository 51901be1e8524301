"""The fast tier for meldingen: its handler tables on FastStream's in-memory broker, with a
connection that records its statements instead of PostgreSQL (every read finds nothing, as for a
member or activity seen for the first time). Milliseconds; test_meldingen.py, test_wissen.py and
test_activiteitmails.py check the same ops on the real servers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from dinet_chassis.fakes import InMemoryConsumer
from dinet_contracts import wrap
from dinet_contracts.events import activiteiten as act
from dinet_contracts.events.registratie import (
    LidContactgegevens,
    LidGeregistreerd,
    LidGewist,
    LidUitgeschreven,
    OrganisatieBijgewerkt,
)
from dinet_contracts.topology import CONSUMERS, consumer
from dinet_contracts.types import OrganisatieType
from faststream.nats import NatsBroker, TestNatsBroker
from meldingen.handlers import HANDLERS
from meldingen.main import DEFINITION


class _Leeg:
    def first(self) -> None:
        return None

    def scalar(self) -> None:
        return None

    def all(self) -> list:
        return []

    def mappings(self) -> "_Leeg":
        return self


@dataclass
class OpgenomenVerbinding:
    """Stands in for the consumer's connection: keeps (SQL, parameters) of every statement."""

    statements: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def execute(self, statement: Any, params: dict[str, Any] | None = None) -> _Leeg:
        self.statements.append((" ".join(str(statement).split()), params or {}))
        return _Leeg()

    def geschreven(self, begin: str) -> list[dict[str, Any]]:
        return [p for sql, p in self.statements if sql.startswith(begin)]


async def _publiceer(broker: NatsBroker, *events) -> None:
    async with TestNatsBroker(broker) as bus:
        for event in events:
            await bus.publish(wrap(event, source="/dinet/registratie").model_dump_json(), event.nats_subject())


def test_the_service_runs_one_table_per_own_consumer() -> None:
    eigen = {c.durable for c in CONSUMERS if c.service == "meldingen"}
    assert set(HANDLERS) == eigen == {"meldingen-contact", "meldingen-gebeurtenissen", "meldingen-activiteiten"}
    assert DEFINITION.handlers is HANDLERS


async def test_contact_data_is_stored_and_a_welcome_planned() -> None:
    conn = OpgenomenVerbinding()
    broker = NatsBroker()
    c = InMemoryConsumer(broker, consumer("meldingen-contact"), HANDLERS["meldingen-contact"], conn)
    lid_id = uuid.uuid4()
    await _publiceer(broker, LidContactgegevens(
        lid_id=lid_id, naam="An", email="an@gemeente.be", nieuwsbrief=False, aanleiding="registratie",
    ))
    assert len(c.handled) == 1 and c.skipped == [] and c.refused == []
    assert [p["lid_id"] for p in conn.geschreven("INSERT INTO contact")] == [lid_id]
    assert any(p.get("lid_id") == lid_id for p in conn.geschreven("INSERT INTO melding"))


async def test_erasure_and_leaving_reach_their_ops() -> None:
    conn = OpgenomenVerbinding()
    broker = NatsBroker()
    c = InMemoryConsumer(broker, consumer("meldingen-gebeurtenissen"), HANDLERS["meldingen-gebeurtenissen"], conn)
    gewist, weg = uuid.uuid4(), uuid.uuid4()
    await _publiceer(
        broker,
        LidGewist(lid_id=gewist, gewist_op=datetime.now(UTC)),
        LidUitgeschreven(lid_id=weg, lid_tot=date.today()),
    )
    assert len(c.handled) == 2 and c.skipped == [] and c.refused == []
    assert [p["id"] for p in conn.geschreven("DELETE FROM contact")] == [gewist]
    # Leaving stops the member's waiting mails; it erases nothing.
    assert {"id": weg, "reden": "lid uitgeschreven"} in conn.geschreven("UPDATE melding SET status = 'mislukt'")
    assert all(p.get("id") != weg for p in conn.geschreven("DELETE FROM"))


async def test_activities_registrations_and_organisations_reach_their_ops_and_v1_is_read_as_v2(h) -> None:
    ORG = h.ORG
    conn = OpgenomenVerbinding()
    broker = NatsBroker()
    c = InMemoryConsumer(broker, consumer("meldingen-activiteiten"), HANDLERS["meldingen-activiteiten"], conn)
    a = h.activiteit()
    lid_id = uuid.uuid4()
    organisatie = OrganisatieBijgewerkt(
        organisatie_id=ORG, versie=3, naam="Gemeente Gent", type=OrganisatieType.LOKAAL_BESTUUR, provincie="Oost-Vlaanderen",
    )
    await _publiceer(
        broker,
        act.ActiviteitGepland(activiteit_id=a.activiteit_id, activiteit=a),  # v1: reaches the v2 op
        h.inschrijving(a, lid_id, "ingeschreven", 1, uuid.uuid4()),
        LidGeregistreerd(
            lid_id=lid_id, organisatie_id=ORG, organisatie_type=OrganisatieType.LOKAAL_BESTUUR,
            lid_sinds=date.today(), nieuwsbrief=False,
        ),
        organisatie,
    )
    assert len(c.handled) == 4 and c.skipped == [] and c.refused == []
    (snapshot,) = conn.geschreven("INSERT INTO activiteit")
    assert (snapshot["id"], snapshot["versie"]) == (a.activiteit_id, 1)
    assert [p["lid"] for p in conn.geschreven("INSERT INTO inschrijving")] == [lid_id]
    assert conn.geschreven("INSERT INTO lid_organisatie") == [
        {"l": lid_id, "o": ORG, "t": OrganisatieType.LOKAAL_BESTUUR.value}
    ]
    assert [(p["o"], p["v"]) for p in conn.geschreven("INSERT INTO organisatie")] == [(ORG, 3)]
