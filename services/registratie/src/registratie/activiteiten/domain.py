"""The rules of activities, free of I/O: what a valid activity is, which event a change emits,
who gets a seat, what attendance may be recorded, when feedback may be shown, and the domain
errors the use cases raise.

Error codes are stable (the API returns them); messages are plain Dutch for people. The kind of
an error (NotFound, Conflict, Forbidden, Invalid) says what sort of refusal it is; the web layer
decides how it is answered.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from dinet_contracts import beleidstool
from dinet_contracts.events.activiteiten import (
    Activiteit,
    ActiviteitAfgelopenV2,
    ActiviteitGeannuleerdV2,
    ActiviteitGeplandV2,
    ActiviteitGewijzigdV2,
    ActiviteitV2,
)
from dinet_contracts.tijd import BRUSSEL, lokaal, lokale_datum
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, Trekker, Vorm

from dinet_chassis.errors import Conflict, DomainError, FieldProblem, Forbidden, Invalid, NotFound

from ..kernel.datum import lees_datum

MAX_TITEL = 300
MAX_OMSCHRIJVING = 5000
MAX_LOCATIE = 300
MAX_ONDERSTEUNING = 2000
MAX_METHODE = 500
MAX_URL = 500
MAX_UREN = Decimal("9999.99")  # numeric(6, 2)
MAX_FEEDBACK_TEKST = 2000

# Below this many answers a summary could point at a person; staff then see only the count.
FEEDBACK_DREMPEL = 5

# Kinds that concern one local government (KPIs od32 and od33 count them per government).
SOORTEN_MET_LOKAAL_BESTUUR = frozenset({ActiviteitSoort.ADVIESGESPREK, ActiviteitSoort.ONDERSTEUNING_OP_MAAT})
# Kinds that are published rather than attended: no registrations, attendance or feedback.
SOORTEN_PUBLICATIE = frozenset({ActiviteitSoort.ARTIKEL_LOKAAL, ActiviteitSoort.GOEDE_PRAKTIJK})

OPEN_STATUSSEN = frozenset({ActiviteitStatus.GEPLAND, ActiviteitStatus.VERPLAATST})

# Kinds anyone may attend: on the public calendar, their pages open to all. Advice conversations,
# tailored support, the steering committee and publications are for staff only.
PUBLIEKE_SOORTEN: tuple[ActiviteitSoort, ...] = (
    ActiviteitSoort.NETWERK_ALGEMEEN,
    ActiviteitSoort.NETWERK_SPECIFIEK,
    ActiviteitSoort.INFOSESSIE,
    ActiviteitSoort.INSPIRATIEDAG,
    ActiviteitSoort.THEMATISCHE_OPLEIDING,
    ActiviteitSoort.MEERDAAGSE_OPLEIDING,
    ActiviteitSoort.VVSG_OPLEIDING_GEINTEGREERD,
)

STATUS_LABELS: dict[ActiviteitStatus, str] = {
    ActiviteitStatus.GEPLAND: "Gepland",
    ActiviteitStatus.VERPLAATST: "Verplaatst",
    ActiviteitStatus.AFGELOPEN: "Afgelopen",
    ActiviteitStatus.GEANNULEERD: "Geannuleerd",
}
TREKKER_LABELS: dict[Trekker, str] = {Trekker.VVSG: "VVSG", Trekker.MEDIAWIJS: "Mediawijs", Trekker.PARTNER: "Een partner"}
VORM_LABELS: dict[Vorm, str] = {Vorm.FYSIEK: "Fysiek (ter plaatse)", Vorm.ONLINE: "Online"}


@dataclass(frozen=True, slots=True)
class ActiviteitGegevens:
    """What staff (or a partner) decide about an activity; id, versie and status are kept apart."""

    soort: ActiviteitSoort
    titel: str
    organisator_id: uuid.UUID
    trekker: Trekker
    vorm: Vorm
    start: datetime  # aware
    einde: datetime  # aware
    duur_uren: Decimal
    capaciteit: int | None = None
    omschrijving: str | None = None
    locatie: str | None = None
    vvsg_werkte_mee: bool = False
    lokaal_bestuur_id: uuid.UUID | None = None
    ondersteuning: str | None = None
    methode: str | None = None
    url: str | None = None
    deelnamelink: str | None = None  # online: where to join
    pijlers: tuple[str, ...] = ()  # beleidstool pillar codes it serves
    elementen: tuple[str, ...] = ()  # beleidstool element ids it serves


def snapshot(activiteit_id: uuid.UUID, versie: int, status: ActiviteitStatus, g: ActiviteitGegevens) -> ActiviteitV2:
    """The activity as the events carry it (version 2: with place, description and what it serves)."""
    return ActiviteitV2(
        activiteit_id=activiteit_id,
        versie=versie,
        soort=g.soort,
        titel=g.titel,
        organisator_id=g.organisator_id,
        trekker=g.trekker,
        vorm=g.vorm,
        start=g.start,
        einde=g.einde,
        duur_uren=g.duur_uren,
        capaciteit=g.capaciteit,
        status=status,
        vvsg_werkte_mee=g.vvsg_werkte_mee,
        lokaal_bestuur_id=g.lokaal_bestuur_id,
        ondersteuning=g.ondersteuning,
        methode=g.methode,
        url=g.url,
        plaats=g.locatie,
        beschrijving=g.omschrijving,
        deelnamelink=g.deelnamelink,
        pijlers=g.pijlers,
        elementen=g.elementen,
    )


def gegevens_uit_snapshot(a: Activiteit) -> ActiviteitGegevens:
    v2 = a if isinstance(a, ActiviteitV2) else None
    return ActiviteitGegevens(
        soort=a.soort,
        titel=a.titel,
        organisator_id=a.organisator_id,
        trekker=a.trekker,
        vorm=a.vorm,
        start=a.start,
        einde=a.einde,
        duur_uren=a.duur_uren,
        capaciteit=a.capaciteit,
        omschrijving=v2.beschrijving if v2 else None,
        locatie=v2.plaats if v2 else None,
        vvsg_werkte_mee=a.vvsg_werkte_mee,
        lokaal_bestuur_id=a.lokaal_bestuur_id,
        ondersteuning=a.ondersteuning,
        methode=a.methode,
        url=a.url,
        deelnamelink=v2.deelnamelink if v2 else None,
        pijlers=tuple(v2.pijlers) if v2 else (),
        elementen=tuple(v2.elementen) if v2 else (),
    )


# --- errors ------------------------------------------------------------------------------------

Fout = TypeVar("Fout", bound=DomainError)


def weiger(soort: type[Fout], probleem: FieldProblem) -> Fout:
    """A refusal about one field: the field's code and message are the error's."""
    return soort(probleem.code, probleem.melding, problemen=[probleem])


def _fout(soort: type[Fout], veld: str, code: str, melding: str) -> Fout:
    return weiger(soort, FieldProblem(veld, code, melding))



def onbekende_activiteit() -> NotFound:
    return _fout(NotFound, "activiteit_id", "onbekende_activiteit", "Deze activiteit bestaat niet.")


class VersieConflict(Conflict):
    """Someone else saved the activity after this form was opened."""

    def __init__(self, huidige_versie: int) -> None:
        melding = "Iemand anders heeft deze activiteit intussen gewijzigd. Bekijk de nieuwe gegevens en probeer opnieuw."
        super().__init__("versie_conflict", melding, problemen=[FieldProblem("versie", "versie_conflict", melding)])
        self.huidige_versie = huidige_versie


def van_partner() -> Conflict:
    # The partner's versie numbers are the activity's: a change here would make the partner's
    # next update look old and be ignored.
    return _fout(Conflict, "status", "activiteit_van_partner", "Deze activiteit komt van een partner; alleen die partner kan ze wijzigen.")


# --- lifecycle ---------------------------------------------------------------------------------


def gebeurtenis_voor(oud: ActiviteitStatus | None, nieuw: ActiviteitStatus) -> type:
    """The lifecycle event of a change from `oud` (None: the activity is new) to `nieuw`.

    The status decides, not what the sender called it: a partner's "gewijzigd" that cancels is an
    `ActiviteitGeannuleerd` here, and an activity recorded after it was held (a publication, an
    advice conversation yesterday) is born `ActiviteitAfgelopen`.
    """
    if nieuw is ActiviteitStatus.GEANNULEERD and oud is not ActiviteitStatus.GEANNULEERD:
        return ActiviteitGeannuleerdV2
    if nieuw is ActiviteitStatus.AFGELOPEN and oud is not ActiviteitStatus.AFGELOPEN:
        return ActiviteitAfgelopenV2
    if oud is None:
        return ActiviteitGeplandV2
    return ActiviteitGewijzigdV2


def status_na_wijziging(huidig: ActiviteitStatus, oud: ActiviteitGegevens, nieuw: ActiviteitGegevens) -> ActiviteitStatus:
    """A planned activity whose date changes is `verplaatst` (same id, same registrations); it
    stays open for registration. Other changes keep the status."""
    if huidig in OPEN_STATUSSEN and (oud.start != nieuw.start or oud.einde != nieuw.einde):
        return ActiviteitStatus.VERPLAATST
    return huidig


def controleer_wijzigbaar(status: ActiviteitStatus) -> None:
    if status is ActiviteitStatus.GEANNULEERD:
        raise _fout(Conflict, "status", "activiteit_geannuleerd", "Deze activiteit is geannuleerd en kan niet meer gewijzigd worden.")


def fout_annuleren(status: ActiviteitStatus, start: datetime, nu: datetime) -> FieldProblem | None:
    """Why an activity cannot be cancelled, or None when it can. Only what has not begun can be
    called off: from its start on it is marked held instead (`controleer_afsluitbaar`), so staff
    are never offered both, nor neither."""
    if status is ActiviteitStatus.GEANNULEERD:
        return FieldProblem("status", "activiteit_geannuleerd", "Deze activiteit is al geannuleerd.")
    if status is ActiviteitStatus.AFGELOPEN:
        return FieldProblem("status", "activiteit_afgelopen", "Deze activiteit heeft al plaatsgevonden en kan niet geannuleerd worden.")
    if start <= nu:
        return FieldProblem(
            "status",
            "al_begonnen",
            "Deze activiteit is al begonnen en kan niet meer geannuleerd worden. "
            "Vond ze plaats, kies dan bij de activiteit 'Vond plaats'.",
        )
    return None


def controleer_annuleerbaar(status: ActiviteitStatus, start: datetime, nu: datetime) -> None:
    fout = fout_annuleren(status, start, nu)
    if fout is not None:
        raise weiger(Conflict, fout)


def controleer_afsluitbaar(status: ActiviteitStatus, start: datetime, nu: datetime) -> None:
    controleer_wijzigbaar(status)
    if status is ActiviteitStatus.AFGELOPEN:
        raise _fout(Conflict, "status", "al_afgelopen", "Deze activiteit staat al als afgelopen.")
    if start > nu:
        raise _fout(Conflict, "status", "nog_niet_begonnen", "Deze activiteit is nog niet begonnen. Verander eerst de datum.")


# --- validation --------------------------------------------------------------------------------


def controleer_soortregels(g: ActiviteitGegevens) -> list[FieldProblem]:
    """Rules that hold whoever sends the activity (staff form, partner event)."""
    fouten: list[FieldProblem] = []
    if g.einde < g.start:
        fouten.append(FieldProblem("einde_datum", "einde_voor_start", "Het einde moet na het begin liggen."))
    if g.soort in SOORTEN_MET_LOKAAL_BESTUUR and g.lokaal_bestuur_id is None:
        fouten.append(FieldProblem("lokaal_bestuur_id", "verplicht", "Kies het lokaal bestuur."))
    if g.soort is ActiviteitSoort.ONDERSTEUNING_OP_MAAT:
        if not g.ondersteuning:
            fouten.append(FieldProblem("ondersteuning", "verplicht", "Beschrijf welke ondersteuning gegeven werd."))
        if not g.methode:
            fouten.append(FieldProblem("methode", "verplicht", "Beschrijf de methode."))
    return fouten


def zuiver(g: ActiviteitGegevens) -> ActiviteitGegevens:
    """Drop the fields that do not belong to the kind, so the KPIs never count a stray value."""
    return replace(
        g,
        lokaal_bestuur_id=g.lokaal_bestuur_id if g.soort in SOORTEN_MET_LOKAAL_BESTUUR else None,
        ondersteuning=g.ondersteuning if g.soort is ActiviteitSoort.ONDERSTEUNING_OP_MAAT else None,
        methode=g.methode if g.soort is ActiviteitSoort.ONDERSTEUNING_OP_MAAT else None,
        vvsg_werkte_mee=g.vvsg_werkte_mee if g.soort is ActiviteitSoort.MEERDAAGSE_OPLEIDING else False,
        capaciteit=None if g.soort in SOORTEN_PUBLICATIE else g.capaciteit,
    )


FORMULIER_VELDEN = (
    "soort",
    "titel",
    "omschrijving",
    "organisator_id",
    "trekker",
    "vorm",
    "start_datum",
    "start_tijd",
    "einde_datum",
    "einde_tijd",
    "duur_uren",
    "capaciteit",
    "locatie",
    "lokaal_bestuur_id",
    "ondersteuning",
    "methode",
    "url",
    "deelnamelink",
)
# Several values each (checkboxes): read with `_lijst`.
FORMULIER_LIJSTEN = ("pijlers", "elementen")


def _tekst(invoer: Mapping[str, Any], veld: str) -> str:
    waarde = invoer.get(veld)
    if waarde is None:
        return ""
    return str(waarde).strip()


def _lijst(invoer: Mapping[str, Any], veld: str) -> list[str]:
    waarde = invoer.get(veld)
    if waarde is None:
        return []
    if isinstance(waarde, str):
        waarde = [waarde]
    return [str(w).strip() for w in waarde if str(w).strip()]


def lees_beleidskeuze(invoer: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...], list[FieldProblem]]:
    """The pillars and policy elements an activity serves, checked against the catalogue. Ids of
    an older catalogue version stay accepted, so editing an older activity never fails on them."""
    fouten: list[FieldProblem] = []
    pijlers = tuple(dict.fromkeys(_lijst(invoer, "pijlers")))
    elementen = tuple(dict.fromkeys(_lijst(invoer, "elementen")))
    if any(p not in beleidstool.PIJLER_CODES for p in pijlers):
        fouten.append(FieldProblem("pijlers", "onbekende_pijler", "Kies de pijlers uit de lijst."))
    if any(e not in beleidstool.bekende_element_ids() for e in elementen):
        fouten.append(FieldProblem("elementen", "onbekend_element", "Kies de beleidselementen uit de lijst."))
    return pijlers, elementen, fouten


def lees_decimaal(tekst: str) -> Decimal | None:
    """A number as people type it here: "1,5" or "1.5"."""
    try:
        waarde = Decimal(tekst.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        return None
    return waarde if waarde.is_finite() else None


_UUR = re.compile(r"^(\d{1,2})(?:[:.u](\d{2})?)?$")


def _tijd(tekst: str) -> time | None:
    """09:30, 9.30, 9u30 or 9u: how people write an hour here."""
    m = _UUR.match(tekst.lower())
    if not m:
        return None
    uur, minuut = int(m.group(1)), int(m.group(2) or 0)
    return time(uur, minuut) if uur < 24 and minuut < 60 else None


def lokaal_tijdstip(d: date, t: time) -> datetime:
    return datetime.combine(d, t, tzinfo=BRUSSEL)


def uren_tussen(start: datetime, einde: datetime) -> Decimal:
    seconden = Decimal(int((einde - start).total_seconds()))
    return (seconden / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def valideer_formulier(invoer: Mapping[str, Any]) -> ActiviteitGegevens | list[FieldProblem]:
    """Read the staff form (all values text). Returns the clean activity or every field's problem.

    Times are Belgian local time. An empty end date means the same day; an empty duration is
    the time between start and end, which is only right for one day (a three-day training is
    not 72 hours), so for several days it must be given.
    """
    fouten: list[FieldProblem] = []
    waarde = {veld: _tekst(invoer, veld) for veld in FORMULIER_VELDEN}

    soort: ActiviteitSoort | None = None
    try:
        soort = ActiviteitSoort(waarde["soort"])
    except ValueError:
        fouten.append(FieldProblem("soort", "verplicht", "Kies de soort activiteit."))

    titel = " ".join(waarde["titel"].split())
    if not titel:
        fouten.append(FieldProblem("titel", "verplicht", "Vul de titel in."))
    elif len(titel) > MAX_TITEL:
        fouten.append(FieldProblem("titel", "te_lang", f"De titel mag hoogstens {MAX_TITEL} tekens lang zijn."))

    omschrijving = waarde["omschrijving"]
    if len(omschrijving) > MAX_OMSCHRIJVING:
        fouten.append(FieldProblem("omschrijving", "te_lang", f"De omschrijving mag hoogstens {MAX_OMSCHRIJVING} tekens lang zijn."))

    organisator_id = _uuid(waarde["organisator_id"])
    if organisator_id is None:
        fouten.append(FieldProblem("organisator_id", "verplicht", "Kies de organisator."))

    trekker: Trekker | None = None
    try:
        trekker = Trekker(waarde["trekker"])
    except ValueError:
        fouten.append(FieldProblem("trekker", "verplicht", "Kies wie de activiteit trekt."))

    vorm: Vorm | None = None
    try:
        vorm = Vorm(waarde["vorm"])
    except ValueError:
        fouten.append(FieldProblem("vorm", "verplicht", "Kies of de activiteit fysiek of online is."))

    start: datetime | None = None
    einde: datetime | None = None
    start_datum = lees_datum(waarde["start_datum"]) if waarde["start_datum"] else None
    if not waarde["start_datum"]:
        fouten.append(FieldProblem("start_datum", "verplicht", "Vul de datum in."))
    elif start_datum is None:
        fouten.append(FieldProblem("start_datum", "ongeldige_datum", "Geef de datum als dag/maand/jaar, bijvoorbeeld 15/03/2026."))
    start_tijd = _tijd(waarde["start_tijd"]) if waarde["start_tijd"] else time(0, 0)
    if start_tijd is None:
        fouten.append(FieldProblem("start_tijd", "ongeldig_uur", "Geef het beginuur als uu:mm, bijvoorbeeld 09:30."))
    einde_datum = lees_datum(waarde["einde_datum"]) if waarde["einde_datum"] else start_datum
    if waarde["einde_datum"] and einde_datum is None:
        fouten.append(FieldProblem("einde_datum", "ongeldige_datum", "Geef de einddatum als dag/maand/jaar, bijvoorbeeld 16/03/2026."))
    einde_tijd = _tijd(waarde["einde_tijd"]) if waarde["einde_tijd"] else start_tijd
    if waarde["einde_tijd"] and einde_tijd is None:
        fouten.append(FieldProblem("einde_tijd", "ongeldig_uur", "Geef het einduur als uu:mm, bijvoorbeeld 12:00."))
    if start_datum and start_tijd and einde_datum and einde_tijd:
        start = lokaal_tijdstip(start_datum, start_tijd)
        einde = lokaal_tijdstip(einde_datum, einde_tijd)
        if einde < start:
            veld = "einde_datum" if einde_datum != start_datum else "einde_tijd"
            fouten.append(FieldProblem(veld, "einde_voor_start", "Het einde moet na het begin liggen."))

    duur: Decimal | None = None
    if waarde["duur_uren"]:
        duur = lees_decimaal(waarde["duur_uren"])
        if duur is None or duur < 0 or duur > MAX_UREN:
            fouten.append(FieldProblem("duur_uren", "ongeldig_getal", "Geef de duur in uren, bijvoorbeeld 2,5."))
            duur = None
        else:
            duur = duur.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    elif start is not None and einde is not None:
        if start_datum == einde_datum:
            duur = uren_tussen(start, einde)
        else:
            fouten.append(
                FieldProblem("duur_uren", "verplicht", "Vul de duur in uren in: bij een activiteit over meer dagen tellen we die niet zelf.")
            )

    capaciteit: int | None = None
    if waarde["capaciteit"]:
        if waarde["capaciteit"].isdigit() and int(waarde["capaciteit"]) >= 1:
            capaciteit = int(waarde["capaciteit"])
        else:
            fouten.append(FieldProblem("capaciteit", "ongeldig_getal", "Geef het aantal plaatsen als een getal vanaf 1, of laat leeg."))

    for veld, maximum in (("locatie", MAX_LOCATIE), ("ondersteuning", MAX_ONDERSTEUNING), ("methode", MAX_METHODE)):
        if len(waarde[veld]) > maximum:
            fouten.append(FieldProblem(veld, "te_lang", f"Gebruik hoogstens {maximum} tekens."))

    url = waarde["url"]
    if url and (len(url) > MAX_URL or not url.startswith(("https://", "http://"))):
        fouten.append(FieldProblem("url", "ongeldige_url", "Geef een volledig webadres dat begint met https://."))
    deelnamelink = waarde["deelnamelink"]
    if deelnamelink and (len(deelnamelink) > MAX_URL or not re.fullmatch(r"https://\S+", deelnamelink)):
        fouten.append(
            FieldProblem("deelnamelink", "ongeldige_url", "Geef de volledige link om deel te nemen; die begint met https://.")
        )
    pijlers, elementen, beleidsfouten = lees_beleidskeuze(invoer)
    fouten += beleidsfouten

    lokaal_bestuur_id = None
    if waarde["lokaal_bestuur_id"]:
        lokaal_bestuur_id = _uuid(waarde["lokaal_bestuur_id"])
        if lokaal_bestuur_id is None:
            fouten.append(FieldProblem("lokaal_bestuur_id", "ongeldige_waarde", "Kies het lokaal bestuur uit de lijst."))

    if soort is not None:
        # The kind's own rules, checked on the raw input so they are reported with the rest.
        if soort in SOORTEN_MET_LOKAAL_BESTUUR and not waarde["lokaal_bestuur_id"]:
            fouten.append(FieldProblem("lokaal_bestuur_id", "verplicht", "Kies het lokaal bestuur."))
        if soort is ActiviteitSoort.ONDERSTEUNING_OP_MAAT:
            if not waarde["ondersteuning"]:
                fouten.append(FieldProblem("ondersteuning", "verplicht", "Beschrijf welke ondersteuning gegeven werd."))
            if not waarde["methode"]:
                fouten.append(FieldProblem("methode", "verplicht", "Beschrijf de methode."))

    if fouten:
        return fouten
    assert soort and organisator_id and trekker and vorm and start and einde and duur is not None
    gegevens = ActiviteitGegevens(
        soort=soort,
        titel=titel,
        organisator_id=organisator_id,
        trekker=trekker,
        vorm=vorm,
        start=start,
        einde=einde,
        duur_uren=duur,
        capaciteit=capaciteit,
        omschrijving=omschrijving or None,
        locatie=" ".join(waarde["locatie"].split()) or None,
        vvsg_werkte_mee=bool(invoer.get("vvsg_werkte_mee")),
        lokaal_bestuur_id=lokaal_bestuur_id,
        ondersteuning=waarde["ondersteuning"] or None,
        methode=waarde["methode"] or None,
        url=url or None,
        deelnamelink=deelnamelink or None,
        pijlers=pijlers,
        elementen=elementen,
    )
    return zuiver(gegevens)


def formulier_waarden(g: ActiviteitGegevens) -> dict[str, Any]:
    """The form's fields for an existing activity (the inverse of valideer_formulier)."""
    start = lokaal(g.start)
    einde = lokaal(g.einde)
    return {
        "soort": g.soort.value,
        "titel": g.titel,
        "omschrijving": g.omschrijving or "",
        "organisator_id": str(g.organisator_id),
        "trekker": g.trekker.value,
        "vorm": g.vorm.value,
        "start_datum": start.date().isoformat(),
        "start_tijd": start.strftime("%H:%M"),
        "einde_datum": einde.date().isoformat(),
        "einde_tijd": einde.strftime("%H:%M"),
        "duur_uren": format_uren(g.duur_uren),
        "capaciteit": "" if g.capaciteit is None else str(g.capaciteit),
        "locatie": g.locatie or "",
        "vvsg_werkte_mee": g.vvsg_werkte_mee,
        "lokaal_bestuur_id": str(g.lokaal_bestuur_id) if g.lokaal_bestuur_id else "",
        "ondersteuning": g.ondersteuning or "",
        "methode": g.methode or "",
        "url": g.url or "",
        "deelnamelink": g.deelnamelink or "",
        "pijlers": list(g.pijlers),
        "elementen": list(g.elementen),
    }


def format_uren(uren: Decimal) -> str:
    """2.50 -> "2,5"; 3.00 -> "3" (Dutch decimal comma)."""
    tekst = f"{uren.normalize():f}"
    return tekst.replace(".", ",")


def _uuid(tekst: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(tekst)
    except ValueError:
        return None


# --- registrations -----------------------------------------------------------------------------


class InschrijvingStatus:
    INGESCHREVEN = "ingeschreven"
    WACHTLIJST = "wachtlijst"
    GEANNULEERD = "geannuleerd"


OP_EEN_LIJST = (InschrijvingStatus.INGESCHREVEN, InschrijvingStatus.WACHTLIJST)


@dataclass(frozen=True, slots=True)
class Wie:
    """Who asks: staff, or a member (with their organisation). The web layer makes it from the
    signed-in person; the rules below need no more."""

    medewerker: bool = False
    lid_id: uuid.UUID | None = None
    organisatie_id: uuid.UUID | None = None


def mag_beheren(door: Wie, lid_id: uuid.UUID, lid_organisatie_id: uuid.UUID) -> bool:
    """Staff for anyone; a member for themselves and for colleagues of their own organisation."""
    if door.medewerker:
        return True
    if door.lid_id is None:
        return False
    return door.lid_id == lid_id or (door.organisatie_id is not None and door.organisatie_id == lid_organisatie_id)


def geen_lid() -> Invalid:
    return _fout(Invalid, "lid_id", "onbekend_lid", "Deze persoon is geen lid van het netwerk.")


def andere_organisatie() -> Forbidden:
    return _fout(
        Forbidden,
        "lid_id", "andere_organisatie", "Je kan alleen jezelf of collega's van je eigen organisatie inschrijven."
    )


def niet_ingeschreven(melding: str = "Deze persoon is niet ingeschreven en staat niet op de wachtlijst.") -> NotFound:
    return _fout(NotFound, "lid_id", "niet_ingeschreven", melding)


def al_op_lijst(status: str) -> Conflict:
    if status == InschrijvingStatus.WACHTLIJST:
        return _fout(Conflict, "lid_id", "al_op_wachtlijst", "Deze persoon staat al op de wachtlijst voor deze activiteit.")
    return _fout(Conflict, "lid_id", "al_ingeschreven", "Deze persoon is al ingeschreven voor deze activiteit.")


def fout_niet_open(status: ActiviteitStatus, soort: ActiviteitSoort, start: datetime, nu: datetime) -> FieldProblem | None:
    """Why no one can (un)register now, or None when they can."""
    if soort in SOORTEN_PUBLICATIE:
        return FieldProblem("activiteit_id", "geen_inschrijvingen", "Voor deze activiteit kan je je niet inschrijven.")
    if status is ActiviteitStatus.GEANNULEERD:
        return FieldProblem("activiteit_id", "activiteit_geannuleerd", "Deze activiteit is geannuleerd.")
    if status is ActiviteitStatus.AFGELOPEN or start <= nu:
        return FieldProblem("activiteit_id", "inschrijving_gesloten", "Deze activiteit is al begonnen; inschrijven kan niet meer.")
    return None


def plaats_voor(capaciteit: int | None, ingeschreven: int) -> str:
    """Where a new registration goes, given how many already hold a seat."""
    if capaciteit is None or ingeschreven < capaciteit:
        return InschrijvingStatus.INGESCHREVEN
    return InschrijvingStatus.WACHTLIJST


def vrije_plaatsen(capaciteit: int | None, ingeschreven: int, wachtenden: int) -> int:
    """How many people to move up from the waitlist now. Never negative: lowering the capacity
    below the number registered takes no one's seat away."""
    if capaciteit is None:
        return wachtenden
    return max(0, min(wachtenden, capaciteit - ingeschreven))


# --- attendance --------------------------------------------------------------------------------


def fout_aanwezigheid(status: ActiviteitStatus, soort: ActiviteitSoort, start: datetime, nu: datetime) -> FieldProblem | None:
    """Attendance is recorded from the day of the activity on (check-in at the door), and at any
    time afterwards: late recording belongs to the activity's own date, not to today's."""
    if soort in SOORTEN_PUBLICATIE:
        return FieldProblem("activiteit_id", "geen_aanwezigheden", "Voor een publicatie houden we geen aanwezigheden bij.")
    if status is ActiviteitStatus.GEANNULEERD:
        return FieldProblem("activiteit_id", "activiteit_geannuleerd", "Deze activiteit is geannuleerd.")
    if lokale_datum(start) > lokale_datum(nu):
        return FieldProblem("activiteit_id", "nog_niet_begonnen", "Aanwezigheden registreer je vanaf de dag van de activiteit.")
    return None


def te_veel_uren(regels: Iterable[tuple[uuid.UUID, bool, Decimal]], duur: Decimal) -> Invalid | None:
    """Hours that cannot be: more than the activity lasts, negative, or hours for someone absent.
    One problem per person, so every wrong line is reported at once."""
    problemen = [
        FieldProblem(
            f"uren_{lid_id}",
            "meer_dan_duur",
            f"Iemand kan niet langer aanwezig zijn dan de activiteit duurt ({format_uren(duur)} uur).",
        )
        for lid_id, aanwezig, uren in regels
        if uren > duur or uren < 0 or (not aanwezig and uren)
    ]
    return _ongeldig(problemen)


def _ongeldig(problemen: list[FieldProblem]) -> Invalid | None:
    """One wrong field: its code and message are the error's; several: the general advice."""
    if not problemen:
        return None
    if len(problemen) == 1:
        return weiger(Invalid, problemen[0])
    return Invalid(problemen=problemen)


def onbekende_leden(lid_ids: Iterable[uuid.UUID]) -> Invalid | None:
    return _ongeldig(
        [FieldProblem(f"aanwezig_{lid_id}", "onbekend_lid", "Deze persoon is geen lid van het netwerk.") for lid_id in lid_ids]
    )


def valideer_uren(aanwezig: bool, tekst: str, duur: Decimal, veld: str) -> Decimal | FieldProblem:
    """Hours attended: empty means the whole activity; less when someone left early; 0 if absent."""
    if not aanwezig:
        return Decimal("0.00")
    tekst = tekst.strip()
    if not tekst:
        return duur
    uren = lees_decimaal(tekst)
    if uren is None or uren <= 0:
        return FieldProblem(veld, "ongeldig_getal", "Geef het aantal uren aanwezig als een getal groter dan 0, bijvoorbeeld 1,5.")
    if uren > duur:
        return FieldProblem(veld, "meer_dan_duur", f"Iemand kan niet langer aanwezig zijn dan de activiteit duurt ({format_uren(duur)} uur).")
    return uren.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- feedback ----------------------------------------------------------------------------------


def valideer_feedback(invoer: Mapping[str, Any]) -> tuple[int, str | None] | list[FieldProblem]:
    fouten: list[FieldProblem] = []
    score_tekst = _tekst(invoer, "score")
    score = int(score_tekst) if score_tekst.isdigit() else 0
    if not 1 <= score <= 5:
        fouten.append(FieldProblem("score", "verplicht", "Kies een score van 1 tot 5."))
    tekst = _tekst(invoer, "tekst")
    if len(tekst) > MAX_FEEDBACK_TEKST:
        fouten.append(FieldProblem("tekst", "te_lang", f"Je reactie mag hoogstens {MAX_FEEDBACK_TEKST} tekens lang zijn."))
    return fouten or (score, tekst or None)


@dataclass(frozen=True, slots=True)
class FeedbackSamenvatting:
    aantal: int
    zichtbaar: bool
    gemiddelde: Decimal | None = None
    verdeling: tuple[tuple[int, int], ...] = ()  # (score, count) for 5..1
    teksten: tuple[str, ...] = ()


def vat_feedback_samen(scores: list[int], teksten: list[str]) -> FeedbackSamenvatting:
    """Nothing but the count below FEEDBACK_DREMPEL answers: with three answers, a low score and
    a known list of attendees, people can guess who wrote what."""
    aantal = len(scores)
    if aantal < FEEDBACK_DREMPEL:
        return FeedbackSamenvatting(aantal=aantal, zichtbaar=False)
    gemiddelde = (Decimal(sum(scores)) / Decimal(aantal)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    verdeling = tuple((s, scores.count(s)) for s in range(5, 0, -1))
    # Sorted, not in arrival order: the order must not reveal who answered when.
    return FeedbackSamenvatting(aantal, True, gemiddelde, verdeling, tuple(sorted(t for t in teksten if t)))


def is_afgelopen_voor_feedback(status: ActiviteitStatus, einde: datetime, nu: datetime) -> bool:
    return status is ActiviteitStatus.AFGELOPEN or (status in OPEN_STATUSSEN and einde <= nu)


@dataclass(frozen=True, slots=True)
class FeedbackStand:
    """What decides whether a member may give feedback on an activity."""

    status: ActiviteitStatus
    einde: datetime
    aanwezig: bool  # recorded present
    gegeven: bool  # answered already


AL_GEGEVEN = FieldProblem("activiteit_id", "al_gegeven", "Je gaf je mening over deze activiteit al. Bedankt!")


def waarom_geen_feedback(stand: FeedbackStand | None, nu: datetime) -> FieldProblem | None:
    """Why this member cannot give feedback now (None: they can)."""
    if stand is None:
        return FieldProblem("activiteit_id", "onbekende_activiteit", "Deze activiteit bestaat niet.")
    if not is_afgelopen_voor_feedback(stand.status, stand.einde, nu):
        return FieldProblem("activiteit_id", "nog_niet_afgelopen", "Je kan je mening geven zodra de activiteit voorbij is.")
    if not stand.aanwezig:
        return FieldProblem("activiteit_id", "niet_aanwezig", "Alleen wie aanwezig was, kan zijn mening over deze activiteit geven.")
    if stand.gegeven:
        return AL_GEGEVEN
    return None


def feedback_geweigerd(reden: FieldProblem) -> Conflict | Forbidden:
    return weiger(Conflict if reden.code == AL_GEGEVEN.code else Forbidden, reden)


def jaar_van(start: datetime) -> int:
    """The year an activity counts in: the Belgian date it started."""
    return lokale_datum(start).year
