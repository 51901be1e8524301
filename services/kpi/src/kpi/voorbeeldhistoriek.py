"""A generated, deterministic history of the plan's five years, as the producers would publish it.

For the rebuild tests and benchmarks: organisations, members who join, move and leave, the
knowledge-sharing space, activities that are planned, moved, cancelled and held, attendance
(partial, corrected, recorded late), feedback, newsletters, policy plans, target changes, and
duplicates (the same event published again). Ids come from the seed, so a history is the same
on every run. No personal data, as on the real stream.
"""

from __future__ import annotations

import heapq
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from dinet_contracts import wrap
from dinet_contracts.envelope import CloudEvent, Event
from dinet_contracts.events import activiteiten as act
from dinet_contracts.events.beleidsplan import BeleidsplanAangemaakt, BeleidsplanGepubliceerd
from dinet_contracts.events.kpi import KpiDoelGewijzigd
from dinet_contracts.events.meldingen import NieuwsbriefInschrijvingBevestigd, NieuwsbriefVerzonden
from dinet_contracts.events.registratie import (
    LidGeregistreerd,
    LidKennisdelingGewijzigd,
    LidOrganisatieGewijzigd,
    LidUitgeschreven,
    OrganisatieBijgewerkt,
)
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, OrganisatieType, Trekker, Vorm

from kpi.catalogus import GEMEENTEN_PER_PROVINCIE, KPIS

SOURCE = "/dinet/historiek"
BEGIN = datetime(2025, 1, 1, 8, tzinfo=UTC)
EINDE = datetime(2029, 12, 31, 18, tzinfo=UTC)

_SOORTEN = list(ActiviteitSoort)
_GEWICHT = {
    ActiviteitSoort.INFOSESSIE: 6,
    ActiviteitSoort.THEMATISCHE_OPLEIDING: 5,
    ActiviteitSoort.NETWERK_ALGEMEEN: 2,
    ActiviteitSoort.NETWERK_SPECIFIEK: 3,
    ActiviteitSoort.ADVIESGESPREK: 4,
    ActiviteitSoort.ONDERSTEUNING_OP_MAAT: 4,
    ActiviteitSoort.MAANDELIJKS_OVERLEG: 3,
}


class Historiek:
    def __init__(self, seed: int = 2025) -> None:
        self.rng = random.Random(seed)
        self.besturen: list[tuple[uuid.UUID, OrganisatieType]] = []
        self.andere: list[tuple[uuid.UUID, OrganisatieType]] = []
        self.leden: list[tuple[uuid.UUID, date]] = []
        self.wachtrij: list[tuple[datetime, int, Event]] = []  # events due later (held, attendance)
        self.volgnummer = 0
        self.verstuurd: list[CloudEvent] = []

    def _id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _later(self, moment: datetime, event: Event) -> None:
        self.volgnummer += 1
        heapq.heappush(self.wachtrij, (moment, self.volgnummer, event))

    def _envelop(self, event: Event, moment: datetime) -> CloudEvent:
        return wrap(event, source=SOURCE, event_id=str(self._id()), time=moment)

    def organisaties(self) -> Iterator[Event]:
        nummer = 0
        for provincie, aantal in GEMEENTEN_PER_PROVINCIE.items():
            for _ in range(aantal):
                nummer += 1
                org = self._id()
                self.besturen.append((org, OrganisatieType.LOKAAL_BESTUUR))
                yield OrganisatieBijgewerkt(
                    organisatie_id=org,
                    versie=1,
                    naam=f"Gemeente {nummer:03d}",
                    type=OrganisatieType.LOKAAL_BESTUUR,
                    nis_code=f"{10000 + nummer:05d}",
                    provincie=provincie,
                    inwoners=self.rng.choice((8_000, 15_000, 25_000, 40_000, 80_000, 250_000)),
                )
        for i, soort in enumerate(
            [OrganisatieType.IGS] * 10
            + [OrganisatieType.MIDDENVELDORGANISATIE] * 10
            + [OrganisatieType.KENNISINSTELLING] * 3
            + [OrganisatieType.BOVENLOKALE_OVERHEID] * 3
            + [OrganisatieType.ANDERE] * 2
        ):
            org = self._id()
            self.andere.append((org, soort))
            yield OrganisatieBijgewerkt(organisatie_id=org, versie=1, naam=f"Organisatie {i:02d}", type=soort)

    def _organisatie(self) -> tuple[uuid.UUID, OrganisatieType]:
        return self.rng.choice(self.besturen) if self.rng.random() < 0.8 else self.rng.choice(self.andere)

    def _activiteit(self, moment: datetime) -> Iterator[Event]:
        rng = self.rng
        soort = rng.choices(_SOORTEN, weights=[_GEWICHT.get(s, 1) for s in _SOORTEN])[0]
        start = (moment + timedelta(days=rng.randint(3, 60))).replace(hour=rng.choice((7, 9, 12, 13)), minute=0)
        duur = Decimal(rng.choice(("1.5", "2", "3", "6.5")))
        org, _ = self._organisatie() if rng.random() < 0.3 else (uuid.UUID(int=1), None)
        lokaal = rng.choice(self.besturen)[0] if soort in (ActiviteitSoort.ONDERSTEUNING_OP_MAAT, ActiviteitSoort.ADVIESGESPREK) else None
        basis = dict(
            activiteit_id=self._id(),
            soort=soort,
            titel=f"{soort.value.replace('_', ' ').capitalize()} {start:%d/%m/%Y}",
            organisator_id=org,
            trekker=rng.choices(list(Trekker), weights=(6, 2, 2))[0],
            vorm=rng.choice(list(Vorm)),
            duur_uren=duur,
            vvsg_werkte_mee=rng.random() < 0.5,
            lokaal_bestuur_id=lokaal,
            ondersteuning="Begeleiding bij het beleidsplan" if lokaal else None,
            methode="Werksessie ter plaatse" if lokaal else None,
        )

        def snapshot(versie: int, begin: datetime, status: ActiviteitStatus) -> act.Activiteit:
            return act.Activiteit(versie=versie, start=begin, einde=begin + timedelta(hours=float(duur)), status=status, **basis)

        versie = 1
        yield act.ActiviteitGepland(activiteit_id=basis["activiteit_id"], activiteit=snapshot(1, start, ActiviteitStatus.GEPLAND))
        if rng.random() < 0.1:  # moved, possibly into the next year
            versie += 1
            start = start + timedelta(days=rng.randint(14, 90))
            yield act.ActiviteitGewijzigd(activiteit_id=basis["activiteit_id"], activiteit=snapshot(versie, start, ActiviteitStatus.VERPLAATST))
        if rng.random() < 0.06:
            versie += 1
            self._later(
                start - timedelta(days=1),
                act.ActiviteitGeannuleerd(activiteit_id=basis["activiteit_id"], activiteit=snapshot(versie, start, ActiviteitStatus.GEANNULEERD)),
            )
            return
        versie += 1
        gehouden = snapshot(versie, start, ActiviteitStatus.AFGELOPEN)
        self._later(start + timedelta(hours=float(duur)), act.ActiviteitAfgelopen(activiteit_id=basis["activiteit_id"], activiteit=gehouden))
        deelnemers = rng.randint(0, 30) if soort not in (ActiviteitSoort.ARTIKEL_LOKAAL, ActiviteitSoort.GOEDE_PRAKTIJK) else 0
        for _ in range(deelnemers):
            if self.leden and rng.random() < 0.7:
                lid = rng.choice(self.leden)[0]
            else:
                lid = self._id()
            org_id, org_type = self._organisatie()
            aanwezig = rng.random() < 0.85
            uren = duur if aanwezig and rng.random() < 0.8 else (duur / 2 if aanwezig else Decimal(0))
            # Mostly recorded within days; some weeks later, into the next year.
            geregistreerd = start + timedelta(days=rng.choice((0, 1, 2, 3, 45)))
            self._later(
                geregistreerd,
                act.AanwezigheidGeregistreerd(
                    activiteit_id=basis["activiteit_id"], lid_id=lid, versie=1, organisatie_id=org_id,
                    organisatie_type=org_type, aanwezig=aanwezig, uren=uren, geregistreerd_op=geregistreerd,
                ),
            )  # fmt: skip
            if rng.random() < 0.05:  # corrected later: left early after all
                self._later(
                    geregistreerd + timedelta(days=5),
                    act.AanwezigheidGeregistreerd(
                        activiteit_id=basis["activiteit_id"], lid_id=lid, versie=2, organisatie_id=org_id,
                        organisatie_type=org_type, aanwezig=True, uren=duur / 2, geregistreerd_op=geregistreerd + timedelta(days=5),
                    ),
                )  # fmt: skip
            if rng.random() < 0.15:
                self._later(
                    start + timedelta(days=2),
                    act.FeedbackOntvangen(
                        feedback_id=self._id(), activiteit_id=basis["activiteit_id"], activiteit_soort=soort,
                        score=rng.randint(2, 5), ontvangen_op=start + timedelta(days=2),
                    ),
                )  # fmt: skip

    def _los(self, moment: datetime) -> Iterator[Event]:
        rng = self.rng
        r = rng.random()
        if r < 0.55 or not self.leden:
            org, soort = self._organisatie()
            lid = LidGeregistreerd(lid_id=self._id(), organisatie_id=org, organisatie_type=soort, lid_sinds=moment.date(), nieuwsbrief=rng.random() < 0.5)
            self.leden.append((lid.lid_id, lid.lid_sinds))
            yield lid
            if lid.nieuwsbrief and rng.random() < 0.7:
                yield NieuwsbriefInschrijvingBevestigd(lid_id=lid.lid_id, bevestigd_op=moment + timedelta(hours=2))
            if rng.random() < 0.4:
                yield LidKennisdelingGewijzigd(lid_id=lid.lid_id, lid=True, datum=moment.date() + timedelta(days=1))
        elif r < 0.65:
            lid_id, sinds = rng.choice(self.leden)
            yield LidUitgeschreven(lid_id=lid_id, lid_tot=max(sinds, moment.date()))
        elif r < 0.72:
            lid_id, sinds = rng.choice(self.leden)
            org, soort = self._organisatie()
            yield LidOrganisatieGewijzigd(lid_id=lid_id, organisatie_id=org, organisatie_type=soort, vanaf=max(sinds, moment.date()) + timedelta(days=1))
        elif r < 0.76:
            lid_id, sinds = rng.choice(self.leden)
            yield LidKennisdelingGewijzigd(lid_id=lid_id, lid=False, datum=max(sinds, moment.date()) + timedelta(days=2))
        elif r < 0.86:
            yield NieuwsbriefVerzonden(nieuwsbrief_id=self._id(), titel=f"Nieuwsbrief {moment:%m/%Y}", verzonden_op=moment, aantal_ontvangers=rng.randint(400, 900))
        elif r < 0.96:
            plan = BeleidsplanAangemaakt(
                beleidsplan_id=self._id(), organisatie_id=rng.choice(self.besturen)[0], titel="Lokaal plan digitale inclusie",
                catalogus_versie="2025", aangemaakt_op=moment,
            )  # fmt: skip
            yield plan
            if rng.random() < 0.5:
                self._later(moment + timedelta(days=90), BeleidsplanGepubliceerd(beleidsplan_id=plan.beleidsplan_id, organisatie_id=plan.organisatie_id, gepubliceerd_op=moment + timedelta(days=90)))
        else:
            kpi = rng.choice(KPIS)
            yield KpiDoelGewijzigd(kpi_id=kpi.id, jaar=moment.year, doel=Decimal(rng.randint(1, 50)), gewijzigd_op=moment)

    def events(self, aantal: int) -> Iterator[CloudEvent]:
        """`aantal` envelopes in publishing order, about 2 % of them duplicates of earlier ones."""
        geteld = 0

        def uit(event: Event, moment: datetime) -> CloudEvent:
            envelope = self._envelop(event, moment)
            if len(self.verstuurd) < 50_000:
                self.verstuurd.append(envelope)
            return envelope

        for event in self.organisaties():
            if geteld >= aantal:
                return
            geteld += 1
            yield uit(event, BEGIN)
        while geteld < aantal:
            # The clock follows the share of the history written, so it spans the five years.
            moment = BEGIN + (EINDE - BEGIN) * (geteld / aantal)
            while self.wachtrij and self.wachtrij[0][0] <= moment and geteld < aantal:
                wanneer, _, event = heapq.heappop(self.wachtrij)
                geteld += 1
                yield uit(event, wanneer)
            if geteld >= aantal:
                return
            r = self.rng.random()
            if r < 0.02 and self.verstuurd:
                geteld += 1
                yield self.rng.choice(self.verstuurd)  # the same event again: a relay or partner retrying
                continue
            bron = self._activiteit(moment) if r < 0.09 else self._los(moment)
            for event in bron:
                if geteld >= aantal:
                    return
                geteld += 1
                yield uit(event, moment)
