"""What the kpi tests share: a bus that publishes like a relay, signed-in clients, event builders."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import nats
import pytest

from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts import OrganisatieType, wrap
from dinet_contracts.envelope import CONTENT_TYPE, CloudEvent, Event
from dinet_contracts.events import activiteiten as act
from dinet_contracts.events.registratie import LidGeregistreerd, OrganisatieBijgewerkt
from dinet_contracts.topology import EVENTS
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, Trekker, Vorm

SOURCE = "/dinet/test"


class Bus:
    """Publishes like a service's relay does: the envelope as JSON, Nats-Msg-Id = event id."""

    def __init__(self, nc) -> None:
        self.nc = nc
        self.js = nc.jetstream()
        self.laatste_seq = 0

    async def publiceer(self, event: Event | CloudEvent, *, msg_id: str | None = None, tijd: datetime | None = None) -> CloudEvent:
        envelope = event if isinstance(event, CloudEvent) else wrap(event, source=SOURCE, time=tijd)
        ack = await self.js.publish(
            envelope.data.nats_subject(),
            envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": msg_id or envelope.id, "Content-Type": CONTENT_TYPE},
        )
        self.laatste_seq = max(self.laatste_seq, ack.seq)
        return envelope

    async def alles(self, events) -> None:
        for e in events:
            await self.publiceer(e)

    async def verwerkt(self, timeout: float = 10) -> None:
        """Wait until the KPI consumer acknowledged everything published so far."""

        async def klaar() -> bool:
            info = await self.js.consumer_info(EVENTS.name, "kpi-projectie")
            return info.ack_floor.stream_seq >= self.laatste_seq and not info.num_ack_pending

        await wait_until(klaar, timeout=timeout)


def aanmelden(client, runtime, *rollen: Rol) -> None:
    wie = Identiteit(sub=f"test-{uuid.uuid4().hex[:6]}", naam="Test", rollen=frozenset(rollen))
    client.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))


@pytest.fixture
async def dienst(start_service, http, nats_server):
    from kpi.main import DEFINITION

    async with start_service(DEFINITION) as runtime:
        nc = await nats.connect(nats_server.url)
        try:
            yield runtime, http(runtime), Bus(nc)
        finally:
            await nc.close()


@pytest.fixture
def als():
    """`als(client, runtime, Rol.STUURGROEP)` signs the client in with these roles."""
    return aanmelden


def _moment(dag: date, uur: int = 10) -> datetime:
    return datetime(dag.year, dag.month, dag.day, uur, tzinfo=UTC)


class Maak:
    """Builders for the events the producers publish, with defaults that count."""

    VVSG = uuid.UUID("00000000-0000-4000-8000-000000000001")

    @staticmethod
    def activiteit(
        soort: ActiviteitSoort = ActiviteitSoort.INFOSESSIE,
        dag: date = date(2025, 3, 10),
        *,
        status: ActiviteitStatus = ActiviteitStatus.AFGELOPEN,
        versie: int = 1,
        activiteit_id: uuid.UUID | None = None,
        trekker: Trekker = Trekker.VVSG,
        vorm: Vorm = Vorm.FYSIEK,
        duur: str = "3",
        organisator_id: uuid.UUID | None = None,
        titel: str = "Infosessie digitale inclusie",
        start: datetime | None = None,
        **extra,
    ) -> act.Activiteit:
        begin = start or _moment(dag)
        return act.Activiteit(
            activiteit_id=activiteit_id or uuid.uuid4(),
            versie=versie,
            soort=soort,
            titel=titel,
            organisator_id=organisator_id or Maak.VVSG,
            trekker=trekker,
            vorm=vorm,
            start=begin,
            einde=begin + timedelta(hours=float(duur)),
            duur_uren=Decimal(duur),
            status=status,
            **extra,
        )

    @staticmethod
    def event(a: act.Activiteit):
        cls = {
            ActiviteitStatus.AFGELOPEN: act.ActiviteitAfgelopen,
            ActiviteitStatus.GEANNULEERD: act.ActiviteitGeannuleerd,
            ActiviteitStatus.GEPLAND: act.ActiviteitGepland if a.versie == 1 else act.ActiviteitGewijzigd,
            ActiviteitStatus.VERPLAATST: act.ActiviteitGewijzigd,
        }[a.status]
        return cls(activiteit_id=a.activiteit_id, activiteit=a)

    @staticmethod
    def aanwezig(
        a: act.Activiteit,
        *,
        lid_id: uuid.UUID | None = None,
        aanwezig: bool = True,
        uren: str | None = None,
        versie: int = 1,
        organisatie_id: uuid.UUID | None = None,
        organisatie_type: OrganisatieType = OrganisatieType.LOKAAL_BESTUUR,
        geregistreerd_op: datetime | None = None,
    ) -> act.AanwezigheidGeregistreerd:
        return act.AanwezigheidGeregistreerd(
            activiteit_id=a.activiteit_id,
            lid_id=lid_id or uuid.uuid4(),
            versie=versie,
            organisatie_id=organisatie_id or uuid.uuid4(),
            organisatie_type=organisatie_type,
            aanwezig=aanwezig,
            uren=Decimal(uren if uren is not None else (str(a.duur_uren) if aanwezig else "0")),
            geregistreerd_op=geregistreerd_op or a.einde,
        )

    @staticmethod
    def lid(org: uuid.UUID | None = None, soort: OrganisatieType = OrganisatieType.LOKAAL_BESTUUR, sinds: date = date(2025, 1, 1), lid_id=None):
        return LidGeregistreerd(
            lid_id=lid_id or uuid.uuid4(), organisatie_id=org or uuid.uuid4(), organisatie_type=soort, lid_sinds=sinds, nieuwsbrief=False
        )

    @staticmethod
    def organisatie(
        org: uuid.UUID,
        naam: str,
        soort: OrganisatieType = OrganisatieType.LOKAAL_BESTUUR,
        *,
        provincie: str | None = None,
        inwoners: int | None = None,
        versie: int = 1,
    ) -> OrganisatieBijgewerkt:
        return OrganisatieBijgewerkt(
            organisatie_id=org, versie=versie, naam=naam, type=soort, provincie=provincie, inwoners=inwoners
        )


@pytest.fixture
def maak():
    return Maak


def cijfers(body: dict) -> dict:
    return {c["id"]: c["waarde"] for c in [*body["kpis"], *body["context"]]}


@pytest.fixture
def lees():
    """`await lees(client, jaar)` -> {kpi id: value} from the JSON API."""

    async def _lees(client, jaar: int) -> dict:
        response = await client.get("/kpi/api/v1/kpis", params={"jaar": jaar})
        assert response.status_code == 200, response.text
        return cijfers(response.json())

    return _lees


__all__ = ["SimpleNamespace"]
