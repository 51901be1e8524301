"""The fast tier for the partner consumer's table: what is refused before the database is
touched, on FastStream's in-memory broker. test_partner_ingest.py covers the rest on real servers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from faststream.nats import NatsBroker, TestNatsBroker

from dinet_chassis.fakes import InMemoryConsumer
from dinet_contracts.envelope import wrap
from dinet_contracts.events.activiteiten import Activiteit, ActiviteitGepland
from dinet_contracts.events.registratie import LidGeregistreerd
from dinet_contracts.topology import consumer, partner_subject
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, Trekker, Vorm
from registratie.handlers import HANDLERS

from registratie.kernel.organisaties import organisatie_id_voor_sleutel

MEDIAWIJS = organisatie_id_voor_sleutel("mediawijs")
LINK = organisatie_id_voor_sleutel("link-in-de-kabel")


def activiteit(organisator: uuid.UUID) -> Activiteit:
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    return Activiteit(
        activiteit_id=uuid.uuid4(), versie=1, soort=ActiviteitSoort.INFOSESSIE, titel="Infosessie",
        organisator_id=organisator, trekker=Trekker.MEDIAWIJS, vorm=Vorm.ONLINE, start=start,
        einde=start + timedelta(hours=2), duur_uren=Decimal("2"), capaciteit=20, status=ActiviteitStatus.GEPLAND,
    )


class GeenDatabase:
    """A unit of work that fails the test if an op reaches it."""

    def __getattr__(self, naam: str):
        raise AssertionError(f"de database werd aangesproken ({naam})")


async def test_other_types_and_other_organisations_are_refused_for_good():
    broker = NatsBroker()
    partners = InMemoryConsumer(broker, consumer("registratie-partners"), HANDLERS["registratie-partners"], GeenDatabase())
    lid = LidGeregistreerd(
        lid_id=uuid.uuid4(), organisatie_id=MEDIAWIJS, organisatie_type="andere", lid_sinds=date(2026, 1, 1), nieuwsbrief=False
    )
    voor_link = activiteit(LINK)
    async with TestNatsBroker(broker) as bus:
        await bus.publish(
            wrap(lid, source="/partner/mediawijs").model_dump_json(),
            partner_subject(str(MEDIAWIJS), lid.event_type),
        )
        gepland = ActiviteitGepland(activiteit_id=voor_link.activiteit_id, activiteit=voor_link)
        await bus.publish(
            wrap(gepland, source="/partner/mediawijs").model_dump_json(),
            partner_subject(str(MEDIAWIJS), gepland.event_type),
        )
    redenen = [reden for _, reden in partners.refused]
    assert len(redenen) == 2 and partners.handled == []
    assert redenen[0].startswith("onverwerkbaar: partners publiceren alleen activiteiten, geen be.dinet.lid.geregistreerd.v1")
    assert "mag niet publiceren voor organisator" in redenen[1]
