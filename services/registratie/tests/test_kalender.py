"""The public calendar page and its iCalendar feed (RFC 5545)."""

from __future__ import annotations

import html
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from dinet_contracts.types import ActiviteitSoort, Trekker, Vorm
from icalendar import Calendar

from registratie.activiteiten.domain import ActiviteitGegevens
from registratie.activiteiten.store import ActiviteitenUoW
from registratie.activiteiten.use_cases import levenscyclus
from registratie.kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from registratie.main import DEFINITION

VVSG = organisatie_id_voor_sleutel("vvsg")
GENT = organisatie_id_voor_nis("44021")
LANGE_TITEL = "Netwerkbijeenkomst: digitale inclusie in de praktijk – wat werkt bij lokale besturen, OCMW's en bibliotheken?"


def gegevens(start: datetime, **over: Any) -> ActiviteitGegevens:
    g = ActiviteitGegevens(
        soort=ActiviteitSoort.NETWERK_ALGEMEEN,
        titel=LANGE_TITEL,
        organisator_id=VVSG,
        trekker=Trekker.VVSG,
        vorm=Vorm.FYSIEK,
        start=start,
        einde=start + timedelta(hours=3),
        duur_uren=Decimal("3.00"),
        locatie="VVSG, Bischoffsheimlaan 1-8, 1000 Brussel",
        omschrijving="Met getuigenissen; een lange omschrijving, met komma's; en puntkomma's die ontsnapt moeten worden.",
    )
    return replace(g, **over)


async def test_feed_and_page_show_upcoming_public_activities(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        morgen = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        bijeenkomst = await levenscyclus.plan(levenscyclus.Plan(gegevens(morgen)), ActiviteitenUoW(runtime.db, source=runtime.source))
        webinar = await levenscyclus.plan(
            levenscyclus.Plan(
                gegevens(morgen + timedelta(days=7), soort=ActiviteitSoort.INFOSESSIE, titel="Webinar", vorm=Vorm.ONLINE,
                         locatie=None, url="https://vvsg.webex.com/abc")
            ),
            ActiviteitenUoW(runtime.db, source=runtime.source),
        )
        afgelast = await levenscyclus.plan(levenscyclus.Plan(gegevens(morgen + timedelta(days=14), titel="Afgelast")), ActiviteitenUoW(runtime.db, source=runtime.source))
        await levenscyclus.annuleer(levenscyclus.Annuleer(afgelast), ActiviteitenUoW(runtime.db, source=runtime.source))
        await levenscyclus.plan(levenscyclus.Plan(gegevens(morgen - timedelta(days=10), titel="Voorbij")), ActiviteitenUoW(runtime.db, source=runtime.source))
        advies = gegevens(morgen, soort=ActiviteitSoort.ADVIESGESPREK, titel="Adviesgesprek Gent", lokaal_bestuur_id=GENT)
        await levenscyclus.plan(levenscyclus.Plan(advies), ActiviteitenUoW(runtime.db, source=runtime.source))

        r = await client.get("/registratie/kalender.ics")
        assert r.status_code == 200
        assert r.headers.get_list("content-type") == ["text/calendar; charset=utf-8"]
        ruw = r.content
        # RFC 5545: CRLF line ends, lines of at most 75 octets (folded with a leading space).
        assert b"\r\n" in ruw and b"\n" not in ruw.replace(b"\r\n", b"")
        assert max(len(regel) for regel in ruw.split(b"\r\n")) <= 75
        assert b"\r\n " in ruw  # the long title was folded

        kalender = Calendar.from_ical(ruw)
        assert str(kalender["VERSION"]) == "2.0" and "PRODID" in kalender
        events = {str(e["UID"]): e for e in kalender.walk("VEVENT")}
        assert set(events) == {str(bijeenkomst), str(webinar), str(afgelast)}

        b = events[str(bijeenkomst)]
        assert str(b["SUMMARY"]) == LANGE_TITEL
        assert b.decoded("DTSTART") == morgen and b.decoded("DTSTART").tzinfo is not None
        assert b.decoded("DTSTART").utcoffset() == timedelta(0)
        assert b"DTSTART:" + morgen.strftime("%Y%m%dT%H%M%SZ").encode() in ruw
        assert b.decoded("DTEND") == morgen + timedelta(hours=3)
        assert str(b["LOCATION"]) == "VVSG, Bischoffsheimlaan 1-8, 1000 Brussel"
        assert str(b["URL"]).endswith(f"/registratie/activiteiten/{bijeenkomst}")
        assert "puntkomma's die ontsnapt" in str(b["DESCRIPTION"])
        assert str(b["STATUS"]) == "CONFIRMED"

        w = events[str(webinar)]
        assert str(w["LOCATION"]) == "Online" and str(w["URL"]) == "https://vvsg.webex.com/abc"
        assert str(events[str(afgelast)]["STATUS"]) == "CANCELLED"
        assert int(events[str(afgelast)]["SEQUENCE"]) == 1  # versie 2: one change since planned

        pagina = await client.get("/registratie/kalender")
        assert pagina.status_code == 200
        assert html.unescape(pagina.text).count(LANGE_TITEL) == 1 and "Webinar" in pagina.text and "Geannuleerd" in pagina.text
        assert "Voorbij" not in pagina.text and "Adviesgesprek" not in pagina.text
        assert 'href="/registratie/kalender.ics"' in pagina.text

        # The activity's page is public; a non-public kind is not found for an outsider.
        assert (await client.get(f"/registratie/activiteiten/{bijeenkomst}")).status_code == 200
        assert (await client.get(f"/registratie/activiteiten/{uuid.uuid4()}")).status_code == 404
        api = await client.get("/registratie/api/v1/activiteiten")
        assert {a["id"] for a in api.json()["activiteiten"]} == set(events)
