"""The public guide for partners: how to publish activities over HTTP or NATS."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from dinet_chassis.web.auth import Rol, identiteit
from dinet_contracts import wrap
from dinet_contracts.events.activiteiten import Activiteit, ActiviteitGepland, ActiviteitV2
from dinet_contracts.types import ACTIVITEIT_SOORT_LABELS, ActiviteitStatus, Trekker, Vorm
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from ...bootstrap import RegistratieDiensten
from ...kernel.organisaties import organisatie_id_voor_sleutel
from ..domain.cloudevents import BATCH, MAX_BATCH, STRUCTURED, partner_subject
from .publiceren import PAD as API_PAD

PAD = "/registratie/partners/handleiding"

# Dutch for every field of `Activiteit`; a test checks none is missing when the contract grows.
VELDEN: dict[str, str] = {
    "activiteit_id": "Jouw vaste id (UUID) voor deze activiteit. Dezelfde id in een latere gebeurtenis is dezelfde activiteit.",
    "versie": "1 bij de eerste publicatie, daarna telkens één hoger. Een oudere versie die later aankomt, telt niet.",
    "soort": "Wat voor activiteit het is; zie de lijst hieronder.",
    "titel": "De titel, 1 tot 300 tekens.",
    "organisator_id": "Het id van je eigen organisatie. Een ander id wordt geweigerd (403).",
    "trekker": "Wie de activiteit trekt: vvsg, mediawijs of partner.",
    "vorm": "fysiek of online.",
    "start": "Begin, als tijdstip volgens RFC 3339, altijd met tijdzone, bv. 2026-04-02T09:00:00+02:00. Zonder tijdzone: 422.",
    "einde": "Einde, zelfde vorm, niet voor het begin. Bij een meerdaagse opleiding het einde van de laatste dag.",
    "duur_uren": "Duur in uren, als tekst met hoogstens twee cijfers na de komma, bv. \"3\" of \"1.5\".",
    "capaciteit": "Aantal plaatsen, of null als er geen grens is.",
    "status": "gepland, afgelopen, geannuleerd of verplaatst.",
    "vvsg_werkte_mee": "true als VVSG meewerkte aan een opleiding die een ander trekt.",
    "lokaal_bestuur_id": "Bij een adviesgesprek of ondersteuning op maat: het id van het lokaal bestuur; anders null.",
    "ondersteuning": "Bij ondersteuning op maat: welke ondersteuning (hoogstens 2000 tekens); anders null.",
    "methode": "Bij ondersteuning op maat: hoe (hoogstens 500 tekens); anders null.",
    "url": "Bij een artikel of goede praktijk: waar het gepubliceerd is; anders null.",
    "plaats": "Alleen in versie 2: adres of zaal (hoogstens 300 tekens), of null.",
    "beschrijving": "Alleen in versie 2: waarover de activiteit gaat, gewone tekst (hoogstens 5000 tekens), of null.",
    "deelnamelink": "Alleen in versie 2: bij een online activiteit de link om deel te nemen (https://), of null.",
    "pijlers": "Alleen in versie 2: de pijlers van de beleidstool waarbij de activiteit helpt (TOE, VAA, DIE, REG), of [].",
    "elementen": "Alleen in versie 2: de beleidselementen van de beleidstool (bv. \"DIE-01\", zie /beleidsplan/api/v1/catalogus), of [].",
}

TYPES = [
    ("be.dinet.activiteit.gepland.v1", "Een nieuwe activiteit staat gepland."),
    ("be.dinet.activiteit.gewijzigd.v1", "Iets veranderde (ook een nieuwe datum)."),
    ("be.dinet.activiteit.geannuleerd.v1", "De activiteit gaat niet door."),
    ("be.dinet.activiteit.afgelopen.v1", "De activiteit vond plaats; vanaf nu telt ze mee."),
    ("be.dinet.activiteit.gepland.v2", "Versie 2 van elk type: ook plaats, beschrijving, deelnamelink en beleidselementen."),
    ("be.dinet.activiteit.gewijzigd.v2", "Stuur je later versie 1, dan blijven die velden zoals ze waren."),
    ("be.dinet.activiteit.geannuleerd.v2", "De activiteit gaat niet door (versie 2)."),
    ("be.dinet.activiteit.afgelopen.v2", "De activiteit vond plaats (versie 2)."),
]

VOORBEELD_ACTIVITEIT = uuid.UUID("3f1c2a9e-5b7d-4e8f-9a10-2b3c4d5e6f70")
VOORBEELD_EVENT = uuid.UUID("7d2e4f60-1a3b-4c5d-8e9f-0a1b2c3d4e5f")


def voorbeeld(organisatie_id: uuid.UUID) -> dict[str, Any]:
    """A valid structured-mode event for this organisation (the guide's copy-paste example)."""
    activiteit = Activiteit(
        activiteit_id=VOORBEELD_ACTIVITEIT,
        versie=1,
        soort="infosessie",  # type: ignore[arg-type]
        titel="Infosessie: veilig online bankieren",
        organisator_id=organisatie_id,
        trekker=Trekker.PARTNER,
        vorm=Vorm.ONLINE,
        start=datetime(2026, 10, 6, 7, 0, tzinfo=UTC),
        einde=datetime(2026, 10, 6, 9, 0, tzinfo=UTC),
        duur_uren=Decimal("2"),
        capaciteit=80,
        status=ActiviteitStatus.GEPLAND,
    )
    event = wrap(
        ActiviteitGepland(activiteit_id=activiteit.activiteit_id, activiteit=activiteit),
        source="/partners/mijn-organisatie",
        event_id=str(VOORBEELD_EVENT),
        time=datetime(2026, 9, 1, 8, 0, tzinfo=UTC),
    )
    return json.loads(event.model_dump_json())


VOORBEELD_FOUT = {
    "type": "urn:dinet:probleem:validatie",
    "title": "De gegevens zijn niet geldig",
    "status": 422,
    "detail": "Verbeter de velden in `errors` en probeer opnieuw. Er werd niets aanvaard.",
    "errors": [
        {
            "index": 3,
            "veld": "data.activiteit.soort",
            "code": "ongeldige_waarde",
            "melding": "Kies een van de toegelaten waarden: 'netwerk_algemeen', ...",
        }
    ],
}


@get(PAD, include_in_schema=False)
async def handleiding(request: Request[Any, Any, Any], diensten: NamedDependency[RegistratieDiensten]) -> Template:
    wie = identiteit(request)
    eigen = wie is not None and wie.heeft(Rol.PARTNER) and wie.organisatie_id is not None
    organisatie_id = wie.organisatie_id if eigen and wie is not None else organisatie_id_voor_sleutel("mediawijs")
    assert organisatie_id is not None
    basis = str(diensten.settings.public_url).rstrip("/")
    event = voorbeeld(organisatie_id)
    return Template(
        template_name="toegang/handleiding.html",
        context={
            "eigen_organisatie": eigen,
            "organisatie_id": organisatie_id,
            "api_url": f"{basis}{API_PAD}",
            "nats_host": basis.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] + ":4222",
            "voorbeeld_json": json.dumps(event, indent=2, ensure_ascii=False),
            "voorbeeld_data_json": json.dumps(event["data"], indent=2, ensure_ascii=False),
            "voorbeeld": event,
            "subject": partner_subject(organisatie_id, event["type"]),
            "velden": [(naam, VELDEN[naam]) for naam in ActiviteitV2.model_fields],
            "verplicht": {n for n, f in Activiteit.model_fields.items() if f.is_required()},
            "types": TYPES,
            "soorten": [(s.value, label) for s, label in ACTIVITEIT_SOORT_LABELS.items()],
            "fout_json": json.dumps(VOORBEELD_FOUT, indent=2, ensure_ascii=False),
            "structured": STRUCTURED,
            "batch": BATCH,
            "max_batch": MAX_BATCH,
        },
    )


ROUTES = [handleiding]
